"""The values of document delivery (tokens, stored files, headers, deliveries, PDFs ready to
send, e-mails), its constants and limits, and the check of a subject kind."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Literal

from services.errors import NotFound

SubjectKind = Literal["invoice", "quote", "credit_note", "contract"]
#: A credit note is sent (chat, e-mail, PDF) but has no links: the customer reaches it from
#: the chat it was sent to, and its PDF from the e-mail (`LinksMixin` refuses it).
SUBJECT_KINDS: Final = ("invoice", "quote", "credit_note", "contract")
PAYLOAD_PREFIX: Final = {"invoice": "inv_", "quote": "quo_", "contract": "ctr_"}
TOKEN_BYTES: Final = 24  # 32 URL-safe characters; "inv_" + 32 fits Telegram's 64
TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{20,60}")
IMAGE_KINDS: Final = ("logo", "stamp", "signature")
IMAGE_MAX_BYTES: Final = 5 * 1024 * 1024
IMAGE_MAX_SIDE: Final = 2000
TEMPLATE_MAX_BYTES: Final = 256 * 1024
# An organization may replace each shipped template; the names are the shipped file names.
TEMPLATE_NAMES: Final = {"invoice_ru": "invoice", "invoice_intl": "invoice", "quote": "quote",
                         "act": "act", "receipt": "receipt", "delivery_note": "delivery_note",
                         "upd": "upd", "contract_ru": "contract", "contract_ro": "contract",
                         "contract_en": "contract"}
# Statuses a customer may be shown (drafts and cancelled documents are not theirs to see).
CUSTOMER_VISIBLE: Final = {
    "invoice": ("issued", "sent", "viewed", "partially_paid", "paid", "overdue"),
    "quote": ("sent", "accepted", "changes_requested", "expired"),
    "credit_note": (),  # not in the customer's document list (no links either)
    "contract": ("issued",),  # one drawn from a deal (one only recorded has no document)
}
SENDABLE: Final = {
    "invoice": ("issued", "sent", "viewed", "partially_paid", "paid", "overdue"),
    "quote": ("draft", "sent", "accepted", "changes_requested"),
    "credit_note": ("issued", "refunded"),
    # A contract drawn from a deal; one only recorded ("recorded": its dates) has no PDF.
    "contract": ("issued",),
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
        """The /start payload of a deep link: "inv_<token>", "quo_<token>" or "ctr_<token>"."""
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
    credited: Decimal = Decimal("0.00")  # credit notes against an invoice

    @property
    def remaining(self) -> Decimal:
        """What the client still owes (`services.money.open_minor`)."""
        return max(self.grand_total - self.paid - self.credited, Decimal("0.00"))


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
    efactura: bool = False  # a Romanian seller's invoice or credit note: its XML is offered
    # The actor's Telegram Business chat with the customer: the document may go as them.
    business_chat: bool = False


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
    # Beside the PDF (r16-wire): the e-Factura of a Romanian B2B document.
    attachments: tuple[XmlFile, ...] = ()


@dataclass(frozen=True, slots=True)
class XmlFile:
    """A stored e-invoice XML (the e-Factura of an invoice or credit note): the exact bytes
    we produced, ready to send or upload."""

    document_id: int
    filename: str
    content: bytes
    sha256: str
    header: DocHeader
    mime_type: str = "application/xml"

    def __repr__(self) -> str:
        return f"XmlFile({self.filename!r}, sha256={self.sha256[:12]}…)"


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    link_days: int = 30
    public_base_url: str = "http://127.0.0.1:8080"


# --- helpers --------------------------------------------------------------------------------


def check_kind(kind: str) -> SubjectKind:
    if kind not in SUBJECT_KINDS:
        raise NotFound(entity="document")
    return kind  # type: ignore[return-value]
