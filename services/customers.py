"""Customers: people outside the team who receive our documents in their own Telegram chat.

Invariants:

* A customer becomes known only by opening a valid deep link (``/start inv_<token>``): their
  chat is bound to a contact of the document's client (the document's contact, or a new
  contact of that company), and a user with role ``customer`` is created for them. A Telegram
  user who is staff stays staff, and still receives the document.
* A customer sees only the quotes and invoices of the companies whose contacts are bound to
  their Telegram id, and never drafts or cancelled documents; anything else is NotFound.
* The customer's answers (I've paid, a question, accept, ask for changes) are recorded and
  returned as a ``Notice`` for the document's manager; the text of the notice is the
  handler's (services give facts, not sentences).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Final

from services.access import SUPPORTED_LANGUAGES, AccessService
from services.clock import Clock
from services.delivery import (
    CUSTOMER_VISIBLE,
    DeliveryService,
    DocHeader,
    PdfFile,
    check_kind,
    parse_start_payload,
)
from services.errors import Conflict, NotFound
from services.notices import CUSTOMER_ACTION, notice
from services.outbox import NewOutboxMessage
from services.quotes import QuoteService
from services.text import clean_message as clean_text_message
from services.users import Role, User

if TYPE_CHECKING:
    from services.delivery.ports import CustomerUnitOfWork, CustomerUowFactory

MESSAGE_MAX: Final = 2000
PAYABLE: Final = ("issued", "sent", "viewed", "partially_paid", "overdue")
LIST_LIMIT: Final = 20


@dataclass(frozen=True, slots=True)
class Manager:
    """Who to tell: the document's manager."""

    user_id: int
    telegram_id: int
    language: str | None
    full_name: str


@dataclass(frozen=True, slots=True)
class Opened:
    """A deep link opened: who the customer is now, and the document to send them."""

    user: User
    pdf: PdfFile
    header: DocHeader
    manager: Manager
    contact_id: int
    newly_bound: bool


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the customer did that the manager must hear about."""

    header: DocHeader
    manager: Manager
    customer_name: str
    text: str = ""


def clean_message(text: str) -> str:
    return clean_text_message(text, MESSAGE_MAX)


def told(header: DocHeader, manager: Manager, customer: str, what: str, action: str,
         now: datetime, text: str = "") -> NewOutboxMessage:
    """The manager's notice of what the customer did (`what`: opened, paid, accepted,
    question, changes), keyed by the customer's action."""
    return notice(
        f"cust:{header.kind}{header.id}:{what}:{action}:chat{manager.telegram_id}",
        CUSTOMER_ACTION, manager.telegram_id, now, manager.language,
        {"what": what, "customer": customer, "doc_kind": header.kind, "doc_id": header.id,
         "doc_number": header.number_text, "text": text},
        recipient_user_id=manager.user_id)


class CustomerService:
    def __init__(self, uow: CustomerUowFactory, clock: Clock, delivery: DeliveryService,
                 quotes: QuoteService, access: AccessService) -> None:
        self._uow = uow
        self._clock = clock
        self._delivery = delivery
        self._quotes = quotes
        self._access = access

    async def _manager(self, uow: CustomerUnitOfWork, header: DocHeader) -> Manager:
        owner = await uow.users.get(header.owner_id)
        if owner is None:
            raise NotFound(entity=header.kind, id=header.id)
        return Manager(owner.id, owner.telegram_id, owner.language, owner.full_name)

    async def open_link(self, telegram_id: int, full_name: str, username: str | None,
                        language: str | None, payload: str) -> Opened:
        """``/start inv_<token>``: binds the chat to the document's contact, marks the
        invoice viewed, and returns the stored PDF. NotFound("link_invalid") for an unknown,
        expired or revoked token, or a document no longer shown to customers."""
        kind, token = parse_start_payload(payload)
        link = await self._delivery.valid_token(token, "deep_link")
        if link.subject_type != kind:
            raise NotFound("link_invalid")
        async with self._uow(readonly=True) as uow:
            seen = await uow.delivery.header(kind, link.subject_id)
        if seen is None or seen.status not in CUSTOMER_VISIBLE[kind]:
            raise NotFound("link_invalid")
        # Rendered with no transaction open (binding the chat prints nothing), then the chat
        # bound, the PDF stored and its delivery recorded in one.
        made = await self._delivery.made_for_owner(seen)
        now = self._clock.now()
        name = " ".join(full_name.split())[:200] or (username or str(telegram_id))
        async with self._uow() as uow:
            header = await uow.delivery.header(kind, link.subject_id)
            if header is None or header.status not in CUSTOMER_VISIBLE[kind]:
                raise NotFound("link_invalid")
            user = await uow.users.by_telegram_id(telegram_id)
            if user is None:
                code = (language or "").split("-")[0].lower()
                user = await uow.users.add(telegram_id, Role.CUSTOMER, name, username,
                                           code if code in SUPPORTED_LANGUAGES else None,
                                           None)
                await uow.audit.add(user.id, "customer.join", "user", user.id,
                                    {kind: header.id})
            elif not user.is_active and not user.is_staff:
                await uow.users.update(user.id, is_active=True, deactivated_at=None)
            contact = None
            contact_id = link.contact_id or header.contact_id
            if contact_id is not None:
                contact = await uow.delivery.contact(contact_id)
            newly_bound = False
            if contact is None or (contact.telegram_user_id not in (None, telegram_id)):
                # No contact yet, or the link was passed on to a colleague of the customer:
                # they become a contact of the same client.
                contact_id = await uow.delivery.add_contact(
                    header.owner_id, header.company_id, name, language, now)
                newly_bound = True
            else:
                contact_id = contact.id
                newly_bound = contact.telegram_user_id is None
            await uow.delivery.bind_contact(contact_id, telegram_id, user.id)
            await uow.delivery.set_document_contact(kind, header.id, contact_id)
            await uow.delivery.mark_token_used(link.id, now)
            if kind == "invoice":
                await uow.invoices.update(header.id, {"status": "viewed", "viewed_at": now},
                                          expected=["issued", "sent"])
            await uow.audit.add(user.id, f"{kind}.opened", kind, header.id,
                                {"token_id": link.id, "telegram_user_id": telegram_id})
            manager = await self._manager(uow, header)
            fresh = await uow.delivery.header(kind, header.id)
            await uow.outbox.enqueue([told(header, manager, name, "opened",
                                           f"link{link.id}:{telegram_id}", now)])
            assert fresh is not None
            pdf = await self._delivery.keep(uow, replace(made, header=fresh), None)
            await self._record(uow, pdf, telegram_id)
            await uow.commit()
        self._access.forget(telegram_id)
        return Opened(user, pdf, fresh, manager, contact_id, newly_bound)

    async def _record(self, uow: CustomerUnitOfWork, pdf: PdfFile, telegram_id: int) -> None:
        await uow.delivery.add_delivery(pdf.document_id, "telegram", str(telegram_id), None,
                                        self._clock.now())

    async def _own(self, uow: CustomerUnitOfWork, telegram_id: int, kind: str,
                   doc_id: int) -> DocHeader:
        header = await uow.delivery.header(check_kind(kind), doc_id)
        if header is None or header.status not in CUSTOMER_VISIBLE[header.kind]:
            raise NotFound(entity=kind, id=doc_id)
        contacts, companies = await uow.delivery.customer_scope(telegram_id)
        if header.contact_id not in contacts and header.company_id not in companies:
            raise NotFound(entity=kind, id=doc_id)
        return header

    async def documents(self, telegram_id: int) -> list[DocHeader]:
        """The customer's quotes, invoices and contracts, newest first."""
        async with self._uow(readonly=True) as uow:
            contacts, companies = await uow.delivery.customer_scope(telegram_id)
            if not contacts:
                return []
            return list(await uow.delivery.customer_documents(
                contacts, companies, CUSTOMER_VISIBLE, LIST_LIMIT))

    async def document(self, telegram_id: int, kind: str, doc_id: int) -> PdfFile:
        """One of the customer's documents again (the stored PDF; delivery recorded)."""
        async with self._uow(readonly=True) as uow:
            header = await self._own(uow, telegram_id, kind, doc_id)
        made = await self._delivery.made_for_owner(header)  # with no transaction open
        async with self._uow() as uow:
            pdf = await self._delivery.keep(uow, made, None)
            await self._record(uow, pdf, telegram_id)
            await uow.commit()
        return pdf

    async def _notice(self, telegram_id: int, kind: str, doc_id: int, customer_name: str,
                      text: str = "") -> Notice:
        async with self._uow(readonly=True) as uow:
            header = await self._own(uow, telegram_id, kind, doc_id)
            manager = await self._manager(uow, header)
        return Notice(header, manager, customer_name, text)

    async def check_access(self, telegram_id: int, kind: str, doc_id: int) -> DocHeader:
        """The document when it is the customer's (before asking them for a text)."""
        async with self._uow(readonly=True) as uow:
            return await self._own(uow, telegram_id, kind, doc_id)

    async def mark_paid(self, telegram_id: int, invoice_id: int,
                        customer_name: str) -> Notice:
        """"I've paid": reminders for the invoice pause until the payment is matched; the
        manager is told (once per customer)."""
        async with self._uow() as uow:
            header = await self._own(uow, telegram_id, "invoice", invoice_id)
            if header.status not in PAYABLE:
                raise Conflict("bad_transition", current=header.status, target="paid")
            await uow.invoices.update(header.id, {"reminders_paused": True})
            await uow.audit.add(None, "invoice.customer_paid", "invoice", header.id,
                                {"telegram_user_id": telegram_id})
            manager = await self._manager(uow, header)
            await uow.outbox.enqueue([told(header, manager, customer_name, "paid",
                                           str(telegram_id), self._clock.now())])
            await uow.commit()
        return Notice(header, manager, customer_name)

    async def question(self, telegram_id: int, kind: str, doc_id: int, customer_name: str,
                       text: str, action_key: str) -> Notice:
        """A customer's question about one of their documents, passed to the manager (keyed
        by the customer's message)."""
        body = clean_message(text)
        notice_ = await self._notice(telegram_id, kind, doc_id, customer_name, body)
        async with self._uow() as uow:
            await uow.audit.add(None, f"{kind}.customer_question", kind, doc_id,
                                {"telegram_user_id": telegram_id})
            await uow.outbox.enqueue([told(notice_.header, notice_.manager, customer_name,
                                           "question", action_key, self._clock.now(), body)])
            await uow.commit()
        return notice_

    async def accept(self, telegram_id: int, quote_id: int, customer_name: str) -> Notice:
        """The customer accepts a quote (who and when are recorded on the quote)."""
        notice_ = await self._notice(telegram_id, "quote", quote_id, customer_name)
        await self._quotes.accept_quote(quote_id, telegram_id, then=[told(
            notice_.header, notice_.manager, customer_name, "accepted", str(telegram_id),
            self._clock.now())])
        return notice_

    async def request_changes(self, telegram_id: int, quote_id: int, customer_name: str,
                              text: str, action_key: str) -> Notice:
        body = clean_message(text)
        notice_ = await self._notice(telegram_id, "quote", quote_id, customer_name, body)
        await self._quotes.request_changes(quote_id, telegram_id, body, then=[told(
            notice_.header, notice_.manager, customer_name, "changes", action_key,
            self._clock.now(), body)])
        return notice_
