"""c. ABC / XYZ of clients or products (the arithmetic is services/reports/abcxyz.py)."""

from __future__ import annotations

from services.reports.model import AbcReport, ReportQuery
from services.reports.ports import ReportRepository


async def build(repo: ReportRepository, q: ReportQuery, subject: str,
                months: int) -> AbcReport:
    raise NotImplementedError  # issue 14: being built
