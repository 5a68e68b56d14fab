"""Company requisites (companies columns + company_accounts) and moving a company, with what
hangs on it, to another owner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.companies import BankAccount, CompanyRequisites, RequisitesUpdate, TransferCounts
from services.contacts_norm import normalize_name
from storage import models as m
from storage.payment_scopes import grant_company_payments, grant_invoice_payments


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class SqlRequisitesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, company_id: int, owner_id: int | None) -> CompanyRequisites | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        q = select(m.Company).where(m.Company.id == company_id)
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        row = await self._s.scalar(q)
        if row is None:
            return None
        accounts = await self._s.scalars(
            select(m.CompanyAccount).where(m.CompanyAccount.company_id == company_id)
            .order_by(m.CompanyAccount.id))
        return CompanyRequisites(
            company_id=row.id, owner_id=row.owner_id, name=row.name, country=row.country,
            legal_form=row.legal_form, tax_id=row.tax_id, kpp=row.kpp, ogrn=row.ogrn,
            vat_payer=row.vat_payer, legal_address=row.legal_address,
            trade_register=row.trade_register, city=row.city, region=row.region,
            postal_code=row.postal_code,
            accounts=tuple(BankAccount(account=a.account, bik=a.bik, bic=a.bic,
                                       corr_account=a.corr_account, bank_name=a.bank_name)
                           for a in accounts))

    async def save(self, company_id: int, req: RequisitesUpdate, now: datetime) -> None:
        await self._s.execute(
            update(m.Company).where(m.Company.id == company_id).values(
                country=req.country, legal_form=req.legal_form, name=req.name,
                name_norm=normalize_name(req.name), tax_id=req.tax_id, kpp=req.kpp,
                ogrn=req.ogrn, vat_payer=req.vat_payer, legal_address=req.legal_address,
                updated_at=now, **req.address_parts()))
        if req.account is None:
            return
        acc = req.account
        row = await self._s.scalar(select(m.CompanyAccount).where(
            m.CompanyAccount.company_id == company_id,
            m.CompanyAccount.account == acc.account))
        if row is None:
            self._s.add(m.CompanyAccount(company_id=company_id, account=acc.account,
                                         bik=acc.bik, bic=acc.bic,
                                         corr_account=acc.corr_account,
                                         bank_name=acc.bank_name))
        else:
            row.bik, row.bic, row.corr_account = acc.bik, acc.bic, acc.corr_account
        await self._s.flush()


class SqlCompanyTransferRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def move_company(self, company_id: int, to_owner: int,
                           lead_statuses_closed: Sequence[str], now: datetime
                           ) -> TransferCounts:
        """The company, its contacts, open deals, open leads and unpaid invoices."""
        # Before the updates, while the invoices that move can still be told apart.
        await grant_company_payments(self._s, m.Company.id == company_id, owner_id=to_owner)
        await grant_invoice_payments(self._s, to_owner, m.Invoice.company_id == company_id,
                                     m.Invoice.status.notin_(("paid", "cancelled")),
                                     m.Invoice.owner_id != to_owner)
        await self._s.execute(update(m.Company).where(m.Company.id == company_id)
                              .values(owner_id=to_owner, updated_at=now))
        contacts = await self._s.execute(
            update(m.Contact).where(m.Contact.company_id == company_id,
                                    m.Contact.owner_id != to_owner)
            .values(owner_id=to_owner))
        deals = await self._s.execute(
            update(m.Deal).where(m.Deal.company_id == company_id, m.Deal.status == "open",
                                 m.Deal.owner_id != to_owner)
            .values(owner_id=to_owner, updated_at=now))
        leads = await self._s.execute(
            update(m.Lead).where(m.Lead.company_id == company_id,
                                 m.Lead.status.notin_(tuple(lead_statuses_closed)),
                                 m.Lead.owner_id != to_owner)
            .values(owner_id=to_owner, updated_at=now))
        invoices = await self._s.execute(
            update(m.Invoice).where(m.Invoice.company_id == company_id,
                                    m.Invoice.status.notin_(("paid", "cancelled")),
                                    m.Invoice.owner_id != to_owner)
            .values(owner_id=to_owner))
        return TransferCounts(contacts=_rowcount(contacts), deals=_rowcount(deals),
                              leads=_rowcount(leads), invoices=_rowcount(invoices))
