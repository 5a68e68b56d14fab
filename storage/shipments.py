"""Shipments and installment schedules (services/shipments.py); repositories never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.shipments import InstallmentRow
from storage import models as m


class SqlShipmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def shipped(self, invoice_id: int) -> bool:
        found = await self._s.scalar(select(m.Shipment.id).where(
            m.Shipment.invoice_id == invoice_id).limit(1))
        return found is not None

    async def shipped_at(self, invoice_id: int) -> datetime | None:
        found = await self._s.scalar(select(m.Shipment.created_at).where(
            m.Shipment.invoice_id == invoice_id).order_by(m.Shipment.id).limit(1))
        return found

    async def shipped_among(self, invoice_ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        ids = list(invoice_ids)
        for start in range(0, len(ids), 500):
            found.update(int(i) for i in (await self._s.scalars(select(
                m.Shipment.invoice_id).where(m.Shipment.invoice_id.in_(ids[start:start + 500]))
            )).all())
        return found

    async def add(self, invoice_id: int, kind: str, on_credit: bool,
                  guarantee_until: date | None, actor_id: int | None, now: datetime) -> int:
        row = m.Shipment(invoice_id=invoice_id, kind=kind, on_credit=on_credit,
                         guarantee_until=guarantee_until, created_by=actor_id, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return int(row.id)

    async def add_installments(self, invoice_id: int,
                               parts: Sequence[tuple[date, int]]) -> None:
        if parts:
            await self._s.execute(insert(m.Installment), [
                {"invoice_id": invoice_id, "due_date": d, "amount_minor": a, "paid_minor": 0,
                 "status": "open"} for d, a in parts])

    async def installments(self, invoice_ids: Sequence[int]) -> list[InstallmentRow]:
        ids = list(invoice_ids)
        out: list[InstallmentRow] = []
        for start in range(0, len(ids), 500):
            rows = (await self._s.execute(
                select(m.Installment.id, m.Installment.invoice_id, m.Installment.due_date,
                       m.Installment.amount_minor, m.Installment.paid_minor,
                       m.Installment.status)
                .where(m.Installment.invoice_id.in_(ids[start:start + 500]))
                .order_by(m.Installment.invoice_id, m.Installment.due_date,
                          m.Installment.id))).all()
            out += [InstallmentRow(int(i), int(inv), d, int(a), int(p), str(s))
                    for i, inv, d, a, p, s in rows]
        return out

    async def set_installment_paid(self, installment_id: int, paid_minor: int,
                                   status: str) -> None:
        await self._s.execute(update(m.Installment).where(
            m.Installment.id == installment_id).values(paid_minor=paid_minor, status=status))
