"""Two `dealchat run --webhook` processes behind one port (WEBHOOK_REUSE_PORT, SO_REUSEPORT),
sharing PostgreSQL and Redis: updates posted over fresh connections are spread over both, and
every effect happens exactly once - each update handled by one process, each typed lead saved
once, each answer sent once, each website lead's push (the outbox, claimed FOR UPDATE SKIP
LOCKED by both processes' senders) delivered once. Skipped without TEST_REDIS_URL: several
processes keep their FSM state in Redis (REDIS_URL); the database's FSM store is one
process's (it caches)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bench.scale import free_port, quiet_zone
from sandbox.server import BotApiSandbox
from storage.db import create_engine
from tests.conftest import REDIS_SKIP, REDIS_URL, truncate_all

# Two real bot processes start (imports, migrations checked, admins bootstrapped): a
# ceiling for a loaded machine, not an expected time.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:" + "TwoWebhookProcessesTokenForSandbox_xy"[:35]
SECRET = "two-processes-secret"
LEAD_KEY = "two-processes-lead-key"
DESK = 880_000  # website leads are assigned to this manager
MANAGERS = (880_001, 880_002)
REPLIES = {"sendMessage", "editMessageText", "editMessageReplyMarkup"}
HANDLED = re.compile(r"Update id=(\d+) is handled")
# Ceilings, not expected times: each wait ends at its event.
START_CEILING = 120.0
WAIT_CEILING = 60.0


class ApiOnlySandbox(BotApiSandbox):
    """Telegram's Bot API half; the test delivers the updates itself, over many connections,
    as Telegram's webhook does (the sandbox's own delivery is one connection)."""

    def _kick_webhook(self, bot: Any) -> None:
        return None




def bot_env(database_url: str, api_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update({
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "TELEGRAM_API_URL": api_url,
        "ADMIN_IDS": ",".join(map(str, (DESK, *MANAGERS))),
        "DEFAULT_LANGUAGE": "en",
        "DEFAULT_TIMEZONE": quiet_zone(),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_REUSE_PORT": "true",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "LEAD_API_KEY": LEAD_KEY,
        "LEAD_ASSIGNMENT": str(DESK),
        "PDF_WARMUP": "false",
        "PDF_WORKERS": "1",
        "TELEGRAM_CHAT_RATE": "1000",
        "TELEGRAM_CHAT_BURST": "1000",
        "STRICT_OUTBOX": "true",
    })
    assert REDIS_URL
    env.update({"REDIS_URL": REDIS_URL, "REDIS_PREFIX": f"two-{uuid.uuid4().hex[:8]}"})
    return env


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook"], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)


async def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    proc = spawn(env, log)
    deadline = time.monotonic() + START_CEILING
    while "webhook server on" not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the bot did not start:\n" + log.read_text()[-3000:]
        await asyncio.sleep(0.05)
    return proc


def answers(sandbox: BotApiSandbox, chat: int) -> int:
    """Answers the bot made in a chat (messages sent or edited), successful ones."""
    return sum(1 for c in sandbox.state(TOKEN).calls
               if c["method"] in REPLIES and c["status"] == 200
               and str(c["params"].get("chat_id")) == str(chat))


async def until(check: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_CEILING
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


class Telegram:
    """Posts updates to the shared port, each over a new connection (so the kernel picks a
    process for each), and waits for the bot's answers as the manager would."""

    def __init__(self, sandbox: BotApiSandbox, port: int) -> None:
        self.sandbox = sandbox
        self.url = f"http://127.0.0.1:{port}"
        self.next_id = 1
        self.sent: list[int] = []
        self.expected: Counter[int] = Counter()

    async def deliver(self, update: dict[str, Any]) -> None:
        update["update_id"] = self.next_id
        self.next_id += 1
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as s, \
                s.post(self.url + "/telegram/webhook", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            assert resp.status == 200, await resp.text()
        self.sent.append(update["update_id"])

    async def answered(self, user: int, more: int) -> Any:
        self.expected[user] += more
        await until(lambda: answers(self.sandbox, user) >= self.expected[user],
                    f"chat {user}: no answer to update {self.next_id - 1}")
        chat = self.sandbox.state(TOKEN).chats[user]
        return next(m for m in reversed(chat.messages.values()) if m.from_bot)

    async def say(self, user: int, said: str, more: int = 1) -> Any:
        await self.deliver({"message": {
            "message_id": 10_000 + self.next_id, "date": int(time.time()), "text": said,
            "from": {"id": user, "is_bot": False, "first_name": "Ann", "language_code": "en"},
            "chat": {"id": user, "type": "private", "first_name": "Ann"}}})
        return await self.answered(user, more)

    async def press(self, user: int, message: Any, prefix: str, suffix: str, more: int) -> Any:
        data = next(b["callback_data"] for row in message.reply_markup["inline_keyboard"]
                    for b in row if b.get("callback_data", "").startswith(prefix)
                    and b["callback_data"].endswith(suffix))
        state = self.sandbox.state(TOKEN)
        state.press(user, message.message_id, callback_data=data)
        await self.deliver(state.updates.pop())
        return await self.answered(user, more)

    async def type_lead(self, user: int, name: str, phone: str) -> None:
        await self.say(user, "/start")
        await self.say(user, "/lead")
        for value in (name, "Acme", phone, "ann@acme.ru", "Moscow"):
            await self.say(user, value)
        asked = await self.say(user, "Pallets")  # the source question, with its buttons
        summary = await self.press(user, asked, "lf:r:", ":call", 2)  # keyboard off, summary
        await self.press(user, summary, "lf:s:", "", 1)  # Save


async def test_two_webhook_processes_share_one_port_and_do_each_thing_once(
        pg_database: str, tmp_path: Path) -> None:
    if not REDIS_URL:
        pytest.skip(REDIS_SKIP)
    await truncate_all(pg_database)
    sandbox = ApiOnlySandbox(global_rate=None, per_chat_rate=None)
    await sandbox.start()
    state = sandbox.state(TOKEN)
    for uid in (DESK, *MANAGERS):
        state.add_user(uid, "Ann", language_code="en")
        state.open_chat(uid)
    port = free_port()
    env = bot_env(pg_database, sandbox.base_url, port)
    logs = [tmp_path / "bot0.log", tmp_path / "bot1.log"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        # Both at once, as a deployment restarts them: each bootstraps the same new ADMIN_IDS
        # at start, in turn (storage.migrate.one_at_a_time), and neither fails.
        procs.extend(await asyncio.gather(*(start(env, log) for log in logs)))
        telegram = Telegram(sandbox, port)
        await asyncio.gather(telegram.type_lead(MANAGERS[0], "Ann Lee", "+7 917 100-00-01"),
                             telegram.type_lead(MANAGERS[1], "Bob Ray", "+7 917 100-00-02"))
        async with aiohttp.ClientSession() as s:
            for n in (1, 2):
                async with s.post(f"http://127.0.0.1:{port}/api/leads",
                                  headers={"X-Api-Key": LEAD_KEY},
                                  json={"name": f"Visitor {n}",
                                        "phone": f"+7 916 200-00-0{n}"}) as resp:
                    assert resp.status == 201, await resp.text()
        await until(lambda: answers(sandbox, DESK) >= 2, "the website leads' pushes")
        # Both senders drain at least every 2 s: a second sending would show by now.
        await asyncio.sleep(5)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                await asyncio.to_thread(proc.wait, 60)
            except subprocess.TimeoutExpired:
                proc.kill()
        await sandbox.stop()

    handled = [[int(x) for x in HANDLED.findall(log.read_text(errors="replace"))]
               for log in logs]
    assert sorted(handled[0] + handled[1]) == sorted(telegram.sent)  # each once, none lost
    assert all(handled), f"one process handled everything: {[len(h) for h in handled]}"
    # Each manager's conversation: 11 answers, not one more; the desk: one push per lead.
    assert [answers(sandbox, u) for u in MANAGERS] == [11, 11]
    assert answers(sandbox, DESK) == 2
    pushes = [m.text for m in state.chats[DESK].messages.values() if m.from_bot]
    assert sorted(n for p in pushes for n in ("Visitor 1", "Visitor 2") if n in (p or "")) \
        == ["Visitor 1", "Visitor 2"], pushes
    assert all(c["status"] == 200 for c in state.calls if c["method"] != "getUpdates")
    engine = create_engine(pg_database)
    try:
        async with engine.connect() as conn:
            leads = Counter((await conn.execute(text("SELECT contact_name FROM leads")))
                            .scalars().all())
            outbox = (await conn.execute(text(
                "SELECT status, attempts, count(*) FROM outbox GROUP BY 1, 2"))).all()
    finally:
        await engine.dispose()
    assert leads == Counter({"Ann Lee": 1, "Bob Ray": 1, "Visitor 1": 1, "Visitor 2": 1})
    assert [tuple(r) for r in outbox] == [("sent", 0, 2)]
