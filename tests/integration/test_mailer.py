"""E-mail through a real local SMTP server (aiosmtpd): the PDF attached byte for byte, the
body in the document's language, bad addresses refused before anything is sent."""

from __future__ import annotations

import email
import hashlib
import socket
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.images import PoolImageTools
from bot.mailer import SmtpMailer
from bot.pdf import PdfRenderer
from services.delivery import DeliveryService, DeliverySettings, OutgoingEmail
from services.errors import Conflict, InvalidInput
from storage import models as m
from storage.uow import Database
from tests.integration.test_delivery import issued_invoice, make_world


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def renderer() -> Iterator[PdfRenderer]:
    pool = PdfRenderer(1, niceness=0)
    yield pool
    pool.close()


def parts(message: EmailMessage) -> tuple[str, bytes, str | None]:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    (attachment,) = list(message.iter_attachments())
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return body.get_content(), payload, attachment.get_filename()


@pytest.mark.parametrize(("language", "words"), [
    ("ru", ("Здравствуйте!", "Направляем счёт на оплату № INV-1 на сумму", "С уважением")),
    ("en", ("Hello,", "Please find attached invoice INV-1 for", "Kind regards")),
    ("ro", ("Bună ziua,", "Vă transmitem factura nr. INV-1", "Cu stimă")),
])
async def test_mailer_attaches_the_pdf_and_writes_in_the_document_language(
        smtp: tuple[Inbox, int], language: str, words: tuple[str, ...]) -> None:
    inbox, port = smtp
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    mailer = SmtpMailer("127.0.0.1", port, sender="billing@demo.example")
    await mailer.send_document(OutgoingEmail(
        to="anna@client.example", language=language, kind="invoice", number="INV-1",
        seller_name="ООО «Демо»", buyer_name="Ромашка", total=Decimal("3660.00"),
        currency="RUB", due_date=date(2026, 3, 20), filename="Invoice_INV-1.pdf", pdf=pdf))
    ((sender, rcpt, message),) = inbox.messages
    assert (sender, rcpt) == ("billing@demo.example", ["anna@client.example"])
    text, attached, filename = parts(message)
    assert attached == pdf and filename == "Invoice_INV-1.pdf"
    for word in words:
        assert word in text, (word, text)
    assert "ООО «Демо»" in text and "INV-1" in str(message["Subject"])


async def test_mailer_failure_is_a_domain_error() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), sender="billing@demo.example", timeout=2)
    with pytest.raises(Conflict) as err:
        await mailer.send_document(OutgoingEmail(
            to="a@b.example", language="en", kind="invoice", number="1", seller_name="S",
            buyer_name="B", total=Decimal("1.00"), currency="EUR", due_date=None,
            filename="f.pdf", pdf=b"%PDF"))
    assert err.value.code == "email_failed"


async def test_invoice_by_email_sends_the_stored_pdf_in_russian(
        db: Database, renderer: PdfRenderer, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    w = await make_world(db, renderer)
    w.delivery = DeliveryService(db.uow, w.clock, w.invoices, w.quotes, renderer,
                                 PoolImageTools(renderer),
                                 SmtpMailer("127.0.0.1", port, sender="billing@demo.example"),
                                 DeliverySettings())
    inv = await issued_invoice(w)
    assert (await w.delivery.options(w.m1, "invoice", inv.id)).email == "buh@romashka.ru"
    for bad in ("not an address", "a@", "x" * 300 + "@b.ru"):
        with pytest.raises(InvalidInput):
            await w.delivery.send_email(w.m1, "invoice", inv.id, bad)
    assert inbox.messages == []
    sent_to = await w.delivery.send_email(w.m1, "invoice", inv.id, " Buh@Romashka.RU ")
    assert sent_to == "buh@romashka.ru"
    ((_, rcpt, message),) = inbox.messages
    text, attached, filename = parts(message)
    assert rcpt == ["buh@romashka.ru"] and filename == "Invoice_INV-2026-00001.pdf"
    assert attached.startswith(b"%PDF")
    assert "Здравствуйте!" in text and "Направляем счёт на оплату № INV-2026-00001" in text
    async with db.uow(readonly=True) as uow:
        sha = await uow.session.scalar(select(m.Document.sha256))
        deliveries = (await uow.session.execute(select(
            m.DocumentDelivery.channel, m.DocumentDelivery.recipient))).all()
        status = await uow.session.scalar(select(m.Invoice.status))
    assert hashlib.sha256(attached).hexdigest() == sha
    assert [tuple(d) for d in deliveries] == [("email", "buh@romashka.ru")]
    assert status == "sent"
