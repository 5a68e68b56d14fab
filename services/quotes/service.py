"""Quotes: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import Any

from services.alerts import (
    QUOTES_JOB,
    AlertConfig,
    job_since,
    quote_expires_at,
    quote_expiry_messages,
)
from services.catalog import BASE_LIST
from services.clock import Clock
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import (
    DocumentEditor,
    Invoice,
    InvoiceService,
    Repriced,
    check_transition,
    clean_currency,
)
from services.invoices.ports import DocumentRepository
from services.kernel import UowFactory
from services.numbering import assign_number
from services.organizations import DEFAULT_LANGUAGE
from services.outbox import NewOutboxMessage
from services.quotes.model import (
    ACCEPTED,
    CHANGE_REQUEST_MAX,
    CHANGES,
    DRAFT,
    EXPIRED,
    QUOTE_TRANSITIONS,
    SENT,
    VALID_DAYS,
    Quote,
    QuoteCard,
    QuotePage,
)
from services.quotes.ports import QuoteUnitOfWork
from services.users import Actor


class QuoteService(DocumentEditor[Quote, QuoteUnitOfWork]):
    kind = "quote"

    def __init__(self, uow: UowFactory[QuoteUnitOfWork], clock: Clock, invoices: InvoiceService,
                 timezone: str = "UTC") -> None:
        super().__init__(uow, clock, timezone)
        self._invoices = invoices

    def _repo(self, uow: QuoteUnitOfWork) -> DocumentRepository[Quote]:
        return uow.quotes

    async def create_draft(self, actor: Actor, company_id: int | None,
                           deal_id: int | None = None, organization_id: int | None = None,
                           currency: str | None = None) -> Quote:
        async with self._uow() as uow:
            doc_id = await self._create_in(uow, actor, company_id, deal_id, organization_id,
                                           currency)
            quote = await uow.quotes.get(doc_id, None)
            await uow.commit()
        assert quote is not None
        return quote

    async def _create_in(self, uow: QuoteUnitOfWork, actor: Actor, company_id: int | None,
                         deal_id: int | None, organization_id: int | None,
                         currency: str | None, price_list: str | None = None) -> int:
        """An empty quote draft; its price list is `price_list`, else the client's."""
        if company_id is not None and await uow.companies.get(
                company_id, actor.owner_scope()) is None:
            raise NotFound(entity="company", id=company_id)
        if deal_id is not None and await uow.deals.get(
                deal_id, actor.owner_scope()) is None:
            raise NotFound(entity="deal", id=deal_id)
        org = (await uow.organizations.get(organization_id) if organization_id
               else await uow.organizations.first())
        if org is None:
            raise Conflict("no_organization")
        code = clean_currency(currency) if currency else org.currency
        if price_list is None:
            price_list = (await uow.products.company_price_list(company_id)
                          if company_id is not None else None) or BASE_LIST
        doc_id = await uow.quotes.add({
            "owner_id": actor.id, "organization_id": org.id, "company_id": company_id,
            "deal_id": deal_id, "currency": code, "tax_mode": org.default_tax_mode,
            "language": org.language or DEFAULT_LANGUAGE.get(org.country, "ru"),
            "status": DRAFT, "created_at": self._clock.now(), "price_list": price_list,
            "valid_until": self.today() + timedelta(days=VALID_DAYS)})
        await uow.audit.add(actor.id, "quote.create", "quote", doc_id)
        return doc_id

    async def repeat(self, actor: Actor, quote_id: int) -> Repriced[Quote]:
        """A new quote draft like this one (same client, contact, deal, lines and terms), its
        catalog lines at today's prices of the client's price list."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, quote_id)
            if doc.status == DRAFT:
                raise Conflict("repeat_draft")
            price_list = (await uow.products.company_price_list(doc.company_id)
                          if doc.company_id is not None else None) or doc.price_list
            new_id = await self._create_in(uow, actor, doc.company_id, doc.deal_id,
                                           doc.organization_id, doc.currency, price_list)
            new = await uow.quotes.get(new_id, None)
            assert new is not None
            lines, changed, fallback = await self._reprice(uow, doc.lines, doc.currency,
                                                           price_list)
            fresh = await self._save_in(uow, actor, new, lines, {
                "contact_id": doc.contact_id, "tax_mode": doc.tax_mode,
                "discount_percent": doc.discount_percent,
                "discount_amount": doc.discount_amount, "language": doc.language},
                audited=False)
            await uow.audit.add(actor.id, "quote.repeat", "quote", new_id,
                                {"from": doc.id, "price_list": price_list, "changed": changed},
                                company_id=doc.company_id, deal_id=doc.deal_id)
            await uow.commit()
        return Repriced(fresh, price_list, changed, fallback)

    async def create_for_deal(self, actor: Actor, deal_id: int) -> Quote:
        """The "Quote" button of a deal card: a draft for the deal's company and currency."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            deal = await uow.deals.get(deal_id, actor.owner_scope())
        if deal is None:
            raise NotFound(entity="deal", id=deal_id)
        return await self.create_draft(actor, deal.company_id, deal.id, None, deal.currency)

    async def card(self, actor: Actor, quote_id: int) -> QuoteCard:
        """The quote (scoped by the actor) with the name of the customer who accepted it."""
        async with self._uow(readonly=True) as uow:
            doc = await self._load(uow, actor, quote_id)
            who = None
            if doc.accepted_by_telegram_id is not None:
                user = await uow.users.by_telegram_id(doc.accepted_by_telegram_id)
                who = user.full_name if user else str(doc.accepted_by_telegram_id)
        return QuoteCard(doc, who)

    async def list(self, actor: Actor, statuses: Collection[str] | None = None,
                   offset: int = 0, limit: int = 10) -> QuotePage:
        """The actor's quotes (heads and admins: all), newest first."""
        if not actor.is_staff:
            raise Forbidden()
        offset = max(0, offset)
        async with self._uow(readonly=True) as uow:
            items, total = await uow.quotes.list(actor.owner_scope(),
                                                 list(statuses) if statuses else None,
                                                 offset, limit)
        return QuotePage(list(items), total, offset, limit)

    async def set_valid_until(self, actor: Actor, quote_id: int, day: date) -> Quote:
        if day < self.today():
            raise InvalidInput("due_in_past", field="valid_until")
        return await self._edit(actor, quote_id, lambda d, _: (d.lines, {"valid_until": day}))

    async def send(self, actor: Actor, quote_id: int) -> Quote:
        """Draft → sent (the delivery itself is the delivery service's); numbered on the
        first send."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, quote_id)
            check_transition(QUOTE_TRANSITIONS, doc.status, SENT)
            if not doc.lines:
                raise Conflict("no_lines")
            values: dict[str, Any] = {"status": SENT}
            if doc.number is None:
                org = await uow.organizations.get(doc.organization_id)
                assert org is not None
                number = await assign_number(uow, org.id, "quote", self.today().year, "Q",
                                             org.number_pattern)
                values.update(series_id=number.series_id, number=number.number,
                              number_text=number.text)
            if not await uow.quotes.update(doc.id, values, expected=[DRAFT]):
                raise Conflict("bad_transition", current=doc.status, target=SENT)
            await uow.audit.add(actor.id, "quote.send", "quote", doc.id)
            fresh = await uow.quotes.get(doc.id, None)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def _answer(self, quote_id: int, telegram_user_id: int, target: str,
                      values: dict[str, Any],
                      then: Sequence[NewOutboxMessage] = ()) -> Quote:
        """The customer's answer; `then` (the manager's notice) is queued in the same
        transaction."""
        async with self._uow() as uow:
            doc = await uow.quotes.get(quote_id, None)
            if doc is None:
                raise NotFound(entity="quote", id=quote_id)
            if doc.status == SENT and doc.valid_until and doc.valid_until < self.today():
                await uow.quotes.update(doc.id, {"status": EXPIRED}, expected=[SENT])
                await uow.audit.add(None, "quote.expired", "quote", doc.id)
                await uow.commit()
                raise Conflict("quote_expired")
            check_transition(QUOTE_TRANSITIONS, doc.status, target)
            if not await uow.quotes.update(doc.id, {"status": target, **values},
                                           expected=[SENT]):
                raise Conflict("bad_transition", current=doc.status, target=target)
            await uow.audit.add(None, f"quote.{target}", "quote", doc.id,
                                {"telegram_user_id": telegram_user_id})
            if then:
                await uow.outbox.enqueue(then)
            fresh = await uow.quotes.get(doc.id, None)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def accept_quote(self, quote_id: int, telegram_user_id: int,
                           then: Sequence[NewOutboxMessage] = ()) -> Quote:
        """The customer accepts (the caller checked their right to this quote: a deep-link
        token or their contact). Records who and when."""
        return await self._answer(quote_id, telegram_user_id, ACCEPTED, {
            "accepted_by_telegram_id": telegram_user_id, "accepted_at": self._clock.now()},
            then)

    async def request_changes(self, quote_id: int, telegram_user_id: int, text: str,
                              then: Sequence[NewOutboxMessage] = ()) -> Quote:
        body = " ".join(text.split())[:CHANGE_REQUEST_MAX]
        return await self._answer(quote_id, telegram_user_id, CHANGES,
                                  {"change_request": body or None}, then)

    async def reopen(self, actor: Actor, quote_id: int) -> Quote:
        """Changes requested / expired → draft, to edit and send again (number kept)."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, quote_id)
            check_transition(QUOTE_TRANSITIONS, doc.status, DRAFT)
            await uow.quotes.update(doc.id, {"status": DRAFT}, expected=[doc.status])
            fresh = await uow.quotes.get(doc.id, None)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def expire_due(self) -> int:
        """Sent quotes past their validity date → expired (the scheduler's quote job). In the
        same transaction the manager and the customer (when their Telegram chat is bound) are
        told through the outbox, once per quote and validity date, at 10:00 their time on
        the day after it (late after downtime). Only quotes whose validity ended since the
        job's watermark (its last successful run; a first run looks one day back) are told
        about, so old quotes a fresh install finds expire silently. Returns how many
        expired."""
        now = self._clock.now()
        today = self.today()
        config = AlertConfig(default_timezone=self._tz.key)
        count = 0
        async with self._uow() as uow:
            since = await job_since(uow.alerts, QUOTES_JOB, now)
            messages: list[NewOutboxMessage] = []
            for q in await uow.alerts.quotes_past_validity(today):
                if not await uow.quotes.update(q.quote_id, {"status": EXPIRED}, expected=[SENT]):
                    continue  # answered or expired by someone else meanwhile
                count += 1
                await uow.audit.add(None, "quote.expired", "quote", q.quote_id)
                if quote_expires_at(q.valid_until, self._tz.key) > since:
                    owner = await uow.alerts.user(q.owner_id)
                    messages += quote_expiry_messages(q, owner, now, config)
            await uow.outbox.enqueue(messages)
            await uow.alerts.set_watermark(QUOTES_JOB, now)
            await uow.commit()
        return count

    async def invoice_from_quote(self, actor: Actor, quote_id: int,
                                 issue: bool = False) -> Invoice:
        """An accepted quote → an invoice draft with the same lines (issued at once when
        `issue`), in one transaction."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, quote_id)
            if doc.status != ACCEPTED:
                raise Conflict("quote_not_accepted")
            # One quote, one invoice: a second tap (or an old card) opens the first one.
            existing = await uow.invoices.id_from_quote(doc.id)
            if existing is not None:
                made = await uow.invoices.get(existing, None)
                assert made is not None
                return made
            invoice = await self._invoices.copy_into_invoice(uow, actor, doc, issue)
            await uow.commit()
        return invoice
