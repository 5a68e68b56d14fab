"""Statement import benchmark: a 10,000-document 1C statement against 10,000 open invoices,
parsed, matched and committed through `PaymentService.import_statement` while a ticker measures
the event loop's lag (parse and match run off the loop; the writes go in chunks).

    .venv/bin/python -m bench.statement [--docs 10000] [--invoices 10000] [--pg URL]

SQLite by default (a fresh file in /tmp, invoices seeded with bulk inserts); --pg also runs on
that PostgreSQL database (postgresql+asyncpg://…; emptied first: TRUNCATE of every table) and
prints its figures (statement_10k_pg_s, statement_pg_loop_lag_p99_ms). The table splits the
import into its phases, from the service's own log lines: reading the open invoices and the
worker's parse + match, the plan and the payments' insert, then allocations, notes, pushes and
the commit.
Ends with the judged figures: figure: statement_10k_s, figure: statement_loop_lag_p99_ms.
`seed_open_invoices` and `make_statement` are shared with tests/integration/test_import_kill.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from bot.cpu_pool import pool_runner
from bot.pdf import PdfRenderer
from services.access import AccessService
from services.clock import FrozenClock
from services.deals import DealService
from services.matching import IncomingPayment, match_payments
from services.organizations import OrganizationService, seed_demo_organization
from services.payments import CpuRunner, PaymentDigest, PaymentService, run_in_thread
from services.pipelines import load_pipelines
from services.statements import generate_1c, parse_statement
from services.users import User
from storage import models as m
from storage.db import create_engine
from storage.deals import sync_pipelines
from storage.migrate import upgrade
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ISSUED = date(2026, 11, 2)
OWN = "40702810938000000001"  # the demo organization's account
BIK = "044525225"
YEAR = 2026


@dataclass(frozen=True)
class Seeded:
    admin: User
    organization_id: int
    invoices: int
    totals: list[int]  # minor units, index = invoice number - 1


def clock() -> FrozenClock:
    return FrozenClock(NOW)


def payment_service(db: Database, run_cpu: CpuRunner = run_in_thread) -> PaymentService:
    pipelines = load_pipelines(ROOT / "config" / "pipelines.toml")
    return PaymentService(db.uow, clock(), DealService(db.uow, clock(), pipelines),
                          "UTC", run_cpu=run_cpu)


def total_of(number: int) -> int:
    """Distinct totals, so an amount alone points at one invoice."""
    return 100_000 + number * 37


async def seed_open_invoices(db: Database, count: int) -> Seeded:
    """An admin, the demo organization and `count` issued invoices INV-2026-00001… of as
    many companies (tax ids 77xxxxxxxx), written with bulk inserts."""
    async with db.uow() as uow:
        await sync_pipelines(uow.session, load_pipelines(ROOT / "config" / "pipelines.toml"))
        await uow.commit()
    access = AccessService(db.uow, clock(), "UTC")
    (admin,) = await access.ensure_admins([1])
    org = await seed_demo_organization(OrganizationService(db.uow, clock(), 5))
    async with db.uow() as uow:
        s = uow.session
        series = m.NumberSeries(organization_id=org.id, kind="invoice", year=YEAR,
                                prefix="INV", last_number=count)
        s.add(series)
        await s.flush()
        first = int(await s.scalar(select(func.coalesce(func.max(m.Company.id), 0))) or 0) + 1
        for start in range(0, count, 1000):
            numbers = range(start + 1, min(start + 1000, count) + 1)
            await s.execute(insert(m.Company), [
                {"id": first + n - 1, "owner_id": admin.id, "name": f"Клиент {n}",
                 "name_norm": f"клиент {n}", "tax_id": f"77{n:08d}", "country": "RU",
                 "created_at": NOW, "updated_at": NOW} for n in numbers])
            await s.execute(insert(m.Invoice), [
                {"owner_id": admin.id, "organization_id": org.id, "company_id": first + n - 1,
                 "series_id": series.id, "number": n, "number_text": f"INV-{YEAR}-{n:05d}",
                 "status": "issued", "currency": "RUB", "tax_mode": "per_line",
                 "language": "ru", "subtotal_minor": total_of(n), "vat_minor": 0,
                 "total_minor": total_of(n), "paid_minor": 0, "issue_date": ISSUED,
                 "due_date": ISSUED + timedelta(days=10), "created_at": NOW, "issued_at": NOW}
                for n in numbers])
        await uow.commit()
    return Seeded(admin, org.id, count, [total_of(n) for n in range(1, count + 1)])


def make_statement(seeded: Seeded, docs: int, seed: int = 7) -> bytes:
    """`docs` incoming payments: mostly by invoice number, some by tax id and amount, some
    partial or overpaid, some only an amount (review) and some nobody's (unmatched)."""
    rnd = random.Random(seed)
    txs: list[dict[str, Any]] = []
    for i in range(docs):
        n = i % seeded.invoices + 1
        total = Decimal(total_of(n)).scaleb(-2)
        roll = rnd.random()
        day = ISSUED + timedelta(days=rnd.randrange(0, 15))
        tx: dict[str, Any] = {"direction": "in", "date": day, "number": str(10_000 + i),
                              "counterparty_inn": f"77{n:08d}",
                              "counterparty_account": f"40702810{n:012d}",
                              "counterparty_name": f"ООО Клиент {n}"}
        if roll < 0.70:
            tx |= {"amount": total, "purpose": f"Оплата по счету INV-{YEAR}-{n:05d} от "
                                               f"{ISSUED:%d.%m.%Y}, в т.ч. НДС"}
        elif roll < 0.80:
            tx |= {"amount": total, "purpose": "Оплата за товар по договору 15"}
        elif roll < 0.85:
            tx |= {"amount": total / 2, "purpose": f"Частичная оплата сч. № {n}"}
        elif roll < 0.90:
            tx |= {"amount": total + 100, "purpose": f"Оплата счета INV-{YEAR}-{n:05d}"}
        elif roll < 0.95:
            tx |= {"amount": total, "purpose": "оплата", "counterparty_inn": "",
                   "counterparty_account": f"40817810{i:012d}"}
        else:
            tx |= {"amount": Decimal(rnd.randrange(100, 99_999)) / 100, "purpose": "возврат",
                   "counterparty_inn": "", "counterparty_account": f"40817810{i:012d}"}
        txs.append(tx)
    return generate_1c(OWN, BIK, txs)


class PhaseLog(logging.Handler):
    """When the import's log lines came (its phases' ends)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.marks: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.marks.append((time.perf_counter(), record.getMessage()))

    def split(self, start: float, end: float) -> list[tuple[str, float]]:
        """(phase, seconds): up to "parsed and matched", up to "written", the rest."""
        def at(words: str) -> float | None:
            return next((t for t, msg in self.marks if words in msg and t >= start), None)
        matched, written = at("parsed and matched"), at("new payments written")
        if matched is None or written is None:
            return []
        return [("read invoices, parse + match (worker)", matched - start),
                ("plan, insert payments", written - matched),
                ("allocate, notes, pushes, commit", end - written)]


async def empty_pg(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in m.Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


class LagTicker:
    """Wakes every `period` seconds and records how late it woke (the event loop's lag)."""

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.period)
            self.lags.append(max(0.0, loop.time() - start - self.period))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    def percentile(self, p: float) -> float:
        if not self.lags:
            return 0.0
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def run(url: str, docs: int, invoices: int, workers: int = 2) -> dict[str, Any]:
    await upgrade(url)
    if url.startswith("postgresql"):
        await empty_pg(url)
    db = Database(create_engine(url))
    # As the app runs it: parse and match in the (warm) worker processes of the PDF pool;
    # --workers 0 keeps them in a thread, for comparison.
    renderer = PdfRenderer(workers) if workers else None
    if renderer is not None:
        await renderer.start()
    try:
        t = time.perf_counter()
        seeded = await seed_open_invoices(db, invoices)
        seed_s = time.perf_counter() - t
        data = make_statement(seeded, docs)
        # The pieces on their own, for the table (the service does them all again).
        t = time.perf_counter()
        parsed = parse_statement(data)
        parse_s = time.perf_counter() - t
        async with db.uow(readonly=True) as uow:
            open_invoices = await uow.payments.open_invoices([seeded.organization_id])
        batch = [p for tx in parsed.transactions
                 if (p := IncomingPayment.from_transaction(tx, OWN)) is not None]
        t = time.perf_counter()
        match_payments(batch, open_invoices)
        match_s = time.perf_counter() - t
        # Those 30,000 objects are the bench's, not the app's: left alive they only make each
        # full garbage collection during the import longer (a gen-2 pass here is ~0.2 s).
        del parsed, batch, open_invoices

        service = (payment_service(db, pool_runner(renderer)) if renderer is not None
                   else payment_service(db))
        ticker = LagTicker()
        ticker.start()
        phases = PhaseLog()
        log = logging.getLogger("services.payments.statement_import")
        log.addHandler(phases)
        log.setLevel(logging.INFO)
        await asyncio.sleep(0.05)
        t = time.perf_counter()
        report = await service.import_statement(seeded.admin, data, "bench.txt")
        import_s = time.perf_counter() - t
        log.removeHandler(phases)
        split = phases.split(t, t + import_s)
        await asyncio.sleep(0.05)
        await ticker.stop()
        again_t = time.perf_counter()
        again = await service.import_statement(seeded.admin, data, "bench.txt")
        again_s = time.perf_counter() - again_t
        async with db.uow(readonly=True) as uow:
            s = uow.session
            payments = int(await s.scalar(select(func.count()).select_from(m.Payment)) or 0)
            allocations = int(await s.scalar(select(func.count()).select_from(
                m.PaymentAllocation)) or 0)
            paid = int(await s.scalar(select(func.count()).select_from(m.Invoice).where(
                m.Invoice.status == "paid")) or 0)
    finally:
        if renderer is not None:
            renderer.close()
        await db.dispose()
    return {"bytes": len(data), "seed_s": seed_s, "parse_s": parse_s, "match_s": match_s,
            "import_s": import_s, "split": split, "again_s": again_s, "report": report,
            "again": again,
            "payments": payments, "allocations": allocations, "paid": paid,
            "lag_p50": ticker.percentile(0.50) * 1000, "lag_p99": ticker.percentile(0.99) * 1000,
            "lag_max": max(ticker.lags, default=0.0) * 1000, "ticks": len(ticker.lags)}


def table(name: str, r: dict[str, Any]) -> None:
    rep = r["report"]
    rows = [
        ("statement", f"{r['bytes'] / 1e6:.1f} MB, {rep.incoming} incoming documents"),
        ("seed invoices (bulk)", f"{r['seed_s']:.2f} s"),
        ("parse alone", f"{r['parse_s']:.2f} s"),
        ("match alone", f"{r['match_s']:.2f} s"),
        ("import (parse+match+commit)", f"{r['import_s']:.2f} s"),
        *((f"  {phase}", f"{seconds:.2f} s") for phase, seconds in r["split"]),
        ("pushes queued", f"{len(rep.events)} events, "
                          f"{sum(isinstance(e, PaymentDigest) for e in rep.events)} digests"),
        ("decisions", f"auto {rep.auto}, review {rep.review}, unmatched {rep.unmatched}"),
        ("rows", f"payments {r['payments']}, allocations {r['allocations']}, "
                 f"invoices paid {r['paid']}"),
        ("loop lag p50 / p99 / max", f"{r['lag_p50']:.1f} / {r['lag_p99']:.1f} / "
                                     f"{r['lag_max']:.1f} ms ({r['ticks']} ticks)"),
        ("same file again", f"{r['again_s']:.2f} s, {r['again'].new} new, "
                            f"{r['again'].already} already imported"),
    ]
    print(f"\n{name}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes for parse + match (0: a thread)")
    parser.add_argument("--pg", help="also run on this PostgreSQL database (emptied first)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/bench.db", args.docs,
                                 args.invoices, args.workers))
    table(f"SQLite: {args.docs} documents, {args.invoices} open invoices", result)
    if args.pg:
        pg = asyncio.run(run(args.pg, args.docs, args.invoices, args.workers))
        table(f"PostgreSQL: {args.docs} documents, {args.invoices} open invoices", pg)
        print(f"\nfigure: statement_10k_pg_s={pg['import_s']:.2f} s")
        print(f"figure: statement_pg_loop_lag_p99_ms={pg['lag_p99']:.1f} ms")
    print(f"\nfigure: statement_10k_s={result['import_s']:.2f} s")
    print(f"figure: statement_loop_lag_p99_ms={result['lag_p99']:.1f} ms")


if __name__ == "__main__":
    main()
