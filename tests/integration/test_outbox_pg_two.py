"""Two dispatchers on two Database instances (two connection pools, as two processes would
have) working the same PostgreSQL outbox at once: every message reaches its chat exactly
once, and both did part of the work (FOR UPDATE SKIP LOCKED claims)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import create_i18n
from bot.outbox_sender import OutboxSender
from bot.scheduler import build_dispatcher
from bot.telegram import RateLimiter, create_bot
from sandbox.server import BotApiSandbox
from services.alerts import AlertService
from services.clock import FrozenClock
from services.outbox import NewOutboxMessage, OutboxDispatcher
from storage.db import create_engine
from storage.outbox import SqlOutboxRepository
from storage.uow import Database
from tests.conftest import truncate_all

TOKEN = "123456789:" + "TwoWorkersTokenForTheSandbox_abcdef"[:35]
COUNT = 400
FIRST_CHAT = 800_000

pytestmark = pytest.mark.postgres


async def drain(dispatcher: OutboxDispatcher) -> int:
    handled = 0
    while n := await dispatcher.run_once():
        handled += n
    return handled


async def test_two_dispatchers_never_send_a_message_twice(pg_database: str) -> None:
    await truncate_all(pg_database)
    sandbox = BotApiSandbox(global_rate=None, per_chat_rate=None)
    await sandbox.start()
    state = sandbox.state(TOKEN)
    for i in range(COUNT):
        state.open_chat(FIRST_CHAT + i)
    clock = FrozenClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    dbs = [Database(create_engine(pg_database)) for _ in range(2)]
    bots = [
        create_bot(TOKEN, sandbox.base_url, limiter=RateLimiter(10000, 10000, 10000))
        for _ in range(2)
    ]
    i18n = create_i18n("en")
    try:
        await SqlOutboxRepository(dbs[0]).enqueue(
            [
                NewOutboxMessage(
                    key=f"two:{i}",
                    channel="telegram",
                    kind="note",
                    due_at=clock.now() - timedelta(minutes=1),
                    chat_id=FIRST_CHAT + i,
                    payload={"text": f"message {i}"},
                )
                for i in range(COUNT)
            ]
        )
        dispatchers = []
        for n, (db, bot) in enumerate(zip(dbs, bots, strict=True)):
            sender = OutboxSender(
                bot,
                AlertService(db.uow, clock),
                i18n,  # type: ignore
                clock,
            )
            dispatcher = build_dispatcher(db, sender, clock, batch=20)
            dispatcher.worker_id = f"worker-{n}"
            dispatchers.append(dispatcher)
        handled = await asyncio.gather(*(drain(d) for d in dispatchers))
    finally:
        for bot in bots:
            await bot.session.close()
        for db in dbs:
            await db.dispose()
        await sandbox.stop()
    per_chat = Counter(
        {
            FIRST_CHAT + i: sum(
                1 for msg in state.chats[FIRST_CHAT + i].messages.values() if msg.from_bot
            )
            for i in range(COUNT)
        }
    )
    assert set(per_chat.values()) == {1}
    assert sum(handled) == COUNT
    assert min(handled) > 0, f"one worker did everything: {handled}"
