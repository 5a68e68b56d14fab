"""Receivables: who owes what, aged; the client statement; the accountant's export data.

Invariants:
- a receivable is the open part of an issued invoice (issued/sent/viewed/partially_paid/
  overdue); an invoice with an installment schedule owes per installment (paid oldest first),
  each aged by its own due date, else the invoice is aged by its due date;
- buckets by days past due on the reader's "today" (the injected clock, in the app's time
  zone): not due, 1-30, 31-60, 61-90, over 90;
- a manager sees their own invoices only; heads and admins see the team, per manager;
- amounts are summed per currency in minor units and shown as Decimal; never float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.errors import Forbidden, NotFound
from services.kernel import UnitOfWork, UowFactory
from services.money import from_minor, open_minor
from services.shipments import InstallmentRow, ShipmentRepository, spread_paid
from services.users import Actor

BUCKETS: Final = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")


@dataclass(frozen=True, slots=True)
class DebtInvoice:
    id: int
    owner_id: int
    owner_name: str
    company_id: int | None
    company_name: str
    number_text: str
    currency: str
    total_minor: int
    paid_minor: int
    issue_date: date | None
    due_date: date | None
    status: str
    credited_minor: int = 0  # credit notes against it

    @property
    def open_minor(self) -> int:
        return open_minor(self.total_minor, self.paid_minor, self.credited_minor)


@dataclass(frozen=True, slots=True)
class StatementPayment:
    id: int
    received_on: date
    source: str
    doc_number: str
    currency: str
    amount_minor: int
    unallocated_minor: int
    status: str


@dataclass(frozen=True, slots=True)
class StatementCorrection:
    """A credit note (it lowers what the client owes) or a refund (money paid back to them,
    against a credit note) on the client's statement."""

    kind: str  # "credit_note" | "refund"
    day: date
    number: str
    currency: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class ExportInvoice:
    number_text: str
    issue_date: date | None
    due_date: date | None
    company_name: str
    tax_id: str
    owner_name: str
    status: str
    currency: str
    total_minor: int
    paid_minor: int
    credited_minor: int = 0

    @property
    def open_minor(self) -> int:
        return open_minor(self.total_minor, self.paid_minor, self.credited_minor)


@dataclass(frozen=True, slots=True)
class ExportPayment:
    id: int
    received_on: date
    source: str
    doc_number: str
    payer_name: str
    company_name: str
    status: str
    currency: str
    amount_minor: int
    invoices: str


@dataclass
class Aged:
    """Per currency: bucket → minor units."""

    by_currency: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, currency: str, bucket: str, minor: int) -> None:
        slot = self.by_currency.setdefault(currency, dict.fromkeys(BUCKETS, 0))
        slot[bucket] += minor

    def total(self, currency: str) -> Decimal:
        return from_minor(sum(self.by_currency.get(currency, {}).values()), currency)

    def amount(self, currency: str, bucket: str) -> Decimal:
        return from_minor(self.by_currency.get(currency, {}).get(bucket, 0), currency)


@dataclass(frozen=True, slots=True)
class ClientDebt:
    company_id: int | None
    company_name: str
    owner_name: str
    aged: Aged


@dataclass(frozen=True, slots=True)
class DebtsReport:
    today: date
    clients: tuple[ClientDebt, ...]
    managers: tuple[tuple[str, Aged], ...]
    total: Aged
    team: bool


@dataclass(frozen=True, slots=True)
class ClientStatement:
    company_id: int
    company_name: str
    today: date
    invoices: tuple[DebtInvoice, ...]
    payments: tuple[StatementPayment, ...]
    balance: dict[str, Decimal]  # owed to us per currency (open invoices)
    credit: dict[str, Decimal]  # the client's unallocated payments per currency
    corrections: tuple[StatementCorrection, ...] = ()  # credit notes and refunds


class ReceivableRepository(Protocol):
    async def open_invoices(self, owner_id: int | None,
                            company_id: int | None = None) -> list[DebtInvoice]: ...
    async def client_invoices(self, company_id: int, owner_id: int | None
                              ) -> list[DebtInvoice]: ...
    async def client_payments(self, company_id: int) -> list[StatementPayment]: ...
    async def client_corrections(self, company_id: int, owner_id: int | None
                                 ) -> list[StatementCorrection]:
        """The client's credit notes (on the invoices in scope) and refunds, oldest first."""
        ...
    async def company_name(self, company_id: int, owner_id: int | None) -> str | None: ...
    async def export_invoices(self, start: date, end: date, owner_id: int | None
                              ) -> list[ExportInvoice]: ...
    async def export_payments(self, start: date, end: date, owner_id: int | None
                              ) -> list[ExportPayment]: ...


class ReceivableUow(UnitOfWork, Protocol):
    @property
    def receivables(self) -> ReceivableRepository: ...
    @property
    def shipments(self) -> ShipmentRepository: ...


ReceivableUowFactory = UowFactory[ReceivableUow]


def bucket_of(due: date, today: date) -> str:
    days = (today - due).days
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "d1_30"
    if days <= 60:
        return "d31_60"
    if days <= 90:
        return "d61_90"
    return "d90_plus"


def open_parts(inv: DebtInvoice, installments: Sequence[InstallmentRow]
               ) -> list[tuple[date, int]]:
    """(due date, open minor) of an invoice: per installment when it has a schedule."""
    owed = inv.open_minor
    if owed <= 0:
        return []
    fallback = inv.due_date or inv.issue_date or date.min
    if not installments:
        return [(fallback, owed)]
    before = inv.total_minor - sum(r.amount_minor for r in installments)
    # A credit note settles the schedule as money would, oldest installment first.
    covered = inv.paid_minor + inv.credited_minor
    parts = [(row.due_date, row.amount_minor - paid)
             for row, paid in spread_paid(installments, covered - max(before, 0))
             if row.amount_minor > paid]
    rest = owed - sum(a for _, a in parts)
    if rest > 0:  # owed before the schedule started
        parts.insert(0, (fallback, rest))
    return parts


class ReceivableService:
    def __init__(self, uow: ReceivableUowFactory, clock: Clock, timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self._tz = ZoneInfo(timezone)

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    def now(self) -> datetime:
        return self._clock.now()

    async def debts(self, actor: Actor) -> DebtsReport:
        if not actor.is_staff:
            raise Forbidden()
        today = self.today()
        async with self._uow(readonly=True) as uow:
            invoices = await uow.receivables.open_invoices(actor.owner_scope())
            schedule = await uow.shipments.installments([i.id for i in invoices])
        by_invoice: dict[int, list[InstallmentRow]] = {}
        for row in schedule:
            by_invoice.setdefault(row.invoice_id, []).append(row)
        clients: dict[tuple[int | None, str], ClientDebt] = {}
        managers: dict[str, Aged] = {}
        total = Aged()
        for inv in invoices:
            key = (inv.company_id, inv.company_name)
            client = clients.setdefault(key, ClientDebt(inv.company_id, inv.company_name,
                                                        inv.owner_name, Aged()))
            manager = managers.setdefault(inv.owner_name, Aged())
            for due, minor in open_parts(inv, by_invoice.get(inv.id, [])):
                bucket = bucket_of(due, today)
                for aged in (client.aged, manager, total):
                    aged.add(inv.currency, bucket, minor)
        ordered = sorted(clients.values(), key=lambda c: (
            -sum(sum(v.values()) for v in c.aged.by_currency.values()), c.company_name))
        return DebtsReport(today, tuple(ordered), tuple(sorted(managers.items())), total,
                           team=actor.owner_scope() is None)

    async def statement(self, actor: Actor, company_id: int) -> ClientStatement:
        if not actor.is_staff:
            raise Forbidden()
        scope = actor.owner_scope()
        async with self._uow(readonly=True) as uow:
            name = await uow.receivables.company_name(company_id, scope)
            if name is None:
                raise NotFound(entity="company", id=company_id)
            invoices = await uow.receivables.client_invoices(company_id, scope)
            payments = await uow.receivables.client_payments(company_id)
            corrections = await uow.receivables.client_corrections(company_id, scope)
        balance: dict[str, int] = {}
        for inv in invoices:
            if inv.status in ("issued", "sent", "viewed", "partially_paid", "overdue"):
                balance[inv.currency] = balance.get(inv.currency, 0) + inv.open_minor
        credit: dict[str, int] = {}
        for p in payments:
            if p.status == "credit" and p.unallocated_minor > 0:
                credit[p.currency] = credit.get(p.currency, 0) + p.unallocated_minor
        return ClientStatement(
            company_id, name, self.today(), tuple(invoices), tuple(payments),
            {c: from_minor(v, c) for c, v in balance.items()},
            {c: from_minor(v, c) for c, v in credit.items()}, tuple(corrections))
