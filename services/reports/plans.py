"""e. Plan vs fact: each manager's monthly plan, what counts so far, the month-end forecast."""

from __future__ import annotations

from datetime import date

from services.reports.model import PlanReport, ReportQuery
from services.reports.ports import ReportRepository


async def build(repo: ReportRepository, q: ReportQuery, today: date,
                default_basis: str) -> PlanReport:
    raise NotImplementedError  # issue 14: being built
