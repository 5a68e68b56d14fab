"""Contracts (the `contracts` table) as plain dataclasses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts import Contract, ContractTerms
from services.money import from_minor
from storage import models as m


def _contract(row: m.Contract, client_name: str | None = None) -> Contract:
    amount = (from_minor(row.amount_minor, row.currency)
              if row.amount_minor is not None and row.currency else None)
    return Contract(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        number=row.number,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        company_id=row.company_id,
        deal_id=row.deal_id,
        organization_id=row.organization_id,
        language=row.language,
        currency=row.currency,
        amount=amount,
        client_name=client_name or "",
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

    async def add_drawn(self, owner_id: int, terms: ContractTerms, *, title: str,
                        number: str, company_id: int, contact_id: int | None,
                        organization_id: int, currency: str, amount_minor: int,
                        now: datetime) -> Contract:
        row = m.Contract(owner_id=owner_id, title=title, number=number,
                         starts_on=terms.starts_on, ends_on=terms.ends_on,
                         company_id=company_id, contact_id=contact_id, deal_id=terms.deal_id,
                         organization_id=organization_id, language=terms.language,
                         currency=currency, amount_minor=amount_minor,
                         origin_key=terms.origin_key, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return _contract(row)

    def _with_client(self) -> Any:
        return (select(m.Contract, m.Company.name)
                .outerjoin(m.Company, m.Company.id == m.Contract.company_id))

    async def list(self, owner_id: int | None, limit: int) -> list[Contract]:
        q = self._with_client().order_by(m.Contract.ends_on, m.Contract.id).limit(limit)
        if owner_id is not None:
            q = q.where(m.Contract.owner_id == owner_id)
        rows: Any = (await self._s.execute(q)).all()
        return [_contract(r, name) for r, name in rows]

    async def get(self, contract_id: int, owner_id: int | None) -> Contract | None:
        q = self._with_client().where(m.Contract.id == contract_id)
        if owner_id is not None:
            q = q.where(m.Contract.owner_id == owner_id)
        found = (await self._s.execute(q)).first()
        return _contract(found[0], found[1]) if found is not None else None

    async def by_origin(self, origin_key: str) -> Contract | None:
        found = (await self._s.execute(self._with_client()
                                       .where(m.Contract.origin_key == origin_key))).first()
        return _contract(found[0], found[1]) if found is not None else None

    async def deal_document(self, deal_id: int) -> tuple[str, int] | None:
        invoice = await self._s.scalar(
            select(m.Invoice.id).where(m.Invoice.deal_id == deal_id,
                                       m.Invoice.status != "cancelled")
            .order_by(m.Invoice.id.desc()).limit(1))
        if invoice is not None:
            return "invoice", int(invoice)
        quote = await self._s.scalar(select(m.Quote.id).where(m.Quote.deal_id == deal_id)
                                     .order_by(m.Quote.id.desc()).limit(1))
        return ("quote", int(quote)) if quote is not None else None

    async def client_language(self, company_id: int) -> str | None:
        return await self._s.scalar(select(m.Company.language)
                                    .where(m.Company.id == company_id))

    async def in_force(self, company_id: int, on: date) -> Contract | None:
        row = await self._s.scalar(
            select(m.Contract).where(m.Contract.company_id == company_id,
                                     m.Contract.number.is_not(None), m.Contract.number != "",
                                     m.Contract.starts_on <= on, m.Contract.ends_on >= on)
            .order_by(m.Contract.starts_on.desc(), m.Contract.id.desc()).limit(1))
        return _contract(row) if row is not None else None
