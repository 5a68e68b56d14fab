"""Crash test: 1,000 due messages dispatched by a separate process to the Bot API sandbox
(served by this test process); the dispatcher is SIGKILLed midway and started again.
None is lost; duplicates are at most the rows that were claimed (in flight) at the kill.

On PostgreSQL only: the restarted dispatcher takes the dead one's claims over after their lease
(FOR UPDATE SKIP LOCKED, the multi-process engine). A killed process on SQLite is exercised by
test_crash_pushes (three causes there run on SQLite, a real bot killed 8 times each), and the
lease takeover itself on both engines by test_outbox.py."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sandbox.server import BotApiSandbox
from services.outbox import NewOutboxMessage
from storage import models as m
from storage.outbox import SqlOutboxRepository
from storage.uow import Database

TOKEN = "123456789:" + "CrashTestTokenForTheSandbox_abcdefgh"[:35]
COUNT = 1000
FIRST_CHAT = 500_000

DISPATCHER = """
import asyncio, sys
from datetime import timedelta
from aiogram.utils.i18n import I18n
from bot.i18n import create_i18n
from bot.outbox_sender import OutboxSender
from bot.scheduler import build_dispatcher
from bot.telegram import RateLimiter, create_bot
from services.alerts import AlertService
from services.clock import SystemClock
from storage.db import create_engine
from storage.uow import Database

async def main(url, api, token):
    db = Database(create_engine(url))
    clock = SystemClock()
    bot = create_bot(token, api, limiter=RateLimiter(10000, 10000, 10000))
    alerts = AlertService(db.uow, clock)
    sender = OutboxSender(bot, alerts, create_i18n("en"), clock)
    dispatcher = build_dispatcher(db, sender, clock, batch=50, lease=timedelta(seconds=2))
    print("ready", flush=True)
    while True:
        if await dispatcher.run_once() == 0:
            await asyncio.sleep(0.05)

asyncio.run(main(*sys.argv[1:4]))
"""


async def start_dispatcher(url: str, api: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        DISPATCHER,
        url,
        api,
        TOKEN,
        stdout=asyncio.subprocess.PIPE,
        cwd=os.getcwd(),
    )
    assert proc.stdout is not None
    assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"ready"
    return proc


async def count(db: Database, status: str) -> int:
    t = m.OutboxMessage
    async with db.uow(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).where(t.status == status)) or 0)


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_killed_dispatcher_loses_nothing(db: Database, database_url: str) -> None:
    sandbox = BotApiSandbox(global_rate=None, per_chat_rate=None)
    await sandbox.start()
    state = sandbox.state(TOKEN)
    for i in range(COUNT):
        state.open_chat(FIRST_CHAT + i)
    now = datetime.now(UTC) - timedelta(seconds=1)
    await SqlOutboxRepository(db).enqueue(
        [
            NewOutboxMessage(
                key=f"crash:{i}",
                channel="telegram",
                kind="note",
                due_at=now,
                chat_id=FIRST_CHAT + i,
                payload={"text": f"message {i}"},
            )
            for i in range(COUNT)
        ]
    )
    procs = []
    try:
        proc = await start_dispatcher(database_url, sandbox.base_url)
        procs.append(proc)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while len(state.calls) < COUNT // 3:
            assert loop.time() < deadline, "the dispatcher sends nothing"
            await asyncio.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        sent_at_kill = await count(db, "sent")
        in_flight = await count(db, "claimed")
        assert 0 < sent_at_kill < COUNT
        procs.append(await start_dispatcher(database_url, sandbox.base_url))
        deadline = loop.time() + 90
        while await count(db, "sent") < COUNT:
            assert loop.time() < deadline, f"only {await count(db, 'sent')} sent"
            await asyncio.sleep(0.2)
    finally:
        for p in procs:
            if p.returncode is None:
                p.send_signal(signal.SIGKILL)
                await p.wait()
        await sandbox.stop()
    per_chat = [
        sum(1 for msg in state.chats[FIRST_CHAT + i].messages.values() if msg.from_bot)
        for i in range(COUNT)
    ]
    duplicates = sum(per_chat) - COUNT
    print(
        f"\ncrash test: {sent_at_kill} marked sent at the kill, {in_flight} claimed (in "
        f"flight), {duplicates} duplicate message(s) after the restart"
    )
    assert min(per_chat) == 1, "a message was lost"
    assert 0 <= duplicates <= in_flight
    assert await count(db, "pending") == 0 and await count(db, "claimed") == 0
