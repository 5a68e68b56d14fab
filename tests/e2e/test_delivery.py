"""Sending documents end to end: the manager's Send menu on the invoice card (Telegram link,
public link, e-mail to a local SMTP server, revoke), forged callbacks, and the admin's
template and image uploads refused when they are broken or too large."""

from __future__ import annotations

import contextlib
import email
import hashlib
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.images import PoolImageTools
from bot.pdf import PdfRenderer
from bot.public_links import mount_public_links
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.delivery import DeliveryService
from services.invoices import InvoiceService
from services.organizations import OrganizationService, seed_demo_organization
from services.quotes import QuoteService
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot

MANAGER, MANAGER2, CUSTOMER = 2001, 2002, 5001
LINK_RE = re.compile(r"https://t\.me/dealchat_test_bot\?start=(inv_[A-Za-z0-9_-]+)")
PUBLIC_RE = re.compile(r"http://docs\.example\.test/d/([A-Za-z0-9_-]+)")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


InboxT = TypeVar("InboxT", bound=Inbox)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(inbox: InboxT) -> Iterator[tuple[InboxT, int]]:
    """A local SMTP server delivering into `inbox`, and its port."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@contextlib.asynccontextmanager
async def delivering_bot(database_url: str, smtp_port: int) -> AsyncIterator[Harness]:
    """The bot with e-mail through the local SMTP server and public links on a test host."""
    async with running_bot(database_url, pdf_workers=1, smtp_host="127.0.0.1",
                           smtp_port=smtp_port, smtp_from="billing@demo.example",
                           public_base_url="http://docs.example.test") as harness:
        yield harness


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with serving(Inbox()) as served:
        yield served


@pytest.fixture
async def bot(database_url: str, smtp: tuple[Inbox, int]) -> AsyncIterator[Harness]:
    async with delivering_bot(database_url, smtp[1]) as harness:
        yield harness


@dataclass
class Seeded:
    invoice_id: int
    number: str


async def seed(bot: Harness) -> Seeded:
    """Admin, two managers, the demo organization (RU: documents in Russian) and an issued
    invoice of the first manager."""
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Ivan", None, "en")
        await access.join(MANAGER2, (await access.create_invite(admin, Role.MANAGER)).token,
                          "Petr", None, "en")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        company = await ClientService(db.uow, bot.clock).create_company(
            ivan, CompanyDraft(name="Ромашка", email="buh@romashka.ru"))
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        inv = await invoices.create_draft(ivan, company.id)
        inv = await invoices.add_free_line(ivan, inv.id, "Консультация", Decimal(2),
                                           Decimal("1500.00"))
        inv = await invoices.issue(ivan, inv.id)
    finally:
        await db.dispose()
    for uid, name in ((ADMIN, "Anna"), (MANAGER, "Ivan"), (MANAGER2, "Petr")):
        await bot.client.user(uid, first_name=name, language_code="en")
    await bot.client.user(CUSTOMER, first_name="Olga", language_code="en")
    assert inv.number_text is not None
    return Seeded(inv.id, inv.number_text)


async def send_menu(bot: Harness, number: str) -> dict[str, Any]:
    listing = await bot.say(MANAGER, "/invoices")
    card = await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith(number)))
    assert "Send…" in buttons(card)
    menu = await bot.press(MANAGER, card, "Send…")
    assert f"How shall I send invoice {number}?" in menu["text"]
    return menu


async def db_rows(bot: Harness, *columns: Any) -> list[tuple[Any, ...]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return [tuple(r) for r in (await uow.session.execute(select(*columns))).all()]
    finally:
        await db.dispose()


async def test_manager_gets_a_telegram_link_and_the_customer_opens_it(bot: Harness) -> None:
    seeded = await seed(bot)
    menu = await send_menu(bot, seeded.number)
    assert buttons(menu) == ["Telegram link", "E-mail", "Public link", "PDF"]
    link_msg = await bot.press(MANAGER, menu, "Telegram link")
    found = LINK_RE.search(link_msg["text"])
    assert found is not None and len(found.group(1)) <= 64, link_msg["text"]
    assert buttons(link_msg) == ["Revoke"]
    assert await db_rows(bot, m.Invoice.status) == [("sent",)]

    await bot.client.send_text(CUSTOMER, f"/start {found.group(1)}")
    hello = await bot.client.wait_for(CUSTOMER)
    assert "Hello, Olga! Here is your document." in hello["text"]
    doc = await bot.client.wait_for(CUSTOMER)
    assert doc["document"]["file_name"] == f"Invoice_{seeded.number}.pdf"
    assert buttons(doc) == ["Pay", "I've paid", "Ask a question"]
    pdf = await bot.client.file_bytes(CUSTOMER, doc["message_id"])
    assert pdf.startswith(b"%PDF")
    qr = await bot.client.wait_for(CUSTOMER)
    assert qr["photo"] and "Payment QR" in qr["caption"]
    notice = await bot.client.wait_for_text(MANAGER, "Olga opened invoice")
    assert seeded.number in notice["text"]
    ((status, viewed_at),) = await db_rows(bot, m.Invoice.status, m.Invoice.viewed_at)
    assert status == "viewed" and viewed_at is not None
    ((sha,),) = await db_rows(bot, m.Document.sha256)
    assert hashlib.sha256(pdf).hexdigest() == sha

    # Now the customer's chat is known: the menu offers it, and the copy arrives there.
    menu = await send_menu(bot, seeded.number)
    assert "To the customer's chat" in buttons(menu)
    done = await bot.press(MANAGER, menu, "To the customer's chat")
    assert done["text"] == "Sent to Olga's chat."
    again = await bot.client.wait_for(CUSTOMER, lambda v: v["document"] is not None)
    assert await bot.client.file_bytes(CUSTOMER, again["message_id"]) == pdf  # re-used bytes
    assert await db_rows(bot, m.DocumentDelivery.channel, m.DocumentDelivery.recipient) == [
        ("telegram", str(CUSTOMER)), ("telegram", str(CUSTOMER))]


async def test_wrong_expired_and_revoked_links_get_a_short_refusal(bot: Harness) -> None:
    seeded = await seed(bot)
    refusal = "This link is not valid: it may have expired or been revoked."
    assert refusal in (await bot.say(CUSTOMER, "/start inv_" + "Z" * 32))["text"]
    menu = await send_menu(bot, seeded.number)
    link_msg = await bot.press(MANAGER, menu, "Telegram link")
    token = LINK_RE.search(link_msg["text"])
    assert token is not None
    revoked = await bot.press(MANAGER, link_msg, "Revoke")
    assert revoked["text"] == "Link revoked: it no longer opens."
    assert refusal in (await bot.say(CUSTOMER, f"/start {token.group(1)}"))["text"]
    menu = await send_menu(bot, seeded.number)
    assert any(b.startswith("Revoke Telegram link") for b in buttons(menu)) is False
    fresh = LINK_RE.search((await bot.press(MANAGER, menu, "Telegram link"))["text"])
    assert fresh is not None
    bot.clock.advance(timedelta(days=31))
    assert refusal in (await bot.say(CUSTOMER, f"/start {fresh.group(1)}"))["text"]
    # The stranger is still a stranger: nothing was bound.
    assert "private bot" in (await bot.say(CUSTOMER, "/clients"))["text"]
    assert await db_rows(bot, m.Contact.id) == []


async def test_public_link_serves_the_stored_bytes_and_404_after_revoke(
        bot: Harness) -> None:
    seeded = await seed(bot)
    menu = await send_menu(bot, seeded.number)
    public = await bot.press(MANAGER, menu, "Public link")
    found = PUBLIC_RE.search(public["text"])
    assert found is not None, public["text"]
    db = Database(create_engine(bot.database_url))
    renderer = PdfRenderer(1)  # never started: serving a link renders nothing
    invoices = InvoiceService(db.uow, bot.clock)
    delivery = DeliveryService(db.uow, bot.clock, invoices,
                               QuoteService(db.uow, bot.clock, invoices), renderer,
                               PoolImageTools(renderer))
    web_app = Application()
    mount_public_links(web_app, delivery)
    client = TestClient(TestServer(web_app))
    await client.start_server()
    try:
        resp = await client.get(f"/d/{found.group(1)}")
        body = await resp.read()
        assert resp.status == 200 and resp.content_type == "application/pdf"
        ((sha,),) = await db_rows(bot, m.Document.sha256)
        assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == sha
        assert (await client.get("/d/" + "x" * 32)).status == 404
        await bot.press(MANAGER, public, "Revoke")
        resp = await client.get(f"/d/{found.group(1)}")
        assert resp.status == 404 and "not valid" in await resp.text()
    finally:
        await client.close()
        await db.dispose()


async def test_invoice_by_email_arrives_with_the_pdf_in_russian(
        bot: Harness, smtp: tuple[Inbox, int]) -> None:
    inbox, _port = smtp
    seeded = await seed(bot)
    menu = await send_menu(bot, seeded.number)
    ask = await bot.press(MANAGER, menu, "E-mail")
    assert "E-mail address to send" in ask["text"]
    assert buttons(ask) == ["Send to buh@romashka.ru"]
    bad = await bot.say(MANAGER, "not an address")
    assert "This e-mail address is not valid" in bad["text"]
    assert inbox.messages == []
    done = await bot.say(MANAGER, "olga@romashka.ru")
    assert done["text"] == "E-mailed to olga@romashka.ru."
    (message,) = inbox.messages
    (attachment,) = list(message.iter_attachments())
    attached = attachment.get_payload(decode=True)
    assert isinstance(attached, bytes) and attached.startswith(b"%PDF")
    assert attachment.get_filename() == f"Invoice_{seeded.number}.pdf"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Здравствуйте!" in text and f"Направляем счёт на оплату № {seeded.number}" in text
    ((sha,),) = await db_rows(bot, m.Document.sha256)
    assert hashlib.sha256(attached).hexdigest() == sha
    assert await db_rows(bot, m.DocumentDelivery.channel, m.DocumentDelivery.recipient) == [
        ("email", "olga@romashka.ru")]


async def test_forged_send_callbacks_on_another_managers_invoice(bot: Harness) -> None:
    seeded = await seed(bot)
    own = await bot.say(MANAGER2, "/invoices")
    for action in ("m", "l", "p", "f", "c", "e"):
        forged = f"dv:{action}:i:{seeded.invoice_id}:0"
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], forged, forged=True)
        assert answer.startswith("Not found"), (action, answer)
    assert await db_rows(bot, m.AccessToken.id) == []
    assert await db_rows(bot, m.Document.id) == []


BROKEN = b"<html><body>{% for x in doc.lines %}<p>{{ x.name }}</p></body></html>"
GOOD = b"<html><body><h1>Ours {{ doc.number }}</h1></body></html>"


# The sandbox's control client posts the 20 MB upload as one body; aiohttp warns about that
# on the test's side (the bot never downloads it).
@pytest.mark.filterwarnings("ignore:Sending a large body:ResourceWarning")
async def test_admin_template_and_image_uploads_refuse_what_is_broken(bot: Harness) -> None:
    await seed(bot)
    ask = await bot.say(ADMIN, "/template invoice_ru")
    assert "Send the template file for invoice_ru" in ask["text"]
    await bot.client.send_document(ADMIN, "invoice_ru.html.j2", GOOD, "text/plain")
    assert "Template invoice_ru saved" in (await bot.client.wait_for(ADMIN))["text"]
    await bot.client.send_document(ADMIN, "invoice_ru.html.j2", BROKEN, "text/plain",
                                   caption="template invoice_ru")
    refused = await bot.client.wait_for(ADMIN)
    assert refused["text"].startswith("The template was refused, the old one is kept: line 1")
    assert await db_rows(bot, m.DocumentTemplate.source) == [(GOOD.decode(),)]
    # A manager may not upload.
    assert "You do not have access" in (await bot.say(MANAGER, "/template invoice_ru"))["text"]

    assert "PNG/JPEG" in (await bot.say(ADMIN, "/logo"))["text"]
    await bot.client.send_document(ADMIN, "logo.png", b"this is not a picture", "image/png")
    assert "This file is not a picture" in (await bot.client.wait_for(ADMIN))["text"]
    downloads = len(await bot.client.calls("getFile"))
    await bot.client.send_document(ADMIN, "huge.png", b"\x89PNG" + b"\x00" * (20 * 2**20),
                                   "image/png")
    assert "The picture is too large: at most 5 MB" in (await bot.client.wait_for(ADMIN))[
        "text"]
    assert len(await bot.client.calls("getFile")) == downloads  # refused before download
    assert await db_rows(bot, m.Organization.logo_document_id) == [(None,)]
