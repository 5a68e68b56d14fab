"""The accountant's export: invoices and payments of a period, scoped by the actor.

Invariants: periods are whole days in the app's time zone, both ends included; a manager
exports their own invoices and the payments on them (or recorded by them), heads and admins
everything; money leaves as decimal strings (minor units → Decimal), never float. The files
themselves (CSV, XLSX) are built by an `ExportWriter` (bot/exports.py), off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.errors import Forbidden, InvalidInput
from services.receivables import ExportInvoice, ExportPayment, ReceivableUowFactory
from services.shipments import add_months
from services.users import Actor

PERIODS: Final = ("this_month", "last_month", "this_quarter")


@dataclass(frozen=True, slots=True)
class ExportData:
    start: date
    end: date
    invoices: tuple[ExportInvoice, ...]
    payments: tuple[ExportPayment, ...]


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    content: bytes


class ExportWriter(Protocol):
    async def files(self, data: ExportData) -> Sequence[ExportFile]: ...


def period_bounds(code: str, today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    if code == "this_month":
        return first, add_months(first, 1) - timedelta(days=1)
    if code == "last_month":
        start = add_months(first, -1)
        return start, first - timedelta(days=1)
    if code == "this_quarter":
        start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return start, add_months(start, 3) - timedelta(days=1)
    raise InvalidInput("bad_period", field="text")


def parse_period(text: str) -> tuple[date, date]:
    """"01.01.2026 31.03.2026" (or with a dash between)."""
    parts = text.replace("-", " ").replace("–", " ").split()
    if len(parts) != 2:
        raise InvalidInput("bad_period", field="text")
    try:
        start, end = (datetime.strptime(p, "%d.%m.%Y").date() for p in parts)
    except ValueError:
        raise InvalidInput("bad_period", field="text") from None
    if end < start or (end - start).days > 366 * 3:
        raise InvalidInput("bad_period", field="text")
    return start, end


class ExportService:
    def __init__(self, uow: ReceivableUowFactory, clock: Clock, writer: ExportWriter,
                 timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self._writer = writer
        self._tz = ZoneInfo(timezone)

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    async def data(self, actor: Actor, start: date, end: date) -> ExportData:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            invoices = await uow.receivables.export_invoices(start, end, actor.owner_scope())
            payments = await uow.receivables.export_payments(start, end, actor.owner_scope())
        return ExportData(start, end, tuple(invoices), tuple(payments))

    async def export(self, actor: Actor, period: str) -> tuple[ExportData, Sequence[ExportFile]]:
        """`period`: a code of PERIODS or "dd.mm.yyyy dd.mm.yyyy"."""
        if period in PERIODS:
            start, end = period_bounds(period, self.today())
        else:
            start, end = parse_period(period)
        data = await self.data(actor, start, end)
        return data, await self._writer.files(data)
