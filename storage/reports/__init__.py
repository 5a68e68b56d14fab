"""The reports' queries (services.reports.ports.ReportRepository): common lookups here, the
money reports in money.py, the work reports in work.py; every figure is aggregated by the
database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.model import Named
from storage import models as m
from storage.alerts import set_optout
from storage.reports.drill import DrillQueries
from storage.reports.money import MoneyQueries
from storage.reports.work import WorkQueries

STAFF = ("admin", "head", "manager")
ISSUED = ("issued", "sent", "viewed", "partially_paid", "overdue", "paid")


class SqlReportRepository(MoneyQueries, WorkQueries, DrillQueries):
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def managers(self, user_id: int | None) -> Sequence[Named]:
        q = select(m.User.id, m.User.full_name).where(
            m.User.role.in_(STAFF), m.User.is_active.is_(True))
        if user_id is not None:
            q = q.where(m.User.id == user_id)
        rows = (await self._s.execute(q.order_by(m.User.full_name, m.User.id))).all()
        return [Named(uid, name or f"#{uid}") for uid, name in rows]

    async def currencies(self, owner_id: int | None,
                         organization_id: int | None) -> Sequence[str]:
        i = m.Invoice
        q = select(i.currency, func.count()).where(i.status.in_(ISSUED))
        if owner_id is not None:
            q = q.where(i.owner_id == owner_id)
        if organization_id is not None:
            q = q.where(i.organization_id == organization_id)
        rows = (await self._s.execute(q.group_by(i.currency)
                                      .order_by(func.count().desc(), i.currency))).all()
        return [currency for currency, _n in rows]

    async def organizations(self) -> Sequence[Named]:
        o = m.Organization
        rows = (await self._s.execute(select(o.id, o.name).order_by(o.id))).all()
        return [Named(oid, name) for oid, name in rows]

    async def set_plan(self, user_id: int, month: date, currency: str, basis: str,
                       amount_minor: int, set_by: int, at: datetime) -> None:
        p = m.SalesPlan
        row = (await self._s.execute(select(p).where(
            p.user_id == user_id, p.month == month, p.currency == currency))).scalar_one_or_none()
        if row is None:
            self._s.add(p(user_id=user_id, month=month, currency=currency, basis=basis,
                          amount_minor=amount_minor, set_by=set_by, updated_at=at))
        else:
            row.basis, row.amount_minor, row.set_by, row.updated_at = \
                basis, amount_minor, set_by, at
        await self._s.flush()

    async def set_optout(self, user_id: int, kind: str, off: bool, at: datetime) -> None:
        await set_optout(self._s, user_id, kind, off, at)
