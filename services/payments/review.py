"""Payments waiting for a person: apply to an invoice, split over invoices of one client,
"Not ours", and the cards and queue a manager decides from."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import OPEN_STATUSES
from services.money import from_minor, to_minor
from services.payment_events import ReviewCandidate
from services.payments.base import _Base
from services.payments.model import (
    PENDING,
    InvoiceMoney,
    Payment,
    PaymentOutcome,
    PaymentStatus,
    ReviewCard,
)
from services.payments.rules import clean_amount, parse_split
from services.users import Actor

if TYPE_CHECKING:
    from services.payments.ports import PaymentUnitOfWork


class ReviewMixin(_Base):
    """Deciding what a payment is for."""

    # -- review

    async def split(self, actor: Actor, payment_id: int,
                    parts: Sequence[tuple[int, Decimal]]) -> PaymentOutcome:
        """Spreads what is left of a payment over invoices of ONE client; anything beyond the
        parts stays the client's credit. Nothing is written unless every part fits."""
        if not actor.is_staff:
            raise Forbidden()
        if not parts:
            raise InvalidInput("split_empty", field="text")
        now = self._clock.now()
        async with self._uow() as uow:
            repo = uow.payments
            payment = await self._visible_payment(uow, actor, payment_id, lock=True)
            if payment.status not in (*PENDING, PaymentStatus.CREDIT):
                raise Conflict("payment_done")
            invoices: list[tuple[InvoiceMoney, int]] = []
            for invoice_id, amount in parts:
                inv = await repo.invoice_money(invoice_id, actor.owner_scope(), lock=True)
                if inv is None:
                    raise NotFound(entity="invoice", id=invoice_id)
                if inv.status not in OPEN_STATUSES:
                    raise Conflict("invoice_not_payable", status=inv.status)
                if inv.currency != payment.currency:
                    raise Conflict("payment_currency", currency=payment.currency)
                minor = to_minor(clean_amount(amount, inv.currency), inv.currency)
                if minor > inv.open_minor:
                    raise InvalidInput("split_over_invoice", field="amount",
                                       number=inv.number_text)
                invoices.append((inv, minor))
            companies = {inv.company_id for inv, _ in invoices}
            if len(companies) != 1 or (payment.company_id is not None
                                       and payment.company_id not in companies):
                raise Conflict("split_several_clients")
            if len({inv.id for inv, _ in invoices}) != len(invoices):
                raise InvalidInput("split_duplicate", field="line")
            if sum(minor for _, minor in invoices) > payment.unallocated_minor:
                raise InvalidInput("split_over_payment", field="amount")
            applied = [await self._allocate(uow, payment.id, inv, minor, actor.id, now)
                       for inv, minor in invoices]
            result = await self._settle(uow, payment.id, companies.pop())
            await uow.audit.add(actor.id, "payment.split", "payment", payment.id,
                                {"parts": [[a.invoice_id, a.amount_minor] for a in applied]})
            events = await self._applied_events(uow, applied)
            await uow.commit()
        return PaymentOutcome(result, events)

    async def split_text(self, actor: Actor, payment_id: int, text: str) -> PaymentOutcome:
        """`split` from what the manager typed: "INV-2026-00001 600,00" per line."""
        items = parse_split(text)
        async with self._uow(readonly=True) as uow:
            payment = await self._visible_payment(uow, actor, payment_id)
            parts: list[tuple[int, Decimal]] = []
            for i, (number, amount) in enumerate(items, start=1):
                found = await uow.payments.invoice_by_number(number, actor.owner_scope())
                if found is None:
                    raise InvalidInput("split_unknown_invoice", field="line", line=i,
                                       number=number)
                parts.append((found, clean_amount(amount, payment.currency)))
        return await self.split(actor, payment_id, parts)

    async def resolve(self, actor: Actor, payment_id: int, invoice_id: int) -> PaymentOutcome:
        """"Apply to INV-…": the payment (what is left of it) goes to this invoice, the rest
        becomes the client's credit. A second press → Conflict("payment_done")."""
        if not actor.is_staff:
            raise Forbidden()
        now = self._clock.now()
        async with self._uow() as uow:
            repo = uow.payments
            payment = await self._visible_payment(uow, actor, payment_id, lock=True)
            if payment.status not in PENDING:
                raise Conflict("payment_done")
            inv = await repo.invoice_money(invoice_id, actor.owner_scope(), lock=True)
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if inv.status not in OPEN_STATUSES or inv.open_minor <= 0:
                raise Conflict("invoice_not_payable", status=inv.status)
            if inv.currency != payment.currency:
                raise Conflict("payment_currency", currency=payment.currency)
            applied = [await self._allocate(uow, payment.id, inv, payment.unallocated_minor,
                                            actor.id, now)]
            result = await self._settle(uow, payment.id, inv.company_id, expect=PENDING)
            await uow.audit.add(actor.id, "payment.resolve", "payment", payment.id,
                                {"invoice_id": inv.id})
            events = await self._applied_events(uow, applied)
            await uow.commit()
        return PaymentOutcome(result, events)

    async def dismiss(self, actor: Actor, payment_id: int) -> Payment:
        """"Not ours": the payment stays recorded but waits for nobody."""
        async with self._uow() as uow:
            payment = await self._visible_payment(uow, actor, payment_id, lock=True)
            if not await uow.payments.set_status(payment.id, PaymentStatus.IGNORED,
                                                 expect=PENDING):
                raise Conflict("payment_done")
            await uow.audit.add(actor.id, "payment.dismiss", "payment", payment.id)
            fresh = await uow.payments.get(payment.id)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def review_card(self, actor: Actor, payment_id: int) -> ReviewCard:
        async with self._uow(readonly=True) as uow:
            payment = await self._visible_payment(uow, actor, payment_id)
            note = await uow.payments.match_note(payment.id)
            candidates = await self._candidates(uow, note.candidates if note else (),
                                                actor.owner_scope())
        return ReviewCard(payment, note.reason if note else "", candidates)

    async def review_queue(self, actor: Actor, limit: int = 10) -> list[ReviewCard]:
        """Payments waiting for this actor's decision, oldest first."""
        if not actor.is_staff:
            raise Forbidden()
        cards: list[ReviewCard] = []
        async with self._uow(readonly=True) as uow:
            for payment in await uow.payments.pending(500):
                note = await uow.payments.match_note(payment.id)
                ids = note.candidates if note else ()
                if not await self._sees(uow, actor, payment, ids):
                    continue
                cards.append(ReviewCard(payment, note.reason if note else "",
                                        await self._candidates(uow, ids, actor.owner_scope())))
                if len(cards) >= limit:
                    break
        return cards

    async def _candidates(self, uow: PaymentUnitOfWork, ids: Sequence[int], owner_id: int | None
                          ) -> tuple[ReviewCandidate, ...]:
        out = []
        parties = await uow.payments.invoice_parties(list(ids))
        for invoice_id in ids:
            inv = await uow.payments.invoice_money(invoice_id, owner_id)
            party = parties.get(invoice_id)
            if inv is None or party is None or inv.status not in OPEN_STATUSES:
                continue
            out.append(ReviewCandidate(inv.id, inv.number_text, party.company_name,
                                       from_minor(inv.open_minor, inv.currency)))
        return tuple(out)
