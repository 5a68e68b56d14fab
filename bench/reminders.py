"""Reminders: how fast due outbox messages go out, and how fast today's due invoices are found.

1. Dispatch: N due reminders (default 3,000; `--count 10000` for the full run, about 6
   minutes at 28/s) to N different chats of the Bot API sandbox, which enforces Telegram's
   limits (30 messages/s overall, 1/s per chat: N chats so the per-chat limit does not
   bind). The real path: `OutboxDispatcher` claims from the outbox table (SQLite), the
   `OutboxSender` renders and sends through the bot's session with its rate limiter.
   Sustained rate = messages / (last send - first send), from the sandbox's call log, which
   also counts the 429s.
2. Due selection: 1,000,000 invoices bulk-inserted into a temporary SQLite database; the
   query the replan job runs (open invoices with a ladder step today,
   `SqlAlertRepository.invoices_due_on`) timed, with EXPLAIN QUERY PLAN.

Prints a table, then `figure:` lines.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.dialects import sqlite as sqlite_dialect

from bot.i18n import create_i18n
from bot.outbox_sender import OutboxSender
from bot.scheduler import SchedulerJobs, build_dispatcher
from bot.telegram import RateLimiter, create_bot
from sandbox.server import BotApiSandbox
from services.alerts import AlertService, ladder_days
from services.clock import SystemClock
from services.outbox import NewOutboxMessage
from services.reminders import Ladder
from storage.alerts import SqlAlertRepository
from storage.db import create_engine
from storage.migrate import upgrade
from storage.outbox import SqlOutboxRepository
from storage.uow import Database

TOKEN = "123456789:" + "BenchRemindersTokenForTheSandbox_ab"[:35]
FIRST_CHAT = 1_000_000
STATUSES = [
    "draft",
    "issued",
    "sent",
    "viewed",
    "partially_paid",
    "overdue",
    "paid",
    "paid",
    "paid",
    "cancelled",
]


async def dispatch(count: int, rate: float) -> tuple[float, int, float]:
    sandbox = BotApiSandbox()  # Telegram's limits: 30/s overall, 1/s per chat
    await sandbox.start()
    state = sandbox.state(TOKEN)
    for i in range(count):
        state.open_chat(FIRST_CHAT + i)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade(url)
        db = Database(create_engine(url))
        clock = SystemClock()
        bot = create_bot(TOKEN, sandbox.base_url, limiter=RateLimiter(rate, 1.0, 3))
        i18n = create_i18n("en")
        alerts = AlertService(db.uow, clock)
        sender = OutboxSender(bot, alerts, i18n, clock)
        jobs = SchedulerJobs(alerts, build_dispatcher(db, sender, clock), clock, bot, i18n)
        now = datetime.now(UTC) - timedelta(seconds=1)
        await SqlOutboxRepository(db).enqueue(
            [
                NewOutboxMessage(
                    key=f"bench:{i}",
                    channel="telegram",
                    kind="note",
                    due_at=now,
                    chat_id=FIRST_CHAT + i,
                    payload={"text": f"Reminder {i}"},
                )
                for i in range(count)
            ]
        )
        started = time.perf_counter()
        sent = 0
        while sent < count:
            sent += await jobs.drain()
            if time.perf_counter() - started > count / 5 + 60:
                break
        wall = time.perf_counter() - started
        await bot.session.close()
        await db.dispose()
    calls = [c for c in state.calls if c["method"] == "sendMessage"]
    ok = [c["time"] for c in calls if c["status"] == 200]
    too_many = sum(1 for c in calls if c["status"] == 429)
    await sandbox.stop()
    span = max(ok) - min(ok) if len(ok) > 1 else float("nan")
    return (len(ok) - 1) / span, too_many, wall


def fill_invoices(path: Path, count: int, today: date) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute(
        "INSERT INTO users (id, telegram_id, role, full_name, is_active, chat_dead, "
        "created_at) VALUES (1, 1, 'manager', 'M', 1, 0, '2026-01-01 00:00:00')"
    )
    con.execute(
        "INSERT INTO organizations (id, name, legal_name, country, vat_payer, address,"
        " director, accountant, currency, language, invoice_prefix, number_pattern, "
        "payment_terms_days, created_at) VALUES (1, 'Org', '', 'MD', 1, '', '', '', "
        "'MDL', 'en', '', '{seq}', 5, '2026-01-01 00:00:00')"
    )
    rnd = random.Random(42)
    rows = (
        (
            i + 1,
            1,
            1,
            rnd.choice(STATUSES),
            (today + timedelta(days=rnd.randint(-730, 730))).isoformat(),
            "MDL",
            100_000,
            0,
            "2026-01-01 00:00:00",
        )
        for i in range(count)
    )
    con.executemany(
        "INSERT INTO invoices (id, owner_id, organization_id, status, due_date, currency, "
        "total_minor, paid_minor, created_at, tax_mode, language, subtotal_minor, "
        "discount_total_minor, vat_minor, reminders_paused, reminders_stopped) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'per_line', 'en', 0, 0, 0, 0, 0)",
        rows,
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()


async def due_selection(count: int) -> tuple[float, int, list[str]]:
    today = date(2026, 6, 15)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "invoices.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        t0 = time.perf_counter()
        fill_invoices(path, count, today)
        print(f"  inserted {count:,} invoices in {time.perf_counter() - t0:.1f} s")
        days = ladder_days([Ladder()], today)
        db = Database(create_engine(url))
        timings = []
        found = 0
        for _ in range(7):
            async with db.uow(readonly=True) as uow:
                repo = SqlAlertRepository(uow.session, uow.dialect)
                start = time.perf_counter()
                ids: list[int] = []
                after = 0
                while page := await repo.invoices_due_on(days, after, 1000):
                    ids += page
                    after = page[-1]
                timings.append((time.perf_counter() - start) * 1000)
                found = len(ids)
        await db.dispose()
        # The same statement, compiled with its values, for SQLite's own plan.
        from sqlalchemy import select

        from storage import models as m

        inv = m.Invoice
        stmt = (
            select(inv.id)
            .where(
                inv.status.in_(("issued", "sent", "viewed", "partially_paid", "overdue")),
                inv.due_date.in_(days),
                inv.id > 0,
                inv.reminders_paused.is_(False),
                inv.reminders_stopped.is_(False),
            )
            .order_by(inv.id)
            .limit(1000)
        )
        sql = str(
            stmt.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True})
        )
        con = sqlite3.connect(path)
        plan = [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql)]
        con.close()
    return statistics.median(timings[1:]), found, plan


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--count",
        type=int,
        default=3000,
        help="reminders to dispatch (10,000 takes about 6 minutes)",
    )
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument(
        "--rate",
        type=float,
        default=29.0,
        help="the bot's overall limiter; 29/s leaves a margin under the sandbox's strict "
        "30/s bucket (at 30/s an occasional 429 is answered and waited out)",
    )
    args = parser.parse_args()
    print(
        f"dispatch: {args.count:,} due reminders to {args.count:,} chats; sandbox enforces "
        f"30/s overall, 1/s per chat; bot limiter {args.rate:g}/s"
        + (
            ""
            if args.count >= 10_000
            else " (default 3,000: --count 10000 for the full run, ~6 min)"
        )
    )
    rate, too_many, wall = await dispatch(args.count, args.rate)
    print(f"due selection: {args.invoices:,} invoices, SQLite")
    ms, found, plan = await due_selection(args.invoices)
    print()
    print(f"{'measure':<38}{'value':>14}")
    print(f"{'reminders sent':<38}{args.count:>14,}")
    print(f"{'wall time, s':<38}{wall:>14.1f}")
    print(f"{'sustained rate, messages/s':<38}{rate:>14.2f}")
    print(f"{'429 answers':<38}{too_many:>14}")
    print(f"{'invoices needing a reminder today':<38}{found:>14,}")
    print(f"{'due-selection query (median), ms':<38}{ms:>14.2f}")
    print("EXPLAIN QUERY PLAN:")
    for line in plan:
        print(f"  {line}")
    print(f"figure: reminders_per_s={rate:.2f} /s")
    print(f"figure: reminders_429={too_many} count")
    print(f"figure: due_select_ms={ms:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
