"""The ports delivery needs: its repositories and unit of work, pictures and e-mail (the
renderer's port is `services.documents.ports`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from services.business import BusinessRepository
from services.clients import CompanyRepository
from services.contracts import ContractRepository
from services.credit_notes.ports import CreditNoteRepository
from services.deals.ports import DealRepository
from services.delivery.model import (
    AccessLink,
    BoundContact,
    Delivery,
    DocHeader,
    OutgoingEmail,
    StoredFile,
)
from services.invoices.ports import InvoiceRepository
from services.kernel import AuditedUnitOfWork, UowFactory
from services.numbering import IssuedDocumentRepository, NumberSeriesRepository
from services.organizations import OrganizationRepository
from services.outbox import OutboxRepository
from services.payments.ports import PaymentRepository
from services.quotes.ports import QuoteUnitOfWork
from services.shipments import ShipmentRepository
from services.users import UserRepository

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


class DeliveryRepository(Protocol):
    """Access tokens, deliveries and the customer's side of contacts (services/delivery.py,
    services/customers.py)."""

    async def header(self, kind: str, doc_id: int) -> DocHeader | None:
        """A quote, invoice, credit note or drawn contract, unscoped (the service checks the
        actor)."""
        ...

    async def add_token(self, *, token: str, purpose: str, subject_type: str, subject_id: int,
                        contact_id: int | None, created_by: int | None, now: datetime,
                        expires_at: datetime | None) -> AccessLink: ...
    async def token(self, token: str) -> AccessLink | None: ...
    async def token_by_id(self, token_id: int) -> AccessLink | None: ...
    async def tokens_of(self, subject_type: str, subject_id: int) -> Sequence[AccessLink]: ...
    async def revoke_token(self, token_id: int, now: datetime) -> None: ...
    async def mark_token_used(self, token_id: int, now: datetime) -> None:
        """Sets used_at the first time only."""
        ...

    async def add_delivery(self, document_id: int, channel: str, recipient: str,
                           actor_id: int | None, now: datetime) -> None: ...
    async def deliveries(self, subject_type: str, subject_id: int) -> Sequence[Delivery]: ...
    async def contact(self, contact_id: int) -> BoundContact | None: ...
    async def bound_contact(self, contact_id: int | None, company_id: int | None
                            ) -> BoundContact | None:
        """The document's contact when it has a Telegram chat, else a bound contact of the
        company."""
        ...

    async def suggested_email(self, contact_id: int | None, company_id: int | None
                              ) -> str | None: ...
    async def add_contact(self, owner_id: int, company_id: int | None, name: str,
                          language: str | None, now: datetime) -> int: ...
    async def bind_contact(self, contact_id: int, telegram_user_id: int, user_id: int
                           ) -> None: ...
    async def numbered(self, number: str, kinds: Sequence[str]) -> list[tuple[str, int]]:
        """(kind, id) of the documents of ``kinds`` ("invoice", "credit_note") whose number
        text is ``number``, unscoped (the operator's command line)."""
        ...

    async def set_document_contact(self, kind: str, doc_id: int, contact_id: int) -> None:
        """Sets the document's contact when it has none."""
        ...

    async def customer_scope(self, telegram_user_id: int) -> tuple[set[int], set[int]]:
        """(contact ids, company ids) bound to a Telegram user."""
        ...

    async def customer_documents(self, contact_ids: Iterable[int], company_ids: Iterable[int],
                                 statuses: Mapping[str, Sequence[str]], limit: int
                                 ) -> Sequence[DocHeader]: ...


class StoredDocumentRepository(Protocol):
    """Exact bytes (documents), organization images and uploaded templates."""

    async def add(self, *, kind: str, subject_type: str | None, subject_id: int | None,
                  filename: str, mime_type: str, content: bytes, sha256: str,
                  view_hash: str | None, created_by: int | None, now: datetime) -> int: ...
    async def get(self, document_id: int) -> StoredFile | None: ...
    async def by_view_hash(self, subject_type: str, subject_id: int, view_hash: str
                           ) -> StoredFile | None: ...
    async def latest(self, subject_type: str, subject_id: int, kind: str
                     ) -> StoredFile | None: ...
    async def organization_images(self, organization_id: int) -> dict[str, bytes]: ...
    async def set_organization_image(self, organization_id: int, kind: str,
                                     document_id: int) -> None: ...
    async def template(self, organization_id: int, name: str) -> str | None: ...
    async def save_template(self, organization_id: int, name: str, source: str,
                            user_id: int | None, now: datetime) -> None: ...


class CustomerUnitOfWork(AuditedUnitOfWork, Protocol):
    """The customer's side of delivery (`services.customers`): their documents and answers."""

    @property
    def delivery(self) -> DeliveryRepository: ...
    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def stored_documents(self) -> StoredDocumentRepository: ...


CustomerUowFactory = UowFactory[CustomerUnitOfWork]


class DeliveryUnitOfWork(CustomerUnitOfWork, QuoteUnitOfWork, Protocol):
    """Links, printing, sending and templates of documents (a send reads the invoice or quote
    in its own unit of work, hence the quotes' and invoices' ports)."""
    @property
    def organizations(self) -> OrganizationRepository: ...
    @property
    def companies(self) -> CompanyRepository: ...
    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def credit_notes(self) -> CreditNoteRepository: ...
    # The act and the UPD: their own series, and the client's contract they name.
    @property
    def numbering(self) -> NumberSeriesRepository: ...
    @property
    def issued_documents(self) -> IssuedDocumentRepository: ...
    @property
    def contracts(self) -> ContractRepository: ...
    # The manager's Telegram Business chat with the customer (issue 20).
    @property
    def business(self) -> BusinessRepository: ...
    # A contract is drawn from a deal (issue 19).
    @property
    def deals(self) -> DealRepository: ...
