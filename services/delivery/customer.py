"""The customer's chat and e-mail: a document queued for the chat of its bound contact, sent
by e-mail, and the deliveries recorded for it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from services.business import BusinessChatTarget
from services.contacts_norm import EmailError, normalize_email
from services.delivery.einvoices import EFACTURA_SUBJECTS, EInvoiceMixin, XmlReading
from services.delivery.model import (
    BoundContact,
    CustomerCopy,
    Delivery,
    DocHeader,
    OutgoingEmail,
    PdfFile,
    XmlFile,
)
from services.delivery.rendering import Made, Reading
from services.errors import Conflict, InvalidInput, NotFound
from services.notices import DocumentSend, document_messages
from services.users import User

if TYPE_CHECKING:
    from services.delivery.ports import DeliveryUnitOfWork as UnitOfWork

logger = logging.getLogger(__name__)


class CustomerMixin(EInvoiceMixin):
    """A document to the customer: into their chat, by e-mail."""

    # --- customer's chat and e-mail -----------------------------------------------------

    async def to_customer_chat(self, actor: User, kind: str, doc_id: int,
                               action_key: str) -> CustomerCopy:
        """Queues the PDF (and its payment QR) for the chat of the document's customer (a
        contact who opened a deep link before), keyed by the manager's action. Nothing is
        recorded yet: the delivery row, the invoice's "sent" and the manager's "Sent to …"
        follow once Telegram accepted it (`document_delivered`); a refusal changes nothing
        and tells the manager why (`document_failed`)."""
        async def read(uow: UnitOfWork, header: DocHeader
                       ) -> tuple[BoundContact, int, Reading]:
            contact = await uow.delivery.bound_contact(header.contact_id, header.company_id)
            if contact is None or contact.telegram_user_id is None:
                raise Conflict("customer_not_bound")
            return contact, contact.telegram_user_id, await self._read_pdf(uow, actor, header)

        contact, chat_id, reading = await self._sendable(actor, kind, doc_id, read)
        made = await self._make(reading)  # rendered with no transaction open
        pdf = await self._queue_document(actor, made, action_key, chat_id, contact.name,
                                         contact.language)
        return CustomerCopy(chat_id, contact, pdf)

    async def to_business_chat(self, actor: User, kind: str, doc_id: int,
                               action_key: str) -> BusinessChatTarget:
        """Queues the PDF (and its payment QR) for the actor's own Telegram Business chat
        with the document's customer, sent as the actor (`business_connection_id`), keyed by
        their action. Refused, with nothing queued, when the actor has no such chat or
        Telegram does not let the bot reply there (`business_no_reply`). Recorded as sent
        only once Telegram accepted it (`document_delivered`, channel "business"); a refusal
        then records nothing and tells the manager (`document_failed`)."""
        async def target(uow: UnitOfWork, header: DocHeader) -> BusinessChatTarget:
            found = await uow.business.target_for(actor.id, header.contact_id,
                                                  header.company_id)
            if found is None:
                raise Conflict("business_no_chat")
            if not found.can_reply:
                raise Conflict("business_no_reply")
            return found

        async with self._uow(readonly=True) as uow:  # refused before a draft quote is sent
            await target(uow, await self._header(uow, actor, kind, doc_id))

        async def read(uow: UnitOfWork, header: DocHeader
                       ) -> tuple[BusinessChatTarget, Reading]:
            return await target(uow, header), await self._read_pdf(uow, actor, header)

        found, reading = await self._sendable(actor, kind, doc_id, read)
        made = await self._make(reading)
        await self._queue_document(actor, made, action_key, found.chat_id, found.name,
                                   found.language, business_connection_id=found.connection_id)
        return found

    async def _queue_document(self, actor: User, made: Made, action_key: str, chat_id: int,
                              name: str, language: str | None,
                              business_connection_id: str | None = None) -> PdfFile:
        """The rendered PDF stored, and it (with its QR) queued for the chat, in one write."""
        header = made.header
        async with self._uow() as uow:
            pdf = await self._keep(uow, made, actor.id)
            send = DocumentSend(
                action_key=action_key, chat_id=chat_id,
                language=language or header.language, subject_kind=header.kind,
                subject_id=header.id, number=header.number_text,
                stored_document_id=pdf.document_id, contact_name=name,
                manager_id=actor.id, manager_chat=actor.telegram_id,
                manager_language=actor.language, qr_payload=pdf.qr_payload,
                business_connection_id=business_connection_id)
            await uow.outbox.enqueue(document_messages(send, self._clock.now()))
            await uow.commit()
        return pdf

    async def customer_chat(self, actor: User, company_id: int) -> BoundContact | None:
        """The client's contact with a Telegram chat bound to our bot, if any (scoped)."""
        async with self._uow(readonly=True) as uow:
            company = await uow.companies.get(company_id, actor.owner_scope())
            if company is None:
                raise NotFound(entity="company", id=company_id)
            return await uow.delivery.bound_contact(None, company_id)

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

        async def read(uow: UnitOfWork, header: DocHeader
                       ) -> tuple[str, Reading, XmlReading | None]:
            org = await uow.organizations.get(header.organization_id)
            seller = (org.legal_name or org.name) if org is not None else ""
            return seller, await self._read_pdf(uow, actor, header), \
                await self._efactura_beside(uow, actor, header)

        seller, reading, xml_reading = await self._sendable(actor, kind, doc_id, read)
        made = await self._make(reading)
        header = made.header
        xml = (XmlFile(0, xml_reading.filename, xml_reading.content, "", header),) \
            if xml_reading is not None else ()
        # Sent with no transaction open; recorded (and a new PDF stored) once the server
        # took it: a refused e-mail changes nothing.
        await self._mailer.send_document(OutgoingEmail(
            to=email, language=header.language, kind=header.kind,
            number=header.number_text or str(header.id), seller_name=seller,
            buyer_name=header.buyer_name, total=header.remaining
            if header.kind == "invoice" else header.grand_total,
            currency=header.currency, due_date=header.due_date, filename=made.filename,
            pdf=made.content, attachments=xml))
        async with self._uow() as uow:
            pdf = await self._keep(uow, made, actor.id)
            await self._record(uow, actor.id, pdf, "email", email)
            if xml_reading is not None:  # the e-Factura's own delivery row
                stored = await self._keep_xml(uow, xml_reading, actor.id)
                await uow.delivery.add_delivery(stored.document_id, "email", email[:254],
                                                actor.id, self._clock.now())
            await uow.commit()
        return email

    async def _efactura_beside(self, uow: UnitOfWork, actor: User, header: DocHeader
                               ) -> XmlReading | None:
        """The e-Factura e-mailed beside the PDF of a Romanian B2B invoice or credit note.
        When the data cannot make a valid one the PDF still goes (the manager gets the
        refusal, naming the missing field, from the card's «e-Factura (XML)» button)."""
        if header.kind not in EFACTURA_SUBJECTS:
            return None
        try:
            return await self._efactura_read(uow, actor, header, romanian_b2b_only=True)
        except InvalidInput as err:
            logger.warning("%s %s e-mailed without its e-Factura: %s", header.kind,
                           header.id, err)
            return None

    async def deliveries(self, actor: User, kind: str, doc_id: int) -> list[Delivery]:
        async with self._uow(readonly=True) as uow:
            header = await self._header(uow, actor, kind, doc_id)
            return list(await uow.delivery.deliveries(header.kind, header.id))
