"""Documents to customers on a real database (SQLite and PostgreSQL) with real PDFs: stored
bytes re-used while nothing printed changes, deep links that bind a customer's chat, tokens
that expire and are revoked, customers seeing only their own documents, quote acceptance,
templates test-rendered before they are stored, uploaded images checked."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, update

from bot.images import PoolImageTools, normalize_image
from bot.pdf import PdfRenderer
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.customers import CustomerService
from services.delivery import (
    DeliveryService,
    DeliverySettings,
    OutgoingEmail,
    check_image_upload,
    parse_start_payload,
    pdf_filename,
)
from services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from services.invoices import Invoice, InvoiceService
from services.organizations import OrganizationService, seed_demo_organization
from services.quotes import QuoteService
from services.users import Role, User
from storage import models as m
from storage.uow import Database

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
D = Decimal
CUSTOMER_TG = 777_001


@pytest.fixture(scope="module")
def renderer() -> Iterator[PdfRenderer]:
    """One worker for the module (spawned on the first render, ~1 s once)."""
    pool = PdfRenderer(1, niceness=0)
    yield pool
    pool.close()


@dataclass
class World:
    db: Database
    clock: FrozenClock
    access: AccessService
    invoices: InvoiceService
    quotes: QuoteService
    delivery: DeliveryService
    customers: CustomerService
    admin: User
    m1: User
    m2: User
    company: int
    other_company: int


async def make_world(db: Database, renderer: PdfRenderer) -> World:
    clock = FrozenClock(T0)
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "Ivan", None, "en")
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "Petr", None, "en")
    await seed_demo_organization(OrganizationService(db.uow, clock))
    clients = ClientService(db.uow, clock)
    company = await clients.create_company(m1, CompanyDraft(name="Ромашка",
                                                            email="buh@romashka.ru"))
    other = await clients.create_company(m2, CompanyDraft(name="Лютик"))
    invoices = InvoiceService(db.uow, clock, "UTC")
    quotes = QuoteService(db.uow, clock, invoices, "UTC")
    delivery = DeliveryService(db.uow, clock, invoices, quotes, renderer,
                               PoolImageTools(renderer), None,
                               DeliverySettings(30, "https://crm.example.com"))
    customers = CustomerService(db.uow, clock, delivery, quotes, access)
    return World(db, clock, access, invoices, quotes, delivery, customers, admin, m1, m2,
                 company.id, other.id)


async def issued_invoice(w: World, actor: User | None = None,
                         company: int | None = None) -> Invoice:
    actor = actor or w.m1
    inv = await w.invoices.create_draft(actor, company or w.company)
    inv = await w.invoices.add_free_line(actor, inv.id, "Консультация", D(2), D("1500.00"))
    return await w.invoices.issue(actor, inv.id)


async def rows(db: Database, *columns: object, where: object = None) -> list[tuple[object, ...]]:
    async with db.uow(readonly=True) as uow:
        q = select(*columns)  # type: ignore[call-overload]
        if where is not None:
            q = q.where(where)
        return [tuple(r) for r in (await uow.session.execute(q)).all()]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


async def test_pdf_is_stored_and_reused_until_something_printed_changes(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    inv = await issued_invoice(w)
    first = await w.delivery.pdf(w.m1, "invoice", inv.id)
    assert first.content.startswith(b"%PDF") and first.rendered
    assert first.filename == f"Invoice_{inv.number_text}.pdf" == "Invoice_INV-2026-00001.pdf"
    assert first.qr_png is not None and first.qr_png.startswith(b"\x89PNG")
    assert "Консультация" in pdf_text(first.content)
    again = await w.delivery.pdf(w.m1, "invoice", inv.id)
    assert not again.rendered
    assert (again.document_id, again.content) == (first.document_id, first.content)
    stored = await rows(db, m.Document.sha256, m.Document.content, m.Document.kind,
                        m.Document.subject_id)
    assert stored == [(hashlib.sha256(first.content).hexdigest(), first.content,
                       "invoice_pdf", inv.id)]
    # A payment lowers the amount due (and the QR): the next copy is rendered again, and the
    # bytes already sent stay as they were.
    async with db.uow() as uow:
        await uow.session.execute(update(m.Invoice).where(m.Invoice.id == inv.id)
                                  .values(paid_minor=100_000, status="partially_paid"))
        await uow.commit()
    changed = await w.delivery.pdf(w.m1, "invoice", inv.id)
    assert changed.rendered and changed.document_id != first.document_id
    assert changed.content != first.content
    assert [r[0] for r in await rows(db, m.Document.content)] == [first.content,
                                                                   changed.content]


async def test_deep_link_binds_a_stranger_as_customer_and_marks_the_invoice_viewed(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    inv = await issued_invoice(w)
    link = await w.delivery.deep_link(w.m1, "invoice", inv.id)
    assert link.start_payload.startswith("inv_") and len(link.start_payload) <= 64
    assert len(link.token) >= 32 and link.expires_at == T0 + timedelta(days=30)
    assert (await w.invoices.get(w.m1, inv.id)).status == "sent"
    assert not (await w.delivery.options(w.m1, "invoice", inv.id)).customer_chat

    w.clock.advance(timedelta(hours=1))
    opened = await w.customers.open_link(CUSTOMER_TG, "Анна Петрова", "anna", "ru-RU",
                                         link.start_payload)
    assert opened.user.role == Role.CUSTOMER and opened.newly_bound
    assert opened.pdf.content.startswith(b"%PDF")
    assert opened.manager.telegram_id == w.m1.telegram_id
    assert opened.header.status == "viewed"
    (status, viewed_at), = await rows(db, m.Invoice.status, m.Invoice.viewed_at)
    assert (status, viewed_at) == ("viewed", T0 + timedelta(hours=1))
    user = await w.access.identify(CUSTOMER_TG)
    assert user is not None and user.role == Role.CUSTOMER and user.language == "ru"
    contacts = await rows(db, m.Contact.name, m.Contact.company_id, m.Contact.telegram_user_id,
                          m.Contact.customer_user_id)
    assert contacts == [("Анна Петрова", w.company, CUSTOMER_TG, user.id)]
    (used_at,), = await rows(db, m.AccessToken.used_at)
    assert used_at == T0 + timedelta(hours=1)
    deliveries = await w.delivery.deliveries(w.m1, "invoice", inv.id)
    assert [(d.channel, d.recipient) for d in deliveries] == [("telegram", str(CUSTOMER_TG))]

    # Later documents go to the customer's chat directly.
    assert (await w.delivery.options(w.m1, "invoice", inv.id)).customer_chat
    second = await issued_invoice(w)
    copy = await w.delivery.to_customer_chat(w.m1, "invoice", second.id, "press-1")
    assert copy.chat_id == CUSTOMER_TG and copy.pdf.header.id == second.id
    # Queued, not yet delivered: nothing is recorded until Telegram accepts it.
    assert await w.delivery.deliveries(w.m1, "invoice", second.id) == []
    assert (await w.delivery.header(w.m1, "invoice", second.id)).status == "issued"
    # The same press again queues nothing more.
    await w.delivery.to_customer_chat(w.m1, "invoice", second.id, "press-1")
    kinds = sorted(k for (k,) in await rows(db, m.OutboxMessage.kind))
    # The manager heard the invoice was opened; the second invoice waits to go, with its QR.
    assert kinds == ["customer_action", "document", "document_qr"]
    assert [d.id for d in await w.customers.documents(CUSTOMER_TG)] == [second.id, inv.id]


async def test_wrong_expired_and_revoked_links_are_refused_alike(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    inv = await issued_invoice(w)
    link = await w.delivery.deep_link(w.m1, "invoice", inv.id)

    async def refused(payload: str) -> str:
        with pytest.raises(NotFound) as err:
            await w.customers.open_link(CUSTOMER_TG, "X", None, "en", payload)
        return err.value.code

    assert await refused("inv_" + "A" * 32) == "link_invalid"
    assert await refused("quo_" + link.token) == "link_invalid"  # the kind must match
    assert await refused("inv_x") == "link_invalid"
    public, _url = await w.delivery.public_link(w.m1, "invoice", inv.id)
    assert await refused("inv_" + public.token) == "link_invalid"  # wrong purpose
    w.clock.advance(timedelta(days=30, seconds=1))
    assert await refused(link.start_payload) == "link_invalid"
    w.clock.set(T0)
    fresh = await w.delivery.deep_link(w.m1, "invoice", inv.id)
    revoked = await w.delivery.revoke(w.m1, fresh.id)
    assert revoked.revoked_at == T0
    assert await refused(fresh.start_payload) == "link_invalid"
    # Nothing was bound or created by the refused attempts.
    assert await rows(db, m.Contact.id) == []
    assert await w.access.identify(CUSTOMER_TG) is None
    with pytest.raises(NotFound):
        parse_start_payload("join_abc")


async def test_another_managers_document_is_not_found(db: Database,
                                                      renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    inv = await issued_invoice(w)
    link = await w.delivery.deep_link(w.m1, "invoice", inv.id)
    for call in (w.delivery.deep_link(w.m2, "invoice", inv.id),
                 w.delivery.public_link(w.m2, "invoice", inv.id),
                 w.delivery.pdf(w.m2, "invoice", inv.id),
                 w.delivery.options(w.m2, "invoice", inv.id),
                 w.delivery.send_email(w.m2, "invoice", inv.id, "a@b.ru"),
                 w.delivery.revoke(w.m2, link.id)):
        with pytest.raises(DomainError) as err:
            await call
        assert isinstance(err.value, NotFound | Conflict), err.value
    with pytest.raises(NotFound):
        await w.delivery.revoke(w.m2, link.id)
    # The admin sees every manager's documents.
    assert (await w.delivery.options(w.admin, "invoice", inv.id)).header.id == inv.id
    # A draft is not sent.
    draft = await w.invoices.create_draft(w.m1, w.company)
    with pytest.raises(Conflict):
        await w.delivery.deep_link(w.m1, "invoice", draft.id)


async def test_a_customer_sees_only_their_own_documents(db: Database,
                                                        renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    mine = await issued_invoice(w)
    theirs = await issued_invoice(w, w.m2, w.other_company)
    link = await w.delivery.deep_link(w.m1, "invoice", mine.id)
    await w.customers.open_link(CUSTOMER_TG, "Анна", None, "en", link.start_payload)
    assert [d.id for d in await w.customers.documents(CUSTOMER_TG)] == [mine.id]
    for call in (w.customers.document(CUSTOMER_TG, "invoice", theirs.id),
                 w.customers.mark_paid(CUSTOMER_TG, theirs.id, "Анна"),
                 w.customers.question(CUSTOMER_TG, "invoice", theirs.id, "Анна", "?", "m1")):
        with pytest.raises(NotFound):
            await call
    (paused,), = await rows(db, m.Invoice.reminders_paused, where=m.Invoice.id == mine.id)
    assert paused is False
    notice = await w.customers.mark_paid(CUSTOMER_TG, mine.id, "Анна")
    assert notice.manager.telegram_id == w.m1.telegram_id
    (paused,), = await rows(db, m.Invoice.reminders_paused, where=m.Invoice.id == mine.id)
    assert paused is True
    with pytest.raises(InvalidInput):
        await w.customers.question(CUSTOMER_TG, "invoice", mine.id, "Анна", "   ", "m2")
    asked = await w.customers.question(CUSTOMER_TG, "invoice", mine.id, "Анна", "Когда?",
                                       "m3")
    assert asked.text == "Когда?" and asked.header.number_text == mine.number_text
    # A customer is no actor for the team's services.
    customer = await w.access.identify(CUSTOMER_TG)
    assert customer is not None
    with pytest.raises(Forbidden):
        await w.delivery.pdf(customer, "invoice", mine.id)


async def test_staff_opening_a_link_stays_staff(db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    inv = await issued_invoice(w)
    link = await w.delivery.deep_link(w.m1, "invoice", inv.id)
    opened = await w.customers.open_link(w.m2.telegram_id, "Petr", None, "en",
                                         link.start_payload)
    assert opened.user.role == Role.MANAGER
    me = await w.access.identify(w.m2.telegram_id)
    assert me is not None and me.role == Role.MANAGER


async def test_customer_accepts_a_quote(db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    quote = await w.quotes.create_draft(w.m1, w.company)
    quote = await w.quotes.add_free_line(w.m1, quote.id, "Аудит", D(1), D("9000.00"))
    link = await w.delivery.deep_link(w.m1, "quote", quote.id)  # draft → sent, numbered
    assert link.start_payload.startswith("quo_")
    sent = await w.quotes.get(w.m1, quote.id)
    assert sent.status == "sent" and sent.number_text
    w.clock.advance(timedelta(minutes=5))
    opened = await w.customers.open_link(CUSTOMER_TG, "Анна", None, "ru", link.start_payload)
    assert opened.pdf.filename == pdf_filename("quote", sent.number_text, quote.id)
    assert opened.pdf.qr_png is None
    assert "Аудит" in pdf_text(opened.pdf.content)
    notice = await w.customers.accept(CUSTOMER_TG, quote.id, "Анна")
    assert notice.manager.telegram_id == w.m1.telegram_id
    accepted = await w.quotes.get(w.m1, quote.id)
    assert (accepted.status, accepted.accepted_by_telegram_id, accepted.accepted_at) == (
        "accepted", CUSTOMER_TG, T0 + timedelta(minutes=5))
    with pytest.raises(Conflict):  # only once
        await w.customers.accept(CUSTOMER_TG, quote.id, "Анна")


async def test_public_link_serves_the_stored_bytes_until_revoked(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    inv = await issued_invoice(w)
    link, url = await w.delivery.public_link(w.m1, "invoice", inv.id)
    assert url == f"https://crm.example.com/d/{link.token}"
    served = await w.delivery.public_document(link.token)
    (sha,), = await rows(db, m.Document.sha256)
    assert hashlib.sha256(served.content).hexdigest() == sha == served.sha256
    deliveries = await w.delivery.deliveries(w.m1, "invoice", inv.id)
    assert [(d.channel, d.recipient) for d in deliveries] == [("link", url)]
    await w.delivery.revoke(w.m1, link.id)
    with pytest.raises(NotFound):
        await w.delivery.public_document(link.token)


BROKEN = "<html><body>{% if doc.number %}<p>{{ doc.number }}</p></body></html>"
UNDEFINED = "<html><body><p>{{ doc.no_such_field }}</p></body></html>"
CUSTOM = ("<html><body><h1>CUSTOM-TEMPLATE {{ doc.number }}</h1>"
          "{% for line in doc.lines %}<p>{{ line.name }}</p>{% endfor %}</body></html>")


async def test_templates_are_test_rendered_and_the_old_one_is_kept(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    with pytest.raises(Forbidden):
        await w.delivery.save_template(w.m1, "invoice_ru", CUSTOM)
    assert await w.delivery.save_template(w.admin, "invoice_ru", CUSTOM) == "invoice_ru"
    for bad, expected in ((BROKEN, "line 1"), (UNDEFINED, "no_such_field")):
        with pytest.raises(InvalidInput) as err:
            await w.delivery.save_template(w.admin, "invoice_ru", bad)
        assert err.value.code == "template_error" and expected in err.value.params["error"]
    assert await rows(db, m.DocumentTemplate.kind, m.DocumentTemplate.source) == [
        ("invoice_ru", CUSTOM)]
    with pytest.raises(InvalidInput):
        await w.delivery.save_template(w.admin, "invoice_xx", CUSTOM)
    inv = await issued_invoice(w)
    text = pdf_text((await w.delivery.pdf(w.m1, "invoice", inv.id)).content)
    assert f"CUSTOM-TEMPLATE {inv.number_text}" in text and "Консультация" in text


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


async def test_uploaded_images_are_checked_reencoded_and_printed(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    with pytest.raises(InvalidInput) as err:
        check_image_upload("logo", 20 * 1024 * 1024)
    assert err.value.code == "image_too_large"
    with pytest.raises(InvalidInput) as err:
        await w.delivery.save_image(w.admin, "logo", b"%PDF-1.4 definitely not a picture")
    assert err.value.code == "not_an_image"
    with pytest.raises(InvalidInput):
        await w.delivery.save_image(w.admin, "logo", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(Forbidden):
        await w.delivery.save_image(w.m1, "logo", png(10, 10))
    assert await rows(db, m.Document.id) == []
    inv = await issued_invoice(w)
    before = await w.delivery.pdf(w.m1, "invoice", inv.id)
    stored = await w.delivery.save_image(w.admin, "logo", png(3000, 1000))
    with Image.open(io.BytesIO(stored.content)) as image:
        assert (image.format, image.size) == ("PNG", (2000, 667))
    (logo_id,), = await rows(db, m.Organization.logo_document_id)
    assert logo_id == stored.id
    after = await w.delivery.pdf(w.m1, "invoice", inv.id)
    assert after.rendered and after.content != before.content  # the logo is printed now


def test_normalize_image_refuses_what_is_not_a_picture() -> None:
    assert normalize_image(b"") is None
    assert normalize_image(b"GIF89a broken") is None
    out = normalize_image(png(20, 10))
    assert out is not None and out.startswith(b"\x89PNG")


class Watched:
    """The unit of work factory, counting the write units of work and those open now."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.writes = 0
        self.open = 0

    def __call__(self, readonly: bool = False) -> Any:
        if not readonly:
            self.writes += 1
        return _Counted(self, self.db.uow(readonly))


class _Counted:
    def __init__(self, watch: Watched, uow: Any) -> None:
        self.watch, self.uow = watch, uow

    async def __aenter__(self) -> Any:
        entered = await self.uow.__aenter__()
        self.watch.open += 1
        return entered

    async def __aexit__(self, *exc: Any) -> None:
        self.watch.open -= 1
        await self.uow.__aexit__(*exc)


class WatchedOutside:
    """The renderer and the mail server, noting how many units of work are open when
    called."""

    def __init__(self, renderer: PdfRenderer, watch: Watched) -> None:
        self.renderer, self.watch = renderer, watch
        self.open_at_render: list[int] = []
        self.open_at_send: list[int] = []

    async def render(self, view: Any, template: str | None = None) -> bytes:
        self.open_at_render.append(self.watch.open)
        return await self.renderer.render(view, template)

    async def check_template(self, kind: str, source: str) -> str | None:
        return await self.renderer.check_template(kind, source)

    async def send_document(self, email: OutgoingEmail) -> None:
        self.open_at_send.append(self.watch.open)


async def test_a_send_is_one_write_with_nothing_open_while_rendering(
        db: Database, renderer: PdfRenderer) -> None:
    """The customer's chat, e-mail, a public and a deep link: each reads in one read-only
    unit of work, renders (and e-mails) with none open, and writes once."""
    w = await make_world(db, renderer)
    watch = Watched(db)
    outside = WatchedOutside(renderer, watch)
    delivery = DeliveryService(watch, w.clock, w.invoices, w.quotes, outside,
                               PoolImageTools(renderer), outside,
                               DeliverySettings(30, "https://crm.example.com"))
    first = await issued_invoice(w)
    link = await delivery.deep_link(w.m1, "invoice", first.id)
    assert watch.writes == 1
    await w.customers.open_link(CUSTOMER_TG, "Анна Петрова", "anna", "ru-RU",
                                link.start_payload)
    for use in ("chat", "email", "public_link"):
        inv = await issued_invoice(w)
        watch.writes = 0
        if use == "chat":
            copy = await delivery.to_customer_chat(w.m1, "invoice", inv.id, "press-1")
            assert copy.pdf.rendered and copy.chat_id == CUSTOMER_TG
        elif use == "email":
            assert await delivery.send_email(w.m1, "invoice", inv.id, "buh@romashka.ru")
        else:
            await delivery.public_link(w.m1, "invoice", inv.id)
        assert (use, watch.writes, watch.open) == (use, 1, 0)
    assert outside.open_at_render == [0, 0, 0]
    assert outside.open_at_send == [0]
    kinds = sorted(str(k) for (k,) in await rows(db, m.OutboxMessage.kind))
    assert kinds == ["customer_action", "document", "document_qr"]
    channels = sorted(str(c) for (c,) in await rows(db, m.DocumentDelivery.channel))
    assert channels == ["email", "link", "telegram"]
    assert len(await rows(db, m.Document.id)) == 4
