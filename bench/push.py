"""Push latency through the outbox: from a payment's commit to its push reaching Telegram.

The real app (`open_app`: services, outbox sender woken on commit, the aiogram session with
its rate limiter at its defaults: 28 messages/s overall, 0.9/s per chat, bursts of 3, a little
under Telegram's 30 and 1)
against the Bot API sandbox in a process of its own, with the sandbox's default flood limits
(the same numbers: it answers 429 beyond them). SQLite file by default.

1. Bare baseline: 100 direct `bot.send_message` calls, what a push would cost with no
   outbox: from the call to the sandbox receiving it.
2. 100 manual payments one after another (`PaymentService.record_manual`), each to an
   invoice of one of 20 managers in turn, paced at 10 per second so each manager's chat gets
   one push per 2 s, under Telegram's per-chat limit (the latency is the outbox's, not the
   limiter's): from the moment record_manual returned (committed) to the sandbox receiving
   the push's sendMessage (the sandbox's own receive time, in its call log).
3. A statement of 1,000 payments matched to invoices of the same 20 managers (50 each),
   imported in one transaction: every push must arrive, with no 429 from the sandbox (the
   rate limit kept), none lost. Per-push latency there is rate-limited queueing (50 pushes per
   chat at ~1/s), shown for information.

    .venv/bin/python -m bench.push [--payments 100] [--statement 1000] [--managers 20]
                                   [--rate 28] [--chat-rate 0.9] [--pg URL]

Ends with the judged figures: figure: push_latency_p95_ms, figure: push_lost.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text

from bot.app import open_app
from bot.origin import exempt
from bot.settings import Settings
from sandbox.client import SandboxClient
from sandbox.state import TokenBucket
from services.access import AccessService
from services.clock import SystemClock
from services.organizations import OrganizationService, seed_demo_organization
from services.pipelines import load_pipelines
from services.statements import generate_1c
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.deals import sync_pipelines
from storage.migrate import upgrade
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:" + "PushBenchTokenForTheSandbox_abcdefghij"[:35]
ADMIN = 1001
FIRST_MANAGER = 5001
OWN, BIK = "40702810938000000001", "044525225"  # the demo organization's account
PACE = 0.1  # seconds between single payments
ARRIVAL_CEILING = 30.0  # a single push not there by then counts as lost
STATEMENT_CEILING = 300.0
NUMBER = re.compile(r"INV-\d{4}-\d{5}")


@dataclass(frozen=True)
class Inv:
    id: int
    number: str
    total_minor: int
    manager_chat: int


def total_of(n: int) -> int:
    return 100_000 + n * 37


async def seed(url: str, managers: int, count: int) -> list[Inv]:
    """The admin, `managers` managers, the demo organization and `count` issued invoices
    INV-<year>-00001…, each of its own company, owned by the managers in turn (bulk)."""
    clock = SystemClock()
    db = Database(create_engine(url))
    try:
        async with db.uow() as uow:
            await sync_pipelines(uow.session, load_pipelines(ROOT / "config" / "pipelines.toml"))
            await uow.commit()
        access = AccessService(db.uow, clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        staff = [await access.join(FIRST_MANAGER + i, (await access.create_invite(
            admin, Role.MANAGER)).token, f"Manager {i + 1}", None, "en")
            for i in range(managers)]
        org = await seed_demo_organization(OrganizationService(db.uow, clock, 5))
        now = datetime.now(UTC)
        today = now.date()
        issued = today - timedelta(days=3)
        numbers = range(1, count + 1)
        owner = {n: staff[(n - 1) % managers] for n in numbers}
        async with db.uow() as uow:
            s = uow.session
            series = m.NumberSeries(organization_id=org.id, kind="invoice", year=today.year,
                                    prefix="INV", last_number=count)
            companies = {n: m.Company(owner_id=owner[n].id, name=f"Клиент {n}",
                                      name_norm=f"клиент {n}", country="RU", created_at=now,
                                      updated_at=now) for n in numbers}
            s.add_all([series, *companies.values()])
            await s.flush()
            invoices = {n: m.Invoice(
                owner_id=owner[n].id, organization_id=org.id, company_id=companies[n].id,
                series_id=series.id, number=n, number_text=f"INV-{today.year}-{n:05d}",
                status="issued", currency="RUB", tax_mode="per_line", language="ru",
                subtotal_minor=total_of(n), vat_minor=0, total_minor=total_of(n), paid_minor=0,
                issue_date=issued, due_date=issued + timedelta(days=10), created_at=now,
                issued_at=now) for n in numbers}
            s.add_all(list(invoices.values()))
            await s.flush()
            out = [Inv(invoices[n].id, f"INV-{today.year}-{n:05d}", total_of(n),
                       owner[n].telegram_id) for n in numbers]
            await uow.commit()
    finally:
        await db.dispose()
    return out


def statement(invoices: Sequence[Inv]) -> bytes:
    today = date.today()
    return generate_1c(OWN, BIK, [
        {"direction": "in", "date": today, "number": str(i + 1),
         "amount": Decimal(inv.total_minor) / 100, "counterparty_inn": "",
         "counterparty_account": f"40702810{i + 1:012d}",
         "counterparty_name": f"ООО Клиент {i + 1}",
         "purpose": f"Оплата по счету {inv.number}, без НДС"}
        for i, inv in enumerate(invoices)])


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def summary(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return (f"p50 {percentile(values, 0.5):.1f} / p95 {percentile(values, 0.95):.1f} / "
            f"max {max(values):.1f} ms")


def max_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most events in any `window` seconds."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while t - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class Sandbox:
    """`python -m sandbox` in a process of its own, with its default flood limits."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""

    async def start(self) -> str:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sandbox", "--port", "0", cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode()
        self.url = line.split(" on ", 1)[1].split()[0]
        return self.url

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()


def push_of(call: dict[str, Any]) -> tuple[int, str]:
    """(chat, invoice number) of a push's sendMessage."""
    found = NUMBER.search(str(call["params"].get("text", "")))
    return int(call["params"]["chat_id"]), found.group(0) if found else ""


def replay_refusals(calls: Sequence[dict[str, Any]], since: float) -> dict[str, Any]:
    """Which of the sandbox's buckets refused each 429 after `since`: its token buckets
    (Telegram's defaults: 1/s per chat with a burst of 3, 30/s overall with a burst of 30)
    replayed over the calls in the order it received them."""
    overall: TokenBucket | None = None
    chats: dict[str, TokenBucket] = {}
    which: Counter[str] = Counter()
    offsets: list[float] = []
    for call in calls:
        if call["status"] not in (200, 429):
            continue
        at = float(call["time"])
        chat = str(call["params"].get("chat_id"))
        overall = overall or TokenBucket(30.0, 30, at)
        bucket = chats.setdefault(chat, TokenBucket(1.0, 3, at))
        chat_wait, overall_wait = bucket.wait_time(at), overall.wait_time(at)
        if call["status"] == 200:
            bucket.take()
            overall.take()
        elif at >= since:
            which["per chat" if chat_wait > 0 else "overall" if overall_wait > 0
                  else "neither (timing)"] += 1
            offsets.append(at - since)
    return {"which": which, "first": min(offsets, default=float("nan")),
            "last": max(offsets, default=float("nan"))}


def received(calls: Sequence[dict[str, Any]], chat: int, needle: str) -> float | None:
    """When the sandbox received the (accepted) sendMessage to `chat` containing `needle`."""
    for call in calls:
        p = call["params"]
        if (call["status"] == 200 and str(p.get("chat_id")) == str(chat)
                and needle in str(p.get("text", ""))):
            return float(call["time"])
    return None


async def run(url: str, payments: int, statement_size: int, managers: int,
              limits: dict[str, float] | None = None) -> dict[str, Any]:
    await upgrade(url)
    invoices = await seed(url, managers, payments + statement_size)
    singles, bulk = invoices[:payments], invoices[payments:]
    sandbox = Sandbox()
    api = await sandbox.start()
    client = SandboxClient(api, TOKEN)
    # The bot's limiter at the settings' defaults (28/s, 0.9/s per chat, bursts of 3).
    values: dict[str, Any] = {
        "bot_token": TOKEN, "database_url": url, "telegram_api_url": api,
        "admin_ids": [ADMIN], "default_language": "en", "default_timezone": "UTC",
        "redis_url": None, "pdf_warmup": False, **(limits or {})}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    chats = [FIRST_MANAGER + i for i in range(managers)]
    try:
        for chat in chats:  # Telegram: the bot writes only into chats a user started
            await client.user(chat, first_name=f"Manager{chat}", language_code="en")
            await client.send_text(chat, "/start")
        async with open_app(settings, clock=SystemClock()) as app:
            actor = await app.services.access.identify(ADMIN)
            assert actor is not None

            # 1. The bare baseline: a direct send, no outbox.
            direct: list[float] = []
            direct_rtt: list[float] = []
            began = time.monotonic()
            for i in range(payments):
                await asyncio.sleep(max(0.0, began + i * PACE - time.monotonic()))
                chat = chats[i % managers]
                t0 = time.time()
                with exempt():  # deliberately outside the outbox: the baseline
                    await app.bot.send_message(chat, f"direct {i}")
                direct_rtt.append((time.time() - t0) * 1000)
                calls = await client.calls("sendMessage")
                at = received(calls[-5:], chat, f"direct {i}")
                assert at is not None
                direct.append((at - t0) * 1000)

            # 2. Single manual payments, one after another.
            committed: dict[int, float] = {}
            service_ms: list[float] = []
            began = time.monotonic()
            for i, inv in enumerate(singles):
                await asyncio.sleep(max(0.0, began + i * PACE - time.monotonic()))
                t0 = time.time()
                await app.services.payments.record_manual(
                    actor, inv.id, "cash", Decimal(inv.total_minor) / 100,
                    action_key=f"bench-{i}")
                committed[inv.id] = time.time()
                service_ms.append((committed[inv.id] - t0) * 1000)
                try:
                    await client.wait_for_text(inv.manager_chat, inv.number,
                                               timeout=ARRIVAL_CEILING)
                except TimeoutError:
                    pass  # counted as lost below
            calls = await client.calls("sendMessage")
            single_ms: list[float] = []
            single_lost = 0
            for inv in singles:
                at = received(calls, inv.manager_chat, inv.number)
                if at is None:
                    single_lost += 1
                else:
                    single_ms.append((at - committed[inv.id]) * 1000)

            # 3. A statement: 1,000 pushes at once, under the rate limit.
            before = len(calls)
            t0 = time.time()
            report = await app.services.payments.import_statement(actor, statement(bulk),
                                                                  "bench.txt")
            statement_commit = time.time()
            import_s = statement_commit - t0
            wanted = {(inv.manager_chat, inv.number) for inv in bulk}
            deadline = time.monotonic() + STATEMENT_CEILING
            while True:
                calls = await client.calls("sendMessage")
                got = {push_of(c) for c in calls[before:] if c["status"] == 200}
                if wanted <= got or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1.0)
            fresh = calls[before:]
            refusals = replay_refusals(calls, statement_commit)
            accepted = [c for c in fresh if c["status"] == 200]
            refused = Counter(c["status"] for c in fresh if c["status"] != 200)
            bulk_ms = [(float(c["time"]) - statement_commit) * 1000 for c in accepted]
            per_chat = Counter(int(c["params"]["chat_id"]) for c in accepted)
            chat_peak = max(max_in_window([float(c["time"]) for c in accepted
                                           if int(c["params"]["chat_id"]) == chat],
                                          window=3.0) for chat in chats)
            arrived_keys = Counter(push_of(c) for c in accepted)
            bulk_lost = len(wanted - set(arrived_keys))
            bulk_twice = sum(1 for k in wanted if arrived_keys[k] > 1)
            async with app.db.uow(readonly=True) as uow:
                unsent = int(await uow.session.scalar(select(func.count()).where(
                    m.OutboxMessage.status != "sent")) or 0)
    finally:
        await client.close()
        await sandbox.stop()
    return {
        "direct": direct, "direct_rtt": direct_rtt, "single": single_ms,
        "service": service_ms, "single_lost": single_lost, "report": report,
        "import_s": import_s, "bulk": bulk_ms, "bulk_lost": bulk_lost,
        "bulk_twice": bulk_twice, "refused": refused, "accepted": len(accepted),
        "expected": len(wanted), "per_chat": per_chat,
        "overall_peak": max_in_window([float(c["time"]) for c in accepted]),
        "chat_peak_3s": chat_peak, "unsent": unsent, "refusals": refusals,
        "drain_s": (max(float(c["time"]) for c in accepted) - statement_commit)
        if accepted else float("nan"),
    }


def table(name: str, r: dict[str, Any], payments: int, managers: int) -> None:
    rep = r["report"]
    refused = ", ".join(f"{n}×{s}" for s, n in sorted(r["refused"].items())) or "none"
    rows = [
        ("bare send_message, call -> sandbox", f"{summary(r['direct'])} "
                                               f"(round trip {summary(r['direct_rtt'])})"),
        ("record_manual itself (to commit)", summary(r["service"])),
        (f"single payment push, commit -> sandbox ({len(r['single'])}/{payments})",
         summary(r["single"])),
        ("single payment pushes lost", str(r["single_lost"])),
        ("statement", f"{rep.incoming} payments, auto {rep.auto}, review {rep.review}, "
                      f"unmatched {rep.unmatched}; import {r['import_s']:.2f} s"),
        ("statement pushes delivered", f"{r['accepted']} sendMessage accepted for "
                                       f"{r['expected']} pushes to {managers} chats, "
                                       f"{r['bulk_lost']} lost, {r['bulk_twice']} twice"),
        ("statement: all delivered after", f"{r['drain_s']:.1f} s "
                                           f"(limit floor: {r['expected'] / 30:.1f} s at 30/s, "
                                           f"{max(r['per_chat'].values(), default=0)} per chat "
                                           f"at 1/s)"),
        ("statement push, commit -> sandbox", summary(r["bulk"])),
        ("peak rate overall / per chat", f"{r['overall_peak']} in any 1 s / "
                                         f"{r['chat_peak_3s']} in any 3 s"),
        ("sandbox refused (429 = over the limit)", refused),
        ("...which bucket, when", ", ".join(f"{k} {v}" for k, v in
                                            r["refusals"]["which"].items()) +
         (f"; +{r['refusals']['first']:.1f} to +{r['refusals']['last']:.1f} s after the commit"
          if r["refusals"]["which"] else "")),
        ("outbox rows not sent at the end", str(r["unsent"])),
    ]
    print(f"\n{name}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


async def empty_pg(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in m.Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # the table says how many 429s were retried
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--payments", type=int, default=100)
    parser.add_argument("--statement", type=int, default=1000)
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument("--rate", type=float, help="the bot's messages/s overall "
                        "(TELEGRAM_RATE; default: the settings' 30)")
    parser.add_argument("--chat-rate", type=float, help="the bot's messages/s per chat "
                        "(TELEGRAM_CHAT_RATE; default: the settings' 1)")
    parser.add_argument("--pg", help="also run on this PostgreSQL database (emptied first)")
    args = parser.parse_args()
    limits = {name: value for name, value in (("telegram_rate", args.rate),
                                               ("telegram_chat_rate", args.chat_rate))
              if value is not None}
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/bench.db", args.payments,
                                 args.statement, args.managers, limits))
    shown = ", ".join(f"{k}={v:g}" for k, v in limits.items()) or "Telegram's limits"
    table(f"SQLite: {args.payments} single payments, then a statement of {args.statement} "
          f"for {args.managers} managers ({shown})", result, args.payments, args.managers)
    lost = result["single_lost"] + result["bulk_lost"]
    if args.pg:
        asyncio.run(empty_pg(args.pg))
        pg = asyncio.run(run(args.pg, args.payments, args.statement, args.managers, limits))
        table("PostgreSQL: the same", pg, args.payments, args.managers)
    print(f"\nbaseline (no outbox): direct send p95 {percentile(result['direct'], 0.95):.1f} "
          f"ms; through the outbox: p95 {percentile(result['single'], 0.95):.1f} ms")
    print(f"figure: push_latency_p95_ms={percentile(result['single'], 0.95):.1f} ms")
    print(f"figure: push_lost={lost} count")


if __name__ == "__main__":
    main()
