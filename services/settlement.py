"""What follows when the money on invoices changes, inside the unit of work that changed it.

Every path that moves money (a statement, a manual payment, credit, a split, a review decision,
a card payment, a reversal) ends here, so the consequences are the same whichever way the money
came:

* installments: each installment's paid amount is the invoice's paid money, oldest due first
  (`services.shipments.installment_updates`); a reversal reopens them;
* the deal: every invoice of the deal paid → its "paid" stage; and if this invoice was already
  shipped (shipment on credit, paid later) → its "won" stage;
* reminders: the invoice's pending reminders are replanned (`services.alerts.replan_invoice`):
  a paid invoice has none left, a reversed one gets its ladder back, an "I've paid" pause ends.
  A bulk import touching more than `replan_limit` invoices leaves that to the daily replanning
  job and to the sender, which cancels a reminder of a paid invoice at send time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from services.alerts import AlertConfig, AlertRepository, replan_invoice
from services.deals import DealRepository, DealService
from services.kernel import AuditRepository
from services.outbox import OutboxRepository
from services.shipments import InvoiceMoneyRepository, ShipmentRepository, installment_updates

#: More invoices than this in one change (a bank statement) → no replanning inline.
REPLAN_LIMIT: Final = 50


class SettlementUow(Protocol):
    @property
    def payments(self) -> InvoiceMoneyRepository: ...
    @property
    def deals(self) -> DealRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def alerts(self) -> AlertRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...


@dataclass(frozen=True, slots=True)
class Settled:
    """An invoice's money after the change (already written by the caller)."""

    invoice_id: int
    deal_id: int | None
    total_minor: int
    paid_minor: int
    status: str


@dataclass(frozen=True, slots=True)
class DealMove:
    stage: str
    won: bool
    #: the stage's own configured name per language, for the push ("Оплачена", not "paid")
    names: Mapping[str, str] | None = None


class Settlement:
    def __init__(self, deals: DealService, alerts: AlertConfig | None = None,
                 replan_limit: int = REPLAN_LIMIT) -> None:
        self._deals = deals
        self._alerts = alerts or AlertConfig()
        self._replan_limit = replan_limit

    async def after_money(self, uow: SettlementUow, settled: Sequence[Settled],
                          actor_id: int | None, now: datetime) -> dict[int, DealMove]:
        """Installments, deals and reminders of the invoices in `settled`. Returns invoice id
        → the move of its deal, for the invoices whose deal moved."""
        if not settled:
            return {}
        ids = [s.invoice_id for s in settled]
        await self._installments(uow, settled)
        moves = await self._move_deals(uow, settled, actor_id, now)
        if len(ids) <= self._replan_limit:
            for invoice_id in ids:
                await replan_invoice(uow, invoice_id, now, self._alerts,
                                     payment_received=True)
        return moves

    async def _stage_names(self, uow: SettlementUow, deal_id: int,
                           stage: str) -> Mapping[str, str] | None:
        deal = await uow.deals.get(deal_id, None)
        config = self._deals.pipeline(deal.pipeline_code).stage(stage) if deal else None
        return dict(config.names) if config else None

    async def _installments(self, uow: SettlementUow, settled: Sequence[Settled]) -> None:
        rows = await uow.shipments.installments([s.invoice_id for s in settled])
        if not rows:
            return
        by_invoice = {s.invoice_id: s for s in settled}
        for invoice_id in sorted({r.invoice_id for r in rows}):
            inv = by_invoice[invoice_id]
            mine = [r for r in rows if r.invoice_id == invoice_id]
            for row_id, paid, status in installment_updates(mine, inv.total_minor,
                                                            inv.paid_minor):
                await uow.shipments.set_installment_paid(row_id, paid, status)

    async def _move_deals(self, uow: SettlementUow, settled: Sequence[Settled],
                          actor_id: int | None, now: datetime) -> dict[int, DealMove]:
        paid = [s for s in settled if s.status == "paid" and s.deal_id is not None]
        if not paid:
            return {}
        shipped = await uow.shipments.shipped_among([s.invoice_id for s in paid])
        moves: dict[int, DealMove] = {}
        done: dict[int, DealMove | None] = {}
        for s in paid:
            deal_id = s.deal_id
            assert deal_id is not None
            if deal_id not in done:
                move: DealMove | None = None
                if await uow.payments.deal_fully_paid(deal_id):
                    if s.invoice_id in shipped:
                        stage = await self._deals.win_in(uow, deal_id, actor_id, now,
                                                         "payment")
                        move = DealMove(stage, True) if stage else None
                    else:
                        stage = await self._deals.advance_on_payment(uow, deal_id, now)
                        move = DealMove(stage, False, await self._stage_names(
                            uow, deal_id, stage)) if stage else None
                done[deal_id] = move
            found = done[deal_id]
            if found is not None:
                moves[s.invoice_id] = found
        return moves
