"""d. Payment calendar: open amounts by the week they fall due, for the next weeks, against
the money that arrived; overdue apart.

Definitions (as of `today`, the reader's day):
- what is owed: the open amount of each open invoice (issued, sent, viewed, partially paid,
  overdue) in scope and of the currency, split exactly as /debts splits it
  (`services.receivables.open_parts`): an invoice with installments owes per installment,
  paid and credited money settling the oldest due first, and anything owed before the
  schedule at the invoice's date; an invoice without one owes all at its date. An invoice's
  date is the promised date of its guarantee letter (a shipment on credit with
  `guarantee_until`), else its due date. The split is done by the database (a running sum
  over the installments);
- overdue: parts due before today; weeks: CALENDAR_WEEKS Monday-start weeks from the Monday
  of today's week (the first holds what is due from today to its Sunday: the days before
  today are overdue); later: due after the last week; undated: no date at all;
- so overdue + Σ expected + later + undated = the /debts total of the same scope and
  currency (`ReceivableService.debts`), whatever the dates;
- arrived per week: money received in that week (the sales report's "received") on the
  scope's invoices of the currency;
- `overdue` rows by client, largest overdue first, the OVERDUE_TOP largest only (a book may
  hold tens of thousands of debtors; `overdue_rest` sums the others): count of invoices with
  an overdue part, their invoiced / paid / credited, and outstanding = their overdue parts.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.reports.model import (
    CALENDAR_WEEKS,
    OVERDUE_TOP,
    CalendarReport,
    CalendarWeek,
    ReportQuery,
)
from services.reports.ports import ReportRepository


async def build(repo: ReportRepository, q: ReportQuery, today: date) -> CalendarReport:
    first = today - timedelta(days=today.weekday())
    last = first + timedelta(days=7 * CALENDAR_WEEKS - 1)
    expected = [0] * CALENDAR_WEEKS
    overdue = later = undated = 0
    for due, minor in await repo.open_by_due(q):  # one row per due date
        if due is None:
            undated += minor
        elif due < today:
            overdue += minor
        elif due > last:
            later += minor
        else:
            expected[(due - first).days // 7] += minor
    arrived = [0] * CALENDAR_WEEKS
    for day, minor in await repo.received_by_day(q, first, last):
        arrived[(day - first).days // 7] += minor
    weeks = tuple(CalendarWeek(first + timedelta(days=7 * k), expected[k], arrived[k])
                  for k in range(CALENDAR_WEEKS))
    debtors, clients, invoices = await repo.overdue_by_client(q, today, OVERDUE_TOP)
    return CalendarReport(q, today, overdue, weeks, later, undated, tuple(debtors), clients,
                          invoices)
