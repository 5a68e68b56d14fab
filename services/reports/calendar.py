"""d. Payment calendar: open amounts by the week they fall due, for the next weeks, against
the money that arrived; overdue apart."""

from __future__ import annotations

from datetime import date

from services.reports.model import CalendarReport, ReportQuery
from services.reports.ports import ReportRepository


async def build(repo: ReportRepository, q: ReportQuery, today: date) -> CalendarReport:
    raise NotImplementedError  # issue 14: being built
