"""Credit notes with their lines (document_lines.credit_note_id, source_line_id), and the
invoice money they change (services/credit_notes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_notes import CreditLine, CreditNote, InvoiceLineLeft
from services.invoices.model import InvoiceMoney
from storage import models as m

L = m.DocumentLine
CN = m.CreditNote


def _line(r: Any) -> CreditLine:
    return CreditLine(int(r.source_line_id or 0), int(r.position), r.kind, r.product_id,
                      r.name, r.unit, Decimal(r.quantity), int(r.unit_price_minor),
                      r.discount_percent, r.vat_rate, int(r.net_minor), int(r.vat_minor))


class SqlCreditNoteRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect

    async def invoice_money(self, invoice_id: int, owner_id: int | None,
                            lock: bool = False) -> InvoiceMoney | None:
        i = m.Invoice
        q = select(i.id, i.owner_id, i.organization_id, i.company_id, i.deal_id,
                   i.number_text, i.currency, i.total_minor, i.paid_minor, i.status,
                   i.due_date, i.sent_at, i.viewed_at, i.credited_minor).where(i.id == invoice_id)
        if owner_id is not None:
            q = q.where(i.owner_id == owner_id)
        if lock and self._dialect == "postgresql":
            q = q.with_for_update(of=i)
        r = (await self._s.execute(q)).first()
        if r is None:
            return None
        return InvoiceMoney(id=r.id, owner_id=r.owner_id, organization_id=r.organization_id,
                            company_id=r.company_id, deal_id=r.deal_id,
                            number_text=r.number_text or f"#{r.id}", currency=r.currency,
                            total_minor=r.total_minor, paid_minor=r.paid_minor,
                            status=r.status, due_date=r.due_date,
                            sent=r.sent_at is not None, viewed=r.viewed_at is not None,
                            credited_minor=int(r.credited_minor or 0))

    async def invoice_lines(self, invoice_id: int,
                            before_note: int | None = None) -> list[InvoiceLineLeft]:
        rows = (await self._s.execute(
            select(L.id, L.position, L.kind, L.product_id, L.name, L.unit, L.quantity,
                   L.unit_price_minor, L.discount_percent, L.vat_rate, L.net_minor,
                   L.vat_minor, L.total_minor)
            .where(L.invoice_id == invoice_id).order_by(L.position, L.id))).all()
        # What earlier credit notes took, summed here: quantities are exact decimals stored
        # as text, which SQL would sum as floats (SQLite) or not at all (PostgreSQL).
        taken: dict[int, tuple[Decimal, int, int]] = {}
        ids = [int(r.id) for r in rows]
        if ids:
            taking = (select(L.source_line_id, L.quantity, L.net_minor, L.vat_minor)
                 .where(L.source_line_id.in_(ids), L.credit_note_id.is_not(None)))
            if before_note is not None:
                taking = taking.where(L.credit_note_id < before_note)
            found: Any = (await self._s.execute(taking)).all()
            for line_id, qty, net, vat in found:
                q, n, v = taken.get(int(line_id), (Decimal(0), 0, 0))
                taken[int(line_id)] = (q + Decimal(qty), n + int(net), v + int(vat))
        out = []
        for r in rows:
            q, n, v = taken.get(int(r.id), (Decimal(0), 0, 0))
            out.append(InvoiceLineLeft(
                int(r.id), int(r.position), r.kind, r.product_id, r.name, r.unit,
                Decimal(r.quantity), int(r.unit_price_minor), r.discount_percent, r.vat_rate,
                int(r.net_minor), int(r.vat_minor), int(r.total_minor), q, n, v))
        return out

    async def add(self, fields: Mapping[str, Any], lines: Sequence[CreditLine]) -> int:
        row = CN(**fields)
        self._s.add(row)
        await self._s.flush()
        if lines:
            await self._s.execute(insert(L), [{**x.row(), "credit_note_id": row.id}
                                              for x in lines])
        return int(row.id)

    async def get(self, credit_note_id: int, owner_id: int | None,
                  lock: bool = False) -> CreditNote | None:
        q = (select(CN, m.Invoice.number_text, m.Invoice.deal_id)
             .join(m.Invoice, m.Invoice.id == CN.invoice_id)
             .where(CN.id == credit_note_id).execution_options(populate_existing=True))
        if owner_id is not None:
            q = q.where(CN.owner_id == owner_id)
        if lock and self._dialect == "postgresql":
            q = q.with_for_update(of=CN)
        found: Any = (await self._s.execute(q)).first()
        if found is None:
            return None
        note, number, deal_id = found
        lines = (await self._s.execute(
            select(L).where(L.credit_note_id == note.id).order_by(L.position))).scalars().all()
        return self._build(note, number, deal_id, tuple(_line(x) for x in lines))

    @staticmethod
    def _build(n: Any, invoice_number: str | None, deal_id: int | None,
               lines: tuple[CreditLine, ...]) -> CreditNote:
        return CreditNote(
            id=n.id, invoice_id=n.invoice_id, invoice_number=invoice_number or "",
            organization_id=n.organization_id, owner_id=n.owner_id, company_id=n.company_id,
            deal_id=deal_id, number_text=n.number_text or f"#{n.id}", issue_date=n.issue_date,
            reason=n.reason or "", currency=n.currency, net_minor=n.subtotal_minor,
            vat_minor=n.vat_minor, total_minor=n.total_minor, refunded_minor=n.refunded_minor,
            status=n.status, created_at=n.created_at, lines=lines)

    async def for_invoice(self, invoice_id: int) -> list[CreditNote]:
        rows: Any = (await self._s.execute(
            select(CN, m.Invoice.number_text, m.Invoice.deal_id)
            .join(m.Invoice, m.Invoice.id == CN.invoice_id)
            .where(CN.invoice_id == invoice_id).order_by(CN.id))).all()
        return [self._build(n, num, deal, ()) for n, num, deal in rows]

    async def set_credited(self, invoice_id: int, credited_minor: int, status: str,
                           expected_status: str, paid_at: datetime | None) -> bool:
        values: dict[str, Any] = {"credited_minor": credited_minor, "status": status}
        if paid_at is not None:
            values["paid_at"] = paid_at
        result = await self._s.execute(update(m.Invoice).where(
            m.Invoice.id == invoice_id, m.Invoice.status == expected_status).values(**values))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_refunded(self, credit_note_id: int, refunded_minor: int,
                           status: str) -> None:
        await self._s.execute(update(CN).where(CN.id == credit_note_id).values(
            refunded_minor=refunded_minor, status=status))

    async def refunded_on_invoice(self, invoice_id: int) -> int:
        total = await self._s.scalar(select(func.coalesce(func.sum(CN.refunded_minor), 0))
                                     .where(CN.invoice_id == invoice_id))
        return int(total or 0)
