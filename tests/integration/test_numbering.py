"""Gapless numbering under concurrency: 200 issues at once → 1..200, no gap, no repeat."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import select

from services.invoices import Line
from services.numbering import format_number
from storage import models as m
from storage.uow import Database
from tests.integration.test_invoices import make_world

N = 200


async def test_200_concurrent_issues_get_200_gapless_numbers(db: Database) -> None:
    w = await make_world(db)
    ids = []
    for i in range(N):
        inv = await w.invoices.create_draft(w.m1 if i % 2 else w.admin, w.company)
        await w.invoices.add_line(w.admin, inv.id, Line(f"L{i}", Decimal(1), Decimal(i + 1),
                                                        Decimal(22)))
        ids.append(inv.id)
    # A failing issue in the middle (no lines) must not consume a number.
    empty = await w.invoices.create_draft(w.admin, w.company)
    results = await asyncio.gather(*(w.invoices.issue(w.admin, i) for i in [*ids, empty.id]),
                                   return_exceptions=True)
    assert isinstance(results[-1], Exception)
    numbers = sorted(r.number for r in results[:-1] if not isinstance(r, BaseException))
    assert numbers == list(range(1, N + 1))
    async with db.uow(readonly=True) as uow:
        rows = (await uow.session.execute(select(m.Invoice.number, m.Invoice.number_text)
                                          .where(m.Invoice.number.is_not(None)))).all()
        series = (await uow.session.execute(select(m.NumberSeries.last_number))).scalars()
        assert list(series) == [N]
    assert sorted(n for n, _ in rows) == list(range(1, N + 1))
    assert {t for _, t in rows} == {format_number("{prefix}-{yyyy}-{seq:05}", prefix="INV",
                                                  year=2026, seq=n) for n in range(1, N + 1)}


async def test_series_per_organization_and_year(db: Database) -> None:
    w = await make_world(db)
    async with db.uow() as uow:
        a = await uow.numbering.take_next(w.org.id, "invoice", 2026, "INV")
        b = await uow.numbering.take_next(w.org.id, "invoice", 2026, "INV")
        c = await uow.numbering.take_next(w.org.id, "invoice", 2027, "INV")
        d = await uow.numbering.take_next(w.org.id, "quote", 2026, "Q")
        await uow.commit()
    assert (a[1], b[1], c[1], d[1]) == (1, 2, 1, 1) and a[0] == b[0] != c[0] != d[0]
    async with db.uow() as uow:
        await uow.numbering.take_next(w.org.id, "invoice", 2026, "INV")
        # no commit: rolled back, the number is given back
    async with db.uow() as uow:
        assert await uow.numbering.take_next(w.org.id, "invoice", 2026, "INV") == (a[0], 3)
