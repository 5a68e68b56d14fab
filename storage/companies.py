from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients import Company, CompanyDraft
from services.companies import ClientLoad, ClientProfile, ContactCard, ContactDraft, MergeCounts
from services.contacts_norm import normalize_name
from storage import models as m
from storage.payment_scopes import grant_company_payments, grant_invoice_payments


def _norm(text: str) -> str:
    """The one search form of names, shared with search (services.contacts_norm)."""
    return normalize_name(text)


def to_company(row: m.Company) -> Company:
    return Company(id=row.id, owner_id=row.owner_id, name=row.name, phone=row.phone,
                   email=row.email, country=row.country, tax_id=row.tax_id,
                   created_at=row.created_at)



async def lacks_primary(session: AsyncSession, company_id: int | None) -> bool:
    """Whether a contact joining this company becomes its primary one (it has none yet):
    every path that adds a contact to a company keeps "exactly one primary" true."""
    if company_id is None:
        return False
    found = await session.scalar(select(m.Contact.id).where(
        m.Contact.company_id == company_id, m.Contact.is_primary.is_(True)).limit(1))
    return found is None

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
        self, owner_id: int | None, offset: int, limit: int, archived: bool = False
    ) -> tuple[Sequence[Company], int]:
        shown = (m.Company.archived_at.is_not(None) if archived
                 else m.Company.archived_at.is_(None))
        q = select(m.Company).where(shown)
        count = select(func.count()).select_from(m.Company).where(shown)
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
            count = count.where(m.Company.owner_id == owner_id)
        rows = await self._s.scalars(q.order_by(m.Company.name_norm, m.Company.id)
                                     .offset(offset).limit(limit))
        total = await self._s.scalar(count) or 0
        return [to_company(r) for r in rows], int(total)

    async def reassign_owner(self, from_owner: int, to_owner: int) -> int:
        # Before the updates, while the old owner still finds what moves.
        await grant_company_payments(self._s, m.Company.owner_id == from_owner,
                                     owner_id=to_owner)
        await grant_invoice_payments(self._s, to_owner, m.Invoice.owner_id == from_owner,
                                     m.Invoice.status.notin_(("paid", "cancelled")))
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


# --- the client card: profile, contacts, archive, merge -------------------------------------


def to_contact_card(row: m.Contact) -> ContactCard:
    return ContactCard(id=row.id, company_id=row.company_id, owner_id=row.owner_id,
                       name=row.name, position=row.position, phone=row.phone,
                       email=row.email, is_primary=bool(row.is_primary),
                       chat_bound=row.telegram_user_id is not None)


# Every table whose rows follow a client into the survivor of a merge (bank accounts and
# contacts apart: see SqlClientProfileRepository.merge).
_MOVED: dict[str, type[Any]] = {
    "deals": m.Deal, "invoices": m.Invoice, "quotes": m.Quote, "payments": m.Payment,
    "interactions": m.Interaction, "files": m.StoredFile, "tasks": m.Task,
    "contracts": m.Contract, "leads": m.Lead, "credit_notes": m.CreditNote,
}


class SqlClientProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def profile(self, company_id: int, owner_id: int | None,
                      for_update: bool = False) -> ClientProfile | None:
        q = select(m.Company).where(m.Company.id == company_id)
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        if for_update:
            q = q.with_for_update()
        row = await self._s.scalar(q.execution_options(populate_existing=True))
        if row is None:
            return None
        contacts = await self._s.scalars(
            select(m.Contact).where(m.Contact.company_id == company_id)
            .order_by(m.Contact.is_primary.desc(), m.Contact.id)
            .execution_options(populate_existing=True))
        return ClientProfile(
            id=row.id, owner_id=row.owner_id, name=row.name, country=row.country,
            legal_form=row.legal_form, tax_id=row.tax_id, kpp=row.kpp, ogrn=row.ogrn,
            vat_payer=row.vat_payer, legal_address=row.legal_address, phone=row.phone,
            email=row.email, timezone=row.timezone, language=row.language,
            price_list=row.price_list, payment_terms_days=row.payment_terms_days,
            archived_at=row.archived_at, archive_reason=row.archive_reason,
            merged_into_id=row.merged_into_id,
            contacts=tuple(to_contact_card(c) for c in contacts),
            trade_register=row.trade_register, city=row.city, region=row.region,
            postal_code=row.postal_code)

    async def set_fields(self, company_id: int, values: dict[str, Any], now: datetime
                         ) -> None:
        values = dict(values, updated_at=now)
        if "name" in values:
            values["name_norm"] = _norm(values["name"])
        await self._s.execute(update(m.Company).where(m.Company.id == company_id)
                              .values(**values))

    async def price_lists(self) -> Sequence[str]:
        rows = await self._s.scalars(select(m.ProductPrice.price_list).distinct()
                                     .order_by(m.ProductPrice.price_list))
        return [str(r) for r in rows]

    async def load(self, company_id: int, unpaid_statuses: Sequence[str]) -> ClientLoad:
        deals = await self._s.scalar(select(func.count()).select_from(m.Deal).where(
            m.Deal.company_id == company_id, m.Deal.status == "open"))
        invoices = await self._s.scalar(select(func.count()).select_from(m.Invoice).where(
            m.Invoice.company_id == company_id, m.Invoice.status.in_(unpaid_statuses)))
        return ClientLoad(open_deals=int(deals or 0), unpaid_invoices=int(invoices or 0))

    async def set_archived(self, company_id: int, at: datetime | None, reason: str | None,
                           now: datetime) -> None:
        await self._s.execute(update(m.Company).where(m.Company.id == company_id).values(
            archived_at=at, archive_reason=reason, updated_at=now))

    async def find(self, owner_id: int | None, prefix: str, exclude_id: int, limit: int
                   ) -> Sequence[tuple[int, str]]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        q = (select(m.Company.id, m.Company.name)
             .where(m.Company.name_norm.like(escaped + "%", escape="\\"),
                    m.Company.id != exclude_id, m.Company.archived_at.is_(None)))
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        rows = await self._s.execute(q.order_by(m.Company.name_norm, m.Company.id)
                                     .limit(limit))
        return [(int(i), str(n)) for i, n in rows.all()]

    async def merge(self, survivor_id: int, merged_id: int, fill: dict[str, Any],
                    now: datetime) -> MergeCounts:
        moved: dict[str, int] = {}
        for key, model in _MOVED.items():
            result = await self._s.execute(update(model).where(model.company_id == merged_id)
                                           .values(company_id=survivor_id))
            moved[key] = int(result.rowcount)  # type: ignore[attr-defined]
        await grant_company_payments(self._s, m.Company.id == survivor_id)
        # Contacts follow with their bound customer chats; the survivor's owner owns them.
        owner = await self._s.scalar(select(m.Company.owner_id)
                                     .where(m.Company.id == survivor_id))
        contacts = await self._s.execute(
            update(m.Contact).where(m.Contact.company_id == merged_id)
            .values(company_id=survivor_id, owner_id=owner, is_primary=False))
        primary = await self._s.scalar(select(m.Contact.id).where(
            m.Contact.company_id == survivor_id, m.Contact.is_primary.is_(True)).limit(1))
        if primary is None:
            first = await self._s.scalar(select(m.Contact.id).where(
                m.Contact.company_id == survivor_id).order_by(m.Contact.id).limit(1))
            if first is not None:
                await self.set_primary(survivor_id, first)
        # Bank accounts: the survivor keeps its own; the other's new ones move.
        have = select(m.CompanyAccount.account).where(m.CompanyAccount.company_id == survivor_id)
        await self._s.execute(update(m.CompanyAccount).where(
            m.CompanyAccount.company_id == merged_id, m.CompanyAccount.account.notin_(have))
            .values(company_id=survivor_id))
        if fill:
            await self.set_fields(survivor_id, fill, now)
        await self._s.execute(update(m.Company).where(m.Company.id == merged_id).values(
            merged_into_id=survivor_id, archived_at=now, updated_at=now))
        return MergeCounts(
            deals=moved["deals"], invoices=moved["invoices"], quotes=moved["quotes"],
            payments=moved["payments"], interactions=moved["interactions"],
            files=moved["files"], tasks=moved["tasks"],
            contacts=int(contacts.rowcount))  # type: ignore[attr-defined]

    async def contact(self, contact_id: int) -> ContactCard | None:
        row = await self._s.get(m.Contact, contact_id, populate_existing=True)
        return to_contact_card(row) if row else None

    async def add_contact(self, owner_id: int, company_id: int, draft: ContactDraft,
                          primary: bool, now: datetime) -> int:
        row = m.Contact(owner_id=owner_id, company_id=company_id, name=draft.name,
                        name_norm=_norm(draft.name)[:200], phone=draft.phone,
                        email=draft.email, position=draft.position, is_primary=primary,
                        created_at=now)
        self._s.add(row)
        await self._s.flush()
        return int(row.id)

    async def set_contact_fields(self, contact_id: int, values: dict[str, Any]) -> None:
        values = dict(values)
        if "name" in values:
            values["name_norm"] = _norm(values["name"])[:200]
        await self._s.execute(update(m.Contact).where(m.Contact.id == contact_id)
                              .values(**values))

    async def detach_contact(self, contact_id: int) -> None:
        await self._s.execute(update(m.Contact).where(m.Contact.id == contact_id)
                              .values(company_id=None, is_primary=False))

    async def set_primary(self, company_id: int, contact_id: int | None) -> None:
        await self._s.execute(update(m.Contact).where(m.Contact.company_id == company_id)
                              .values(is_primary=m.Contact.id == contact_id
                                      if contact_id is not None else False))
