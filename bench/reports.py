"""Reports benchmark (issue 14): 1M invoices, 100k clients, 50 managers over 24 months; each
report for the last full month of the whole team (the head, scope "team", RUB): the query
(`ReportService.report`), the view (handlers/reports/views.py `report_view`) and the render
(bot/report_render.py: chart PNG in the worker pool + XLSX), median and p95 of each.

    .venv/bin/python -m bench.reports [--engines sqlite,pg] [--scale 1] [--runs 20] [--fresh]

Data: bench/reports_data.py, bulk-inserted on a raw connection into the migrated schema (no
service involved), secondary indexes built once after the load, then ANALYZE. SQLite keeps the
file in /tmp keyed by the data version and scale; PostgreSQL keeps the database
`bench_reports` (on TEST_POSTGRES_URL's server, or --pg) and reuses it while its version
matches. Prints the bare baseline of the same run (a trivial round trip and a count of the
month's invoices through the same engine), the plans of the slowest statements each report
ran (which use the 0011 indexes), and ends with one line per report and engine:
figure: report_<kind>_p95_ms (SQLite), report_<kind>_p95_ms_pg (PostgreSQL). A part not
written yet (a report builder, the view, the renderer) is measured as skipped, never faked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import io
import os
import sqlite3
import statistics
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

# `python bench/reports.py` as well as `python -m bench.reports` (bench/ is no installed package)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import reports_data as data
from services.clock import FrozenClock
from services.pipelines import load_pipelines
from services.reports.model import KINDS, ReportView
from services.reports.periods import preset
from services.reports.service import TEAM, ReportRequest, ReportService
from services.users import Role, User
from storage import models as m
from storage.db import create_engine
from storage.deals import sync_pipelines
from storage.migrate import upgrade
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[1]
# Bump when the generated rows change (the cached file and database are rebuilt).
DATA_VERSION = 2
TIMEZONE = "Europe/Moscow"
PG_DATABASE = "bench_reports"
GOAL_MS = 300.0
# The covering indexes of migration 0011 (what the plans are checked for).
INDEXES_0011 = ("ix_invoices_report", "ix_payments_received", "ix_payment_allocations_invoice",
                "ix_deals_closed", "ix_deal_stage_changes_deal_at", "ix_leads_owner_created",
                "ix_interactions_owner_at", "ix_interactions_lead_at", "ix_tasks_owner_done",
                "ix_installments_invoice_due")


def version_key(plan: data.Plan) -> str:
    return f"v{DATA_VERSION}-s{plan.scale:g}-{plan.today:%Y%m}"


# --- loading ------------------------------------------------------------------------------------


async def migrate_and_sync(url: str) -> tuple[dict[str, int], int]:
    """The schema (Alembic) and the pipelines as the app syncs them; the default pipeline's
    stage ids by code and its id."""
    await upgrade(url)
    db = Database(create_engine(url))
    try:
        async with db.uow() as uow:
            await sync_pipelines(uow.session,
                                 load_pipelines(ROOT / "config" / "pipelines.toml"))
            await uow.commit()
        async with db.uow(readonly=True) as uow:
            pid = await uow.session.scalar(select(m.Pipeline.id).where(
                m.Pipeline.code == "sales"))
            rows = (await uow.session.execute(select(m.Stage.code, m.Stage.id).where(
                m.Stage.pipeline_id == pid))).all()
    finally:
        await db.dispose()
    assert pid is not None
    return {code: sid for code, sid in rows}, int(pid)


def sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy's DateTime stores it on SQLite
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def build_sqlite(path: Path, plan: data.Plan) -> dict[str, int]:
    """A fresh file: schema, then every row through sqlite3's executemany in one
    transaction with the secondary indexes dropped (rebuilt once at the end), ANALYZE."""
    path.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    stages, pipeline_id = asyncio.run(migrate_and_sync(url))
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    marks = ", ".join("?" for _ in data.TABLES)
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})", data.TABLES).fetchall()
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    counts: dict[str, int] = {}
    con.execute("BEGIN")
    for table, rows in data.batches(plan, stages, pipeline_id):
        columns = data.COLUMNS[table]
        con.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [tuple(sqlite_value(v) for v in row) for row in rows])
        counts[table] = counts.get(table, 0) + len(rows)
    con.execute("CREATE TABLE bench_meta (version TEXT NOT NULL)")
    con.execute("INSERT INTO bench_meta VALUES (?)", (version_key(plan),))
    con.execute("COMMIT")
    for _, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    con.close()
    return counts


def pg_urls(base_url: str) -> tuple[str, str]:
    """(SQLAlchemy URL of the bench database, asyncpg DSN of it)."""
    base = make_url(base_url).set(drivername="postgresql+asyncpg", database=PG_DATABASE)
    raw = base.set(drivername="postgresql").render_as_string(hide_password=False)
    return base.render_as_string(hide_password=False), raw


async def pg_version(base_url: str) -> str | None:
    """The data version of the bench database (None: missing or never finished loading)."""
    import asyncpg  # the benchmark talks COPY directly; the app never needs it

    _, raw = pg_urls(base_url)
    try:
        con = await asyncpg.connect(raw)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        return await con.fetchval(
            "SELECT version FROM bench_meta LIMIT 1") if await con.fetchval(
            "SELECT to_regclass('bench_meta') IS NOT NULL") else None
    finally:
        await con.close()


async def recreate_pg(base_url: str) -> None:
    import asyncpg

    admin = make_url(base_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    con = await asyncpg.connect(admin)
    try:
        await con.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        await con.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    finally:
        await con.close()


async def build_pg(base_url: str, plan: data.Plan) -> dict[str, int]:
    """A fresh `bench_reports` database: schema, then COPY with the secondary indexes
    dropped and foreign-key triggers off (session_replication_role = replica: the rows are
    consistent by construction), indexes rebuilt, sequences moved on, VACUUM ANALYZE."""
    import asyncpg

    await recreate_pg(base_url)
    url, raw = pg_urls(base_url)
    stages, pipeline_id = await migrate_and_sync(url)
    con = await asyncpg.connect(raw)
    counts: dict[str, int] = {}
    try:
        await con.execute("SET session_replication_role = replica")
        await con.execute("SET maintenance_work_mem = '256MB'")
        indexes = await con.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = ANY($1::text[]) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)", list(data.TABLES))
        for row in indexes:
            await con.execute(f'DROP INDEX "{row["indexname"]}"')
        for table, rows in data.batches(plan, stages, pipeline_id):
            await con.copy_records_to_table(table, columns=list(data.COLUMNS[table]),
                                            records=rows)
            counts[table] = counts.get(table, 0) + len(rows)
        for row in indexes:
            await con.execute(row["indexdef"])
        for table in data.TABLES:
            await con.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        await con.execute("SET session_replication_role = DEFAULT")
        await con.execute("VACUUM ANALYZE")
        await con.execute("CREATE TABLE bench_meta (version TEXT NOT NULL)")
        await con.execute("INSERT INTO bench_meta VALUES ($1)", version_key(plan))
    finally:
        await con.close()
    return counts


# --- the parts measured ---------------------------------------------------------------------


ViewFn = Callable[[Any], ReportView]
RenderFn = Callable[[ReportView], Awaitable[Any]]


@dataclass
class Parts:
    """The view and the renderer as far as they exist; `skipped` says what is missing."""

    view: ViewFn | None = None
    render: RenderFn | None = None
    skipped: list[str] = field(default_factory=list)
    close: Callable[[], None] = lambda: None


async def load_parts(workers: int) -> Parts:
    """As the bot wires them: `report_view` under the Russian catalog, and
    `ReportRenderer(pool_runner(pool))` on a warm pool of `workers` spawned processes."""
    parts = Parts()
    try:
        # By name: the parts come from other branches and may be missing or renamed.
        report_view = importlib.import_module("handlers.reports.views").report_view
        from aiogram.utils.i18n import I18n

        from bot.i18n import DOMAIN, LOCALES

        i18n = I18n(path=LOCALES, default_locale="ru", domain=DOMAIN)

        def view(report: Any) -> ReportView:
            with i18n.context(), i18n.use_locale("ru"):
                got: ReportView = report_view(report, scope="Команда")
            return got

        parts.view = view
    except Exception as exc:
        parts.skipped.append(f"view (handlers/reports/views.py report_view): "
                             f"{type(exc).__name__}: {exc}")
    try:
        renderer_class = importlib.import_module("bot.report_render").ReportRenderer
        from bot.cpu_pool import pool_runner
        from bot.pdf import PdfRenderer

        pool = PdfRenderer(workers)
        await pool.start()
        parts.close = pool.close
        parts.render = renderer_class(pool_runner(pool)).render
    except Exception as exc:
        parts.skipped.append(f"render (bot/report_render.py ReportRenderer): "
                             f"{type(exc).__name__}: {exc}")
    return parts


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Timing:
    query: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)  # view + render
    total: list[float] = field(default_factory=list)
    note: str = ""
    sizes: str = ""
    split: str = ""  # one in-process run of the view, the chart and the XLSX apart
    partial: bool = False  # render not measured: no figure

    def p95(self, values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


@dataclass
class Statement:
    sql: str
    params: Any
    ms: float


class StatementLog:
    """Every statement the engine runs while `on` (to find and EXPLAIN the slow ones)."""

    def __init__(self, db: Database) -> None:
        self.on = False
        self.seen: list[Statement] = []
        sync = db.engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def before(conn: Any, cursor: Any, sql: str, params: Any, context: Any,
                   many: bool) -> None:
            conn.info["bench_t0"] = time.perf_counter()

        @event.listens_for(sync, "after_cursor_execute")
        def after(conn: Any, cursor: Any, sql: str, params: Any, context: Any,
                  many: bool) -> None:
            if self.on:
                ms = (time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())) * 1000
                self.seen.append(Statement(sql, params, ms))


def head_actor() -> User:
    return User(id=data.HEAD_ID, telegram_id=700_000 + data.HEAD_ID, role=Role.HEAD,
                full_name="Руководитель отдела", username=None, language="ru",
                timezone=TIMEZONE, is_active=True, created_at=datetime(2024, 1, 1, tzinfo=UTC))


async def baseline(db: Database, period_start: date, period_end: date,
                   runs: int) -> dict[str, tuple[float, float, int]]:
    """A trivial round trip and a count of the month's RUB invoices (read from
    ix_invoices_report), each in a read-only unit of work as a report runs."""
    out: dict[str, tuple[float, float, int]] = {}
    probes = {
        "round trip (SELECT 1)": (text("SELECT 1"), {}),
        "count month's invoices": (
            text("SELECT count(*) FROM invoices WHERE currency = 'RUB' "
                 "AND issue_date >= :a AND issue_date <= :b"),
            {"a": period_start, "b": period_end}),
    }
    for name, (stmt, params) in probes.items():
        times, value = [], 0
        for k in range(runs + 2):
            t0 = time.perf_counter()
            async with db.uow(readonly=True) as uow:
                value = int(await uow.session.scalar(stmt, params) or 0)
            if k >= 2:
                times.append((time.perf_counter() - t0) * 1000)
        out[name] = (statistics.median(times), Timing().p95(times), value)
    return out


async def measure(url: str, label: str, plan: data.Plan, runs: int, warmup: int,
                  workers: int, kinds: list[str], explain_top: int,
                  query_only: frozenset[str] = frozenset()) -> dict[str, Timing]:
    db = Database(create_engine(url))
    log = StatementLog(db)
    now = datetime.now(UTC)
    head = head_actor()
    service = ReportService(db.uow, FrozenClock(now), timezone=TIMEZONE)
    today = service.today(head)
    period = preset("last_month", today)
    parts = await load_parts(workers)
    results: dict[str, Timing] = {}
    plans: dict[str, list[str]] = {}
    try:
        base = await baseline(db, period.start, period.end, runs)
        print(f"\n[{label}] period {period.start:%d.%m.%Y}–{period.end:%d.%m.%Y}, team, RUB; "
              f"{runs} runs after {warmup} warm-ups")
        for name, (median, p95, value) in base.items():
            print(f"  baseline {name:<24} median {median:7.2f} ms  p95 {p95:7.2f} ms"
                  f"  (= {value})")
        print(f"  load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} on "
              f"{os.cpu_count()} CPUs (a busy machine slows the chart and XLSX most)")
        for why in parts.skipped:
            print(f"  skipped: {why}")
        for kind in kinds:
            timing = Timing()
            results[kind] = timing
            request = ReportRequest(kind, period, "RUB", TEAM)
            for k in range(warmup + runs):
                log.on = k == warmup  # the first measured run's statements
                t0 = time.perf_counter()
                try:
                    report = await service.report(head, request)
                except NotImplementedError:
                    timing.note = "query not implemented yet (stub)"
                    break
                except Exception as exc:
                    timing.note = f"query failed: {type(exc).__name__}: {exc}"
                    traceback.print_exc()
                    break
                finally:
                    log.on = False
                t1 = time.perf_counter()
                after_note = ""
                try:
                    if parts.view is not None:
                        view = parts.view(report)
                        if kind in query_only:
                            after_note = "view only: render not run (--query-only)"
                            timing.partial = True
                        elif parts.render is not None:
                            rendered = await parts.render(view)
                            png = getattr(rendered, "png", None)
                            xlsx = getattr(rendered, "xlsx", b"")
                            timing.sizes = (f"png {len(png) // 1024} KB, " if png else
                                            "no chart, ") + f"xlsx {len(xlsx) // 1024} KB"
                        else:
                            after_note = "render skipped"
                    else:
                        after_note = "view and render skipped"
                except Exception as exc:
                    after_note = f"view/render failed: {type(exc).__name__}: {exc}"
                    if k == 0:
                        traceback.print_exc()
                t2 = time.perf_counter()
                timing.note = after_note
                print(f"  {kind} run {k + 1}/{warmup + runs}: query {(t1 - t0) * 1000:.0f} ms,"
                      f" view+render {(t2 - t1) * 1000:.0f} ms")
                if k >= warmup:
                    timing.query.append((t1 - t0) * 1000)
                    timing.after.append((t2 - t1) * 1000)
                    timing.total.append((t2 - t0) * 1000)
            if timing.query and parts.view is not None and kind not in query_only:
                timing.split = split(parts.view, report)
                print(f"  {kind}: {timing.split}")
            if timing.query and explain_top > 0:
                ran = sorted(log.seen, key=lambda s: -s.ms)[:explain_top]
                plans[kind] = await explain(db, ran)
            log.seen.clear()
        for kind, lines in plans.items():
            print(f"\n[{label}] {kind}: the slowest statements of one run and their plans")
            for line in lines:
                print("   ", line)
    finally:
        parts.close()
        await db.dispose()
    return results


def split(view_of: ViewFn, report: Any) -> str:
    """Where view+render goes, from one run on this process: the view, the chart and the
    XLSX apart, with how much each draws (chart labels, sheet rows)."""
    try:
        render = importlib.import_module("bot.report_render")
    except ImportError as exc:
        return f"no split: {exc}"
    t0 = time.perf_counter()
    view = view_of(report)
    t1 = time.perf_counter()
    labels = len(view.chart.labels) if view.chart is not None else 0
    if view.chart is not None and labels:
        render.chart_png(view.chart)
    t2 = time.perf_counter()
    render.workbook_xlsx(view.sheets)
    t3 = time.perf_counter()
    rows = sum(len(sh.rows) for sh in view.sheets)
    return (f"view {(t1 - t0) * 1000:.0f} ms; chart {(t2 - t1) * 1000:.0f} ms "
            f"({labels} labels); xlsx {(t3 - t2) * 1000:.0f} ms ({len(view.sheets)} sheets, "
            f"{rows} rows)")


async def explain(db: Database, statements: list[Statement]) -> list[str]:
    """EXPLAIN QUERY PLAN (SQLite) / EXPLAIN ANALYZE (PostgreSQL) of the statements, with
    which 0011 indexes each plan reads."""
    out: list[str] = []
    async with db.uow(readonly=True) as uow:
        conn = await uow.session.connection()
        for st in statements:
            one_line = " ".join(st.sql.split())
            out.append(f"-- {st.ms:.1f} ms: {one_line[:160]}{'…' if len(one_line) > 160 else ''}")
            prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN ANALYZE "
            try:
                rows = (await conn.exec_driver_sql(prefix + st.sql, st.params)).all()
            except Exception as exc:
                out.append(f"   (no plan: {type(exc).__name__}: {str(exc)[:120]})")
                continue
            lines = [str(r[-1]) if db.dialect == "sqlite" else str(r[0]) for r in rows]
            out += [f"   {line}" for line in lines]
            plan = "\n".join(lines)
            used = [ix for ix in INDEXES_0011 if ix in plan]
            scans = [line.strip() for line in lines
                     if ("SCAN" in line and "USING" not in line and "SUBQUERY" not in line
                         and "CONSTANT" not in line) or "Seq Scan" in line]
            out.append(f"   => 0011 indexes used: {', '.join(used) or 'none'}"
                       + (f"; full scans: {'; '.join(scans)[:200]}" if scans else ""))
    return out


def table(label: str, results: dict[str, Timing]) -> None:
    print(f"\n{label}: per report, ms (median / p95); goal p95 ≤ {GOAL_MS:.0f} ms")
    print(f"{'report':<13} {'query':>15} {'view+render':>15} {'total':>15}  note")
    for kind, t in results.items():
        if not t.query:
            print(f"{kind:<13} {'—':>15} {'—':>15} {'—':>15}  {t.note}")
            continue

        def cell(values: list[float], t: Timing = t) -> str:
            return f"{statistics.median(values):6.1f} /{t.p95(values):7.1f}"

        note = "; ".join(x for x in (t.note, t.sizes) if x)
        flag = "" if t.p95(t.total) <= GOAL_MS else "  OVER GOAL"
        print(f"{kind:<13} {cell(t.query):>15} {cell(t.after):>15} {cell(t.total):>15}"
              f"  {note}{flag}")


def figures(results: dict[str, Timing], suffix: str) -> Iterator[str]:
    for kind, t in results.items():
        if t.query and not t.partial:
            yield f"figure: report_{kind}_p95_ms{suffix}={t.p95(t.total):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=" ".join((__doc__ or "").split("\n\n")[0].split()),
        epilog="Example, a quick smoke check on SQLite: "
               "python -m bench.reports --engines sqlite --scale 0.05 --runs 5")
    parser.add_argument("--engines", default=None,
                        help="comma-separated: sqlite, pg (default: sqlite, and pg when "
                             "--pg or TEST_POSTGRES_URL is given)")
    parser.add_argument("--pg", default=os.environ.get("TEST_POSTGRES_URL"),
                        help="a PostgreSQL server URL; the bench uses its own database "
                             f"{PG_DATABASE!r} there (default: TEST_POSTGRES_URL)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every row count (1 = 1M invoices; 0.05 for a smoke "
                             "check)")
    parser.add_argument("--runs", type=int, default=20, help="measured runs per report")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs first")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of the chart pool (as the app's PDF pool)")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"reports to measure (default: all: {','.join(KINDS)})")
    parser.add_argument("--query-only", default="",
                        help="reports measured without the render (query and view only; "
                             "they get no figure), e.g. when a render takes minutes")
    parser.add_argument("--explain", type=int, default=2,
                        help="EXPLAIN the N slowest statements of each report (0: none)")
    parser.add_argument("--fresh", action="store_true",
                        help="regenerate the data even if the cached version matches")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp"),
                        help="where the SQLite file is kept between runs")
    args = parser.parse_args()
    if isinstance(sys.stdout, io.TextIOWrapper):  # progress shows when piped to a file
        sys.stdout.reconfigure(line_buffering=True)

    engines = (args.engines.split(",") if args.engines
               else ["sqlite", *(["pg"] if args.pg else [])])
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in KINDS] + [e for e in engines
                                                      if e not in ("sqlite", "pg")]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    if "pg" in engines and not args.pg:
        parser.error("pg needs --pg URL or TEST_POSTGRES_URL")
    plan = data.Plan(args.scale, datetime.now(ZoneInfo(TIMEZONE)).date())
    print(f"data {version_key(plan)}: {plan.invoices:,} invoices, {plan.companies:,} clients, "
          f"{data.MANAGERS} managers, {plan.deals:,} deals, {plan.leads:,} leads, "
          f"{plan.interactions:,} interactions, {plan.tasks:,} tasks, "
          f"{plan.first:%d.%m.%Y}–{plan.today:%d.%m.%Y}")
    lines: list[str] = []
    notes: list[str] = []
    for engine in engines:
        started = time.perf_counter()
        counts: dict[str, int] = {}
        if engine == "sqlite":
            path = args.cache_dir / f"dealchat_bench_reports_{version_key(plan)}.db"
            if args.fresh or not path.exists():
                counts = build_sqlite(path, plan)
            url, label = f"sqlite+aiosqlite:///{path}", "SQLite"
        else:
            if args.fresh or asyncio.run(pg_version(args.pg)) != version_key(plan):
                counts = asyncio.run(build_pg(args.pg, plan))
            url, label = pg_urls(args.pg)[0], "PostgreSQL"
        if counts:
            print(f"\n{label}: generated in {time.perf_counter() - started:.1f} s: "
                  + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        else:
            print(f"\n{label}: reusing the cached data {version_key(plan)} (--fresh rebuilds)")
        results = asyncio.run(measure(url, label, plan, args.runs, args.warmup, args.workers,
                                      kinds, args.explain,
                                      frozenset(k for k in args.query_only.split(",") if k)))
        table(label, results)
        lines += figures(results, "" if engine == "sqlite" else "_pg")
        missing = [k for k, t in results.items() if not t.query or t.partial]
        if missing:
            notes.append(f"{label}: no figure for {', '.join(missing)} (skipped, failed or "
                         "measured without the render)")
    print()
    for line in [*notes, *lines]:
        print(line)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
