"""f. Manager activity: leads taken, time to first contact, interactions, tasks done and
overdue, invoices issued."""

from __future__ import annotations

from datetime import datetime

from services.reports.model import ActivityReport, ReportQuery, Window
from services.reports.ports import ReportRepository


async def build(repo: ReportRepository, q: ReportQuery, w: Window,
                now: datetime) -> ActivityReport:
    raise NotImplementedError  # issue 14: being built
