"""Shipment: goods or services handed over for an invoice, after payment or on credit.

Invariants:
- an invoice is shipped at most once (a second Ship → Conflict "already_shipped");
- an invoice not paid in full ships only on credit terms: a guarantee letter (a promised
  date, today or later) or an installment schedule whose shares add up to 100 % of what is
  still due; each installment is a receivable with its own due date, sums exact to the minor
  unit (the last share takes the rounding);
- payments on an invoice with installments are applied to its installments oldest first
  (`spread_paid`: the invoice's paid amount beyond what the schedule started from);
- paid in full and shipped → the deal is won (moved to its pipeline's "won" stage, logged
  with the actor) when every invoice of the deal is paid;
- every read and write is scoped by the actor: another manager's invoice is NotFound.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.deals import DealRepository, DealService
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import OPEN_STATUSES
from services.invoices.model import InvoiceMoney
from services.kernel import AuditedUnitOfWork, UowFactory
from services.money import from_minor
from services.users import Actor

KINDS: Final = ("act", "delivery_note")
MAX_PARTS: Final = 24
PRESETS: Final = ("50_30", "3m")


@dataclass(frozen=True, slots=True)
class InstallmentRow:
    id: int
    invoice_id: int
    due_date: date
    amount_minor: int
    paid_minor: int
    status: str

    @property
    def open_minor(self) -> int:
        return max(self.amount_minor - self.paid_minor, 0)


@dataclass(frozen=True, slots=True)
class Share:
    percent: Decimal
    due: date


@dataclass(frozen=True, slots=True)
class ShipInfo:
    invoice_id: int
    number_text: str
    currency: str
    open_amount: Decimal
    shipped: bool


@dataclass(frozen=True, slots=True)
class Shipped:
    shipment_id: int
    invoice_id: int
    number_text: str
    currency: str
    on_credit: bool
    guarantee_until: date | None
    installments: tuple[tuple[date, Decimal], ...]
    deal_won: bool


class ShipmentRepository(Protocol):
    async def shipped(self, invoice_id: int) -> bool: ...
    async def shipped_at(self, invoice_id: int) -> datetime | None: ...
    async def shipped_among(self, invoice_ids: Sequence[int]) -> set[int]: ...
    async def add(self, invoice_id: int, kind: str, on_credit: bool,
                  guarantee_until: date | None, actor_id: int | None, now: datetime) -> int: ...
    async def add_installments(self, invoice_id: int,
                               parts: Sequence[tuple[date, int]]) -> None: ...
    async def installments(self, invoice_ids: Sequence[int]) -> list[InstallmentRow]: ...
    async def set_installment_paid(self, installment_id: int, paid_minor: int,
                                   status: str) -> None: ...


class InvoiceMoneyRepository(Protocol):
    """What shipping (and settling) needs of the money side; `storage/payments.py` implements
    it together with the rest of `services.payments.ports.PaymentRepository`."""

    async def invoice_money(self, invoice_id: int, owner_id: int | None,
                            lock: bool = False) -> InvoiceMoney | None: ...
    async def deal_fully_paid(self, deal_id: int) -> bool: ...


class ShipmentUow(AuditedUnitOfWork, Protocol):
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def payments(self) -> InvoiceMoneyRepository: ...
    @property
    def deals(self) -> DealRepository: ...


ShipmentUowFactory = UowFactory[ShipmentUow]


# --- pure rules ------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def preset_schedule(code: str, today: date) -> list[Share]:
    """Quick buttons: "50_30" = 50 % now, 50 % in 30 days; "3m" = three equal monthly."""
    if code == "50_30":
        return [Share(Decimal(50), today), Share(Decimal(50), today + timedelta(days=30))]
    if code == "3m":
        third = Decimal(100) / 3
        return [Share(third, today), Share(third, add_months(today, 1)),
                Share(Decimal(100) - 2 * third, add_months(today, 2))]
    raise InvalidInput("schedule_bad", field="text")


_PART: Final = re.compile(r"^\s*(?P<pct>\d{1,3}(?:[.,]\d{1,2})?)\s*%\s*[:\-–]?\s*(?P<when>.+?)"
                          r"\s*$")
_TODAY: Final = frozenset({"today", "now", "сегодня", "сейчас", "azi", "acum"})


def parse_schedule(text: str, today: date) -> list[Share]:
    """"30%: today; 70%: 20.12.2026" (";" or new lines between parts)."""
    parts = [p for p in re.split(r"[;\n]", text) if p.strip()]
    if not parts or len(parts) > MAX_PARTS:
        raise InvalidInput("schedule_bad", field="text")
    shares: list[Share] = []
    for part in parts:
        found = _PART.match(part)
        if found is None:
            raise InvalidInput("schedule_bad", field="text")
        when = found.group("when").strip().lower()
        if when in _TODAY:
            due = today
        else:
            try:
                due = datetime.strptime(when, "%d.%m.%Y").date()
            except ValueError:
                raise InvalidInput("schedule_bad", field="text") from None
        shares.append(Share(Decimal(found.group("pct").replace(",", ".")), due))
    check_schedule(shares, today)
    return shares


def check_schedule(shares: Sequence[Share], today: date) -> None:
    if not shares or any(s.percent <= 0 for s in shares):
        raise InvalidInput("schedule_bad", field="text")
    if abs(sum((s.percent for s in shares), Decimal(0)) - 100) > Decimal("0.01"):
        raise InvalidInput("schedule_bad", field="text")
    if any(s.due < today for s in shares):
        raise InvalidInput("schedule_past", field="text")


def split_minor(total_minor: int, shares: Sequence[Share]) -> list[tuple[date, int]]:
    """Amounts of each share in minor units, rounded down; the last takes the remainder."""
    out: list[tuple[date, int]] = []
    used = 0
    for i, share in enumerate(shares):
        if i == len(shares) - 1:
            amount = total_minor - used
        else:
            amount = int((Decimal(total_minor) * share.percent / 100)
                         .to_integral_value(ROUND_DOWN))
        used += amount
        out.append((share.due, amount))
    return out


def spread_paid(installments: Sequence[InstallmentRow], paid_minor: int
                ) -> list[tuple[InstallmentRow, int]]:
    """Each installment with what is paid on it, oldest due first."""
    left = paid_minor
    out = []
    for row in sorted(installments, key=lambda r: (r.due_date, r.id)):
        take = min(row.amount_minor, max(left, 0))
        left -= take
        out.append((row, take))
    return out


def installment_updates(rows: Sequence[InstallmentRow], total_minor: int, paid_minor: int
                        ) -> list[tuple[int, int, str]]:
    """(installment id, paid, status) for each installment whose paid amount changes when the
    invoice has `paid_minor` paid. The schedule covers what was open at shipment: money paid
    before it is not in the schedule."""
    before = total_minor - sum(r.amount_minor for r in rows)
    out = []
    for row, paid in spread_paid(rows, paid_minor - before):
        status = "paid" if paid >= row.amount_minor else "open"
        if (paid, status) != (row.paid_minor, row.status):
            out.append((row.id, paid, status))
    return out


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
