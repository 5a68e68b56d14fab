"""e. Plan vs fact: each manager's monthly plan, what counts so far, the month-end forecast.

Definitions:
- the month: the one holding the period's last day;
- rows: active staff in scope who are managers or have a plan for that month in the
  currency, by name (the team: all of them; a manager: only themself);
- plan: `sales_plans` (user, month, currency) with its basis; without a plan the row has
  plan None and the service's default basis;
- fact, by the row's basis: "invoiced" = Σ (total − credited) of their invoices issued in the
  month (not cancelled, the currency, the organization when set); "paid" = money received
  in the month (payments not reversed, ignored or a twin; live allocations) on their
  invoices of the currency. For the current month: up to today;
- days_passed: the month's days up to and including today (all of them for a past month,
  0 for a future one); forecast = fact × days in the month / days passed, rounded half up
  (a past month: the fact; a future one: 0);
- total: plan = Σ of the plans set (None when none is), fact = Σ facts, forecast = Σ
  forecasts; its basis is the rows' common basis, else the default.
"""

from __future__ import annotations

import calendar as cal
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.reports.model import BASIS_INVOICED, Named, PlanReport, PlanRow, ReportQuery
from services.reports.ports import ReportRepository


def forecast(fact: int, days_in_month: int, days_passed: int) -> int:
    if not days_passed:
        return 0
    if days_passed >= days_in_month:
        return fact
    return int((Decimal(fact * days_in_month) / days_passed).quantize(
        Decimal(1), rounding=ROUND_HALF_UP))


async def build(repo: ReportRepository, q: ReportQuery, today: date,
                default_basis: str) -> PlanReport:
    month = q.period.end.replace(day=1)
    days = cal.monthrange(month.year, month.month)[1]
    month_end = month.replace(day=days)
    if today < month:
        passed = 0
    elif today > month_end:
        passed = days
    else:
        passed = today.day
    members = await repo.plan_rows(month, q.currency, q.owner_id)
    invoiced: dict[int, int] = {}
    paid: dict[int, int] = {}
    bases = {basis or default_basis for _who, basis, _plan in members}
    if passed and members:  # only the facts some row counts by
        upto = month.replace(day=passed)
        if BASIS_INVOICED in bases:
            invoiced = dict(await repo.invoiced_by_owner(q, month, upto))
        if bases - {BASIS_INVOICED}:
            paid = dict(await repo.received_by_owner(q, month, upto))
    rows = []
    for who, basis, plan in members:
        chosen = basis or default_basis
        assert who.id is not None
        fact = (invoiced if chosen == BASIS_INVOICED else paid).get(who.id, 0)
        rows.append(PlanRow(who, chosen, plan, fact, forecast(fact, days, passed)))
    plans = [r.plan_minor for r in rows if r.plan_minor is not None]
    total = PlanRow(Named(None, ""), bases.pop() if len(bases) == 1 else default_basis,
                    sum(plans) if plans else None, sum(r.fact_minor for r in rows),
                    sum(r.forecast_minor for r in rows))
    return PlanReport(q, month, passed, days, tuple(rows), total)
