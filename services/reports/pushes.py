"""The figures of the report pushes (issue 14 item 4), read as the recipient at send time
(`services.alerts.report_pushes` enqueues them and asks here through its `ReportFigures` port):

* weekly (heads, on a Monday): the team's sales of the week before that Monday against the
  week before it, and the plan progress of the current month per manager;
* monthly (admins, on a 1st): the team's sales of the month before against the month before
  that, and that month's plan against fact.

One `PushCurrency` per currency in use (`ReportService.currencies`): amounts of different
currencies are never added up. A currency with nothing in either period is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.reports.model import MONTHLY, PLAN, SALES, WEEKLY, PlanReport, SalesReport
from services.reports.periods import Period, preset
from services.reports.service import TEAM, ReportRequest, ReportService, role_gets_push
from services.users import Role, User


@dataclass(frozen=True, slots=True)
class Figures:
    """One period's sales of the team in one currency."""

    invoiced_minor: int
    received_minor: int
    won: int
    won_minor: int

    @classmethod
    def of(cls, report: SalesReport) -> Figures:
        return cls(report.total.invoiced_minor, report.received_minor, report.won,
                   report.won_minor)

    @property
    def empty(self) -> bool:
        return not (self.invoiced_minor or self.received_minor or self.won)


def change(now: int, before: int) -> Decimal | None:
    """Percent change from `before` to `now`, one decimal; None when `before` is 0."""
    if not before:
        return None
    return (Decimal((now - before) * 100) / before).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class PushCurrency:
    currency: str
    current: Figures
    previous: Figures
    plan: PlanReport | None  # None: no manager has a plan or a fact in this currency


@dataclass(frozen=True, slots=True)
class ReportPush:
    kind: str  # "weekly" | "monthly"
    period: Period  # the week or month reported
    previous: Period  # the one it is compared with
    plan_month: date  # first day of the month whose plan is shown
    currencies: tuple[PushCurrency, ...]  # empty: no sales in either period

    @property
    def empty(self) -> bool:
        return all(c.current.empty for c in self.currencies)


def push_periods(kind: str, occasion: date) -> tuple[Period, Period]:
    """The period a push reports and the one it compares with, for its occasion."""
    if kind == WEEKLY:
        last = preset("last_week", occasion)
        return last, last.previous()
    last = preset("last_month", occasion)
    return last, preset("last_month", last.start)


class ReportPushFigures:
    """`services.alerts.ports.ReportFigures` over the ReportService."""

    def __init__(self, reports: ReportService) -> None:
        self._reports = reports

    def gets_push(self, role: str, kind: str) -> bool:
        return role in set(Role) and role_gets_push(Role(role), kind)

    async def figures(self, actor: User, kind: str, occasion: date) -> ReportPush:
        if kind not in (WEEKLY, MONTHLY):
            raise ValueError(f"unknown push {kind!r}")
        period, previous = push_periods(kind, occasion)
        plan_period = preset("this_month", occasion) if kind == WEEKLY else period
        out = []
        for currency in await self._reports.currencies(actor):
            current = await self._reports.sales(actor, ReportRequest(SALES, period, currency,
                                                                     TEAM))
            before = await self._reports.sales(actor, ReportRequest(SALES, previous, currency,
                                                                    TEAM))
            plan = await self._reports.plan(actor, ReportRequest(PLAN, plan_period, currency,
                                                                 TEAM))
            shown = plan if any(r.plan_minor or r.fact_minor for r in plan.rows) else None
            now, then = Figures.of(current), Figures.of(before)
            if now.empty and then.empty and shown is None:
                continue
            out.append(PushCurrency(currency, now, then, shown))
        return ReportPush(kind, period, previous, plan_period.start.replace(day=1), tuple(out))
