"""b. Funnel per manager: counts and sums per stage, conversion, days in each stage, stuck
deals."""

from __future__ import annotations

from datetime import datetime

from services.reports.model import FunnelReport, ReportQuery, Window
from services.reports.ports import ReportRepository


async def build(repo: ReportRepository, q: ReportQuery, w: Window, now: datetime,
                pipeline: str, stuck_days: int) -> FunnelReport:
    raise NotImplementedError  # issue 14: being built
