from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.organizations import BankAccount, Organization, OrganizationDraft
from storage import models as m


def to_account(row: m.OrganizationAccount) -> BankAccount:
    return BankAccount(id=row.id, organization_id=row.organization_id,
                       bank_name=row.bank_name or "", bik=row.bik, bic=row.bic,
                       account=row.account, corr_account=row.corr_account,
                       currency=row.currency, is_default=bool(row.is_default))


def to_organization(row: m.Organization, accounts: Sequence[m.OrganizationAccount]
                    ) -> Organization:
    return Organization(
        id=row.id, name=row.name, legal_name=row.legal_name or "", country=row.country,
        tax_id=row.tax_id, kpp=row.kpp, vat_payer=bool(row.vat_payer),
        address=row.address or "", director=row.director or "",
        accountant=row.accountant or "", currency=row.currency, language=row.language,
        invoice_prefix=row.invoice_prefix or "", number_pattern=row.number_pattern,
        payment_terms_days=row.payment_terms_days,
        accounts=tuple(to_account(a) for a in accounts),
        ogrn=row.ogrn, trade_register=row.trade_register or "", city=row.city or "",
        region=row.region or "", postal_code=row.postal_code or "",
        director_position=row.director_position or "", signer_name=row.signer_name or "",
        signer_position=row.signer_position or "",
        signer_poa_number=row.signer_poa_number or "", signer_poa_date=row.signer_poa_date,
        vat_on_collection=bool(row.vat_on_collection))


class SqlOrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, draft: OrganizationDraft, now: datetime) -> Organization:
        row = m.Organization(
            name=draft.name, legal_name=draft.legal_name, country=draft.country,
            tax_id=draft.tax_id, kpp=draft.kpp, vat_payer=draft.vat_payer,
            address=draft.address, director=draft.director, accountant=draft.accountant,
            currency=draft.currency, language=draft.language or "ru",
            invoice_prefix=draft.invoice_prefix, number_pattern=draft.number_pattern,
            payment_terms_days=draft.payment_terms_days or 5, created_at=now,
            ogrn=draft.ogrn, trade_register=draft.trade_register, city=draft.city,
            region=draft.region, postal_code=draft.postal_code,
            director_position=draft.director_position,
            vat_on_collection=draft.vat_on_collection)
        self._s.add(row)
        await self._s.flush()
        account = draft.account or draft.iban
        if account:
            self._s.add(m.OrganizationAccount(
                organization_id=row.id, bank_name=draft.bank_name, bik=draft.bik,
                bic=draft.bic, account=account, corr_account=draft.corr_account,
                currency=draft.currency, is_default=True))
            await self._s.flush()
        org = await self.get(row.id)
        assert org is not None
        return org

    async def _accounts(self, org_ids: Sequence[int]
                        ) -> dict[int, list[m.OrganizationAccount]]:
        result: dict[int, list[m.OrganizationAccount]] = {i: [] for i in org_ids}
        if org_ids:
            rows = await self._s.scalars(
                select(m.OrganizationAccount)
                .where(m.OrganizationAccount.organization_id.in_(org_ids))
                .order_by(m.OrganizationAccount.id))
            for acc in rows:
                result[acc.organization_id].append(acc)
        return result

    async def get(self, org_id: int) -> Organization | None:
        row = await self._s.get(m.Organization, org_id, populate_existing=True)
        if row is None:
            return None
        return to_organization(row, (await self._accounts([row.id]))[row.id])

    async def list(self) -> Sequence[Organization]:
        rows = list(await self._s.scalars(select(m.Organization).order_by(m.Organization.id)))
        accounts = await self._accounts([r.id for r in rows])
        return [to_organization(r, accounts[r.id]) for r in rows]

    async def first(self) -> Organization | None:
        org_id = await self._s.scalar(select(m.Organization.id).order_by(m.Organization.id)
                                      .limit(1))
        return await self.get(org_id) if org_id is not None else None

    async def update(self, org_id: int, values: Mapping[str, Any]) -> None:
        await self._s.execute(update(m.Organization).where(m.Organization.id == org_id)
                              .values(**values))

    async def update_account(self, account_id: int, values: Mapping[str, Any]) -> None:
        await self._s.execute(update(m.OrganizationAccount)
                              .where(m.OrganizationAccount.id == account_id).values(**values))
