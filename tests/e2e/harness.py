"""Runs the real bot (`run_polling`, the real aiogram HTTP session) against the Bot API
sandbox, and lets a test act as Telegram users through the sandbox's control API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.app import run_polling
from bot.settings import Settings
from sandbox.client import SandboxClient
from sandbox.server import BotApiSandbox
from services.clock import FrozenClock

TOKEN = "123456789:" + "E2eTestTokenForTheSandbox_abcdefghij"[:35]
ADMIN = 1001


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
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def settings(self) -> Settings:
        return make_settings(self.database_url, self.sandbox.base_url, **self.extra)

    async def start(self) -> None:
        polls_before = len(await self.client.calls("getUpdates"))
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run_polling(self.settings, stop=self._stop,
                                                     clock=self.clock))
        for _ in range(500):
            if self._task.done():
                self._task.result()
            if len(await self.client.calls("getUpdates")) > polls_before:
                return
            await asyncio.sleep(0.01)
        raise TimeoutError("the bot did not start polling")

    async def stop(self) -> None:
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, 15)
        self._task = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def say(self, user_id: int, text: str, timeout: float = 5.0) -> dict[str, Any]:
        """Sends `text` as the user and returns the bot's next message in that chat."""
        await self.client.send_text(user_id, text)
        return await self.client.wait_for(user_id, timeout=timeout)

    async def press(self, user_id: int, message: dict[str, Any], text: str,
                    timeout: float = 5.0) -> dict[str, Any]:
        """Presses a button and returns the bot's next new message in that chat."""
        await self.client.press(user_id, message["message_id"], text=text)
        return await self.client.wait_for(user_id, timeout=timeout)

    async def press_for_answer(self, user_id: int, message_id: int,
                               callback_data: str | None = None, text: str | None = None,
                               forged: bool = False, timeout: float = 5.0) -> str:
        """Presses a button (or forges a callback) and returns the callback answer's text."""
        if forged:
            assert callback_data is not None
            qid = await self.client.press_raw(user_id, message_id, callback_data)
        else:
            qid = await self.client.press(user_id, message_id, callback_data=callback_data,
                                          text=text)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            answers = await self.client.callback_answers(qid)
            if answers:
                return str(answers[-1].get("text") or "")
            await asyncio.sleep(0.02)
        raise TimeoutError(f"callback {qid} was not answered")


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
