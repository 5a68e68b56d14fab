"""a. Sales: invoiced, paid, credited and outstanding by manager, client and product; revenue
by day, week or month; deals won and lost with the lost reasons."""

from __future__ import annotations

from services.reports.model import ReportQuery, SalesReport, Window
from services.reports.ports import ReportRepository


async def build(repo: ReportRepository, q: ReportQuery, w: Window) -> SalesReport:
    raise NotImplementedError  # issue 14: being built
