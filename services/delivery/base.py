"""What every use case of `DeliveryService` shares: its wiring (unit of work, clock, invoices,
quotes, renderer, images, mailer, settings) and the internals that read a document in the
actor's scope, check it may be sent, and record a delivery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from services.clock import Clock
from services.delivery.model import (
    SENDABLE,
    DeliverySettings,
    DocHeader,
    PdfFile,
    SendOptions,
    check_kind,
)
from services.delivery.ports import ImageTools, Mailer
from services.documents import DocumentRenderer
from services.errors import Conflict, Forbidden, NotFound
from services.invoices import InvoiceService
from services.quotes import QuoteService
from services.users import User

if TYPE_CHECKING:
    from services.delivery.ports import DeliveryUnitOfWork
    from services.kernel import UowFactory

T = TypeVar("T")


class DeliveryBase:
    """The service's state and shared internals; the use cases are mixins on top of it
    (`services.delivery.service.DeliveryService`)."""

    def __init__(self, uow: UowFactory[DeliveryUnitOfWork], clock: Clock, invoices: InvoiceService,
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

    async def _header(self, uow: DeliveryUnitOfWork, actor: User | None, kind: str,
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
            org = (await uow.organizations.get(header.organization_id)
                   if header.kind in ("invoice", "credit_note") else None)
            business = await uow.business.target_for(actor.id, header.contact_id,
                                                     header.company_id)
        return SendOptions(header, bound is not None, email,
                           tuple(t for t in links if t.is_valid(now)),
                           efactura=org is not None and org.country == "RO",
                           business_chat=business is not None)


    # --- shared internals --------------------------------------------------------------

    async def _sendable(self, actor: User, kind: str, doc_id: int,
                        read: Callable[[DeliveryUnitOfWork, DocHeader], Awaitable[T]]) -> T:
        """What a use case sending the document reads (`read`, given the document checked to
        be in a state that may go to the customer), in ONE read-only unit of work. A quote
        still in draft is sent first (numbered, draft → sent: its own change, committed
        before the document is read for sending)."""
        for _ in range(2):
            async with self._uow(readonly=True) as uow:
                header = await self._header(uow, actor, kind, doc_id)
                if header.status not in SENDABLE[header.kind]:
                    raise Conflict("not_sendable", status=header.status)
                if header.kind != "quote" or header.status != "draft":
                    return await read(uow, header)
            await self._quotes.send(actor, header.id)
        raise Conflict("not_sendable", status=header.status)  # still a draft: sent meanwhile?

    async def _record(self, uow: DeliveryUnitOfWork, actor_id: int | None, pdf: PdfFile,
                      channel: str, recipient: str) -> None:
        """One delivery row, and a sent invoice moves issued → sent (sent_at), in the
        caller's write transaction."""
        now = self._clock.now()
        await uow.delivery.add_delivery(pdf.document_id, channel, recipient[:254], actor_id,
                                        now)
        if pdf.header.kind == "invoice":
            await uow.invoices.update(pdf.header.id, {"status": "sent", "sent_at": now},
                                      expected=["issued"])
        await uow.audit.add(actor_id, f"{pdf.header.kind}.deliver", pdf.header.kind,
                            pdf.header.id, {"channel": channel,
                                            "document_id": pdf.document_id})


async def header_only(uow: DeliveryUnitOfWork, header: DocHeader) -> DocHeader:
    """A `read` for `_sendable` that needs nothing more."""
    return header
