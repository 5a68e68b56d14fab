"""a. Sales: invoiced, paid, credited and outstanding by manager, client and product; revenue
by day, week or month; deals won and lost with the lost reasons.

Definitions (the database sums; nothing here loops over invoices):
- the report's invoices: issued (numbered) and not cancelled, issue date within the period
  (both ends included), of the query's currency, owner and organization when set;
- a row: count, invoiced = Σ totals, paid = Σ paid, credited = Σ credit notes, outstanding =
  Σ open amounts exactly as /debts and /export (`services.money.open_minor`);
- total = Σ by_manager = Σ by_client, figure by figure (each invoice has one owner and at
  most one client: no client is the row Named(None, "")); by_client is largest first;
- by_product: the invoices' own lines (not credit notes'), by product, free-text lines by
  their name (id None); invoiced = Σ line totals, count = distinct invoices, the other
  figures 0. An invoice-level discount is not in the lines, so the products' sum may exceed
  the total's invoiced;
- revenue: buckets of a day (period ≤ 31 days), a Monday-start week (≤ 120 days) or a month;
  every bucket of the period is there, empty ones with 0 (the first and last may be cut by
  the period). invoiced per bucket by issue date (Σ = total.invoiced); received = money that
  arrived in the bucket (payments received then, not reversed, ignored or a twin; their live
  allocations) on the scope's invoices of the currency, whatever their issue date;
- deals closed in the window [start, end): a deal belongs to the currency's report when its
  amount is in that currency or it has no amount (deals have no organization: the filter
  does not apply to them). `won` counts them all, `won_priced` those with an amount,
  `won_minor` sums those amounts, and the average deal is won_minor / won_priced;
- lost reasons: a deal keeps the configured reason's code or the text typed under "Other";
  a reason among `lost_codes` (else: anything shaped like a code) is LostReason(code, "",
  n), any other LostReason("", text, n), no reason LostReason("", "", n); most frequent
  first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta

from services.pipelines import REASON_CODE
from services.reports.model import (
    LostReason,
    ReportQuery,
    RevenuePoint,
    SalesReport,
    Window,
)
from services.reports.ports import ReportRepository

DAY_BUCKETS = 31
WEEK_BUCKETS = 120


def bucket_kind(days: int) -> str:
    if days <= DAY_BUCKETS:
        return "day"
    if days <= WEEK_BUCKETS:
        return "week"
    return "month"


def bucket_start(day: date, kind: str) -> date:
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    return day


def fold(kind: str, start: date, end: date, invoiced: Sequence[tuple[date, int]],
         received: Sequence[tuple[date, int]]) -> tuple[RevenuePoint, ...]:
    """Day sums folded into every bucket from `start` to `end`; a bucket's `start` is the
    first day of its day / week / month even when the period cuts it."""
    slots: dict[date, list[int]] = {}
    day = start
    while day <= end:  # at most the period's days
        slots.setdefault(bucket_start(day, kind), [0, 0])
        day += timedelta(days=1)
    for day, minor in invoiced:
        slots[bucket_start(day, kind)][0] += minor
    for day, minor in received:
        slots[bucket_start(day, kind)][1] += minor
    return tuple(RevenuePoint(b, inv, rec) for b, (inv, rec) in sorted(slots.items()))


def lost_reason(reason: str | None, count: int, codes: Collection[str] | None) -> LostReason:
    text = (reason or "").strip()
    if not text:
        return LostReason("", "", count)
    known = text in codes if codes is not None else bool(REASON_CODE.fullmatch(text))
    return LostReason(text, "", count) if known else LostReason("", text, count)


async def build(repo: ReportRepository, q: ReportQuery, w: Window,
                lost_codes: Collection[str] | None = None) -> SalesReport:
    (total,) = await repo.sales_rows(q, "total")
    managers = await repo.sales_rows(q, "manager")
    clients = await repo.sales_rows(q, "client")
    products = await repo.sales_products(q)
    kind = bucket_kind(q.period.days)
    revenue = fold(kind, q.period.start, q.period.end, await repo.invoiced_by_day(q),
                   await repo.received_by_day(q, q.period.start, q.period.end))
    won = won_priced = won_minor = lost = 0
    reasons: dict[LostReason, int] = {}
    for status, reason, n, priced, amount in await repo.closed_deals(q, w.start, w.end):
        if status == "won":
            won, won_priced, won_minor = won + n, won_priced + priced, won_minor + amount
        else:
            lost += n
            key = lost_reason(reason, 0, lost_codes)
            reasons[key] = reasons.get(key, 0) + n
    ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0].code, kv[0].text))
    return SalesReport(
        query=q, total=total, by_manager=tuple(managers), by_client=tuple(clients),
        by_product=tuple(products), bucket=kind, revenue=revenue,
        received_minor=sum(p.received_minor for p in revenue), won=won, won_minor=won_minor,
        lost=lost, lost_reasons=tuple(LostReason(r.code, r.text, n) for r, n in ordered),
        won_priced=won_priced)
