"""Drill-down queries (services.reports.drill): one manager's deals and invoices of a period,
the first rows and the count, each limited in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.drill import DrillDeal, DrillInvoice
from storage import models as m

DRILL_ISSUED = ("issued", "sent", "viewed", "partially_paid", "overdue", "paid")


class DrillQueries:
    _s: AsyncSession

    async def drill_deals(self, owner_id: int, start: datetime, end: datetime,
                          limit: int) -> tuple[Sequence[DrillDeal], int]:
        d = m.Deal
        where = (d.owner_id == owner_id,
                 or_((d.created_at >= start) & (d.created_at < end),
                     (d.closed_at >= start) & (d.closed_at < end)))
        total = (await self._s.execute(select(func.count()).select_from(d).where(*where)))\
            .scalar_one()
        rows = (await self._s.execute(
            select(d.id, d.title, d.status, d.amount_minor, d.currency).where(*where)
            .order_by(d.created_at.desc(), d.id.desc()).limit(limit))).all()
        return [DrillDeal(i, t, s, a, c) for i, t, s, a, c in rows], int(total)

    async def drill_invoices(self, owner_id: int, start: datetime, end: datetime,
                             currency: str, limit: int) -> tuple[Sequence[DrillInvoice], int]:
        i, c = m.Invoice, m.Company
        where = (i.owner_id == owner_id, i.status.in_(DRILL_ISSUED), i.currency == currency,
                 i.issued_at >= start, i.issued_at < end)
        total = (await self._s.execute(select(func.count()).select_from(i).where(*where)))\
            .scalar_one()
        rows = (await self._s.execute(
            select(i.id, i.number_text, c.name, i.issue_date, i.total_minor, i.paid_minor,
                   i.status)
            .outerjoin(c, c.id == i.company_id).where(*where)
            .order_by(i.issued_at.desc(), i.id.desc()).limit(limit))).all()
        return [DrillInvoice(iid, num or f"#{iid}", name or "", day, tot, paid, st)
                for iid, num, name, day, tot, paid, st in rows], int(total)
