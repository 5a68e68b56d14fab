"""Runs the real bot (`run_polling`, the real aiogram HTTP session) against the Bot API
sandbox, and lets a test act as Telegram users through the sandbox's control API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.app import run_polling
from bot.settings import Settings
from sandbox.client import WAIT_CEILING, SandboxClient, eventually
from sandbox.server import BotApiSandbox
from services.clock import FrozenClock
from storage import models as m
from storage.uow import Database

TOKEN = "123456789:" + "E2eTestTokenForTheSandbox_abcdefghij"[:35]
ADMIN = 1001
# Ceilings, not expected times (see sandbox.client.WAIT_CEILING): a wait ends at its event.
# Starting includes migrating a fresh database, the slowest step on a loaded machine.
START_CEILING = 60.0
STOP_CEILING = 60.0


def make_settings(database_url: str, api_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "database_url": database_url,
        "telegram_api_url": api_url,
        "admin_ids": [ADMIN],
        "default_language": "en",
        "redis_url": None,
        # Conversations in tests are faster than a person types; the per-chat limit of both
        # the sandbox and the bot's limiter is raised together (429 handling has its tests).
        "telegram_chat_rate": 50.0,
        "telegram_chat_burst": 50,
        # PDF workers start on the first render; warming them for every test costs ~2 s CPU.
        "pdf_warmup": False,
        "web_port": 0,
        # A message sent on its own outside the outbox fails (tests/e2e/conftest.py).
        "strict_outbox": True,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Harness:
    sandbox: BotApiSandbox
    client: SandboxClient
    database_url: str
    clock: FrozenClock = field(default_factory=lambda: FrozenClock(datetime.now(UTC)))
    extra: dict[str, Any] = field(default_factory=dict)
    app: Any = None  # the running bot.app.App, once started
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def settings(self) -> Settings:
        return make_settings(self.database_url, self.sandbox.base_url, **self.extra)

    def today(self) -> date:
        """The bot's today: the frozen clock's date where the team works (the default time
        zone), which is tomorrow in UTC terms in the evening (after 21:00 UTC for Moscow)."""
        return self.clock.now().astimezone(ZoneInfo(self.settings.default_timezone)).date()

    async def start(self) -> None:
        polls_before = len(await self.client.calls("getUpdates"))
        self._stop = asyncio.Event()
        ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        task = self._task = asyncio.create_task(run_polling(self.settings, stop=self._stop,
                                                            clock=self.clock, ready=ready))

        async def polling() -> bool | None:
            if task.done():
                task.result()
                raise RuntimeError("the bot stopped before it began polling")
            if not ready.done():
                return None
            return len(await self.client.calls("getUpdates")) > polls_before or None

        await eventually(polling, "the bot did not start polling", START_CEILING, every=0.01)
        self.app = ready.result()

    async def stop(self) -> None:
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, STOP_CEILING)
        self._task = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def say(self, user_id: int, text: str, timeout: float = WAIT_CEILING
                  ) -> dict[str, Any]:
        """Sends `text` as the user and returns the bot's next message in that chat."""
        await self.client.send_text(user_id, text)
        return await self.client.wait_for(user_id, timeout=timeout)

    async def press(self, user_id: int, message: dict[str, Any], text: str,
                    timeout: float = WAIT_CEILING) -> dict[str, Any]:
        """Presses a button and returns the bot's next new message in that chat."""
        await self.client.press(user_id, message["message_id"], text=text)
        return await self.client.wait_for(user_id, timeout=timeout)

    async def press_for_answer(self, user_id: int, message_id: int,
                               callback_data: str | None = None, text: str | None = None,
                               forged: bool = False, timeout: float = WAIT_CEILING) -> str:
        """Presses a button (or forges a callback) and returns the callback answer's text."""
        if forged:
            assert callback_data is not None
            qid = await self.client.press_raw(user_id, message_id, callback_data)
        else:
            qid = await self.client.press(user_id, message_id, callback_data=callback_data,
                                          text=text)

        async def answered() -> str | None:
            answers = await self.client.callback_answers(qid)
            return str(answers[-1].get("text") or "") if answers else None

        return await eventually(answered, f"callback {qid} was not answered", timeout)

    async def settled(self, timeout: float = WAIT_CEILING) -> None:
        """Returns once the bot has handled every update sent so far: the sandbox holds none
        it has not taken, and no handler is still running. An answer a test then finds missing
        is not coming: the deterministic way to assert that nothing else was sent (what goes
        through the outbox is sent later, by the drain job, and is not covered)."""
        dp = self.app.dp

        async def idle() -> bool | None:
            if await self.client.updates():
                return None
            # aiogram confirms an update (the next getUpdates offset) only after creating
            # the task that handles it: no update left and no task running = all handled.
            busy = any(not t.done() for t in getattr(dp, "_handle_update_tasks", ()))
            return None if busy else True

        await eventually(idle, "the bot is still handling updates", timeout)


@contextlib.asynccontextmanager
async def running_bot(database_url: str, **extra: Any) -> AsyncIterator[Harness]:
    sandbox = BotApiSandbox(per_chat_rate=50.0, per_chat_burst=50)
    await sandbox.start()
    client = SandboxClient(sandbox.base_url, TOKEN)
    harness = Harness(sandbox, client, database_url, extra=extra)
    try:
        await harness.start()
        yield harness
    finally:
        await harness.stop()
        await client.close()
        await sandbox.stop()


def buttons(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message.get("buttons") or [] for b in row]


async def payment_pushes_delivered(db: Database, now: datetime) -> None:
    """A seeded payment's pushes count as delivered before the test: sent by the outbox
    whenever it wakes, they would otherwise land amid the replies a test waits for."""
    async with db.uow() as uow:
        await uow.session.execute(
            update(m.OutboxMessage).where(m.OutboxMessage.kind.in_(
                ("payment_applied", "payment_team", "payment_receipt")))
            .values(status="sent", sent_at=now))
        await uow.commit()
