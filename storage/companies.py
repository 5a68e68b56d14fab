from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients import Company, CompanyDraft
from services.contacts_norm import normalize_name
from storage import models as m


def _norm(text: str) -> str:
    """The one search form of names, shared with search (services.contacts_norm)."""
    return normalize_name(text)


def to_company(row: m.Company) -> Company:
    return Company(id=row.id, owner_id=row.owner_id, name=row.name, phone=row.phone,
                   email=row.email, country=row.country, tax_id=row.tax_id,
                   created_at=row.created_at)


class SqlCompanyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, owner_id: int, draft: CompanyDraft, now: datetime) -> Company:
        row = m.Company(owner_id=owner_id, name=draft.name, name_norm=_norm(draft.name),
                        phone=draft.phone, email=draft.email, country=draft.country,
                        tax_id=draft.tax_id, created_at=now, updated_at=now)
        self._s.add(row)
        await self._s.flush()
        return to_company(row)

    async def get(self, company_id: int, owner_id: int | None) -> Company | None:
        q = select(m.Company).where(m.Company.id == company_id)
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        row = await self._s.scalar(q)
        return to_company(row) if row else None

    async def list(
        self, owner_id: int | None, offset: int, limit: int
    ) -> tuple[Sequence[Company], int]:
        q = select(m.Company)
        count = select(func.count()).select_from(m.Company)
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
            count = count.where(m.Company.owner_id == owner_id)
        rows = await self._s.scalars(q.order_by(m.Company.name_norm, m.Company.id)
                                     .offset(offset).limit(limit))
        total = await self._s.scalar(count) or 0
        return [to_company(r) for r in rows], int(total)

    async def reassign_owner(self, from_owner: int, to_owner: int) -> int:
        moved = await self._s.execute(
            update(m.Company).where(m.Company.owner_id == from_owner).values(owner_id=to_owner)
        )
        for table in (m.Contact, m.Lead):
            await self._s.execute(
                update(table).where(table.owner_id == from_owner).values(owner_id=to_owner)
            )
        await self._s.execute(
            update(m.Deal)
            .where(m.Deal.owner_id == from_owner, m.Deal.status == "open")
            .values(owner_id=to_owner)
        )
        await self._s.execute(
            update(m.Invoice)
            .where(m.Invoice.owner_id == from_owner,
                   m.Invoice.status.notin_(("paid", "cancelled")))
            .values(owner_id=to_owner)
        )
        return int(moved.rowcount)  # type: ignore[attr-defined]
