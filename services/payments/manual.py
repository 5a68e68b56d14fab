"""Money a person types in: record a payment for an invoice (or apply the statement line it
already is), the invoice's money card, the client's credit, reversal, a thank-you."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from services.deals import parse_date
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import OPEN_STATUSES
from services.matching import IncomingPayment
from services.money import from_minor, to_minor
from services.notices import THANKS, notice
from services.payments.base import _Base
from services.payments.model import (
    DOC_NUMBER_MAX,
    PENDING,
    REASON_MAX,
    SOURCES,
    TWIN_DAYS,
    CustomerChat,
    InvoiceMoney,
    InvoiceMoneyCard,
    InvoicePaidUpdate,
    NewPaymentRow,
    Payment,
    PaymentLine,
    PaymentOutcome,
    PaymentStatus,
    _Applied,
)
from services.payments.rules import (
    clean_amount,
    doc_key,
    find_twins,
    manual_key,
    may_reverse,
    settled,
    status_after,
)
from services.settlement import Settled
from services.users import Actor

if TYPE_CHECKING:
    from services.payments.ports import PaymentUnitOfWork


class ManualMixin(_Base):
    """Recording, crediting and reversing payments by hand."""

    # -- recording by hand

    async def record_manual(self, actor: Actor, invoice_id: int, source: str,
                            amount: str | Decimal, doc_number: str = "",
                            received_on: date | str | None = None,
                            action_key: str | None = None) -> PaymentOutcome:
        """Money received for one invoice (cash, card, or a bank transfer typed in). Less than
        open → partial; more → the invoice is paid and the rest is the client's credit.
        `action_key` identifies the person's action (`manual_key`): the same action again
        returns the payment it recorded (`duplicate`), writing nothing."""
        if not actor.is_staff:
            raise Forbidden()
        if source not in SOURCES:
            raise InvalidInput("payment_source", field="source")
        doc_number = " ".join(doc_number.split())
        if len(doc_number) > DOC_NUMBER_MAX:
            raise InvalidInput("too_long", field="doc_number", limit=DOC_NUMBER_MAX)
        day = parse_date(received_on) if isinstance(received_on, str) else (
            received_on or self.today())
        if day > self.today():
            raise InvalidInput("payment_in_future", field="date")
        now = self._clock.now()
        key = manual_key(actor.id, action_key)
        async with self._uow() as uow:
            repo = uow.payments
            inv = await repo.invoice_money(invoice_id, actor.owner_scope(), lock=True)
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if action_key is not None:  # the same action again: what it recorded
                done = await repo.by_external(source, key)
                if done is not None:
                    return PaymentOutcome(done, (), duplicate=True)
            if inv.status not in OPEN_STATUSES:
                raise Conflict("invoice_not_payable", status=inv.status)
            value = clean_amount(amount, inv.currency)
            minor = to_minor(value, inv.currency)
            if source == "bank" and doc_key(doc_number):
                twin = await self._statement_twin(uow, inv, doc_number, day, minor)
                if twin is not None:  # the statement brought it already: apply that one
                    applied = [await self._allocate(uow, twin.id, inv, twin.unallocated_minor,
                                                    actor.id, now)]
                    payment = await self._settle(uow, twin.id, inv.company_id,
                                                 expect=PENDING)
                    await uow.audit.add(actor.id, "payment.resolve", "payment", twin.id,
                                        {"invoice_id": inv.id, "typed_in": True})
                    events = await self._applied_events(uow, applied)
                    await uow.commit()
                    return PaymentOutcome(payment, events, from_statement=True)
            payment_id = await repo.insert_payment(NewPaymentRow(
                source=source, external_id=key, organization_id=inv.organization_id,
                company_id=inv.company_id, statement_id=None, amount_minor=minor,
                currency=inv.currency, received_on=day, payer_name="", payer_tax_id="",
                payer_account="", purpose="", doc_number=doc_number,
                status=PaymentStatus.ALLOCATED, created_by=actor.id))
            if payment_id is None:  # the same action, committed concurrently
                existing = await repo.by_external(source, key)
                assert existing is not None
                return PaymentOutcome(existing, (), duplicate=True)
            applied = [await self._allocate(uow, payment_id, inv, minor, actor.id, now)]
            payment = await self._settle(uow, payment_id, inv.company_id)
            await uow.audit.add(actor.id, "payment.record", "payment", payment_id,
                                {"invoice_id": inv.id, "amount_minor": minor,
                                 "source": source})
            events = await self._applied_events(uow, applied)
            await uow.commit()
        return PaymentOutcome(payment, events)

    async def money_card(self, actor: Actor, invoice_id: int) -> InvoiceMoneyCard:
        """The invoice's money: total, paid, remaining, the client's usable credit and the
        payments on it (each marked whether this actor may reverse it)."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            credits = (await uow.payments.credits(inv.company_id, inv.currency)
                       if inv.company_id is not None else [])
            lines = await uow.payments.invoice_payments(inv.id)
        cur = inv.currency
        return InvoiceMoneyCard(
            inv.id, inv.number_text, cur, inv.status, from_minor(inv.total_minor, cur),
            from_minor(inv.paid_minor, cur), from_minor(inv.open_minor, cur),
            from_minor(sum(p.unallocated_minor for p in credits), cur),
            tuple(PaymentLine(p, from_minor(on, cur), may_reverse(actor, p))
                  for p, on in lines))

    async def available_credit(self, actor: Actor, invoice_id: int) -> Decimal:
        """The client's credit (remainders of earlier payments) usable on this invoice."""
        async with self._uow(readonly=True) as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if inv.company_id is None:
                return from_minor(0, inv.currency)
            credits = await uow.payments.credits(inv.company_id, inv.currency)
        return from_minor(sum(p.unallocated_minor for p in credits), inv.currency)

    async def apply_credit(self, actor: Actor, invoice_id: int) -> PaymentOutcome:
        """Applies the client's credit, oldest first, to this invoice's open amount."""
        if not actor.is_staff:
            raise Forbidden()
        now = self._clock.now()
        async with self._uow() as uow:
            repo = uow.payments
            inv = await repo.invoice_money(invoice_id, actor.owner_scope(), lock=True)
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if inv.status not in OPEN_STATUSES:
                raise Conflict("invoice_not_payable", status=inv.status)
            credits = (await repo.credits(inv.company_id, inv.currency, lock=True)
                       if inv.company_id is not None else [])
            if not credits:
                raise Conflict("no_credit")
            applied: list[_Applied] = []
            last: Payment | None = None
            for credit in credits:
                if inv.open_minor <= 0:
                    break
                step = await self._allocate(uow, credit.id, inv, credit.unallocated_minor,
                                            actor.id, now)
                applied.append(step)
                last = await self._settle(uow, credit.id, inv.company_id)
                inv = await repo.invoice_money(inv.id, None, lock=True) or inv
            assert last is not None
            await uow.audit.add(actor.id, "payment.apply_credit", "invoice", inv.id,
                                {"payments": [a.payment_id for a in applied]})
            events = await self._applied_events(uow, applied)
            await uow.commit()
        return PaymentOutcome(last, events)

    async def reverse(self, actor: Actor, payment_id: int, reason: str) -> PaymentOutcome:
        """Undoes a payment (admins and heads; a manager only a payment they typed in
        themselves, see `may_reverse`): its allocations are reversed (kept, stamped), the invoices'
        paid amounts and statuses recomputed; the reason goes to the audit log. The payment row
        stays (status "reversed"), so a re-imported statement does not record it again."""
        reason = " ".join(reason.split())
        if not reason:
            raise InvalidInput("empty", field="junk_reason")
        if len(reason) > REASON_MAX:
            raise InvalidInput("too_long", field="junk_reason", limit=REASON_MAX)
        now = self._clock.now()
        today = self.today()
        async with self._uow() as uow:
            repo = uow.payments
            payment = await self._visible_payment(uow, actor, payment_id, lock=True)
            if payment.status == PaymentStatus.REVERSED:
                raise Conflict("payment_done")
            if not may_reverse(actor, payment):
                raise Forbidden()
            allocations = await repo.allocations(payment.id)
            for invoice_id, _amount in allocations:
                if await repo.invoice_money(invoice_id, actor.owner_scope()) is None:
                    raise NotFound(entity="payment", id=payment_id)
            await repo.reverse_allocations(payment.id, now)
            changed: list[Settled] = []
            for invoice_id in sorted({i for i, _ in allocations}):
                inv = await repo.invoice_money(invoice_id, None, lock=True)
                assert inv is not None
                paid = await repo.allocated_to_invoice(invoice_id)
                update = InvoicePaidUpdate(inv.id, paid, status_after(inv, paid, today), None)
                await repo.set_invoices_paid([update])
                changed.append(settled(inv, update))
            await self._settlement.after_money(uow, changed, actor.id, now)
            await repo.set_status(payment.id, PaymentStatus.REVERSED, reversed_at=now)
            await uow.audit.add(actor.id, "payment.reverse", "payment", payment.id,
                                {"reason": reason,
                                 "allocations": [[i, a] for i, a in allocations]})
            fresh = await repo.get(payment.id)
            await uow.commit()
        assert fresh is not None
        return PaymentOutcome(fresh)

    async def thank(self, actor: Actor, invoice_id: int, action_key: str) -> CustomerChat:
        """Queues a thank-you into the customer's bound chat (Conflict "no_customer_chat" if
        none); `action_key` (the button press) makes a repeated press one message."""
        async with self._uow() as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            parties = await uow.payments.invoice_parties([inv.id])
            party = parties.get(inv.id)
            if party is None or party.customer_chat is None:
                raise Conflict("no_customer_chat")
            await uow.outbox.enqueue([notice(
                f"thanks{inv.id}:{action_key}:chat{party.customer_chat}:{THANKS}", THANKS,
                party.customer_chat, self._clock.now(), party.customer_language,
                {"number": party.number_text})])
            await uow.commit()
        return CustomerChat(party.customer_chat, party.customer_language, party.number_text)

    async def _statement_twin(self, uow: PaymentUnitOfWork, inv: InvoiceMoney, doc_number: str,
                              day: date, minor: int) -> Payment | None:
        """The statement payment a bank transfer being typed in already is: waiting for a
        decision → returned (to be applied); already applied or dismissed → Conflict, so the
        money is never recorded twice."""
        span = timedelta(days=TWIN_DAYS)
        found = await uow.payments.bank_payments([inv.organization_id], day - span, day + span,
                                                 manual=False)
        typed = IncomingPayment(key="typed", amount_minor=minor, currency=inv.currency,
                                received_on=day, doc_number=doc_number)
        twin = find_twins([typed], [p for p in found if p.status != PaymentStatus.TWIN
                                    and p.company_id in (None, inv.company_id)]).get("typed")
        if twin is None:
            return None
        if twin.status not in PENDING:
            raise Conflict("payment_in_statement", number=twin.doc_number,
                           date=f"{twin.received_on:%d.%m.%Y}")
        return await uow.payments.get(twin.id, lock=True)
