"""What a report is asked for and what it answers (issue 14): plain data, no storage, no text.

A report covers a `Period` (whole days in the reader's calendar), a scope (one manager, or the
whole team for a head or an admin: `owner_id` None), optionally one organization (the seller),
and exactly one currency: amounts of different currencies are never added up; the reader picks
the currency among those in use (`ReportService.currencies`).

Money is in minor units (int) of the query's currency; the views turn it into Decimal text.
Every report's totals are the sums of its rows (the cross-check test holds them to it, and to
/debts and /export for the same period and scope).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo

from services.funnel import conversion
from services.reports.abcxyz import Analysis
from services.reports.periods import Period

# The reports, in the order the /reports menu offers them.
SALES: Final = "sales"
FUNNEL: Final = "funnel"
ABC_CLIENTS: Final = "abc_clients"
ABC_PRODUCTS: Final = "abc_products"
CALENDAR: Final = "calendar"
PLAN: Final = "plan"
ACTIVITY: Final = "activity"
KINDS: Final = (SALES, FUNNEL, ABC_CLIENTS, ABC_PRODUCTS, CALENDAR, PLAN, ACTIVITY)

# What counts towards a plan.
BASIS_PAID: Final = "paid"
BASIS_INVOICED: Final = "invoiced"
BASES: Final = (BASIS_PAID, BASIS_INVOICED)

# The pushes one can opt out of.
WEEKLY: Final = "weekly"  # heads, Monday 09:00 local: last week against the week before
MONTHLY: Final = "monthly"  # admins, the 1st 09:00 local: last month
PUSH_KINDS: Final = (WEEKLY, MONTHLY)

CALENDAR_WEEKS: Final = 8
# The calendar lists the largest overdue debtors; the rest are one "other clients" line (the
# whole aged list, client by client, is /debts and /export).
OVERDUE_TOP: Final = 100
XYZ_MONTHS: Final = (6, 12)


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """`owner_id` None = the whole team (only a head or an admin gets it: the service decides
    the scope from the actor, never from the button)."""

    period: Period
    currency: str
    owner_id: int | None = None
    organization_id: int | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """A period's days as UTC moments in the reader's calendar: [start, end)."""

    start: datetime
    end: datetime


def window(period: Period, zone: ZoneInfo) -> Window:
    start = datetime.combine(period.start, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=zone)
    return Window(start, end.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class Named:
    """A manager, a client or a product in a report (id None: "without a client" and such)."""

    id: int | None
    name: str


# --- a. sales ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SalesRow:
    """Invoices issued in the period (not drafts, not cancelled) of one manager / client /
    product: what they ask (`invoiced` = totals), what is `paid` on them, what credit notes
    took off (`credited`) and what is still `outstanding` (the open amount, as /debts)."""

    who: Named
    count: int
    invoiced_minor: int
    paid_minor: int
    credited_minor: int
    outstanding_minor: int


@dataclass(frozen=True, slots=True)
class RevenuePoint:
    """One bucket of the revenue line: invoiced (by issue date) and received (payments that
    arrived in the bucket, allocated to the scope's invoices), in minor units."""

    start: date
    invoiced_minor: int
    received_minor: int


@dataclass(frozen=True, slots=True)
class LostReason:
    code: str  # a [lost_reasons] code of pipelines.toml, or "" for a typed one
    text: str  # the typed reason ("" for a configured one: the view names it)
    count: int


@dataclass(frozen=True, slots=True)
class SalesReport:
    query: ReportQuery
    total: SalesRow  # who = Named(None, "")
    by_manager: tuple[SalesRow, ...]
    by_client: tuple[SalesRow, ...]  # largest first
    by_product: tuple[SalesRow, ...]  # lines' totals; paid/credited/outstanding are 0
    bucket: str  # "day" | "week" | "month"
    revenue: tuple[RevenuePoint, ...]  # every bucket of the period, empty ones included
    received_minor: int  # Σ revenue.received
    won: int  # deals won in the period (closed_at), of the query's currency or without amount
    won_minor: int
    lost: int
    lost_reasons: tuple[LostReason, ...]  # most frequent first
    # Won deals with an amount in the query's currency: the ones `won_minor` sums, so the
    # average's divisor (None: every won deal has one; a deal without an amount says nothing
    # about the deal size and must not pull the average down).
    won_priced: int | None = None

    @property
    def average_deal_minor(self) -> int | None:
        """The average won deal with an amount (None when there is none), rounded half up."""
        n = self.won if self.won_priced is None else self.won_priced
        return (self.won_minor * 2 + n) // (2 * n) if n else None

    @property
    def empty(self) -> bool:
        return not self.total.count and not self.received_minor and not self.won \
            and not self.lost


# --- b. funnel per manager ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunnelStage:
    """One stage of one manager's funnel: deals that entered it in the period and their
    amount (deals of the query's currency), how many went on to the next stage, the average
    days a deal spent in it (None: nobody left it yet) and the open deals sitting in it longer
    than the pipeline's `stuck_days`."""

    code: str
    count: int
    amount_minor: int
    converted: int | None  # None for the last working stage's successor row
    average_days: Decimal | None
    stuck: int

    @property
    def conversion(self) -> Decimal | None:
        return conversion(self.converted, self.count)


@dataclass(frozen=True, slots=True)
class ManagerFunnel:
    manager: Named
    stages: tuple[FunnelStage, ...]
    won: int
    lost: int


@dataclass(frozen=True, slots=True)
class FunnelReport:
    query: ReportQuery
    pipeline: str  # pipeline code (the view names it)
    stuck_days: int
    managers: tuple[ManagerFunnel, ...]
    total: ManagerFunnel  # every manager in scope together, manager = Named(None, "")

    @property
    def empty(self) -> bool:
        return not any(s.count for s in self.total.stages) and not self.total.won \
            and not self.total.lost


# --- c. ABC / XYZ -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AbcReport:
    """ABC by revenue in the period and XYZ over the `months` full months up to the period's
    end, of clients (`subject` "clients") or products ("products")."""

    query: ReportQuery
    subject: str
    months: int
    analysis: Analysis

    @property
    def empty(self) -> bool:
        return not self.analysis.total_minor


# --- d. payment calendar ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarWeek:
    """A week (Monday `start`, 7 days): the open amount falling due in it (invoices by due
    date, installments by theirs, a guarantee letter by its promised date) and the money that
    arrived in it on the scope's invoices."""

    start: date
    expected_minor: int
    arrived_minor: int


@dataclass(frozen=True, slots=True)
class CalendarReport:
    """Open amounts of issued invoices as of `today`. `overdue + Σ weeks.expected + later +
    undated` equals the /debts total of the same scope and currency."""

    query: ReportQuery
    today: date
    overdue_minor: int
    weeks: tuple[CalendarWeek, ...]  # CALENDAR_WEEKS of them, the current week first
    later_minor: int  # due after the last week
    undated_minor: int  # no due date
    overdue: tuple[SalesRow, ...] = ()  # the OVERDUE_TOP largest debtors, largest first
    overdue_clients: int = 0  # clients with something overdue, the listed ones included
    overdue_invoices: int = 0  # invoices with an overdue part, of all those clients

    @property
    def overdue_rest(self) -> SalesRow | None:
        """The clients past the listed ones, together (None when every one is listed):
        count = their invoices, outstanding = their overdue parts."""
        if self.overdue_clients <= len(self.overdue):
            return None
        listed_invoices = sum(r.count for r in self.overdue)
        listed_minor = sum(r.outstanding_minor for r in self.overdue)
        return SalesRow(Named(None, ""), self.overdue_invoices - listed_invoices, 0, 0, 0,
                        self.overdue_minor - listed_minor)

    @property
    def open_minor(self) -> int:
        return self.overdue_minor + sum(w.expected_minor for w in self.weeks) \
            + self.later_minor + self.undated_minor

    @property
    def empty(self) -> bool:
        return not self.open_minor and not any(w.arrived_minor for w in self.weeks)


# --- e. plan vs fact ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanRow:
    """A manager's month: the plan (None: no plan set), what counts so far, and the forecast
    at month end at the current pace (fact / days passed × days in the month; for a past
    month the forecast is the fact)."""

    manager: Named
    basis: str
    plan_minor: int | None
    fact_minor: int
    forecast_minor: int

    @property
    def progress(self) -> Decimal | None:
        """Percent of the plan reached, one decimal (None without a plan)."""
        if not self.plan_minor:
            return None
        return (Decimal(self.fact_minor * 100) / self.plan_minor).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class PlanReport:
    query: ReportQuery
    month: date  # first day of the month reported (the month of the period's end)
    days_passed: int
    days_in_month: int
    rows: tuple[PlanRow, ...]
    total: PlanRow  # plan = Σ plans set (None when none is), fact = Σ facts

    @property
    def empty(self) -> bool:
        return not self.rows


# --- f. manager activity ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivityRow:
    manager: Named
    leads: int  # leads taken (created with them as owner) in the period
    first_contact_hours: Decimal | None  # average hours to the first interaction on a lead
    interactions: int
    tasks_done: int
    tasks_overdue: int  # open now, due before now
    invoices_issued: int


@dataclass(frozen=True, slots=True)
class ActivityReport:
    query: ReportQuery
    rows: tuple[ActivityRow, ...]
    total: ActivityRow

    @property
    def empty(self) -> bool:
        t = self.total
        return not (t.leads or t.interactions or t.tasks_done or t.tasks_overdue
                    or t.invoices_issued)


Report = SalesReport | FunnelReport | AbcReport | CalendarReport | PlanReport | ActivityReport


# --- drawing: what the views ask `bot/` to draw (no matplotlib, no openpyxl here) ---------


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """kind: "bar" (vertical, series side by side), "hbar" (horizontal, first label on top),
    "line"; labels along the axis; one or more series of the same length."""

    kind: str
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    value_label: str = ""  # the axis' unit, e.g. "RUB"


Cell = str | int | Decimal | date | None


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: a title (≤ 31 characters), the header row and typed rows (numbers stay
    numbers in the file; money is Decimal, never float)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    money_columns: tuple[int, ...] = ()  # indexes shown with two decimals


@dataclass(frozen=True, slots=True)
class RenderedReport:
    png: bytes | None  # None: nothing to draw
    xlsx: bytes


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report as the reader gets it: the text summary (HTML), the chart to draw (None when
    the report is empty) and the sheets of its XLSX."""

    text: str
    chart: ChartSpec | None
    sheets: tuple[Sheet, ...] = field(default=())
    filename: str = "report.xlsx"
