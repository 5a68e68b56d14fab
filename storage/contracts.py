"""Contracts (the `contracts` table) as plain dataclasses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts import Contract
from storage import models as m


def _contract(row: m.Contract, company_name: str | None = None) -> Contract:
    return Contract(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        number=row.number,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        company_id=row.company_id,
        company_name=company_name,
    )


class SqlContractRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        owner_id: int,
        title: str,
        number: str | None,
        starts_on: date,
        ends_on: date,
        company_id: int | None,
        now: datetime,
    ) -> Contract:
        row = m.Contract(
            owner_id=owner_id,
            title=title,
            number=number,
            starts_on=starts_on,
            ends_on=ends_on,
            company_id=company_id,
            created_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return _contract(row)

    async def list(self, owner_id: int | None, limit: int) -> list[Contract]:
        q = select(m.Contract).order_by(m.Contract.ends_on, m.Contract.id).limit(limit)
        if owner_id is not None:
            q = q.where(m.Contract.owner_id == owner_id)
        return [_contract(r) for r in await self._s.scalars(q)]

    async def in_force(self, company_id: int, on: date) -> Contract | None:
        row = await self._s.scalar(
            select(m.Contract).where(m.Contract.company_id == company_id,
                                     m.Contract.number.is_not(None), m.Contract.number != "",
                                     m.Contract.starts_on <= on, m.Contract.ends_on >= on)
            .order_by(m.Contract.starts_on.desc(), m.Contract.id.desc()).limit(1))
        return _contract(row) if row is not None else None

    async def get(self, contract_id: int, owner_id: int | None) -> Contract | None:
        q = (select(m.Contract, m.Company.name)
             .outerjoin(m.Company, m.Company.id == m.Contract.company_id)
             .where(m.Contract.id == contract_id))
        if owner_id is not None:
            q = q.where(m.Contract.owner_id == owner_id)
        row = (await self._s.execute(q)).first()
        return _contract(row[0], row[1]) if row is not None else None
