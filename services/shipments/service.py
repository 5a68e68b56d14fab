"""Shipments: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.deals import DealService
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import OPEN_STATUSES
from services.money import from_minor
from services.shipments.model import (
    KINDS,
    InstallmentRow,
    Schedule,
    ScheduleLine,
    Share,
    ShipInfo,
    Shipped,
    check_schedule,
    installment_updates,
    split_minor,
)
from services.shipments.ports import ShipmentUowFactory
from services.users import Actor

# --- the service -----------------------------------------------------------------------------


class ShipmentService:
    def __init__(self, uow: ShipmentUowFactory, clock: Clock, deals: DealService,
                 timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self._deals = deals
        self._tz = ZoneInfo(timezone)

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    async def info(self, actor: Actor, invoice_id: int) -> ShipInfo:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            shipped = await uow.shipments.shipped(inv.id)
        return ShipInfo(inv.id, inv.number_text, inv.currency,
                        from_minor(inv.open_minor, inv.currency), shipped)

    async def schedule(self, actor: Actor, invoice_id: int) -> Schedule:
        """The invoice's installments, oldest first (none when it was not shipped on a
        schedule); another manager's invoice is NotFound."""
        async with self._uow(readonly=True) as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            rows = await uow.shipments.installments([inv.id])
        today = self.today()
        c = inv.currency
        return Schedule(inv.id, inv.number_text, c, tuple(
            ScheduleLine(r.due_date, from_minor(r.amount_minor, c), from_minor(r.paid_minor, c),
                         r.status, r.status == "open" and r.due_date < today)
            for r in rows))

    async def ship(self, actor: Actor, invoice_id: int, kind: str = "act",
                   guarantee_until: date | None = None,
                   schedule: Sequence[Share] | None = None) -> Shipped:
        if not actor.is_staff:
            raise Forbidden()
        if kind not in KINDS:
            raise InvalidInput("unknown_field", field="kind")
        today = self.today()
        if guarantee_until is not None and guarantee_until < today:
            raise InvalidInput("schedule_past", field="date")
        if schedule is not None:
            check_schedule(schedule, today)
        now = self._clock.now()
        async with self._uow() as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope(), lock=True)
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if inv.status not in (*OPEN_STATUSES, "paid"):
                raise Conflict("invoice_not_payable", status=inv.status)
            if await uow.shipments.shipped(inv.id):
                raise Conflict("already_shipped")
            on_credit = inv.open_minor > 0
            parts: list[tuple[date, int]] = []
            if on_credit:
                if schedule:
                    parts = split_minor(inv.open_minor, schedule)
                elif guarantee_until is None:
                    raise Conflict("ship_needs_terms")
            shipment_id = await uow.shipments.add(
                inv.id, kind, on_credit, guarantee_until if on_credit else None, actor.id, now)
            await uow.shipments.add_installments(inv.id, parts)
            won = False
            if not on_credit and inv.deal_id is not None \
                    and await uow.payments.deal_fully_paid(inv.deal_id):
                won = await self._deals.win_in(uow, inv.deal_id, actor.id, now,
                                               "shipment") is not None
            await uow.audit.add(actor.id, "invoice.ship", "invoice", inv.id,
                                {"shipment_id": shipment_id, "on_credit": on_credit,
                                 "guarantee_until": guarantee_until.isoformat()
                                 if guarantee_until and on_credit else None,
                                 "installments": [[d.isoformat(), a] for d, a in parts]})
            await uow.commit()
        return Shipped(shipment_id, inv.id, inv.number_text, inv.currency, on_credit,
                       guarantee_until if on_credit else None,
                       tuple((d, from_minor(a, inv.currency)) for d, a in parts), won)

    async def sync_installments(self, actor: Actor, invoice_id: int) -> list[InstallmentRow]:
        """Writes each installment's paid amount from the invoice's (oldest first). Payments
        do it themselves (`services.settlement`); this repairs a schedule by hand."""
        async with self._uow() as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope(), lock=True)
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            rows = await uow.shipments.installments([inv.id])
            for row_id, paid, status in installment_updates(rows, inv.total_minor,
                                                            inv.paid_minor):
                await uow.shipments.set_installment_paid(row_id, paid, status)
            fresh = await uow.shipments.installments([inv.id])
            await uow.commit()
        return fresh
