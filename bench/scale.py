"""Scale-out: one bot process against two behind one port, same run.

Every process is `python -m bot run --webhook` with WEBHOOK_REUSE_PORT=true, all bound to the
same port (SO_REUSEPORT: the kernel spreads connections over them), sharing one PostgreSQL
database and one Redis database (FSM). Their Bot API calls go over HTTP to the Bot API sandbox,
run as a process of its own. This process is the load generator: it plays Telegram's webhook
side, posting updates with the secret header over up to 40 connections (Telegram's default
`max_connections`), and plays the managers, each of whom waits for the bot's answer before the
next message, as a person does.

A manager's conversation (10 updates): /start, /lead, the contact's name, company, phone,
e-mail, city and topic typed, the source button, Save. So every conversation reads the
identity on each update, writes the FSM in Redis on most, writes a lead (and its audit row) to
PostgreSQL, and gets 11 answers (9 messages, 2 edits) plus 2 callback answers and a chat's
command menu. Meanwhile the website form (`POST /api/leads`, the same port) sends leads whose
manager's push goes through the outbox.

After each phase the effects are counted, each exactly once: updates handled (by update id,
from each process's log: none twice, none missing), leads typed == leads saved, website leads
== website-lead pushes delivered == outbox rows sent (none after a failed attempt; which
process's sender sent each is shown), every answer in the sandbox == what the conversations
call for (not one more), no failed Bot API call.

With two processes each runs its own outbox sender and scheduler. The senders claim rows
FOR UPDATE SKIP LOCKED, so a row goes out once, from either process; the scheduled jobs run in
both, and what they enqueue carries idempotency keys (ON CONFLICT DO NOTHING) and the alerts'
and quotes' watermarks only move forward, so a job run twice enqueues once.

CPU is read from /proc at the start and end of the measured window, per group: bot processes,
PostgreSQL backends of the benchmark database, Redis, the sandbox, the load generator, and
PostgreSQL's other processes (other databases, its background writers), and everything else
on the machine (other work sharing the 2 cores). Absolute figures depend on that other work;
the ratio is of phases of the same run (medians over --rounds pairs).

    .venv/bin/python bench/scale.py [--managers 40] [--conversations 2] [--rounds 2]

Needs PostgreSQL (BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres;
a database `dealchat_bench_scale` is created afresh) and Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13; only keys under the benchmark's prefix are touched).
Prints a table, then `figure:` lines; the last is scale_two_processes_ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

TOKEN = "123456789:" + "BenchScaleTokenForTheSandbox_abcdefg"[:35]
SECRET = "bench-scale-secret"
LEAD_KEY = "bench-scale-lead-key"
DB_NAME = "dealchat_bench_scale"
REDIS_PREFIX = "benchscale"
DESK = 7_000_000  # the manager website leads are assigned to (LEAD_ASSIGNMENT)
FIRST_MANAGER = 7_000_001
CONNECTIONS = 40  # Telegram's default webhook max_connections
# Calls that answer the user in a chat, counted per chat by the sandbox.
REPLIES = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})
# Per conversation: replies, and every Bot API call the bot makes for it.
CONVERSATION_REPLIES = 11
CONVERSATION_CALLS = {"sendMessage": 9, "editMessageReplyMarkup": 1, "editMessageText": 1,
                      "answerCallbackQuery": 2, "setMyCommands": 1}
UPDATES_PER_CONVERSATION = 10
HANDLED = re.compile(r"Update id=(\d+) is handled")
WAIT = 60.0


# --------------------------------------------------------------------------- the sandbox


def sandbox_main() -> None:
    """The Bot API sandbox as its own process; prints its URL and serves until stdin closes."""
    from sandbox.server import BotApiSandbox

    class BenchSandbox(BotApiSandbox):
        """The Bot API half of Telegram: it answers the bots' calls and counts the answers per
        chat. Updates are delivered by the load generator (Telegram's parallel webhook
        connections), so the sandbox's own one-at-a-time webhook delivery is off."""

        def __init__(self) -> None:
            super().__init__(global_rate=None, per_chat_rate=None)
            self.replies: Counter[int] = Counter()
            self.methods: Counter[str] = Counter()
            self.waiters: dict[int, asyncio.Event] = {}

        def _kick_webhook(self, bot: Any) -> None:
            return None

        async def _execute(self, bot: Any, method: str, params: Any) -> Any:
            result = await super()._execute(bot, method, params)
            self.methods[method] += 1
            if method in REPLIES:
                chat = int(params.raw("chat_id"))
                self.replies[chat] += 1
                waiter = self.waiters.pop(chat, None)
                if waiter is not None:
                    waiter.set()
            return result

        def make_app(self) -> web.Application:
            app = super().make_app()
            app.router.add_post("/_bench/open", self._open)
            app.router.add_get("/_bench/wait", self._wait)
            app.router.add_post("/_bench/press", self._press)
            app.router.add_get("/_bench/totals", self._totals)
            return app

        def _state(self) -> Any:
            return self._control_bot(TOKEN).state

        async def _open(self, request: web.Request) -> web.Response:
            state = self._state()
            for uid in (await request.json())["ids"]:
                state.add_user(int(uid), f"Manager{uid}", language_code="en")
                state.open_chat(int(uid))
            return web.json_response({"ok": True})

        async def _wait(self, request: web.Request) -> web.Response:
            """Until the chat has had `at_least` answers (or the timeout): the count, and the
            bot's last message there with its buttons' callback data."""
            chat_id = int(request.query["chat_id"])
            at_least = int(request.query["at_least"])
            loop = asyncio.get_running_loop()
            deadline = loop.time() + float(request.query.get("timeout", WAIT))
            while self.replies[chat_id] < at_least:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                waiter = self.waiters.setdefault(chat_id, asyncio.Event())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.wait(), remaining)
            chat = self._state().chats.get(chat_id)
            last = next((m for m in reversed(chat.messages.values()) if m.from_bot), None) \
                if chat else None
            buttons = [b.get("callback_data") for row in
                       ((last.reply_markup or {}).get("inline_keyboard") or [] if last else [])
                       for b in row]
            return web.json_response({
                "count": self.replies[chat_id],
                "message_id": last.message_id if last else None,
            "text": last.text if last else None,
                "buttons": [b for b in buttons if b]})

        async def _press(self, request: web.Request) -> web.Response:
            """A tap on a button: the callback query Telegram would deliver, returned to the
            load generator to deliver (not queued for the sandbox's own delivery)."""
            args = await request.json()
            state = self._state()
            query = state.press(int(args["user_id"]), int(args["message_id"]),
                                callback_data=str(args["callback_data"]))
            update = state.updates.pop()
            assert update["callback_query"]["id"] == query["id"]
            return web.json_response(update)

        async def _totals(self, request: web.Request) -> web.Response:
            state = self._state()
            failed = Counter(f"{c['method']} {c['status']}" for c in state.calls
                             if c.get("status") not in (200, None))
            return web.json_response({
                "methods": dict(self.methods),
                "replies": {str(k): v for k, v in self.replies.items()},
                "failed": dict(failed)})

    async def serve() -> None:
        sandbox = BenchSandbox()
        url = await sandbox.start()
        print(url, flush=True)
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        loop.add_reader(sys.stdin.fileno(), done.set)  # the parent closed our stdin
        await done.wait()
        await sandbox.stop()

    asyncio.run(serve())


# --------------------------------------------------------------------------- CPU from /proc


TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu() -> dict[int, tuple[str, float]]:
    """Every process's name and CPU seconds (user + system) so far."""
    out: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        name = stat[stat.find("(") + 1:stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2:].split()
        out[int(entry)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return (sum(parts) - idle) / TICK, sum(parts) / TICK


def cpu_groups(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
               groups: dict[str, set[int]]) -> dict[str, float]:
    """CPU seconds spent in the window per group; the rest is "other"."""
    spent: Counter[str] = Counter()
    member = {pid: g for g, pids in groups.items() for pid in pids}
    for pid, (name, cpu) in after.items():
        used = cpu - (before[pid][1] if pid in before else 0.0)
        if pid in member:
            spent[member[pid]] += used
        elif name.startswith("redis"):
            spent["redis"] += used
        elif name.startswith("postgres"):
            spent["postgres (others)"] += used
        else:
            spent["other"] += used
    return dict(spent)


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    pg_admin: str  # postgresql://... of a database to create the benchmark's from
    redis_url: str
    sandbox_url: str
    logs: Path
    managers: list[int]

    @property
    def database_url(self) -> str:
        base = self.pg_admin.rsplit("/", 1)[0]
        return base.replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + DB_NAME

    def bot_env(self, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BENCH_"))}
        env.update({
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": self.database_url,
            "TELEGRAM_API_URL": self.sandbox_url,
            "ADMIN_IDS": ",".join(map(str, [DESK, *self.managers])),
            "DEFAULT_LANGUAGE": "en",
            "DEFAULT_TIMEZONE": quiet_zone(),
            "REDIS_URL": self.redis_url,
            "REDIS_PREFIX": REDIS_PREFIX,
            "WEBHOOK_URL": f"http://127.0.0.1:{port}",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_REUSE_PORT": "true",
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "LEAD_API_KEY": LEAD_KEY,
            "LEAD_ASSIGNMENT": str(DESK),
            "PDF_WARMUP": "false",
            "PDF_WORKERS": "1",
            # The sandbox has no flood limits here: the bots' own limiter must not be the
            # bottleneck measured (it is per process: see the report).
            "TELEGRAM_RATE": "100000",
            "TELEGRAM_CHAT_RATE": "100000",
            "TELEGRAM_CHAT_BURST": "100000",
        })
        return env


async def create_database(admin_url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()


async def clear_redis(url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        keys = [k async for k in redis.scan_iter(f"{REDIS_PREFIX}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def db_counts(world: World, outbox_after: int = 0) -> dict[str, Any]:
    """Leads, the website's among them, and the outbox rows after id `outbox_after`."""
    import asyncpg

    conn = await asyncpg.connect(world.database_url.replace("+asyncpg", ""))
    try:
        leads = await conn.fetchval("SELECT count(*) FROM leads")
        web = await conn.fetchval(
            "SELECT count(*) FROM leads WHERE contact_name LIKE 'Web Visitor %'")
        outbox = [tuple(r) for r in await conn.fetch(
            "SELECT status, attempts, count(*) FROM outbox WHERE id > $1 GROUP BY 1, 2"
            " ORDER BY 1, 2", outbox_after)]
        last_outbox = await conn.fetchval("SELECT coalesce(max(id), 0) FROM outbox")
        backends = [r[0] for r in await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            DB_NAME)]
        senders = [tuple(r) for r in await conn.fetch(
            "SELECT split_part(claimed_by, ':', 2), count(*) FROM outbox"
            " WHERE status = 'sent' AND id > $1 GROUP BY 1 ORDER BY 1", outbox_after)]
        distinct = await conn.fetchval(
            "SELECT count(DISTINCT contact_name) = count(*) FROM leads")
    finally:
        await conn.close()
    return {"leads": leads, "web": web, "outbox": outbox, "backends": backends,
            "distinct": distinct, "senders": senders, "last_outbox": last_outbox}


def quiet_zone() -> str:
    """A time zone where it is about 21:00 now: the morning digest (09:00 local, sent late
    until noon) and the other daily alerts the scheduler enqueues for staff are hours away,
    so no scheduled message lands in a manager's chat in the middle of the conversations."""
    offset = (21 - datetime.now(UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT+5 is UTC-5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(argv: list[str], env: dict[str, str], log: Path | None) -> subprocess.Popen[bytes]:
    """A child process: output to `log`, or stdin and stdout piped (the sandbox)."""
    if log is None:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
    with open(log, "wb") as out:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@dataclass
class Bot:
    proc: subprocess.Popen[bytes]
    log: Path

    def handled(self) -> list[int]:
        return [int(x) for x in HANDLED.findall(self.log.read_text(errors="replace"))]


async def start_bots(world: World, count: int, port: int, tag: str) -> list[Bot]:
    """Starts the processes one after the other (each migrates and bootstraps the admins at
    start: see the report on starting them at once)."""
    bots = []
    for n in range(count):
        log = world.logs / f"{tag}-bot{n}.log"
        proc = spawn([sys.executable, "-m", "bot", "run", "--webhook"], world.bot_env(port),
                     log)
        bot = Bot(proc, log)
        bots.append(bot)
        deadline = time.monotonic() + 120
        while "webhook server on" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bot {n} did not start:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.1)
    return bots


async def stop_bots(bots: list[Bot]) -> None:
    for bot in bots:
        if bot.proc.poll() is None:
            bot.proc.send_signal(signal.SIGINT)
    for bot in bots:
        try:
            await asyncio.to_thread(bot.proc.wait, 60)
        except subprocess.TimeoutExpired:
            bot.proc.kill()
            bot.proc.wait()


# --------------------------------------------------------------------------- the load


@dataclass
class Load:
    hook: aiohttp.ClientSession
    control: aiohttp.ClientSession
    world: World
    port: int
    next_update: int
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    replies: Counter[int] = field(default_factory=Counter)
    broken: list[str] = field(default_factory=list)

    async def deliver(self, update: dict[str, Any]) -> None:
        update["update_id"] = self.next_update
        self.next_update += 1
        async with self.hook.post(
                f"http://127.0.0.1:{self.port}/telegram/webhook", json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            if resp.status != 200:
                raise RuntimeError(f"webhook answered {resp.status}: {await resp.text()}")
        self.sent += 1

    async def wait(self, chat: int, more: int) -> dict[str, Any]:
        self.replies[chat] += more
        async with self.control.get(f"{self.world.sandbox_url}/_bench/wait", params={
                "chat_id": chat, "at_least": self.replies[chat], "timeout": WAIT}) as resp:
            got: dict[str, Any] = await resp.json()
        if got["count"] < self.replies[chat]:
            self.replies[chat] = got["count"]
            raise RuntimeError(f"chat {chat}: {got['count']} answers, {self.replies[chat]} due")
        return got

    async def say(self, user: int, text: str, more: int = 1) -> dict[str, Any]:
        started = time.perf_counter()
        message: dict[str, Any] = {
            "message_id": self.next_update, "date": int(time.time()),
            "from": {"id": user, "is_bot": False, "first_name": f"Manager{user}",
                     "language_code": "en"},
            "chat": {"id": user, "type": "private", "first_name": f"Manager{user}"},
            "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        await self.deliver({"message": message})
        got = await self.wait(user, more)
        self.latencies.append(time.perf_counter() - started)
        return got

    async def press(self, user: int, shown: dict[str, Any], prefix: str, more: int,
                    suffix: str = "") -> dict[str, Any]:
        started = time.perf_counter()
        data = next((b for b in shown["buttons"] if b.startswith(prefix) and b.endswith(suffix)),
                    None)
        if data is None:
            self.replies[user] = shown["count"]
            raise RuntimeError(f"chat {user}: no button {prefix}...{suffix} in {shown}")
        async with self.control.post(f"{self.world.sandbox_url}/_bench/press", json={
                "user_id": user, "message_id": shown["message_id"],
                "callback_data": data}) as resp:
            update = await resp.json()
        await self.deliver(update)
        got = await self.wait(user, more)
        self.latencies.append(time.perf_counter() - started)
        return got

    async def conversation(self, user: int, n: int) -> None:
        """A manager types a lead: 10 updates, 11 answers, one lead saved."""
        await self.say(user, "/start")
        await self.say(user, "/lead")
        await self.say(user, f"Ivan Petrov {n}")
        await self.say(user, f"Acme {n}")
        await self.say(user, f"+7 917 {n % 10_000_000:07d}")
        await self.say(user, f"ivan{n}@acme-{n}.ru")
        await self.say(user, "Moscow")
        shown = await self.say(user, "Pallets, 40 pieces, delivery in March")
        # The source button: its keyboard goes, the summary comes (two answers).
        shown = await self.press(user, shown, "lf:r:", 2, suffix=":call")
        await self.press(user, shown, "lf:s:", 1)  # Save: the summary becomes the lead card

    async def manager(self, user: int, first: int, count: int) -> None:
        for k in range(count):
            try:
                await self.conversation(user, first + k)
            except RuntimeError as err:  # counted as a failed check; the next one goes on
                self.broken.append(str(err))

    async def web_leads(self, count: int, first: int, spacing: float) -> list[int]:
        statuses = []
        for k in range(count):
            n = first + k
            async with self.hook.post(
                    f"http://127.0.0.1:{self.port}/api/leads", headers={"X-Api-Key": LEAD_KEY},
                    json={"name": f"Web Visitor {n}", "phone": f"+7 916 {n % 10_000_000:07d}",
                          "email": f"visitor{n}@web-{n}.ru", "topic": "A quote, please"}
            ) as resp:
                statuses.append(resp.status)
            await asyncio.sleep(spacing)
        return statuses


@dataclass
class Phase:
    processes: int
    updates: int
    seconds: float
    cpu: dict[str, float]
    machine_busy: float
    loadavg: float
    p50_ms: float
    p95_ms: float
    per_process: list[int]
    checks: list[tuple[str, bool, str]]

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


async def run_phase(world: World, processes: int, args: argparse.Namespace, tag: str,
                    serial: int) -> Phase:
    port = free_port()
    await clear_redis(world.redis_url)
    bots = await start_bots(world, processes, port, tag)
    first_update = serial * 10_000_000
    first_lead = serial * 1_000_000
    try:
        totals0 = await sandbox_totals(world)
        hook = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS))
        control = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=len(world.managers)
                                                                        + 10))
        async with hook, control:
            load = Load(hook, control, world, port, first_update)
            load.replies.update({int(k): v for k, v in totals0["replies"].items()})
            # Warm-up, not measured: a conversation of the first `--warmup` managers.
            await asyncio.gather(*(load.manager(u, first_lead + 900_000 + i, 1)
                                   for i, u in enumerate(world.managers[:args.warmup])))
            before_db = await db_counts(world)
            sent_before, load.latencies = load.sent, []
            groups = {"bots": {b.proc.pid for b in bots}, "sandbox": {args.sandbox_pid},
                      "load generator": {os.getpid()}}
            cpu0, busy0, wall0 = proc_cpu(), machine_cpu(), time.perf_counter()
            per = args.conversations
            convs = asyncio.gather(*(load.manager(u, first_lead + i * per, per)
                                     for i, u in enumerate(world.managers)))
            web = asyncio.create_task(load.web_leads(args.web_leads, first_lead + 500_000,
                                                     args.web_spacing))
            await convs
            wall = time.perf_counter() - wall0
            cpu1, busy1 = proc_cpu(), machine_cpu()
            # The bots' pool connections at the end (some opened during the window).
            groups["postgres (bench db)"] = set((await db_counts(world))["backends"])
            loadavg = os.getloadavg()[0]
            web_statuses = await web
            updates = load.sent - sent_before
            latencies = sorted(load.latencies)
            # The website leads' pushes: sent by whichever process claims them.
            desk0 = totals0["replies"].get(str(DESK), 0)
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline:
                totals = await sandbox_totals(world)
                if totals["replies"].get(str(DESK), 0) - desk0 >= args.web_leads:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(3)  # a second sending of anything would show by now
            totals = await sandbox_totals(world)
            after_db = await db_counts(world, before_db["last_outbox"])
    finally:
        await stop_bots(bots)
    handled = [b.handled() for b in bots]
    all_handled = [u for h in handled for u in h]
    expected_ids = set(range(first_update, load.next_update))
    conversations = len(world.managers) * per + min(args.warmup, len(world.managers))
    pushes = totals["replies"].get(str(DESK), 0) - desk0
    calls = {m: totals["methods"].get(m, 0) - totals0["methods"].get(m, 0)
             for m in CONVERSATION_CALLS}
    typed = (after_db["leads"] - before_db["leads"]) - (after_db["web"] - before_db["web"])
    answers = sum(totals["replies"].get(str(u), 0) - totals0["replies"].get(str(u), 0)
                  for u in world.managers)
    checks = [
        ("every conversation went as a manager expects", not load.broken,
         f"{len(load.broken)} did not, e.g. {load.broken[:2]}"),
        ("every update handled once (ids in the processes' logs)",
         sorted(all_handled) == sorted(expected_ids),
         f"{len(all_handled)} handled, {len(set(all_handled))} distinct, "
         f"{len(expected_ids)} sent"),
        ("typed leads saved once", typed == len(world.managers) * per,
         f"{typed} saved, {len(world.managers) * per} typed"),
        ("website leads created once", after_db["web"] - before_db["web"] == args.web_leads
         and web_statuses.count(201) == args.web_leads,
         f"{after_db['web'] - before_db['web']} created, statuses {Counter(web_statuses)}"),
        ("website-lead pushes delivered once", pushes == args.web_leads,
         f"{pushes} pushes for {args.web_leads} leads"),
        ("outbox rows all sent, none after a failed attempt (status, failures, rows)",
         all(status == "sent" and attempts == 0 for status, attempts, _ in after_db["outbox"]),
         f"{after_db['outbox']}; sent by sender pid.start: {after_db['senders']}"),
        ("lead names distinct (no lead saved twice)", bool(after_db["distinct"]), ""),
        ("answers == what the conversations call for, per chat",
         answers == conversations * CONVERSATION_REPLIES
         and all(totals["replies"].get(str(u), 0) - totals0["replies"].get(str(u), 0)
                 == load.replies[u] - totals0["replies"].get(str(u), 0)
                 for u in world.managers),
         f"{answers} answers for {conversations} conversations"),
        ("Bot API calls == what the conversations and pushes call for", all(
            calls[m] == k * conversations + (pushes if m == "sendMessage" else 0)
            for m, k in CONVERSATION_CALLS.items()), f"{calls}"),
        ("no Bot API call failed", totals["failed"] == totals0["failed"],
         f"{totals['failed']}"),
    ]
    spent = cpu_groups(cpu0, cpu1, groups)
    return Phase(processes, updates, wall, spent, (busy1[0] - busy0[0]) / wall, loadavg,
                 statistics.median(latencies) * 1000,
                 latencies[int(len(latencies) * 0.95)] * 1000,
                 [len(h) for h in handled], checks)


async def sandbox_totals(world: World) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s, s.get(f"{world.sandbox_url}/_bench/totals") as r:
        got: dict[str, Any] = await r.json()
    return got


# --------------------------------------------------------------------------- main


def report(phases: list[Phase], world: World, args: argparse.Namespace) -> float:
    cores = os.cpu_count() or 1
    print(f"{len(world.managers)} managers x {args.conversations} conversations x "
          f"{UPDATES_PER_CONVERSATION} updates per phase, {args.web_leads} website leads; "
          f"{cores} cores")
    head = (f"{'processes':>9} {'updates':>7} {'s':>6} {'upd/s':>7} {'p50 ms':>7} "
            f"{'p95 ms':>7} {'split':>11} {'bots':>5} {'pg':>5} {'pg-oth':>6} {'redis':>5} "
            f"{'sandbx':>6} {'loadgen':>7} {'other':>5} {'machine':>7} {'load1':>5}")
    print(head)
    print("(split: updates each process handled; CPU columns: cores busy on average in the "
          "window; pg: backends of the bench database, pg-oth: PostgreSQL's other processes; "
          "other: the rest of the machine; load1: load average)")
    for p in phases:
        c = {k: v / p.seconds for k, v in p.cpu.items()}
        print(f"{p.processes:>9} {p.updates:>7} {p.seconds:>6.1f} {p.rate:>7.1f} "
              f"{p.p50_ms:>7.1f} {p.p95_ms:>7.1f} {'/'.join(map(str, p.per_process)):>11} "
              f"{c.get('bots', 0):>5.2f} {c.get('postgres (bench db)', 0):>5.2f} "
              f"{c.get('postgres (others)', 0):>6.2f} {c.get('redis', 0):>5.2f} "
              f"{c.get('sandbox', 0):>6.2f} "
              f"{c.get('load generator', 0):>7.2f} {c.get('other', 0):>5.2f} "
              f"{p.machine_busy:>7.2f} {p.loadavg:>5.1f}")
    ok = True
    for p in phases:
        for name, passed, detail in p.checks:
            ok &= passed
            print(f"  [{'ok' if passed else 'FAILED'}] {p.processes} process(es): {name}"
                  f"{': ' + detail if detail else ''}")
    one = [p.rate for p in phases if p.processes == 1]
    two = [p.rate for p in phases if p.processes == 2]
    ratio = statistics.median(two) / statistics.median(one)
    last_two = [p for p in phases if p.processes == 2][-1]
    busy = last_two.machine_busy
    print(f"two processes: {busy:.2f} of {cores} cores busy (machine), bots "
          f"{last_two.cpu.get('bots', 0) / last_two.seconds:.2f} cores: "
          + ("saturated: the cores are the limit" if busy > 0.9 * cores
             else "not saturated"))
    print(f"figure: scale_one_process_updates_per_s={statistics.median(one):.1f} /s")
    print(f"figure: scale_two_processes_updates_per_s={statistics.median(two):.1f} /s")
    if not ok:
        print("effects checks FAILED", file=sys.stderr)
    print(f"figure: scale_two_processes_ratio={ratio:.2f} x")
    return ratio if ok else -1.0


async def main(args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    pg_admin = os.environ.get("BENCH_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    await create_database(pg_admin)
    sandbox = spawn([sys.executable, __file__, "_sandbox"], dict(os.environ), None)
    assert sandbox.stdout is not None and sandbox.stdin is not None
    url = (await asyncio.to_thread(sandbox.stdout.readline)).decode().strip()
    args.sandbox_pid = sandbox.pid
    managers = [FIRST_MANAGER + i for i in range(args.managers)]
    logs = tempfile.mkdtemp(prefix="bench-scale-")
    world = World(pg_admin, redis_url, url, Path(logs), managers)
    try:
        # Migrated once before the processes start, as a deployment does (`dealchat
        # migrate`): two processes migrating one database at once is not safe.
        await upgrade(world.database_url)
        async with aiohttp.ClientSession() as s:
            await s.post(f"{url}/_bench/open", json={"ids": [DESK, *managers]})
        phases = []
        serial = 1
        for _ in range(args.rounds):
            for processes in (1, 2):
                phases.append(await run_phase(world, processes, args,
                                              f"r{serial}-p{processes}", serial))
                serial += 1
        if args.keep_logs:
            for log in Path(logs).iterdir():
                print(f"--- {log.name}\n{log.read_text()[-2000:]}", file=sys.stderr)
    finally:
        sandbox.stdin.close()
        sandbox.wait(30)
    ratio = report(phases, world, args)
    if ratio > 0:
        shutil.rmtree(logs)
    else:
        print(f"the bots' logs are kept in {logs}", file=sys.stderr)
    return 0 if ratio > 0 else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--managers", type=int, default=40)
    parser.add_argument("--conversations", type=int, default=2,
                        help="measured conversations per manager and phase")
    parser.add_argument("--warmup", type=int, default=10,
                        help="managers who have one conversation before the measure")
    parser.add_argument("--rounds", type=int, default=2, help="1-process/2-process pairs")
    parser.add_argument("--web-leads", type=int, default=20,
                        help="website leads per phase (the form allows 30 a minute per process "
                             "and address)")
    parser.add_argument("--web-spacing", type=float, default=0.5)
    parser.add_argument("--keep-logs", action="store_true", help="print the bots' log tails")
    return parser.parse_args(argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["_sandbox"]:
        sandbox_main()
    else:
        sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
