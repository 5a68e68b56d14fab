"""Two OS processes issue 100 invoices each against the same PostgreSQL database: 200
distinct numbers 1..200, no gap (the counter row is locked with SELECT … FOR UPDATE)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from services.invoices import Line
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.conftest import truncate_all
from tests.integration.test_invoices import make_world

ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = 100

WORKER = textwrap.dedent("""
    import asyncio, sys
    from services.access import AccessService
    from services.clock import SystemClock
    from services.invoices import InvoiceService
    from storage.db import create_engine
    from storage.uow import Database

    async def main(url, ids):
        db = Database(create_engine(url))
        clock = SystemClock()
        actor = await AccessService(db.uow, clock, "UTC").identify(1)
        invoices = InvoiceService(db.uow, clock, "UTC")
        sem = asyncio.Semaphore(8)

        async def one(i):
            async with sem:
                return (await invoices.issue(actor, i)).number

        numbers = await asyncio.gather(*(one(i) for i in ids))
        await db.dispose()
        print(" ".join(map(str, numbers)))

    asyncio.run(main(sys.argv[1], [int(x) for x in sys.argv[2].split(",")]))
""")


def test_two_processes_issue_200_gapless(pg_database: str) -> None:
    asyncio.run(truncate_all(pg_database))
    ids = asyncio.run(prepare(pg_database))
    halves = [ids[0::2], ids[1::2]]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, pg_database,
                               ",".join(map(str, half))], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for half in halves]
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        outputs.append([int(x) for x in out.split()])
    assert all(len(o) == PER_PROCESS for o in outputs)
    assert sorted(outputs[0] + outputs[1]) == list(range(1, 2 * PER_PROCESS + 1))
    stored = asyncio.run(numbers(pg_database))
    assert stored == list(range(1, 2 * PER_PROCESS + 1))


async def prepare(url: str) -> list[int]:
    db = Database(create_engine(url))
    try:
        w = await make_world(db)
        ids = []
        for i in range(2 * PER_PROCESS):
            inv = await w.invoices.create_draft(w.admin, w.company)
            await w.invoices.add_line(w.admin, inv.id, Line(f"L{i}", Decimal(1),
                                                            Decimal(i + 1), Decimal(22)))
            ids.append(inv.id)
        return ids
    finally:
        await db.dispose()


async def numbers(url: str) -> list[int]:
    db = Database(create_engine(url))
    try:
        async with db.uow(readonly=True) as uow:
            return sorted((await uow.session.execute(
                select(m.Invoice.number).where(m.Invoice.number.is_not(None)))).scalars())
    finally:
        await db.dispose()
