"""Documents to the customer: PDFs rendered once and stored, deep links into the bot, public
links, e-mail, and the organization's templates and images.

Invariants:

* Every PDF a customer receives is stored as the exact bytes sent (``documents`` with its
  sha256) and each sending is recorded (``document_deliveries``): a later change to the
  invoice can never silently alter what the customer got.
* A stored PDF is keyed by the hash of what it was rendered from (the ``DocumentView``, the
  template source and the images): re-sending an unchanged document re-uses the stored bytes
  and renders nothing; a changed one (a payment lowered the amount due) is rendered again.
* Tokens (deep links, public links) are unguessable (``secrets``), expire after
  ``link_days`` and can be revoked; an unknown, expired or revoked token is NotFound, the
  same answer for all three.
* Every manager's read and write is scoped by the actor (another manager's document is
  NotFound); customers are scoped by the contacts bound to their Telegram id
  (``services.customers``).
* Uploaded templates are test-rendered before they are stored; a failing one is refused with
  the renderer's error and the previous template stays in use. Uploaded images must decode
  as images and are re-encoded (PNG, at most ``IMAGE_MAX_SIDE`` px) before they are stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from services.clock import Clock
from services.contacts_norm import EmailError, normalize_email
from services.documents import (
    PRINT_KINDS,
    DocumentRenderer,
    DocumentView,
    PartyView,
    StatementEntry,
    as_printed,
    build_invoice_view,
    build_statement_view,
)
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import InvoiceService, Party, seller_party
from services.money import from_minor
from services.notices import (
    FILE,
    DocumentSend,
    delivered_message,
    document_messages,
    failed_message,
    failure_reason,
    notice,
)
from services.quotes import QuoteService
from services.receivables import ClientStatement
from services.users import Role, User

if TYPE_CHECKING:
    from services.ports import UnitOfWork, UowFactory

SubjectKind = Literal["invoice", "quote"]
SUBJECT_KINDS: Final = ("invoice", "quote")
PAYLOAD_PREFIX: Final = {"invoice": "inv_", "quote": "quo_"}
TOKEN_BYTES: Final = 24  # 32 URL-safe characters; "inv_" + 32 fits Telegram's 64
TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{20,60}")
IMAGE_KINDS: Final = ("logo", "stamp", "signature")
IMAGE_MAX_BYTES: Final = 5 * 1024 * 1024
IMAGE_MAX_SIDE: Final = 2000
TEMPLATE_MAX_BYTES: Final = 256 * 1024
# An organization may replace each shipped template; the names are the shipped file names.
TEMPLATE_NAMES: Final = {"invoice_ru": "invoice", "invoice_intl": "invoice", "quote": "quote",
                         "act": "act", "receipt": "receipt", "delivery_note": "delivery_note"}
# Statuses a customer may be shown (drafts and cancelled documents are not theirs to see).
CUSTOMER_VISIBLE: Final = {
    "invoice": ("issued", "sent", "viewed", "partially_paid", "paid", "overdue"),
    "quote": ("sent", "accepted", "changes_requested", "expired"),
}
SENDABLE: Final = {
    "invoice": ("issued", "sent", "viewed", "partially_paid", "paid", "overdue"),
    "quote": ("draft", "sent", "accepted", "changes_requested"),
}


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessLink:
    """A row of access_tokens."""

    id: int
    token: str
    purpose: str  # deep_link | public_link
    subject_type: str
    subject_id: int
    contact_id: int | None
    created_by: int | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    used_at: datetime | None

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def start_payload(self) -> str:
        """The /start payload of a deep link: "inv_<token>" or "quo_<token>"."""
        return PAYLOAD_PREFIX.get(self.subject_type, "") + self.token


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A row of documents: exact bytes we produced or received."""

    id: int
    kind: str
    subject_type: str | None
    subject_id: int | None
    filename: str
    mime_type: str
    size: int
    sha256: str
    view_hash: str | None
    content: bytes = b""

    def __repr__(self) -> str:  # the bytes would flood a log line
        return f"StoredFile(id={self.id}, kind={self.kind!r}, sha256={self.sha256[:12]}…)"


@dataclass(frozen=True, slots=True)
class Printing:
    """An issued invoice printed as another document of it (`as_printed`)."""

    kind: str  # act, delivery_note, receipt
    number: str
    day: date
    received: Decimal | None = None  # a receipt: the amount received


@dataclass(frozen=True, slots=True)
class StatementPdf:
    """A client statement in one currency, ready to send (not stored: it changes daily)."""

    filename: str
    content: bytes
    currency: str


@dataclass(frozen=True, slots=True)
class DocHeader:
    """What delivery needs to know of a quote or an invoice (no lines)."""

    kind: str
    id: int
    owner_id: int
    organization_id: int
    company_id: int | None
    contact_id: int | None
    status: str
    number_text: str | None
    language: str
    currency: str
    grand_total: Decimal
    paid: Decimal
    due_date: date | None
    buyer_name: str

    @property
    def remaining(self) -> Decimal:
        return self.grand_total - self.paid


@dataclass(frozen=True, slots=True)
class BoundContact:
    id: int
    owner_id: int
    company_id: int | None
    name: str
    email: str | None
    language: str | None
    telegram_user_id: int | None
    customer_user_id: int | None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A row of document_deliveries."""

    id: int
    document_id: int
    channel: str  # telegram | email | link
    recipient: str
    sent_at: datetime
    actor_id: int | None


@dataclass(frozen=True, slots=True)
class PdfFile:
    """A stored PDF ready to send, with the payment QR as a picture when the document has
    one."""

    document_id: int
    filename: str
    content: bytes
    sha256: str
    qr_png: bytes | None
    header: DocHeader
    rendered: bool  # False: the stored bytes were re-used
    qr_payload: str | None = None  # what the QR picture encodes (to draw it again later)

    def __repr__(self) -> str:
        return f"PdfFile({self.filename!r}, sha256={self.sha256[:12]}…)"


@dataclass(frozen=True, slots=True)
class SendOptions:
    """What the Send menu of a document offers."""

    header: DocHeader
    customer_chat: bool  # a contact of this document has opened a deep link before
    email: str | None  # the address to suggest
    active_links: tuple[AccessLink, ...]


@dataclass(frozen=True, slots=True)
class CustomerCopy:
    """A PDF to send into a bound customer's chat."""

    chat_id: int
    contact: BoundContact
    pdf: PdfFile


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One document by e-mail; the mailer writes the body in ``language``."""

    to: str
    language: str
    kind: str
    number: str
    seller_name: str
    buyer_name: str
    total: Decimal
    currency: str
    due_date: date | None
    filename: str
    pdf: bytes


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    link_days: int = 30
    public_base_url: str = "http://127.0.0.1:8080"


# --- ports ----------------------------------------------------------------------------------


class ImageTools(Protocol):
    """CPU work on pictures, off the event loop (``bot/images.py``)."""

    async def normalize(self, data: bytes) -> bytes | None:
        """PNG bytes of ``data`` scaled to at most ``IMAGE_MAX_SIDE`` px, or None when it
        does not decode as an image."""
        ...

    async def qr_photo(self, payload: str) -> bytes:
        """The payment QR as a PNG big enough to scan from a phone screen."""
        ...


class Mailer(Protocol):
    """Sends one document by e-mail (``bot/mailer.py``). Raises ``Conflict("email_failed")``
    when the server refuses it."""

    async def send_document(self, email: OutgoingEmail) -> None: ...


# --- helpers --------------------------------------------------------------------------------


def check_kind(kind: str) -> SubjectKind:
    if kind not in SUBJECT_KINDS:
        raise NotFound(entity="document")
    return kind  # type: ignore[return-value]


def parse_start_payload(payload: str) -> tuple[SubjectKind, str]:
    """"inv_<token>" → ("invoice", token); anything else is NotFound("link_invalid")."""
    for kind, prefix in PAYLOAD_PREFIX.items():
        if payload.startswith(prefix):
            token = payload.removeprefix(prefix)
            if TOKEN_RE.fullmatch(token):
                return check_kind(kind), token
    raise NotFound("link_invalid")


FILE_WORDS: Final = {"invoice": "Invoice", "quote": "Quote", "act": "Act",
                     "delivery_note": "Delivery_note", "receipt": "Receipt",
                     "statement": "Statement"}


def pdf_filename(kind: str, number: str | None, doc_id: int) -> str:
    """"Invoice_INV-2026-00001.pdf"; characters a file system may dislike become "_"."""
    word = FILE_WORDS.get(kind, "Document")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", number or f"draft-{doc_id}").strip("_")
    return f"{word}_{safe or doc_id}.pdf"


def _digest(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data else "-"


def view_hash(view: DocumentView, template_source: str | None) -> str:
    """The cache key of a rendered PDF. ``repr`` of the frozen view covers every printed
    field (Decimals, dates and parties repr exactly); the images are ``repr=False`` and are
    hashed separately, as is the template."""
    parts = [repr(view), _digest(view.logo), _digest(view.stamp), _digest(view.signature),
             _digest(template_source.encode("utf-8") if template_source else None)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def layout_for(country: str) -> Any:
    return "ru" if country in ("RU", "BY") else "intl"


def template_key(view: DocumentView) -> str:
    return f"invoice_{view.layout}" if view.kind == "invoice" else view.kind


def clean_template_name(text: str) -> str:
    name = text.strip().lower().removesuffix(".html.j2")
    if name not in TEMPLATE_NAMES:
        raise InvalidInput("bad_template_name", field="template",
                           names=", ".join(TEMPLATE_NAMES))
    return name


def check_template_upload(filename: str | None, size: int | None) -> None:
    """Refuses before download: not a .html.j2 / .j2 / .html file, or too large."""
    name = (filename or "").lower()
    if not name.endswith((".j2", ".html", ".jinja", ".jinja2")):
        raise InvalidInput("template_not_html", field="file")
    if size is not None and size > TEMPLATE_MAX_BYTES:
        raise InvalidInput("file_too_large_limit", field="file",
                           limit=TEMPLATE_MAX_BYTES // 1024)


def check_image_upload(kind: str, size: int | None) -> None:
    """Refuses before download (by Telegram's file_size): unknown kind, or over 5 MB."""
    if kind not in IMAGE_KINDS:
        raise InvalidInput("bad_image_kind", field="file")
    if size is not None and size > IMAGE_MAX_BYTES:
        raise InvalidInput("image_too_large", field="file",
                           limit=IMAGE_MAX_BYTES // (1024 * 1024))


# --- the service ----------------------------------------------------------------------------


class DeliveryService:
    def __init__(self, uow: UowFactory, clock: Clock, invoices: InvoiceService,
                 quotes: QuoteService, renderer: DocumentRenderer, images: ImageTools,
                 mailer: Mailer | None = None,
                 settings: DeliverySettings | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._invoices = invoices
        self._quotes = quotes
        self._renderer = renderer
        self._images = images
        self._mailer = mailer
        self.settings = settings or DeliverySettings()

    # --- reading ------------------------------------------------------------------------

    async def _header(self, uow: UnitOfWork, actor: User | None, kind: str,
                      doc_id: int) -> DocHeader:
        """The document; NotFound when absent or (for a non-None actor) not in their scope."""
        header = await uow.delivery.header(check_kind(kind), doc_id)
        if header is None:
            raise NotFound(entity=kind, id=doc_id)
        if actor is not None:
            if not actor.is_staff:
                raise Forbidden()
            scope = actor.owner_scope()
            if scope is not None and header.owner_id != scope:
                raise NotFound(entity=kind, id=doc_id)
        return header

    async def header(self, actor: User, kind: str, doc_id: int) -> DocHeader:
        async with self._uow(readonly=True) as uow:
            return await self._header(uow, actor, kind, doc_id)

    async def options(self, actor: User, kind: str, doc_id: int) -> SendOptions:
        """What can be done to send this document now."""
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            header = await self._header(uow, actor, kind, doc_id)
            bound = await uow.delivery.bound_contact(header.contact_id, header.company_id)
            email = await uow.delivery.suggested_email(header.contact_id, header.company_id)
            links = await uow.delivery.tokens_of(header.kind, header.id)
        return SendOptions(header, bound is not None, email,
                           tuple(t for t in links if t.is_valid(now)))

    # --- rendering and storing ----------------------------------------------------------

    async def _view(self, actor: User, header: DocHeader) -> DocumentView:
        org, req = None, None
        async with self._uow(readonly=True) as uow:
            images = await uow.stored_documents.organization_images(header.organization_id)
            if header.kind == "quote":
                org = await uow.organizations.get(header.organization_id)
                req = (await uow.invoices.company_requisites(header.company_id)
                       if header.company_id is not None else None)
        if header.kind == "invoice":
            r = await self._invoices.get_for_render(actor, header.id)
            seller, buyer, lines, units = r.seller, r.buyer, r.lines, r.units
            number, issue, due, currency, mode = (r.number, r.issue_date, r.due_date,
                                                  r.currency, r.tax_mode)
            language, pct, amt, paid = (r.language, r.total_discount_percent,
                                        r.total_discount_amount, r.paid_amount)
            valid_until = None
        else:
            quote = await self._quotes.get(actor, header.id)
            if org is None:
                raise Conflict("no_organization")
            seller = quote.seller or seller_party(org)
            buyer = quote.buyer or (req.as_party() if req else Party(name=quote.buyer_name))
            lines = tuple(x.as_input() for x in quote.lines)
            units = tuple(x.unit for x in quote.lines)
            number = quote.number_text or "—"
            issue = quote.created_at.date()
            due, valid_until = None, quote.valid_until
            currency, language = quote.currency, quote.language
            mode = quote.tax_mode  # type: ignore[assignment]  # a TaxMode by construction
            pct, amt, paid = quote.discount_percent, quote.discount_amount, Decimal("0.00")
        lang: Any = language if language in ("ru", "en", "ro") else "ru"
        return build_invoice_view(
            seller=PartyView(**asdict(seller)), buyer=PartyView(**asdict(buyer)),
            lines=lines, units=units, currency=currency, number=number, issue_date=issue,
            tax_mode=mode, language=lang, layout=layout_for(seller.country),
            kind=header.kind,  # type: ignore[arg-type]
            due_date=due, valid_until=valid_until, total_discount_percent=pct,
            total_discount_amount=amt, paid_amount=paid, logo=images.get("logo"),
            stamp=images.get("stamp"), signature=images.get("signature"))

    async def _produce(self, actor: User, header: DocHeader, created_by: int | None,
                       printing: Printing | None = None) -> PdfFile:
        """The PDF of the document as it is now: the stored bytes when nothing printed has
        changed, else rendered (in the renderer's worker processes) and stored."""
        view = await self._view(actor, header)
        kind = header.kind
        if printing is not None:
            view = as_printed(view, printing.kind,  # type: ignore[arg-type]  # checked
                              printing.number, printing.day, printing.received)
            kind = printing.kind
        async with self._uow(readonly=True) as uow:
            template = await uow.stored_documents.template(header.organization_id,
                                                           template_key(view))
            key = view_hash(view, template)
            stored = await uow.stored_documents.by_view_hash(header.kind, header.id, key)
        qr = await self._images.qr_photo(view.qr_payload) if view.qr_payload else None
        if stored is not None:
            return PdfFile(stored.id, stored.filename, stored.content, stored.sha256, qr,
                           header, rendered=False, qr_payload=view.qr_payload or None)
        pdf = await self._renderer.render(view, template)
        filename = pdf_filename(kind, view.number if printing else header.number_text,
                                header.id)
        digest = hashlib.sha256(pdf).hexdigest()
        async with self._uow() as uow:
            doc_id = await uow.stored_documents.add(
                kind=f"{kind}_pdf", subject_type=header.kind, subject_id=header.id,
                filename=filename, mime_type="application/pdf", content=pdf, sha256=digest,
                view_hash=key, created_by=created_by, now=self._clock.now())
            await uow.commit()
        return PdfFile(doc_id, filename, pdf, digest, qr, header, rendered=True,
                       qr_payload=view.qr_payload or None)

    async def _owner(self, header: DocHeader) -> User:
        async with self._uow(readonly=True) as uow:
            owner = await uow.users.get(header.owner_id)
        if owner is None:
            raise NotFound(entity=header.kind, id=header.id)
        if not owner.is_staff:  # cannot happen: documents belong to staff
            raise NotFound(entity=header.kind, id=header.id)
        return owner

    async def pdf_for_owner(self, header: DocHeader) -> PdfFile:
        """The PDF rendered on behalf of the document's manager (the customer's side, which
        has no staff actor; the caller has checked the customer's right to it)."""
        return await self._produce(await self._owner(header), header, None)

    async def print_pdf(self, actor: User, invoice_id: int, kind: str,
                        payment_id: int | None = None) -> PdfFile:
        """An issued invoice printed as its act ("act"), its delivery note ("delivery_note",
        both dated the day it was shipped, else today) or the cash receipt ("receipt") of one
        payment on it (numbered by the payment's document number, else its id; the amount is
        what that payment brought to this invoice). Scoped like the invoice's own PDF."""
        if kind not in PRINT_KINDS:
            raise InvalidInput("unknown_field", field="kind")
        async with self._uow(readonly=True) as uow:
            header = await self._header(uow, actor, "invoice", invoice_id)
            if header.status not in SENDABLE["invoice"]:
                raise Conflict("not_sendable", status=header.status)
            if kind == "receipt":
                found = next(((p, minor) for p, minor in
                              await uow.payments.invoice_payments(header.id)
                              if p.id == payment_id), None)
                if found is None:
                    raise NotFound(entity="payment", id=payment_id or 0)
                payment, minor = found
                printing = Printing(kind, payment.doc_number or str(payment.id),
                                    payment.received_on, from_minor(minor, header.currency))
            else:
                shipped = await uow.shipments.shipped_at(header.id)
                day = shipped.date() if shipped is not None else self._clock.now().date()
                printing = Printing(kind, header.number_text or str(header.id), day)
        return await self._produce(actor, header, actor.id, printing)

    async def statement_pdfs(self, actor: User, statement: ClientStatement
                             ) -> list[StatementPdf]:
        """The client statement as PDF, one per currency the client deals in: the seller is
        the organization of the client's latest invoice (else the first one), the language
        that invoice's. `statement` comes from `ReceivableService.statement` (scoped)."""
        if not actor.is_staff:
            raise Forbidden()
        latest = max(statement.invoices, key=lambda i: i.id, default=None)
        async with self._uow(readonly=True) as uow:
            header = (await uow.delivery.header("invoice", latest.id)
                      if latest is not None else None)
            org = (await uow.organizations.get(header.organization_id) if header is not None
                   else await uow.organizations.first())
            if org is None:
                raise Conflict("no_organization")
            req = await uow.invoices.company_requisites(statement.company_id)
            images = await uow.stored_documents.organization_images(org.id)
        language: Any = header.language if header is not None \
            and header.language in ("ru", "en", "ro") else "ru"
        buyer = req.as_party() if req is not None else Party(name=statement.company_name)
        entries: dict[str, list[StatementEntry]] = {}
        for inv in statement.invoices:
            if inv.status in ("draft", "cancelled"):
                continue
            entries.setdefault(inv.currency, []).append(StatementEntry(
                inv.issue_date or statement.today, "invoice", inv.number_text,
                from_minor(inv.total_minor, inv.currency)))
        for p in statement.payments:
            entries.setdefault(p.currency, []).append(StatementEntry(
                p.received_on, "payment", p.doc_number, from_minor(p.amount_minor, p.currency)))
        out = []
        for currency in sorted(entries) or [org.currency]:
            view = build_statement_view(
                seller=PartyView(**asdict(seller_party(org))), buyer=PartyView(**asdict(buyer)),
                currency=currency, issue_date=statement.today,
                entries=entries.get(currency, []), language=language,
                logo=images.get("logo"), stamp=images.get("stamp"),
                signature=images.get("signature"))
            pdf = await self._renderer.render(view)
            suffix = f"{statement.company_id}-{statement.today:%Y%m%d}" + (
                f"-{currency}" if len(entries) > 1 else "")
            out.append(StatementPdf(pdf_filename("statement", suffix, statement.company_id),
                                    pdf, currency))
        return out

    async def customer_chat(self, actor: User, company_id: int) -> BoundContact | None:
        """The client's contact with a Telegram chat bound to our bot, if any (scoped)."""
        async with self._uow(readonly=True) as uow:
            company = await uow.companies.get(company_id, actor.owner_scope())
            if company is None:
                raise NotFound(entity="company", id=company_id)
            return await uow.delivery.bound_contact(None, company_id)

    async def _sendable(self, actor: User, kind: str, doc_id: int) -> DocHeader:
        """The document, checked to be in a state that may go to the customer; a quote still
        in draft is sent first (numbered, draft → sent)."""
        async with self._uow(readonly=True) as uow:
            header = await self._header(uow, actor, kind, doc_id)
        if header.status not in SENDABLE[header.kind]:
            raise Conflict("not_sendable", status=header.status)
        if header.kind == "quote" and header.status == "draft":
            await self._quotes.send(actor, header.id)
            async with self._uow(readonly=True) as uow:
                header = await self._header(uow, actor, kind, doc_id)
        return header

    async def pdf(self, actor: User, kind: str, doc_id: int) -> PdfFile:
        """The PDF for the manager to look at or forward (stored; no delivery recorded)."""
        async with self._uow(readonly=True) as uow:
            header = await self._header(uow, actor, kind, doc_id)
        return await self._produce(actor, header, actor.id)

    async def _record(self, actor_id: int | None, pdf: PdfFile, channel: str,
                      recipient: str) -> None:
        """One delivery row, and a sent invoice moves issued → sent (sent_at)."""
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.delivery.add_delivery(pdf.document_id, channel, recipient[:254],
                                            actor_id, now)
            if pdf.header.kind == "invoice":
                await uow.invoices.update(pdf.header.id, {"status": "sent", "sent_at": now},
                                          expected=["issued"])
            await uow.audit.add(actor_id, f"{pdf.header.kind}.deliver", pdf.header.kind,
                                pdf.header.id, {"channel": channel,
                                                "document_id": pdf.document_id})
            await uow.commit()

    # --- links --------------------------------------------------------------------------

    async def _new_token(self, actor: User, header: DocHeader, purpose: str) -> AccessLink:
        now = self._clock.now()
        async with self._uow() as uow:
            link = await uow.delivery.add_token(
                token=secrets.token_urlsafe(TOKEN_BYTES), purpose=purpose,
                subject_type=header.kind, subject_id=header.id, contact_id=header.contact_id,
                created_by=actor.id, now=now,
                expires_at=now + timedelta(days=self.settings.link_days))
            await uow.audit.add(actor.id, f"{header.kind}.{purpose}", header.kind, header.id,
                                {"token_id": link.id})
            await uow.commit()
        return link

    async def deep_link(self, actor: User, kind: str, doc_id: int) -> AccessLink:
        """A token for ``https://t.me/<bot>?start=inv_<token>``: whoever opens it gets the
        document in their chat and becomes this document's customer contact."""
        header = await self._sendable(actor, kind, doc_id)
        link = await self._new_token(actor, header, "deep_link")
        if header.kind == "invoice":
            async with self._uow() as uow:
                await uow.invoices.update(header.id, {"status": "sent",
                                                      "sent_at": self._clock.now()},
                                          expected=["issued"])
                await uow.commit()
        return link

    async def public_link(self, actor: User, kind: str, doc_id: int) -> tuple[AccessLink, str]:
        """A public URL serving the stored PDF (rendered and stored now)."""
        header = await self._sendable(actor, kind, doc_id)
        pdf = await self._produce(actor, header, actor.id)
        link = await self._new_token(actor, header, "public_link")
        url = f"{self.settings.public_base_url.rstrip('/')}/d/{link.token}"
        await self._record(actor.id, pdf, "link", url)
        return link, url

    async def revoke(self, actor: User, token_id: int) -> AccessLink:
        """Revokes a deep or public link of one of the actor's documents."""
        now = self._clock.now()
        async with self._uow() as uow:
            link = await uow.delivery.token_by_id(token_id)
            if link is None:
                raise NotFound(entity="link", id=token_id)
            await self._header(uow, actor, link.subject_type, link.subject_id)
            if link.revoked_at is None:
                await uow.delivery.revoke_token(link.id, now)
                await uow.audit.add(actor.id, "link.revoke", link.subject_type,
                                    link.subject_id, {"token_id": link.id})
            fresh = await uow.delivery.token_by_id(token_id)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def valid_token(self, token: str, purpose: str) -> AccessLink:
        """The token when it exists, has this purpose, is not revoked and not expired;
        NotFound("link_invalid") otherwise (the three cases are not told apart)."""
        if not TOKEN_RE.fullmatch(token):
            raise NotFound("link_invalid")
        async with self._uow(readonly=True) as uow:
            link = await uow.delivery.token(token)
        if link is None or link.purpose != purpose or not link.is_valid(self._clock.now()):
            raise NotFound("link_invalid")
        return link

    async def public_document(self, token: str) -> StoredFile:
        """What ``GET /d/<token>`` serves: the latest PDF stored for the link's document."""
        link = await self.valid_token(token, "public_link")
        async with self._uow(readonly=True) as uow:
            stored = await uow.stored_documents.latest(link.subject_type, link.subject_id,
                                                       f"{link.subject_type}_pdf")
        if stored is None:
            raise NotFound("link_invalid")
        return stored

    # --- customer's chat and e-mail -----------------------------------------------------

    async def to_customer_chat(self, actor: User, kind: str, doc_id: int,
                               action_key: str) -> CustomerCopy:
        """Queues the PDF (and its payment QR) for the chat of the document's customer (a
        contact who opened a deep link before), keyed by the manager's action. Nothing is
        recorded yet: the delivery row, the invoice's "sent" and the manager's "Sent to …"
        follow once Telegram accepted it (`document_delivered`); a refusal changes nothing
        and tells the manager why (`document_failed`)."""
        header = await self._sendable(actor, kind, doc_id)
        async with self._uow(readonly=True) as uow:
            contact = await uow.delivery.bound_contact(header.contact_id, header.company_id)
        if contact is None or contact.telegram_user_id is None:
            raise Conflict("customer_not_bound")
        pdf = await self._produce(actor, header, actor.id)  # rendered outside a transaction
        send = DocumentSend(
            action_key=action_key, chat_id=contact.telegram_user_id,
            language=contact.language or header.language, subject_kind=header.kind,
            subject_id=header.id, stored_document_id=pdf.document_id,
            contact_name=contact.name, manager_id=actor.id, manager_chat=actor.telegram_id,
            manager_language=actor.language, qr_payload=pdf.qr_payload)
        async with self._uow() as uow:
            await uow.outbox.enqueue(document_messages(send, self._clock.now()))
            await uow.commit()
        return CustomerCopy(contact.telegram_user_id, contact, pdf)

    async def outbox_file(self, payload: Mapping[str, Any]) -> tuple[StoredFile, DocHeader
                                                                       | None]:
        """The stored file an outbox row carries, with its document's header as it is now
        (for the caption and the customer's buttons); NotFound when the file is gone."""
        async with self._uow(readonly=True) as uow:
            stored = await uow.stored_documents.get(int(payload["stored_document_id"]))
            kind = payload.get("subject_kind")
            header = (await uow.delivery.header(str(kind), int(payload["subject_id"]))
                      if kind in ("invoice", "quote") else None)
        if stored is None:
            raise NotFound(entity="document", id=int(payload["stored_document_id"]))
        return stored, header

    async def files_to_chat(self, actor: User, company_id: int, chat_id: int,
                            files: Sequence[StatementPdf], caption: str,
                            action_key: str) -> None:
        """Files made for a client (its statement) into the customer's chat: stored, and
        queued in the same transaction (keyed by the manager's action)."""
        if not actor.is_staff:
            raise Forbidden()
        now = self._clock.now()
        async with self._uow() as uow:
            messages = []
            for i, f in enumerate(files):
                doc_id = await uow.stored_documents.add(
                    kind="statement_pdf", subject_type="company", subject_id=company_id,
                    filename=f.filename, mime_type="application/pdf", content=f.content,
                    sha256=hashlib.sha256(f.content).hexdigest(), view_hash=None,
                    created_by=actor.id, now=now)
                messages.append(notice(
                    f"file:company{company_id}:{action_key}:{i}:chat{chat_id}", FILE, chat_id,
                    now, None, {"stored_document_id": doc_id, "caption": caption,
                                "subject_kind": "company", "subject_id": company_id}))
            await uow.outbox.enqueue(messages)
            await uow.commit()

    async def qr_png(self, payload: str) -> bytes:
        return await self._images.qr_photo(payload)

    async def document_delivered(self, outbox_id: int, key: str, payload: Mapping[str, Any],
                                 chat_id: int) -> None:
        """Telegram accepted the document: in ONE transaction the outbox row becomes sent,
        the delivery is recorded, an issued invoice becomes "sent", and the manager's
        "Sent to …" is queued. A crash before this commit sends the document again (at
        least once) and records it then, once."""
        now = self._clock.now()
        manager = payload.get("manager_id")
        actor_id = int(manager) if manager is not None else None
        kind, subject_id = str(payload.get("subject_kind")), int(payload["subject_id"])
        document_id = int(payload["stored_document_id"])
        async with self._uow() as uow:
            await uow.outbox.mark_sent(outbox_id, now)
            if payload.get("record", True):
                await uow.delivery.add_delivery(document_id, "telegram", str(chat_id),
                                                actor_id, now)
                if kind == "invoice":
                    await uow.invoices.update(subject_id, {"status": "sent", "sent_at": now},
                                              expected=["issued"])
                await uow.audit.add(actor_id, f"{kind}.deliver", kind, subject_id,
                                    {"channel": "telegram", "document_id": document_id})
            told = delivered_message(key, payload, now)
            if told is not None:
                await uow.outbox.enqueue([told])
            await uow.commit()

    async def document_failed(self, key: str, payload: Mapping[str, Any],
                              error: str | None) -> None:
        """Telegram refused the document for good: nothing is recorded; the manager is told
        why (and offered e-mail)."""
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            header = await uow.delivery.header(str(payload.get("subject_kind")),
                                               int(payload["subject_id"]))
        body = {**payload, "number": header.number_text if header is not None else None}
        told = failed_message(key, body, failure_reason(error), now)
        if told is None:
            return
        async with self._uow() as uow:
            await uow.outbox.enqueue([told])
            await uow.commit()

    async def send_email(self, actor: User, kind: str, doc_id: int, address: str) -> str:
        """Validates the address, e-mails the stored PDF, records the delivery; returns the
        normalised address."""
        try:
            email = normalize_email(address)
        except EmailError:
            raise InvalidInput("invalid_email", field="email") from None
        if len(email) > 254:
            raise InvalidInput("invalid_email", field="email")
        if self._mailer is None:
            raise Conflict("email_not_configured")
        header = await self._sendable(actor, kind, doc_id)
        pdf = await self._produce(actor, header, actor.id)
        view_seller = ""
        async with self._uow(readonly=True) as uow:
            org = await uow.organizations.get(header.organization_id)
        if org is not None:
            view_seller = org.legal_name or org.name
        await self._mailer.send_document(OutgoingEmail(
            to=email, language=header.language, kind=header.kind,
            number=header.number_text or str(header.id), seller_name=view_seller,
            buyer_name=header.buyer_name, total=header.remaining
            if header.kind == "invoice" else header.grand_total,
            currency=header.currency, due_date=header.due_date, filename=pdf.filename,
            pdf=pdf.content))
        await self._record(actor.id, pdf, "email", email)
        return email

    async def deliveries(self, actor: User, kind: str, doc_id: int) -> list[Delivery]:
        async with self._uow(readonly=True) as uow:
            header = await self._header(uow, actor, kind, doc_id)
            return list(await uow.delivery.deliveries(header.kind, header.id))

    # --- templates and images -----------------------------------------------------------

    async def _admin_org(self, uow: UnitOfWork, actor: User) -> int:
        if actor.role != Role.ADMIN:
            raise Forbidden()
        org = await uow.organizations.first()
        if org is None:
            raise Conflict("no_organization")
        return org.id

    async def check_admin(self, actor: User) -> None:
        """Forbidden unless an admin; Conflict("no_organization") before the first one."""
        async with self._uow(readonly=True) as uow:
            await self._admin_org(uow, actor)

    async def save_template(self, actor: User, name: str, source: str) -> str:
        """Test-renders ``source`` (a sample document, StrictUndefined) and stores it as the
        organization's ``name`` template; InvalidInput("template_error", error=...) keeps the
        previous template."""
        key = clean_template_name(name)
        if len(source.encode("utf-8")) > TEMPLATE_MAX_BYTES:
            raise InvalidInput("file_too_large_limit", field="file",
                               limit=TEMPLATE_MAX_BYTES // 1024)
        async with self._uow(readonly=True) as uow:
            await self._admin_org(uow, actor)
        error = await self._renderer.check_template(TEMPLATE_NAMES[key], source)
        if error is not None:
            raise InvalidInput("template_error", field="template", error=error[:500])
        async with self._uow() as uow:
            org_id = await self._admin_org(uow, actor)
            await uow.stored_documents.save_template(org_id, key, source, actor.id,
                                                     self._clock.now())
            await uow.audit.add(actor.id, "template.save", "organization", org_id,
                                {"name": key})
            await uow.commit()
        return key

    async def save_image(self, actor: User, kind: str, data: bytes) -> StoredFile:
        """Stores a logo, stamp or signature (re-encoded PNG) and links it on the
        organization; InvalidInput("not_an_image") for anything Pillow cannot decode."""
        check_image_upload(kind, len(data))
        async with self._uow(readonly=True) as uow:
            await self._admin_org(uow, actor)
        png = await self._images.normalize(data)
        if png is None:
            raise InvalidInput("not_an_image", field="file")
        async with self._uow() as uow:
            org_id = await self._admin_org(uow, actor)
            doc_id = await uow.stored_documents.add(
                kind=kind, subject_type="organization", subject_id=org_id,
                filename=f"{kind}.png", mime_type="image/png", content=png,
                sha256=hashlib.sha256(png).hexdigest(), view_hash=None,
                created_by=actor.id, now=self._clock.now())
            await uow.stored_documents.set_organization_image(org_id, kind, doc_id)
            await uow.audit.add(actor.id, f"organization.{kind}", "organization", org_id,
                                {"document_id": doc_id})
            stored = await uow.stored_documents.get(doc_id)
            await uow.commit()
        assert stored is not None
        return stored
