"""c. ABC / XYZ of clients or products (the arithmetic is services/reports/abcxyz.py).

Revenue of an item: Σ over the invoices issued in the period (issue date in it, issued and not
cancelled, of the query's currency, owner and organization) —
- clients: the invoice totals by client (invoices without a client are left out);
- products: the invoice lines' totals by product (credit-note lines and free-text lines,
  without a product, are left out).
Monthly purchases (XYZ): the same sums per calendar month over the `months` whole months
ending with the month of the period's end (oldest first, a month without a purchase is 0),
for the items with invoices in the period. One GROUP BY item in the database gives both.
"""

from __future__ import annotations

from datetime import date

from services.reports.abcxyz import analyse
from services.reports.model import AbcReport, ReportQuery
from services.reports.ports import ReportRepository

SUBJECTS = ("clients", "products")


def months_back(last: date, months: int) -> list[date]:
    """The first days of the `months` calendar months ending with `last`'s, oldest first."""
    index = last.year * 12 + last.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


async def build(repo: ReportRepository, q: ReportQuery, subject: str,
                months: int) -> AbcReport:
    if subject not in SUBJECTS:
        raise ValueError(f"subject must be one of {SUBJECTS}")
    found = await repo.abc_items(q, subject, months_back(q.period.end, months))
    analysis = analyse(found)  # the rows carry exactly what analyse reads
    return AbcReport(query=q, subject=subject, months=months, analysis=analysis)
