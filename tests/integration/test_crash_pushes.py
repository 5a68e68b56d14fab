"""Crash tests of what the bot sends on its own, one per cause: a manual payment, a card
`successful_payment`, a statement of 200 payments to invoices of 3 managers, Apply on a doubtful
payment, an invoice sent into the customer's chat, a lead from the web form (three on SQLite,
three on PostgreSQL when TEST_POSTGRES_URL is set: see "Engines" below).

The real bot (`bot.app.run_polling`, polling, its outbox sender, the web server for the lead
form) runs in a subprocess against the Bot API sandbox served by this test process and the
same database. For each kill point a cause is done the way a person does it (buttons pressed,
a file sent, a card payment, the website posting the form); once the cause's outbox rows are
committed, the bot is SIGKILLed after a seeded random delay, and started again. The sandbox
delays every sendMessage (and the document's sendDocument / sendPhoto), so a kill often lands
with a send on the wire. The statement's 200 pushes take longer than one window, so it gets
4 kill points per statement: one after the commit, three after restarts while its pushes are
still going out.

Kill points: 12 per cause, one in each slice of the 0-400 ms window after the trigger (a
seeded random moment inside the slice), in turn (SLICES_MS). A push's life crosses the window
in order: rows committed, claimed, their sends begun (0-100 ms: eight 12.5 ms slices, where a
row recorded before its send is lost only to a kill within a few ms), a send held by the
sandbox or at Telegram and not yet recorded (100-250), all recorded, the bot idle (250-400).
Uniform random moments (20 per cause, on each engine, before) put 5 kills per engine in the
first 100 ms and the rest in the same later phases with repeats.

Engines: each cause runs on ONE engine, the causes split between SQLite and PostgreSQL, so a
killed bot is exercised on both. What the kill loop adds beyond a cause's own tests is the
outbox's claim / release-at-start / mark-sent path, which is the same code for every cause
(and has its engine-specific tests in test_outbox.py on both engines); each cause's
transaction (the effect and its outbox rows committed together) runs on both engines in its
own tests (test_payments, test_statement_import, test_delivery, test_leads, ...).

What is checked, from the sandbox's record of what reached each chat:
* every outbox row ends "sent" and its message arrived;
* each message arrived exactly 1 + (the kills at which its row was claimed and its message had
  already arrived: Telegram said yes, the process died before recording it) times. Nothing
  else arrives twice: no message is lost, none is doubled beyond the one in flight at a kill;
* per kill, at most one unrecorded message per chat (one sender sends a chat's messages one
  at a time);
* per cause, one push / receipt / team copy / document per cause, whatever the kills (an update
  Telegram delivers again after a kill records nothing new).
Each test prints its counts (`pytest -s` or `-rP`): kill points, messages, delivered, delivered
twice, claimed at a kill, already at Telegram at a kill. CRASH_SEED changes the kill points.

Restarts: importing aiogram and the app costs 3-4 s of CPU on this machine, and 6 x 12 kill
points need 72 restarts; so a warm "zygote" process imports everything once and forks a fresh
bot for each life. Each life is a new process (new pid, event loop, connections, PDF pool),
killed with SIGKILL together with its process group (its PDF workers die with it)."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import signal
import socket
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import pytest
from sqlalchemy import func, select, text

from bench.statement import BIK, OWN
from bot.i18n import create_i18n
from handlers.customer import KIND_CODES, Cu, CustomerCb
from handlers.delivery import DeliveryCb, Dv
from handlers.manual_payments import MpAction, MpCb
from handlers.notices import render_notice
from handlers.payments import PayAction, PayCb
from sandbox.client import SandboxClient
from sandbox.html import parse_html
from sandbox.server import BotApiSandbox
from sandbox.state import BotState, StoredMessage
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.clock import SystemClock
from services.invoices import InvoiceService, Line
from services.notices import (
    DOCUMENT,
    DOCUMENT_DELIVERED,
    DOCUMENT_QR,
    FILE_KINDS,
    LEAD_PUSH,
    NOTICE_KINDS,
    PAYMENT_APPLIED,
    PAYMENT_RECEIPT,
    PAYMENT_REVIEW,
    PAYMENT_TEAM,
)
from services.organizations import OrganizationService, seed_demo_organization
from services.pipelines import load_pipelines
from services.pricing import NO_VAT
from services.statements import generate_1c
from services.users import Role, User
from storage import models as m
from storage.db import create_engine
from storage.deals import sync_pipelines
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:" + "CrashPushTokenForTheSandbox_abcdefghi"[:35]
ADMIN = 1001
MANAGERS = (2001, 2002, 2003)
TEAM = 1990  # the team chat (payment copies)
FIRST_CUSTOMER = 300_000
LEAD_KEY = "crash-lead-key-0123456789"

# A kill lands 0-400 ms after its trigger: the i-th kill of a cause in the i-th (mod 12) slice
# of that window, at a seeded random moment inside the slice. Eight narrow slices where the
# rows are claimed and the sends begin (a bug there, e.g. a row recorded "sent" before its
# send, loses a message only to a kill within a few ms), four across the rest.
SLICES_MS = (0, 12, 25, 37, 50, 62, 75, 87, 100, 175, 250, 325, 400)
KILL_POINTS = len(SLICES_MS) - 1
SEND_DELAY = 0.1  # the sandbox holds every sendMessage this long before handling it
SEED = int(os.environ.get("CRASH_SEED", "20261120"))
CEILING = 60.0  # waits end at their event; this only bounds a hung bot
D = Decimal

# The warm process: imports the bot once, then forks one bot per life on "start" and kills
# that life's process group on "kill". It is a subreaper, so the killed bot's orphaned PDF
# workers come back to it to be reaped. One JSON event per line on stdout.
ZYGOTE = r"""
import asyncio, ctypes, gc, json, logging, os, signal, sys
import aiohttp.web
import sqlalchemy.orm
import bot.app, bot.web
import storage.models
from bot.settings import Settings

# The PDF worker of a life (the invoice cause renders one per life) is forked from the life
# with a warm engine instead of spawned: a spawned worker imports WeasyPrint, registers the
# fonts and compiles the templates again, 2-3 s per life. Warmed here, once, while this
# process has no other thread. The worker is still a child of the life, in its process group,
# and dies with it at a kill. (Spawn is the bot's choice for a long-lived process that forks
# from a running loop, bot/pdf.py; what this test kills is the outbox, not the pool.)
import multiprocessing
import bot.pdf

bot.pdf._worker_init(0)

class _ForkedPool:
    @staticmethod
    def get_context(method=None):
        return multiprocessing.get_context("fork" if method == "spawn" else method)

bot.pdf.multiprocessing = _ForkedPool()

# Work every life would repeat: the ORM's mappers configured, and what is imported frozen out
# of the collector (a life's first full collection would otherwise touch, and so copy, it all).
sqlalchemy.orm.configure_mappers()
gc.collect()
gc.freeze()

def say(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()

def life(values):
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    logging.basicConfig(level=logging.WARNING,
                        format="%(process)d %(name)s %(levelname)s %(message)s")
    settings = Settings(_env_file=None, **values)

    async def main():
        ready = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(bot.app.run_polling(settings, ready=ready))
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done():
            say(event="ready", pid=os.getpid())
        await task

    try:
        asyncio.run(main())
    finally:
        os._exit(1)

def reap(block=False):
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return

try:
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except Exception:
    pass
values = json.loads(sys.argv[1])
child = None
say(event="warm")
for line in sys.stdin:
    op = line.strip()
    if op == "start":
        pid = os.fork()
        if pid == 0:
            life(values)
        child = pid
        say(event="started", pid=pid)
    elif op in ("kill", "quit"):
        if child is not None:
            try:
                os.killpg(child, signal.SIGKILL)
            except ProcessLookupError:
                try:
                    os.kill(child, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os.waitpid(child, 0)
        reap(block=op == "quit")
        say(event="killed", pid=child)
        child = None
        if op == "quit":
            break
"""


# --------------------------------------------------------------------------- the bot process


class BotProcess:
    """The zygote (a subprocess of this test) and the bot life it forked."""

    def __init__(self, values: dict[str, Any], log: Path) -> None:
        self.values = values
        self.log_path = log
        self._log: TextIO | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self.pid: int | None = None
        self.lives = 0
        self.start_s: list[float] = []  # fork to polling, per life

    async def _event(self, name: str, timeout: float = CEILING) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                line = await asyncio.wait_for(self._proc.stdout.readline(),
                                              max(deadline - loop.time(), 0.01))
            except TimeoutError:
                raise AssertionError(f"no {name!r} from the bot process within {timeout:g}s; "
                                     f"log:\n{self.log_tail()}") from None
            if not line:
                raise AssertionError(f"the bot process ended waiting for {name!r}; "
                                     f"log:\n{self.log_tail()}")
            event = json.loads(line)
            if event.get("event") == name:
                return dict(event)

    def _send(self, op: str) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(op.encode() + b"\n")

    async def open(self) -> None:
        self._log = self.log_path.open("w")
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", ZYGOTE, json.dumps(self.values), cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._log)
        await self._event("warm", timeout=120)

    async def start(self) -> None:
        began = asyncio.get_running_loop().time()
        self._send("start")
        self.pid = int((await self._event("started"))["pid"])
        await self._event("ready")
        self.lives += 1
        self.start_s.append(asyncio.get_running_loop().time() - began)

    async def kill(self) -> None:
        self._send("kill")
        await self._event("killed")
        self.pid = None

    async def close(self) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.returncode is None:
                self._send("quit")
                await asyncio.wait_for(self._event("killed"), 30)
                await asyncio.wait_for(proc.wait(), 30)
        except (AssertionError, TimeoutError, BrokenPipeError, ConnectionResetError):
            if self.pid is not None:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(self.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        finally:
            if self._log is not None:
                self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"


# --------------------------------------------------------------------------- the seed


@dataclass(frozen=True)
class Inv:
    id: int
    number: str
    total_minor: int
    company: str
    manager_chat: int
    customer_chat: int | None


@dataclass
class World:
    admin: User
    managers: list[User]
    organization_id: int
    invoices: list[Inv] = field(default_factory=list)


async def seed_people(db: Database) -> World:
    """The pipelines, the admin, three managers and the demo organization (account OWN)."""
    clock = SystemClock()
    async with db.uow() as uow:
        await sync_pipelines(uow.session, load_pipelines(ROOT / "config" / "pipelines.toml"))
        await uow.commit()
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([ADMIN])
    managers = [
        await access.join(tid, (await access.create_invite(admin, Role.MANAGER)).token,
                          f"Manager {i + 1}", None, "en")
        for i, tid in enumerate(MANAGERS)]
    org = await seed_demo_organization(OrganizationService(db.uow, clock, 5))
    return World(admin, managers, org.id)


def total_of(n: int) -> int:
    """Distinct totals (minor units), so an amount alone points at one invoice."""
    return 150_000 + n * 731


async def seed_invoices(db: Database, world: World, count: int,
                        bound: Callable[[int], bool] = lambda n: True) -> list[Inv]:
    """`count` issued invoices INV-<year>-00001…, each of its own company, owned by the three
    managers in turn; the customer of invoice n (when `bound(n)`) has a Telegram chat bound to
    the bot (FIRST_CUSTOMER + n). Inserted in bulk: a statement needs a thousand of them."""
    now = datetime.now(UTC)
    today = now.date()
    issued = today - timedelta(days=3)
    numbers = range(1, count + 1)
    owners = {n: world.managers[(n - 1) % len(world.managers)] for n in numbers}
    async with db.uow() as uow:
        s = uow.session
        series = m.NumberSeries(organization_id=world.organization_id, kind="invoice",
                                year=today.year, prefix="INV", last_number=count)
        companies = {n: m.Company(owner_id=owners[n].id, name=f"Клиент {n}",
                                  name_norm=f"клиент {n}", country="RU", created_at=now,
                                  updated_at=now) for n in numbers}
        customers = {n: m.User(telegram_id=FIRST_CUSTOMER + n, role=Role.CUSTOMER.value,
                               full_name=f"Customer {n}", language="en", is_active=True,
                               chat_dead=False, created_at=now)
                     for n in numbers if bound(n)}
        s.add_all([series, *companies.values(), *customers.values()])
        await s.flush()
        contacts = {n: m.Contact(owner_id=owners[n].id, company_id=companies[n].id,
                                 name=f"Customer {n}", name_norm=f"customer {n}",
                                 telegram_user_id=user.telegram_id, customer_user_id=user.id,
                                 language="en", created_at=now)
                    for n, user in customers.items()}
        s.add_all(list(contacts.values()))
        await s.flush()
        invoices = {n: m.Invoice(
            owner_id=owners[n].id, organization_id=world.organization_id,
            company_id=companies[n].id,
            contact_id=contacts[n].id if n in contacts else None, series_id=series.id,
            number=n, number_text=f"INV-{today.year}-{n:05d}", status="issued", currency="RUB",
            tax_mode="per_line", language="ru", subtotal_minor=total_of(n), vat_minor=0,
            total_minor=total_of(n), paid_minor=0, issue_date=issued,
            due_date=issued + timedelta(days=10), created_at=now, issued_at=now)
            for n in numbers}
        s.add_all(list(invoices.values()))
        await s.flush()
        out = [Inv(invoices[n].id, f"INV-{today.year}-{n:05d}", total_of(n), f"Клиент {n}",
                   owners[n].telegram_id, customers[n].telegram_id if n in customers else None)
               for n in numbers]
        await uow.commit()
    world.invoices = out
    return out


async def seed_documents(db: Database, world: World, count: int) -> list[Inv]:
    """`count` invoices with a line, issued through the service (they are rendered), each of
    a company whose contact has a bound chat."""
    clock = SystemClock()
    clients = ClientService(db.uow, clock)
    invoices = InvoiceService(db.uow, clock, "UTC", 5)
    out = []
    for n in range(1, count + 1):
        owner = world.managers[(n - 1) % len(world.managers)]
        company = await clients.create_company(owner, CompanyDraft(name=f"Клиент {n}"))
        async with db.uow() as uow:
            customer = await uow.users.add(FIRST_CUSTOMER + n, Role.CUSTOMER, f"Customer {n}",
                                           None, "en", None)
            uow.session.add(m.Contact(
                owner_id=owner.id, company_id=company.id, name=f"Customer {n}",
                name_norm=f"customer {n}", telegram_user_id=FIRST_CUSTOMER + n,
                customer_user_id=customer.id, language="en"))
            await uow.commit()
        draft = await invoices.create_draft(owner, company.id)
        await invoices.add_line(owner, draft.id, Line("Работы", D(1), D(total_of(n)) / 100,
                                                      NO_VAT))
        done = await invoices.issue(owner, draft.id)
        assert done.number_text is not None
        out.append(Inv(done.id, done.number_text, total_of(n), f"Клиент {n}",
                       owner.telegram_id, FIRST_CUSTOMER + n))
    world.invoices = out
    return out


async def seeded(database_url: str,
                 seed: Callable[[Database, World, int], Awaitable[list[Inv]]],
                 count: int = KILL_POINTS) -> list[Inv]:
    """The people, then `count` of what `seed` adds for them (in a database of its own)."""
    db = Database(create_engine(database_url))
    try:
        return await seed(db, await seed_people(db), count)
    finally:
        await db.dispose()


def statement(txs: Sequence[dict[str, Any]]) -> bytes:
    return generate_1c(OWN, BIK, list(txs))


def paid_by_number(invoices: Sequence[Inv], first_doc: int) -> bytes:
    today = date.today()
    return statement([
        {"direction": "in", "date": today, "number": str(first_doc + i),
         "amount": D(inv.total_minor) / 100, "counterparty_inn": "",
         "counterparty_account": f"40702810{first_doc + i:012d}",
         "counterparty_name": f"ООО {inv.company}",
         "purpose": f"Оплата по счету {inv.number}, без НДС"}
        for i, inv in enumerate(invoices)])


def only_amounts(invoices: Sequence[Inv]) -> bytes:
    """Payments that name no invoice and no payer tax id: the amount alone points at one
    invoice, which a person confirms (review, "Apply to …")."""
    today = date.today()
    return statement([
        {"direction": "in", "date": today, "number": str(9000 + i),
         "amount": D(inv.total_minor) / 100, "counterparty_inn": "",
         "counterparty_account": f"40817810{9000 + i:012d}",
         "counterparty_name": f"Плательщик {i}", "purpose": "оплата"}
        for i, inv in enumerate(invoices)])


# --------------------------------------------------------------------------- the run


Sig = tuple[Any, ...]


def message_sig(state: BotState, msg: StoredMessage) -> Sig:
    """What identifies a message the bot sent: the chat and its text as first sent (a review
    request is edited once answered), or its file."""
    stored = state.files.get(msg.file_id) if msg.file_id else None
    if stored is not None and stored.kind == "document":
        return (msg.chat_id, "document", stored.file_name)
    if stored is not None and stored.kind == "photo":
        return (msg.chat_id, "photo")
    return (msg.chat_id, "text", msg.edits[0]["text"] if msg.edits else msg.text)


@dataclass
class Row:
    id: int
    kind: str
    chat_id: int
    status: str
    payload: dict[str, Any]


@dataclass
class KillPoint:
    label: str
    delay_ms: int
    claimed: int  # rows claimed by the killed process
    arrived: list[int]  # ...of which Telegram had the message already: sent again after


class CrashRun:
    """One cause's run: the sandbox, the bot process, the kill points and the bookkeeping."""

    def __init__(self, cause: str, database_url: str, tmp_path: Path,
                 settings: dict[str, Any] | None = None,
                 slow: Sequence[str] = ("sendMessage",), send_delay: float = SEND_DELAY) -> None:
        self.cause = cause
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.extra = settings or {}
        self.slow = slow
        self.send_delay = send_delay
        self.rng = random.Random(f"{cause}:{SEED}")
        self.sandbox = BotApiSandbox(global_rate=None, per_chat_rate=None)
        self.db = Database(create_engine(database_url))
        self.client: SandboxClient | None = None
        self.bot: BotProcess | None = None
        self.kills: list[KillPoint] = []
        self.resent: Counter[int] = Counter()  # row id -> arrivals the outbox did not record
        self.baseline: Counter[Sig] = Counter()
        self.i18n = create_i18n("en")

    # -- life cycle

    async def open(self, world_users: Sequence[int | None]) -> None:
        await self.sandbox.start()
        self.client = SandboxClient(self.sandbox.base_url, TOKEN)
        state = self.sandbox.state(TOKEN)
        for uid in filter(None, world_users):
            # Telegram lets a bot write only into chats a user started.
            state.add_user(uid, f"User{uid}", language_code="en")
            state.open_chat(uid)
        for method in self.slow:
            self.sandbox.inject("slow", method, count=10**9, delay=self.send_delay)
        values: dict[str, Any] = {
            "bot_token": TOKEN, "database_url": self.database_url,
            "telegram_api_url": self.sandbox.base_url, "admin_ids": [ADMIN],
            "default_language": "en", "default_timezone": "UTC", "redis_url": None,
            # The sandbox's flood limits are off here (429 handling has its own tests): the
            # kill windows stay about the sends themselves.
            "telegram_rate": 1000.0, "telegram_chat_rate": 1000.0, "telegram_chat_burst": 100,
            "pdf_warmup": False, "pdf_workers": 1, "web_enabled": False,
            "strict_outbox": True,
        }
        values.update(self.extra)
        name = "".join(ch if ch.isalnum() else "-" for ch in self.cause)
        self.bot = BotProcess(values, self.tmp_path / f"bot-{name}.log")
        await self.bot.open()
        await self.bot.start()

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self.client is not None:
            await self.client.close()
        await self.sandbox.stop()
        await self.db.dispose()

    # -- reading the outbox

    async def last_row_id(self) -> int:
        async with self.db.uow(readonly=True) as uow:
            return int(await uow.session.scalar(select(func.max(m.OutboxMessage.id))) or 0)

    async def rows(self) -> list[Row]:
        t = m.OutboxMessage
        async with self.db.uow(readonly=True) as uow:
            result = await uow.session.execute(
                select(t.id, t.kind, t.chat_id, t.status, t.payload).order_by(t.id))
            found: Any = result.all()
            return [Row(int(i), str(k), int(c or 0), str(s), dict(p or {}))
                    for i, k, c, s, p in found]

    async def unfinished(self) -> int:
        t = m.OutboxMessage
        async with self.db.uow(readonly=True) as uow:
            return int(await uow.session.scalar(select(func.count()).where(
                t.status.in_(("pending", "claimed")))) or 0)

    async def committed(self, after: int, what: str) -> None:
        """Returns once rows beyond `after` exist: the cause's transaction committed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CEILING
        while await self.last_row_id() <= after:
            assert loop.time() < deadline, f"{self.cause}: {what} queued nothing; log:\n" + (
                self.bot.log_tail() if self.bot else "")
            await asyncio.sleep(0.005)

    async def settled(self) -> None:
        """Returns once nothing is pending or claimed (everything due was sent)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CEILING
        while (left := await self.unfinished()) > 0:
            assert loop.time() < deadline, f"{self.cause}: {left} message(s) never sent"
            await asyncio.sleep(0.01)

    # -- the sandbox's record

    def arrived(self) -> Counter[Sig]:
        state = self.sandbox.state(TOKEN)
        return Counter(message_sig(state, msg)
                       for chat in state.chats.values() for msg in chat.messages.values()
                       if msg.from_bot and not msg.deleted)

    async def row_sigs(self, rows: Sequence[Row]) -> dict[int, Sig]:
        ids = {int(r.payload["stored_document_id"]) for r in rows if r.kind == DOCUMENT}
        names: dict[int, str] = {}
        if ids:
            async with self.db.uow(readonly=True) as uow:
                result = await uow.session.execute(
                    select(m.Document.id, m.Document.filename).where(m.Document.id.in_(ids)))
                names = {int(i): str(n) for i, n in result.all()}
        out: dict[int, Sig] = {}
        for r in rows:
            if r.kind == DOCUMENT:
                out[r.id] = (r.chat_id, "document", names[int(r.payload["stored_document_id"])])
            elif r.kind == DOCUMENT_QR:
                out[r.id] = (r.chat_id, "photo")
            else:
                lang = r.payload.get("lang")
                locale = lang if lang in self.i18n.available_locales else "en"
                with self.i18n.context(), self.i18n.use_locale(locale):
                    text, _ = render_notice(r.kind, r.payload)
                out[r.id] = (r.chat_id, "text", parse_html(text)[0])
        return out

    # -- kill points

    async def kill_point(self, label: str) -> KillPoint:
        """SIGKILL at a random moment of the next slice of 0-400 ms, look at what was in
        flight, start a new life."""
        assert self.bot is not None
        i = len(self.kills) % KILL_POINTS
        low, high = SLICES_MS[i] / 1000, SLICES_MS[i + 1] / 1000
        delay = low + self.rng.random() * (high - low)
        await asyncio.sleep(delay)
        await self.bot.kill()
        # A send the sandbox was holding either completes or is dropped with its
        # connection; wait it out so the record below is final until the next life.
        await asyncio.sleep(self.send_delay + 0.05)
        await self.dead_backends_gone()
        claimed = [r for r in await self.rows() if r.status == "claimed"]
        now = self.arrived()
        sigs = await self.row_sigs(claimed)
        arrived = [r.id for r in claimed if now[sigs[r.id]] > self.baseline[sigs[r.id]]]
        self.resent.update(arrived)
        self.baseline = now
        point = KillPoint(label, round(delay * 1000), len(claimed), arrived)
        self.kills.append(point)
        await self.bot.start()
        return point

    async def dead_backends_gone(self) -> None:
        """On PostgreSQL a COMMIT the killed bot had already sent is applied by its server
        backend, which a loaded machine may run only later: wait until no other backend of
        this (per-worker) database is busy, so the statuses read next are final. A killed
        SQLite writer has nothing left to apply."""
        if self.db.dialect != "postgresql":
            return
        busy = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    " AND state <> 'idle'")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CEILING
        while True:
            async with self.db.uow(readonly=True) as uow:
                if not await uow.session.scalar(busy):
                    return
            assert loop.time() < deadline, f"{self.cause}: the killed bot's backend lingers"
            await asyncio.sleep(0.01)

    async def cause_then_kill(self, label: str, act: Callable[[], Awaitable[Any]]) -> None:
        after = await self.last_row_id()
        await act()
        await self.committed(after, label)
        await self.kill_point(label)

    # -- the verdict

    async def verify(self, expected: Counter[tuple[str, int, str]],
                     key: Callable[[Row], str]) -> dict[str, int]:
        """Every row sent and arrived 1 + (times in flight at a kill) times; per cause, the
        rows are exactly `expected` ((kind, chat, what) -> 1)."""
        await self.settled()
        rows = await self.rows()
        assert {r.status for r in rows} == {"sent"}, Counter(r.status for r in rows)
        assert {r.kind for r in rows} <= NOTICE_KINDS | FILE_KINDS
        assert Counter((r.kind, r.chat_id, key(r)) for r in rows) == expected
        sigs = await self.row_sigs(rows)
        assert len(set(sigs.values())) == len(rows), "two rows would look the same"
        now = self.arrived()
        wrong = {r.id: (r.kind, now[sigs[r.id]], 1 + self.resent[r.id]) for r in rows
                 if now[sigs[r.id]] != 1 + self.resent[r.id]}
        assert not wrong, f"{self.cause}: (kind, arrived, expected) by row: {wrong}"
        twice = sum(1 for r in rows if now[sigs[r.id]] >= 2)
        counts = {
            "kill points": len(self.kills),
            "bot lives": self.bot.lives if self.bot else 0,
            "messages expected": len(rows),
            "delivered": sum(1 for r in rows if now[sigs[r.id]] >= 1),
            "delivered twice": twice,
            "in flight at a kill (claimed)": sum(k.claimed for k in self.kills),
            "...already at Telegram": sum(len(k.arrived) for k in self.kills),
            "kills with a send on the wire or unrecorded": sum(
                1 for k in self.kills if k.claimed),
            "restart median ms": round(1000 * sorted(self.bot.start_s)[
                len(self.bot.start_s) // 2]) if self.bot and self.bot.start_s else 0,
        }
        assert counts["kill points"] >= KILL_POINTS
        # One sender sends one message per chat at a time: per kill, at most one message of
        # a chat had reached Telegram unrecorded.
        by_id = {r.id: r for r in rows}
        for k in self.kills:
            chats = [by_id[i].chat_id for i in k.arrived]
            assert len(chats) == len(set(chats)), k
        print(f"\ncrash test, {self.cause} (seed {SEED}, {self.db.dialect}): "
              + ", ".join(f"{name} {value}" for name, value in counts.items()))
        for k in self.kills:
            print(f"  {k.label}: +{k.delay_ms} ms, {k.claimed} claimed, "
                  f"{len(k.arrived)} already at Telegram")
        return counts


def by_invoice(r: Row) -> str:
    if r.kind in (PAYMENT_APPLIED, PAYMENT_TEAM, PAYMENT_RECEIPT):
        return str(r.payload["invoice_number"])
    if r.kind == PAYMENT_REVIEW:
        return ",".join(str(c["number_text"]) for c in r.payload["candidates"])
    if r.kind in (DOCUMENT, DOCUMENT_QR, DOCUMENT_DELIVERED):
        return f"{r.payload.get('subject_kind', 'invoice')}{r.payload.get('subject_id', '')}"
    if r.kind == LEAD_PUSH:
        return f"lead{r.payload['lead_id']}"
    return ""


def payment_messages(invoices: Sequence[Inv], team: int | None) -> Counter[tuple[str, int, str]]:
    want: Counter[tuple[str, int, str]] = Counter()
    for inv in invoices:
        want[(PAYMENT_APPLIED, inv.manager_chat, inv.number)] += 1
        if team is not None:
            want[(PAYMENT_TEAM, team, inv.number)] += 1
        if inv.customer_chat is not None:
            want[(PAYMENT_RECEIPT, inv.customer_chat, inv.number)] += 1
    return want


async def payments_of(db: Database) -> list[tuple[int, int]]:
    """(invoice, paid) of every invoice touched by money."""
    async with db.uow(readonly=True) as uow:
        result = await uow.session.execute(
            select(m.Invoice.id, m.Invoice.paid_minor).where(m.Invoice.paid_minor > 0)
            .order_by(m.Invoice.id))
        return [(int(i), int(p)) for i, p in result.all()]


async def anchor(run: CrashRun, user: int, text: str = "/start") -> int:
    """A bot message in the user's chat to press forged buttons on (what a button of an
    older message does)."""
    assert run.client is not None
    await run.client.send_text(user, text)
    return int((await run.client.wait_for(user, timeout=CEILING))["message_id"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- the six causes


pytestmark = [pytest.mark.timeout(600)]
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ON_POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@ON_SQLITE
async def test_manual_payment_push_survives_kills(database_url: str, tmp_path: Path) -> None:
    invoices = await seeded(database_url, seed_invoices)
    run = CrashRun("manual payment", database_url, tmp_path, {"team_chat_id": TEAM})
    try:
        await run.open([ADMIN, *MANAGERS, TEAM, *(i.customer_chat for i in invoices)])
        client = run.client
        assert client is not None
        anchors = {mgr: await anchor(run, mgr) for mgr in MANAGERS}
        for n, inv in enumerate(invoices):
            async def record(inv: Inv = inv) -> None:
                mgr = inv.manager_chat
                await client.press_raw(mgr, anchors[mgr],
                                       MpCb(action=MpAction.CASH, invoice=inv.id).pack())
                ask = await client.wait_for(mgr, lambda v: "How much was received" in (
                    v["text"] or ""), timeout=CEILING)
                await client.press(mgr, ask["message_id"], callback_data=MpCb(
                    action=MpAction.ALL, invoice=inv.id).pack())

            await run.cause_then_kill(f"payment {n + 1} ({inv.number})", record)
            await run.settled()
        await run.verify(payment_messages(invoices, TEAM), by_invoice)
        assert await payments_of(run.db) == [(i.id, i.total_minor) for i in invoices]
    finally:
        await run.close()


@ON_POSTGRES
async def test_card_payment_push_survives_kills(database_url: str, tmp_path: Path) -> None:
    invoices = await seeded(database_url, seed_invoices)
    run = CrashRun("card payment", database_url, tmp_path,
                   {"team_chat_id": TEAM, "payment_provider_token": "284685063:TEST:card"})
    try:
        await run.open([ADMIN, *MANAGERS, TEAM, *(i.customer_chat for i in invoices)])
        client = run.client
        assert client is not None
        # Each customer taps Pay on their invoice: a Telegram invoice for what is due.
        telegram_invoices = {}
        for inv in invoices:
            assert inv.customer_chat is not None
            where = await anchor(run, inv.customer_chat, "/documents")
            await client.press_raw(inv.customer_chat, where, CustomerCb(
                action=Cu.PAY, k=KIND_CODES["invoice"], id=inv.id).pack())
            sent = await client.wait_for(inv.customer_chat,
                                         lambda v: v.get("invoice") is not None,
                                         timeout=CEILING)
            telegram_invoices[inv.id] = int(sent["message_id"])
        for n, inv in enumerate(invoices):
            async def pay(inv: Inv = inv, n: int = n) -> None:
                assert inv.customer_chat is not None
                await client.successful_payment(inv.customer_chat, telegram_invoices[inv.id],
                                                telegram_payment_charge_id=f"crash-{n}")

            await run.cause_then_kill(f"card payment {n + 1} ({inv.number})", pay)
            await run.settled()
        await run.verify(payment_messages(invoices, TEAM), by_invoice)
        assert await payments_of(run.db) == [(i.id, i.total_minor) for i in invoices]
    finally:
        await run.close()


STATEMENTS = 3  # 3 x 4 kill points: after the commit, then after restarts mid-delivery
PER_STATEMENT = 200
KILLS_PER_STATEMENT = 4


@ON_POSTGRES
async def test_statement_pushes_to_three_managers_survive_kills(
        database_url: str, tmp_path: Path) -> None:
    db = Database(create_engine(database_url))
    try:
        world = await seed_people(db)
        # Every tenth customer has a bound chat: their receipts go out with the pushes.
        invoices = await seed_invoices(db, world, STATEMENTS * PER_STATEMENT,
                                       bound=lambda n: n % 10 == 0)
    finally:
        await db.dispose()
    # 200 pushes per statement: a shorter hold per send keeps each statement's delivery at
    # a couple of seconds, across which its four kill points fall.
    run = CrashRun("statement of 200 payments, 3 managers", database_url, tmp_path,
                   send_delay=0.02)
    try:
        await run.open([ADMIN, *MANAGERS, *(i.customer_chat for i in invoices)])
        client = run.client
        assert client is not None
        for j in range(STATEMENTS):
            part = invoices[j * PER_STATEMENT:(j + 1) * PER_STATEMENT]
            assert {i.manager_chat for i in part} == set(MANAGERS)
            data = paid_by_number(part, first_doc=1 + j * PER_STATEMENT)

            async def upload(data: bytes = data, j: int = j) -> None:
                await client.send_document(ADMIN, f"statement-{j + 1}.txt", data)

            await run.cause_then_kill(f"statement {j + 1}, after its commit", upload)
            for k in range(2, KILLS_PER_STATEMENT + 1):
                await run.kill_point(f"statement {j + 1}, kill {k}, after a restart")
            await run.settled()
        await run.verify(payment_messages(invoices, None), by_invoice)
        assert await payments_of(run.db) == [(i.id, i.total_minor) for i in invoices]
    finally:
        await run.close()


@ON_SQLITE
async def test_apply_on_a_doubtful_payment_survives_kills(
        database_url: str, tmp_path: Path) -> None:
    invoices = await seeded(database_url, seed_invoices)
    run = CrashRun("apply on a doubtful payment", database_url, tmp_path,
                   {"team_chat_id": TEAM})
    try:
        await run.open([ADMIN, *MANAGERS, TEAM, *(i.customer_chat for i in invoices)])
        client = run.client
        assert client is not None
        # A statement whose payments name nothing: each manager is asked about theirs.
        await client.send_document(ADMIN, "doubtful.txt", only_amounts(invoices))
        summary = await client.wait_for(ADMIN, lambda v: (v["text"] or "").startswith(
            "Statement:"), timeout=CEILING)
        assert f"{KILL_POINTS} need your decision" in summary["text"], summary["text"]
        await run.settled()
        async with run.db.uow(readonly=True) as uow:
            by_amount = {int(a): int(i) for i, a in (await uow.session.execute(
                select(m.Payment.id, m.Payment.amount_minor))).all()}
        state = run.sandbox.state(TOKEN)
        for n, inv in enumerate(invoices):
            data = PayCb(action=PayAction.APPLY, payment=by_amount[inv.total_minor],
                         invoice=inv.id).pack()
            (review,) = [
                msg.message_id for msg in state.chats[inv.manager_chat].messages.values()
                if any(b.get("callback_data") == data
                       for row in (msg.reply_markup or {}).get("inline_keyboard", [])
                       for b in row)]

            async def apply(inv: Inv = inv, review: int = review, data: str = data) -> None:
                await client.press(inv.manager_chat, review, callback_data=data)

            await run.cause_then_kill(f"apply {n + 1} ({inv.number})", apply)
            await run.settled()
        expected = payment_messages(invoices, TEAM)
        expected.update((PAYMENT_REVIEW, i.manager_chat, i.number) for i in invoices)
        await run.verify(expected, by_invoice)
        assert await payments_of(run.db) == [(i.id, i.total_minor) for i in invoices]
    finally:
        await run.close()


# A sendDocument / sendPhoto whose client was killed while aiohttp was still reading the
# upload leaves aiohttp's temporary file to the collector (a ResourceWarning: the sandbox
# closes the parts only once it has them). Collected before the test ends, so the warning is
# not blamed on another test.
@ON_SQLITE
@pytest.mark.filterwarnings("ignore:Unclosed file <tempfile.SpooledTemporaryFile:ResourceWarning")
async def test_invoice_into_the_customers_chat_survives_kills(
        database_url: str, tmp_path: Path) -> None:
    invoices = await seeded(database_url, seed_documents)
    run = CrashRun("invoice into the customer's chat", database_url, tmp_path,
                   slow=("sendMessage", "sendDocument", "sendPhoto"))
    try:
        await run.open([ADMIN, *MANAGERS, *(i.customer_chat for i in invoices)])
        client = run.client
        assert client is not None
        anchors = {mgr: await anchor(run, mgr) for mgr in MANAGERS}
        for n, inv in enumerate(invoices):
            async def send(inv: Inv = inv) -> None:
                await client.press_raw(inv.manager_chat, anchors[inv.manager_chat], DeliveryCb(
                    action=Dv.CHAT, k=KIND_CODES["invoice"], id=inv.id).pack())

            await run.cause_then_kill(f"invoice {n + 1} ({inv.number})", send)
            await run.settled()
        expected: Counter[tuple[str, int, str]] = Counter()
        for inv in invoices:
            assert inv.customer_chat is not None
            expected[(DOCUMENT, inv.customer_chat, f"invoice{inv.id}")] += 1
            expected[(DOCUMENT_QR, inv.customer_chat, "invoice")] += 1
            expected[(DOCUMENT_DELIVERED, inv.manager_chat, f"invoice{inv.id}")] += 1
        await run.verify(expected, by_invoice)
        # Recorded once each, whatever was sent twice: one delivery row, the invoice "sent".
        async with run.db.uow(readonly=True) as uow:
            s = uow.session
            delivered: Any = (await s.execute(
                select(m.Document.subject_id, func.count(m.DocumentDelivery.id))
                .join(m.DocumentDelivery, m.DocumentDelivery.document_id == m.Document.id)
                .where(m.DocumentDelivery.channel == "telegram")
                .group_by(m.Document.subject_id))).all()
            statuses = set((await s.scalars(select(m.Invoice.status))).all())
        assert sorted((int(i), int(c)) for i, c in delivered) == [(i.id, 1) for i in invoices]
        assert statuses == {"sent"}
    finally:
        await run.close()
        gc.collect()


@ON_POSTGRES
async def test_web_form_lead_push_survives_kills(database_url: str, tmp_path: Path) -> None:
    db = Database(create_engine(database_url))
    try:
        await seed_people(db)
    finally:
        await db.dispose()
    port = free_port()
    run = CrashRun("lead from the web form", database_url, tmp_path,
                   {"web_enabled": True, "web_host": "127.0.0.1", "web_port": port,
                    "lead_api_key": LEAD_KEY})
    try:
        await run.open([ADMIN, *MANAGERS])
        # A new connection per form: the bot's server dies with each kill.
        async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(force_close=True)) as http:
            for n in range(KILL_POINTS):
                async def post(n: int = n) -> None:
                    async with http.post(
                            f"http://127.0.0.1:{port}/api/leads",
                            json={"name": f"Lead {n + 1}", "phone": f"+7 916 123-45-{n:02d}",
                                  "topic": "crash test"},
                            headers={"X-Api-Key": LEAD_KEY}) as resp:
                        assert resp.status == 201, await resp.text()

                await run.cause_then_kill(f"lead {n + 1}", post)
                await run.settled()
        async with run.db.uow(readonly=True) as uow:
            leads = (await uow.session.execute(
                select(m.Lead.id, m.User.telegram_id).join(m.User, m.User.id == m.Lead.owner_id)
            )).all()
        assert len(leads) == KILL_POINTS
        await run.verify(Counter((LEAD_PUSH, int(tg), f"lead{i}") for i, tg in leads),
                         by_invoice)
    finally:
        await run.close()
