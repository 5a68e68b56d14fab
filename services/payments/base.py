"""What every use case of `PaymentService` shares: its wiring (unit of work, clock, deals,
settlement, the CPU runner) and the internals that write money and queue its pushes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.deals import DealService
from services.errors import Conflict, NotFound
from services.money import from_minor, open_minor
from services.notices import payment_messages
from services.payment_events import PaymentApplied, PaymentEvent
from services.payments.model import (
    DIGEST_ABOVE,
    REVIEW_PUSH_LIMIT,
    YIELD_EVERY,
    InvoiceMoney,
    InvoicePaidUpdate,
    Payment,
    PaymentStatus,
    _Applied,
)
from services.payments.rules import settled, status_after
from services.settlement import Settlement
from services.users import Actor

if TYPE_CHECKING:
    from services.kernel import UowFactory
    from services.payments.ports import PaymentUnitOfWork


# Runs a picklable CPU-bound function with its arguments somewhere off the event loop and
# returns its result. A thread still holds the GIL (the loop lagged 59-123 ms on a 10,000-line
# statement); the app passes its worker-process pool. Default: a thread (tests, CLI).
CpuRunner = Callable[..., Awaitable[Any]]


async def run_in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


class _Base:
    """The service's state and shared internals; the use cases are mixins on top of it
    (`services.payments.service.PaymentService`)."""

    def __init__(self, uow: UowFactory[PaymentUnitOfWork], clock: Clock, deals: DealService,
                 timezone: str = "UTC", review_push_limit: int = REVIEW_PUSH_LIMIT,
                 run_cpu: CpuRunner = run_in_thread,
                 settlement: Settlement | None = None,
                 team_chat_id: int | None = None, digest_above: int = DIGEST_ABOVE) -> None:
        self._uow = uow
        self._team_chat = team_chat_id
        self._run_cpu = run_cpu
        self._clock = clock
        self._deals = deals
        self._settlement = settlement or Settlement(deals)
        self._tz = ZoneInfo(timezone)
        self._review_limit = review_push_limit
        self._digest_above = digest_above

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    # -- internals

    async def _allocate(self, uow: PaymentUnitOfWork, payment_id: int, inv: InvoiceMoney,
                        amount_minor: int, actor_id: int | None, now: datetime) -> _Applied:
        """Up to `amount_minor` of the payment to the invoice (never beyond its open amount),
        with the invoice's paid amount and status, and the deal's move when all is paid."""
        take = min(amount_minor, inv.open_minor)
        if take <= 0:
            raise Conflict("invoice_not_payable", status=inv.status)
        await uow.payments.add_allocations([(payment_id, inv.id, take)], actor_id, now)
        paid = inv.paid_minor + take
        status = status_after(inv, paid, self.today())
        update = InvoicePaidUpdate(inv.id, paid, status, now if status == "paid" else None)
        await uow.payments.set_invoices_paid([update])
        move = (await self._settlement.after_money(uow, [settled(inv, update)], actor_id,
                                                   now)).get(inv.id)
        return _Applied(payment_id, inv.id, take,
                        open_minor(inv.total_minor, paid, inv.credited_minor), inv.currency,
                        move.stage if move else None, move.won if move else False,
                        move.names if move else None)

    async def _settle(self, uow: PaymentUnitOfWork, payment_id: int, company_id: int | None,
                      expect: frozenset[PaymentStatus] | None = None) -> Payment:
        """The payment's status from what is allocated: all → allocated, else credit."""
        payment = await uow.payments.get(payment_id)
        assert payment is not None
        status = (PaymentStatus.ALLOCATED if payment.unallocated_minor <= 0
                  else PaymentStatus.CREDIT)
        if not await uow.payments.set_status(payment_id, status, company_id=company_id,
                                             expect=expect):
            raise Conflict("payment_done")
        fresh = await uow.payments.get(payment_id)
        assert fresh is not None
        return fresh

    async def _sees(self, uow: PaymentUnitOfWork, actor: Actor, payment: Payment,
                    candidates: Sequence[int]) -> bool:
        """Heads and admins see every payment; a manager the ones they recorded or imported,
        and those with a candidate or an allocation on one of their invoices."""
        if not actor.is_staff:
            return False
        scope = actor.owner_scope()
        if scope is None or payment.created_by == actor.id:
            return True
        ids = [*candidates, *(i for i, _ in await uow.payments.allocations(payment.id))]
        return await uow.payments.owns_any(ids, scope)

    async def _visible_payment(self, uow: PaymentUnitOfWork, actor: Actor, payment_id: int,
                               lock: bool = False) -> Payment:
        payment = await uow.payments.get(payment_id, lock=lock)
        if payment is None:
            raise NotFound(entity="payment", id=payment_id)
        note = await uow.payments.match_note(payment.id)
        if not await self._sees(uow, actor, payment, note.candidates if note else ()):
            raise NotFound(entity="payment", id=payment_id)
        return payment

    async def _applied_events(self, uow: PaymentUnitOfWork, applied: Sequence[_Applied],
                              manager_pushes: bool = True) -> tuple[PaymentApplied, ...]:
        """The events of money applied, their pushes queued (only the customers' receipts
        when not `manager_pushes`: the caller tells the managers in a digest)."""
        parties = await uow.payments.invoice_parties(sorted({a.invoice_id for a in applied}))
        events = []
        for i, a in enumerate(applied):
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            party = parties.get(a.invoice_id)
            if party is None:
                continue
            events.append(PaymentApplied(
                payment_id=a.payment_id, invoice_id=a.invoice_id,
                invoice_number=party.number_text, company_name=party.company_name,
                amount=from_minor(a.amount_minor, a.currency),
                remaining=from_minor(max(a.remaining_minor, 0), a.currency),
                currency=a.currency, manager_chat=party.manager_chat,
                manager_language=party.manager_language, customer_chat=party.customer_chat,
                customer_language=party.customer_language, deal_stage=a.deal_stage,
                deal_won=a.deal_won, deal_stage_names=a.deal_stage_names))
        await self._queue(uow, events, manager_pushes)
        return tuple(events)

    async def _queue(self, uow: PaymentUnitOfWork, events: Sequence[PaymentEvent],
                     manager_pushes: bool = True) -> None:
        """The events' pushes, in the caller's transaction (sent once it commits)."""
        await uow.outbox.enqueue(payment_messages(events, self._clock.now(), self._team_chat,
                                                  manager_pushes=manager_pushes))
