"""Quotes and invoices with their lines (document_lines), as plain dataclasses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.invoices import (
    BuyerRequisites,
    CommercialDoc,
    CreditRef,
    Invoice,
    Line,
    Party,
    line_from_row,
)
from services.invoices.query import InvoiceQuery
from services.money import from_minor, to_minor
from services.quotes import Quote
from storage import models as m

D = TypeVar("D", bound=CommercialDoc)
LINE_COLUMNS = ("position", "kind", "product_id", "name", "unit", "quantity",
                "unit_price_minor", "discount_percent", "discount_minor", "vat_rate",
                "net_minor", "vat_minor", "total_minor")
TOTAL_COLUMNS = {"subtotal": "subtotal_minor", "discount_total": "discount_total_minor",
                 "vat_total": "vat_minor", "grand_total": "total_minor"}


def _common(row: Any, buyer_name: str | None, lines: tuple[Line, ...]) -> dict[str, Any]:
    c = row.currency
    return {
        "id": row.id, "owner_id": row.owner_id, "organization_id": row.organization_id,
        "company_id": row.company_id, "deal_id": row.deal_id, "contact_id": row.contact_id,
        "buyer_name": buyer_name or "", "status": row.status, "currency": c,
        "tax_mode": row.tax_mode, "language": row.language,
        "discount_percent": row.discount_percent,
        "discount_amount": (from_minor(row.discount_minor, c)
                            if row.discount_minor is not None else None),
        "subtotal": from_minor(row.subtotal_minor, c),
        "discount_total": from_minor(row.discount_total_minor, c),
        "vat_total": from_minor(row.vat_minor, c),
        "grand_total": from_minor(row.total_minor, c),
        "series_id": row.series_id, "number": row.number, "number_text": row.number_text,
        "created_at": row.created_at, "lines": lines, "price_list": row.price_list or "base",
        "seller": Party.from_dict(row.seller_snapshot) if row.seller_snapshot else None,
        "buyer": Party.from_dict(row.buyer_snapshot) if row.buyer_snapshot else None,
    }


def to_invoice(row: m.Invoice, buyer_name: str | None, lines: tuple[Line, ...],
               credit_notes: tuple[CreditRef, ...] = ()) -> Invoice:
    return Invoice(**_common(row, buyer_name, lines), bank_account_id=row.bank_account_id,
                   quote_id=row.quote_id, issue_date=row.issue_date, due_date=row.due_date,
                   paid=from_minor(row.paid_minor, row.currency), issued_at=row.issued_at,
                   cancelled_at=row.cancelled_at,
                   credited=from_minor(row.credited_minor or 0, row.currency),
                   cancel_reason=row.cancel_reason, sent_at=row.sent_at,
                   credit_notes=credit_notes, delivery_date=row.delivery_date,
                   exchange_rate=row.exchange_rate, reverse_charge=bool(row.reverse_charge),
                   vat_exemption_reason=row.vat_exemption_reason)


def to_quote(row: m.Quote, buyer_name: str | None, lines: tuple[Line, ...]) -> Quote:
    return Quote(**_common(row, buyer_name, lines), valid_until=row.valid_until,
                 accepted_by_telegram_id=row.accepted_by_telegram_id,
                 accepted_at=row.accepted_at, change_request=row.change_request)


class _SqlDocuments(Generic[D]):
    model: Any
    line_fk: str

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def _build(self, row: Any, buyer_name: str | None, lines: tuple[Line, ...]) -> D:
        raise NotImplementedError

    async def _lines(self, doc_id: int, currency: str) -> tuple[Line, ...]:
        col = getattr(m.DocumentLine, self.line_fk)
        # A line written before lines knew their supply takes its product's kind.
        supply = func.coalesce(m.DocumentLine.supply, m.Product.kind).label("supply")
        rows = (await self._s.execute(
            select(*(getattr(m.DocumentLine, c) for c in LINE_COLUMNS), supply)
            .outerjoin(m.Product, m.Product.id == m.DocumentLine.product_id)
            .where(col == doc_id).order_by(m.DocumentLine.position))).mappings().all()
        return tuple(line_from_row(dict(r), currency) for r in rows)

    async def add(self, fields: Mapping[str, Any]) -> int:
        row = self.model(**fields)
        self._s.add(row)
        await self._s.flush()
        return int(row.id)

    async def get(self, doc_id: int, owner_id: int | None) -> D | None:
        q = (select(self.model, m.Company.name)
             .outerjoin(m.Company, m.Company.id == self.model.company_id)
             .where(self.model.id == doc_id)
             .execution_options(populate_existing=True))
        if owner_id is not None:
            q = q.where(self.model.owner_id == owner_id)
        found: Any = (await self._s.execute(q)).first()
        if found is None:
            return None
        row, name = found
        return self._build(row, name, await self._lines(row.id, row.currency))

    async def save_draft(self, doc_id: int, lines: Sequence[Mapping[str, Any]],
                         totals: Mapping[str, int], header: Mapping[str, Any]) -> None:
        """Replaces the lines and totals (and header fields) of a document in one go."""
        col = getattr(m.DocumentLine, self.line_fk)
        await self._s.execute(delete(m.DocumentLine).where(col == doc_id))
        if lines:
            await self._s.execute(insert(m.DocumentLine),
                                  [{**line, self.line_fk: doc_id} for line in lines])
        values: dict[str, Any] = {TOTAL_COLUMNS[k]: v for k, v in totals.items()
                                  if k in TOTAL_COLUMNS}
        for key, value in header.items():
            if key == "discount_amount":
                currency = header.get("currency") or await self._s.scalar(
                    select(self.model.currency).where(self.model.id == doc_id))
                values["discount_minor"] = (to_minor(value, str(currency))
                                            if value is not None else None)
            else:
                values[key] = value
        await self._s.execute(update(self.model).where(self.model.id == doc_id)
                              .values(**values))

    async def update(self, doc_id: int, values: Mapping[str, Any],
                     expected: Sequence[str] | None = None) -> bool:
        """Sets `values`; with `expected`, only while the status is one of them (a
        concurrent change makes it return False and change nothing)."""
        q = update(self.model).where(self.model.id == doc_id)
        if expected is not None:
            q = q.where(self.model.status.in_(list(expected)))
        result = await self._s.execute(q.values(**values))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list(self, owner_id: int | None, statuses: Sequence[str] | None, offset: int,
                   limit: int) -> tuple[Sequence[D], int]:
        q = (select(self.model, m.Company.name)
             .outerjoin(m.Company, m.Company.id == self.model.company_id))
        c = select(func.count()).select_from(self.model)
        if owner_id is not None:
            q, c = q.where(self.model.owner_id == owner_id), c.where(
                self.model.owner_id == owner_id)
        if statuses:
            q, c = q.where(self.model.status.in_(statuses)), c.where(
                self.model.status.in_(statuses))
        rows: Any = (await self._s.execute(
            q.order_by(self.model.created_at.desc(), self.model.id.desc())
            .offset(offset).limit(limit))).all()
        items = [self._build(r, name, ()) for r, name in rows]
        return items, int(await self._s.scalar(c) or 0)

    async def sums_by_currency(self, owner_id: int | None,
                               statuses: Sequence[str]) -> dict[str, int]:
        q = (select(self.model.currency, func.sum(self.model.total_minor))
             .where(self.model.status.in_(list(statuses)))
             .group_by(self.model.currency))
        if owner_id is not None:
            q = q.where(self.model.owner_id == owner_id)
        rows: Any = (await self._s.execute(q)).all()
        return {str(cur): int(total or 0) for cur, total in rows}

    async def company_requisites(self, company_id: int) -> BuyerRequisites | None:
        c = await self._s.get(m.Company, company_id)
        if c is None:
            return None
        acc = await self._s.scalar(select(m.CompanyAccount)
                                   .where(m.CompanyAccount.company_id == company_id)
                                   .order_by(m.CompanyAccount.confirmed.desc(),
                                             m.CompanyAccount.id).limit(1))
        return BuyerRequisites(
            id=c.id, owner_id=c.owner_id, name=c.name, legal_form=c.legal_form,
            country=c.country, tax_id=c.tax_id, kpp=c.kpp, address=c.legal_address,
            trade_register=c.trade_register, ogrn=c.ogrn, city=c.city, region=c.region,
            postal_code=c.postal_code, vat_payer=c.vat_payer,
            phone=c.phone, email=c.email, payment_terms_days=c.payment_terms_days,
            bank_name=acc.bank_name if acc else None, bik=acc.bik if acc else None,
            bic=acc.bic if acc else None, account=acc.account if acc else None,
            corr_account=acc.corr_account if acc else None)


class SqlInvoiceRepository(_SqlDocuments[Invoice]):
    model = m.Invoice
    line_fk = "invoice_id"

    async def id_from_quote(self, quote_id: int) -> int | None:
        return await self._s.scalar(
            select(m.Invoice.id)
            .where(m.Invoice.quote_id == quote_id, m.Invoice.status != "cancelled")
            .order_by(m.Invoice.id).limit(1))

    async def last_issued(self, company_id: int, owner_id: int | None) -> int | None:
        q = (select(m.Invoice.id)
             .where(m.Invoice.company_id == company_id,
                    m.Invoice.status.not_in(["draft", "cancelled"]))
             .order_by(m.Invoice.issued_at.desc(), m.Invoice.id.desc()).limit(1))
        if owner_id is not None:
            q = q.where(m.Invoice.owner_id == owner_id)
        return await self._s.scalar(q)

    def _build(self, row: Any, buyer_name: str | None, lines: tuple[Line, ...]) -> Invoice:
        return to_invoice(row, buyer_name, lines)

    async def get(self, doc_id: int, owner_id: int | None) -> Invoice | None:
        """The invoice with its lines and the credit notes issued against it."""
        inv = await super().get(doc_id, owner_id)
        if inv is None or not inv.number:
            return inv
        c = inv.currency
        rows = (await self._s.execute(
            select(m.CreditNote.id, m.CreditNote.number_text, m.CreditNote.total_minor,
                   m.CreditNote.refunded_minor, m.CreditNote.status)
            .where(m.CreditNote.invoice_id == doc_id).order_by(m.CreditNote.id))).all()
        if not rows:
            return inv
        refs = tuple(CreditRef(int(i), n or f"#{i}", from_minor(int(t), c),
                               from_minor(int(r), c), s) for i, n, t, r, s in rows)
        return replace(inv, credit_notes=refs)

    async def list_filtered(self, owner_id: int | None, query: InvoiceQuery, offset: int,
                            limit: int) -> tuple[Sequence[Invoice], int]:
        where = _filter_conditions(owner_id, query)
        rows: Any = (await self._s.execute(
            select(m.Invoice, m.Company.name)
            .outerjoin(m.Company, m.Company.id == m.Invoice.company_id).where(*where)
            .order_by(m.Invoice.created_at.desc(), m.Invoice.id.desc())
            .offset(offset).limit(limit))).all()
        total = await self._s.scalar(select(func.count()).select_from(m.Invoice).where(*where))
        return [self._build(r, name, ()) for r, name in rows], int(total or 0)

    async def sums_filtered(self, owner_id: int | None, query: InvoiceQuery
                            ) -> dict[str, int]:
        rows: Any = (await self._s.execute(
            select(m.Invoice.currency, func.sum(m.Invoice.total_minor))
            .where(*_filter_conditions(owner_id, query))
            .group_by(m.Invoice.currency))).all()
        return {str(cur): int(total or 0) for cur, total in rows}


def _filter_conditions(owner_id: int | None, query: InvoiceQuery) -> list[Any]:
    """The WHERE of a filtered invoice list (`services.invoices.filters`)."""
    inv = m.Invoice
    where: list[Any] = []
    if owner_id is not None:
        where.append(inv.owner_id == owner_id)
    if query.statuses is not None:
        where.append(inv.status.in_(list(query.statuses)))
    if query.company_id is not None:
        where.append(inv.company_id == query.company_id)
    if query.due_before is not None:
        where.append(inv.due_date < query.due_before)
    if query.start is not None and query.end is not None:
        issued: Any = inv.issue_date.between(query.start, query.end)
        if query.created_from is not None and query.created_to is not None:
            issued = or_(issued, and_(inv.issue_date.is_(None),
                                      inv.created_at >= query.created_from,
                                      inv.created_at < query.created_to))
        where.append(issued)
    return where


class SqlQuoteRepository(_SqlDocuments[Quote]):
    model = m.Quote
    line_fk = "quote_id"

    def _build(self, row: Any, buyer_name: str | None, lines: tuple[Line, ...]) -> Quote:
        return to_quote(row, buyer_name, lines)
