"""Leads on SQLAlchemy, and the client look-ups and inserts their conversion needs."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.contacts_norm import normalize_name
from services.leads import ClientMatch, Lead, LeadDraft, NewCompany, NewContact
from storage import models as m
from storage.companies import lacks_primary

MATCH_LIMIT = 5


def to_lead(row: m.Lead) -> Lead:
    return Lead(
        id=row.id,
        owner_id=row.owner_id,
        status=row.status,
        source=row.source,
        contact_name=row.contact_name,
        company_name=row.company_name,
        phone=row.phone,
        email=row.email,
        city=row.city,
        topic=row.topic,
        country=row.country,
        tax_id=row.tax_id,
        vat_payer=row.vat_payer,
        telegram_user_id=row.telegram_user_id,
        telegram_username=row.telegram_username,
        junk_reason=row.junk_reason,
        company_id=row.company_id,
        contact_id=row.contact_id,
        deal_id=row.deal_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        language=row.language,
    )


def lead_name_norm(contact_name: str | None, company_name: str | None) -> str:
    return normalize_name(contact_name or company_name or "")[:300]


def _matched_by(
    row: Any, phone: str | None, email: str | None, tax_ids: Sequence[str] = ()
) -> tuple[str, ...]:
    found = []
    if phone and row.phone == phone:
        found.append("phone")
    if email and (row.email or "").lower() == email:
        found.append("email")
    if tax_ids and getattr(row, "tax_id", None) in tax_ids:
        found.append("tax_id")
    return tuple(found)


class SqlLeadRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect

    async def add(self, owner_id: int, draft: LeadDraft, now: datetime) -> Lead:
        row = m.Lead(
            owner_id=owner_id,
            status="new",
            source=draft.source,
            contact_name=draft.contact_name or "",
            name_norm=lead_name_norm(draft.contact_name, draft.company_name),
            company_name=draft.company_name,
            phone=draft.phone,
            email=draft.email,
            city=draft.city,
            topic=draft.topic,
            country=draft.country,
            tax_id=draft.tax_id,
            vat_payer=draft.vat_payer,
            telegram_user_id=draft.telegram_user_id,
            telegram_username=draft.telegram_username,
            language=draft.language,
            created_at=now,
            updated_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return to_lead(row)

    async def get(
        self, lead_id: int, owner_id: int | None, for_update: bool = False
    ) -> Lead | None:
        q = select(m.Lead).where(m.Lead.id == lead_id)
        if owner_id is not None:
            q = q.where(m.Lead.owner_id == owner_id)
        if for_update and self._dialect == "postgresql":
            q = q.with_for_update()
        row = await self._s.scalar(q.execution_options(populate_existing=True))
        return to_lead(row) if row else None

    async def list(
        self, owner_id: int | None, status: str | None, offset: int, limit: int
    ) -> tuple[Sequence[Lead], int]:
        q = select(m.Lead)
        c = select(func.count()).select_from(m.Lead)
        if owner_id is not None:
            q, c = q.where(m.Lead.owner_id == owner_id), c.where(m.Lead.owner_id == owner_id)
        if status is not None:
            q, c = q.where(m.Lead.status == status), c.where(m.Lead.status == status)
        else:  # junk leaves the list; its filter shows it
            q, c = q.where(m.Lead.status != "junk"), c.where(m.Lead.status != "junk")
        rows = await self._s.scalars(
            q.order_by(m.Lead.created_at.desc(), m.Lead.id.desc()).offset(offset).limit(limit)
        )
        return [to_lead(r) for r in rows], int(await self._s.scalar(c) or 0)

    async def update(self, lead_id: int, changes: dict[str, Any], now: datetime) -> None:
        values = dict(changes)
        if "contact_name" in values or "company_name" in values:
            row = await self._s.get(m.Lead, lead_id)
            assert row is not None
            values["contact_name"] = values.get("contact_name", row.contact_name) or ""
            values["name_norm"] = lead_name_norm(
                values["contact_name"], values.get("company_name", row.company_name)
            )
        await self._s.execute(
            update(m.Lead).where(m.Lead.id == lead_id).values(**values, updated_at=now)
        )

    async def add_interaction(
        self, owner_id: int, lead_id: int, kind: str, text: str, now: datetime
    ) -> None:
        self._s.add(
            m.Interaction(
                owner_id=owner_id, kind=kind, lead_id=lead_id, text=text, occurred_at=now
            )
        )
        await self._s.flush()

    async def attach_interactions(
        self, lead_id: int, company_id: int | None, contact_id: int | None, deal_id: int | None
    ) -> None:
        await self._s.execute(
            update(m.Interaction)
            .where(m.Interaction.lead_id == lead_id)
            .values(company_id=company_id, contact_id=contact_id, deal_id=deal_id)
        )
        # Their files (a business chat's photos, documents ...) go onto the cards too.
        await self._s.execute(
            update(m.StoredFile)
            .where(m.StoredFile.id.in_(select(m.Interaction.file_id).where(
                m.Interaction.lead_id == lead_id, m.Interaction.file_id.is_not(None))))
            .values(company_id=company_id, deal_id=deal_id)
        )

    async def lock(self, key: str) -> None:
        # SQLite: writers are already serialised (BEGIN IMMEDIATE + the in-process lock).
        if self._dialect == "postgresql":
            await self._s.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())}
            )

    async def recent_by_contact(
        self, phone: str | None, email: str | None, since: datetime
    ) -> Lead | None:
        conds = []
        if phone:
            conds.append(m.Lead.phone == phone)
        if email:
            conds.append(m.Lead.email == email)
        if not conds:
            return None
        row = await self._s.scalar(
            select(m.Lead)
            .where(or_(*conds), m.Lead.created_at >= since)
            .order_by(m.Lead.id)
            .limit(1)
        )
        return to_lead(row) if row else None

    async def last_web_owner(self) -> int | None:
        data = await self._s.scalar(
            select(m.AuditEntry.data)
            # One turn for the website's leads and the mailbox's strangers (mail.assign).
            .where(m.AuditEntry.action.in_(("lead.web", "mail.assign")))
            .order_by(m.AuditEntry.id.desc())
            .limit(1)
        )
        if not data:
            return None
        owner = data.get("owner_id")
        return int(owner) if owner is not None else None

    async def find_companies(
        self,
        owner_id: int | None,
        phone: str | None,
        email: str | None,
        country: str | None,
        tax_id: str | None,
    ) -> Sequence[ClientMatch]:
        tax_ids: list[str] = []
        if tax_id:
            tax_ids = [tax_id, f"RO{tax_id}"] if country == "RO" else [tax_id]
        conds = []
        if phone:
            conds.append(m.Company.phone == phone)
        if email:
            conds.append(func.lower(m.Company.email) == email)
        if tax_ids:
            conds.append(m.Company.tax_id.in_(tax_ids))
        if not conds:
            return []
        q = select(m.Company).where(or_(*conds))
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        rows = await self._s.scalars(q.order_by(m.Company.id).limit(MATCH_LIMIT))
        return [
            ClientMatch(
                kind="company",
                id=r.id,
                name=r.name,
                phone=r.phone,
                email=r.email,
                tax_id=r.tax_id,
                country=r.country,
                vat_payer=r.vat_payer,
                matched_by=_matched_by(r, phone, email, tax_ids),
            )
            for r in rows
        ]

    async def find_contacts(
        self, owner_id: int | None, phone: str | None, email: str | None
    ) -> Sequence[ClientMatch]:
        conds = []
        if phone:
            conds.append(m.Contact.phone == phone)
        if email:
            conds.append(func.lower(m.Contact.email) == email)
        if not conds:
            return []
        q = select(m.Contact).where(or_(*conds))
        if owner_id is not None:
            q = q.where(m.Contact.owner_id == owner_id)
        rows = await self._s.scalars(q.order_by(m.Contact.id).limit(MATCH_LIMIT))
        return [
            ClientMatch(
                kind="contact",
                id=r.id,
                name=r.name,
                phone=r.phone,
                email=r.email,
                city=r.city,
                telegram_user_id=r.telegram_user_id,
                company_id=r.company_id,
                matched_by=_matched_by(r, phone, email),
            )
            for r in rows
        ]

    async def add_company(self, owner_id: int, company: NewCompany, now: datetime) -> int:
        row = m.Company(
            owner_id=owner_id,
            name=company.name,
            name_norm=normalize_name(company.name)[:300],
            phone=company.phone,
            email=company.email,
            country=company.country,
            tax_id=company.tax_id,
            vat_payer=company.vat_payer,
            created_at=now,
            updated_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def add_contact(self, owner_id: int, contact: NewContact, now: datetime) -> int:
        row = m.Contact(
            owner_id=owner_id,
            company_id=contact.company_id,
            name=contact.name,
            name_norm=normalize_name(contact.name)[:200],
            phone=contact.phone,
            email=contact.email,
            city=contact.city,
            telegram_user_id=contact.telegram_user_id,
            language=contact.language,
            is_primary=await lacks_primary(self._s, contact.company_id),
            created_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def fill_company(self, company_id: int, values: dict[str, Any]) -> None:
        await self._s.execute(update(m.Company).where(m.Company.id == company_id).values(**values))

    async def fill_contact(self, contact_id: int, values: dict[str, Any]) -> None:
        await self._s.execute(update(m.Contact).where(m.Contact.id == contact_id).values(**values))
