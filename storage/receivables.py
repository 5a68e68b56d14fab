"""Receivables, client statements and the accountant's export (services/receivables.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.invoices import OPEN_STATUSES
from services.receivables import (
    DebtInvoice,
    ExportInvoice,
    ExportPayment,
    StatementCorrection,
    StatementPayment,
)
from storage import models as m

_INVOICE_COLUMNS = (m.Invoice.id, m.Invoice.owner_id, m.User.full_name, m.Invoice.company_id,
                    m.Company.name, m.Invoice.number_text, m.Invoice.currency,
                    m.Invoice.total_minor, m.Invoice.paid_minor, m.Invoice.issue_date,
                    m.Invoice.due_date, m.Invoice.status, m.Invoice.credited_minor)


def _debt(r: Any) -> DebtInvoice:
    return DebtInvoice(int(r[0]), int(r[1]), r[2] or "", r[3], r[4] or "", r[5] or f"#{r[0]}",
                       r[6], int(r[7]), int(r[8]), r[9], r[10], r[11], int(r[12] or 0))


def _allocated() -> Any:
    return (select(func.coalesce(func.sum(m.PaymentAllocation.amount_minor), 0))
            .where(m.PaymentAllocation.payment_id == m.Payment.id,
                   m.PaymentAllocation.reversed_at.is_(None))
            .correlate(m.Payment).scalar_subquery())


class SqlReceivableRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def _invoices(self) -> Any:
        return (select(*_INVOICE_COLUMNS).join(m.User, m.User.id == m.Invoice.owner_id)
                .outerjoin(m.Company, m.Company.id == m.Invoice.company_id))

    async def open_invoices(self, owner_id: int | None,
                            company_id: int | None = None) -> list[DebtInvoice]:
        q = self._invoices().where(m.Invoice.status.in_([str(s) for s in OPEN_STATUSES]),
                                   m.Invoice.number.is_not(None))
        if owner_id is not None:
            q = q.where(m.Invoice.owner_id == owner_id)
        if company_id is not None:
            q = q.where(m.Invoice.company_id == company_id)
        rows = (await self._s.execute(q.order_by(m.Invoice.due_date, m.Invoice.id))).all()
        return [_debt(r) for r in rows]

    async def client_invoices(self, company_id: int, owner_id: int | None
                              ) -> list[DebtInvoice]:
        q = self._invoices().where(m.Invoice.company_id == company_id,
                                   m.Invoice.number.is_not(None))
        if owner_id is not None:
            q = q.where(m.Invoice.owner_id == owner_id)
        rows = (await self._s.execute(q.order_by(m.Invoice.issue_date, m.Invoice.id))).all()
        return [_debt(r) for r in rows]

    async def client_payments(self, company_id: int) -> list[StatementPayment]:
        rows: Any = (await self._s.execute(
            select(m.Payment.id, m.Payment.received_on, m.Payment.source,
                   m.Payment.doc_number, m.Payment.currency, m.Payment.amount_minor,
                   _allocated(), m.Payment.status)
            .where(m.Payment.company_id == company_id, m.Payment.direction == "in",
                   m.Payment.status.notin_(("reversed", "ignored", "twin")))
            .order_by(m.Payment.received_on, m.Payment.id))).all()
        return [StatementPayment(int(i), d, s, n or "", c, int(a), int(a) - int(al or 0), st)
                for i, d, s, n, c, a, al, st in rows]

    async def client_corrections(self, company_id: int, owner_id: int | None
                                 ) -> list[StatementCorrection]:
        cn = m.CreditNote
        q = (select(cn.issue_date, cn.number_text, cn.currency, cn.total_minor, cn.id)
             .where(cn.company_id == company_id).order_by(cn.issue_date, cn.id))
        r = (select(m.Payment.received_on, m.Payment.doc_number, m.Payment.currency,
                    m.Payment.amount_minor, m.Payment.id)
             .join(cn, cn.id == m.Payment.credit_note_id)
             .where(cn.company_id == company_id, m.Payment.direction == "out")
             .order_by(m.Payment.received_on, m.Payment.id))
        if owner_id is not None:
            q, r = q.where(cn.owner_id == owner_id), r.where(cn.owner_id == owner_id)
        out = [StatementCorrection("credit_note", d, n or f"#{i}", c, int(a))
               for d, n, c, a, i in (await self._s.execute(q)).all()]
        out += [StatementCorrection("refund", d, n or "", c, int(a))
                for d, n, c, a, _ in (await self._s.execute(r)).all()]
        return out

    async def company_name(self, company_id: int, owner_id: int | None) -> str | None:
        q = select(m.Company.name).where(m.Company.id == company_id)
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        name = await self._s.scalar(q)
        return str(name) if name is not None else None

    async def export_invoices(self, start: date, end: date, owner_id: int | None
                              ) -> list[ExportInvoice]:
        q = (select(m.Invoice.number_text, m.Invoice.issue_date, m.Invoice.due_date,
                    m.Company.name, m.Company.tax_id, m.User.full_name, m.Invoice.status,
                    m.Invoice.currency, m.Invoice.total_minor, m.Invoice.paid_minor,
                    m.Invoice.credited_minor)
             .join(m.User, m.User.id == m.Invoice.owner_id)
             .outerjoin(m.Company, m.Company.id == m.Invoice.company_id)
             .where(m.Invoice.number.is_not(None), m.Invoice.issue_date >= start,
                    m.Invoice.issue_date <= end)
             .order_by(m.Invoice.issue_date, m.Invoice.id))
        if owner_id is not None:
            q = q.where(m.Invoice.owner_id == owner_id)
        rows: Any = (await self._s.execute(q)).all()
        return [ExportInvoice(n or "", i, d, c or "", t or "", o or "", s, cur, int(tot),
                              int(p), int(cr or 0))
                for n, i, d, c, t, o, s, cur, tot, p, cr in rows]

    async def export_payments(self, start: date, end: date, owner_id: int | None
                              ) -> list[ExportPayment]:
        q = (select(m.Payment.id, m.Payment.received_on, m.Payment.source,
                    m.Payment.doc_number, m.Payment.payer_name, m.Company.name,
                    m.Payment.status, m.Payment.currency, m.Payment.amount_minor)
             .outerjoin(m.Company, m.Company.id == m.Payment.company_id)
             .where(m.Payment.received_on >= start, m.Payment.received_on <= end,
                    m.Payment.direction == "in",  # a refund is money out, not a receipt
                    # a twin is the bank's line of a transfer typed in: listed once
                    m.Payment.status.notin_(("ignored", "twin")))
             .order_by(m.Payment.received_on, m.Payment.id))
        if owner_id is not None:
            # A manager's payments: those they recorded and those on their invoices.
            mine = (select(m.PaymentAllocation.payment_id)
                    .join(m.Invoice, m.Invoice.id == m.PaymentAllocation.invoice_id)
                    .where(m.Invoice.owner_id == owner_id))
            q = q.where((m.Payment.created_by == owner_id) | m.Payment.id.in_(mine))
        rows = list((await self._s.execute(q)).all())
        numbers: dict[int, list[str]] = {}
        ids = [int(r[0]) for r in rows]
        if ids:
            for pid, number in (await self._s.execute(
                    select(m.PaymentAllocation.payment_id, m.Invoice.number_text)
                    .join(m.Invoice, m.Invoice.id == m.PaymentAllocation.invoice_id)
                    .where(m.PaymentAllocation.payment_id.in_(ids),
                           m.PaymentAllocation.reversed_at.is_(None))
                    .order_by(m.PaymentAllocation.id))).all():
                numbers.setdefault(int(pid), []).append(number or "")
        return [ExportPayment(int(i), d, s, n or "", p or "", c or "", st, cur, int(a),
                              ", ".join(numbers.get(int(i), [])))
                for i, d, s, n, p, c, st, cur, a in rows]
