"""`dealchat run --webhook`: the sandbox delivers updates to our web server with the secret."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.app import run_webhook
from bot.settings import Settings
from sandbox.client import SandboxClient, eventually
from sandbox.server import BotApiSandbox
from tests.e2e.harness import ADMIN, START_CEILING, TOKEN, make_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class WebhookBot:
    settings: Settings
    port: int
    client: SandboxClient
    stop: asyncio.Event
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def webhook_bot(database_url: str) -> AsyncIterator[WebhookBot]:
    """`run_webhook` against a fresh sandbox, once its webhook is set; stopped after."""
    port = free_port()
    async with BotApiSandbox() as sandbox:
        settings = make_settings(database_url, sandbox.base_url,
                                 webhook_url=f"http://127.0.0.1:{port}",
                                 webhook_secret="s3cret-Token_1", web_port=port)
        stop = asyncio.Event()
        task = asyncio.create_task(run_webhook(settings, stop=stop))
        client = SandboxClient(sandbox.base_url, TOKEN)
        try:
            async def webhook_set() -> list[dict[str, Any]] | None:
                if task.done():
                    task.result()
                return await client.calls("setWebhook") or None

            await eventually(webhook_set, "the bot did not set its webhook", START_CEILING)
            yield WebhookBot(settings, port, client, stop, task)
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)
            await client.close()


async def test_webhook_mode_answers_and_checks_the_secret(database_url: str) -> None:
    async with webhook_bot(database_url) as bot:
        client = bot.client
        await client.user(ADMIN, first_name="Anna", language_code="en")
        await client.send_text(ADMIN, "/start")
        reply = await client.wait_for(ADMIN)
        assert "You are signed in as admin" in reply["text"]
        deliveries = await client.webhook_log()
        assert deliveries and all(d.get("status") == 200 for d in deliveries)
        # Anyone else posting to the webhook without the secret is turned away.
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{bot.port}{bot.settings.webhook_path}"
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json={"update_id": 1}, headers=headers) as resp:
                    assert resp.status == 401
            async with http.get(f"http://127.0.0.1:{bot.port}/healthz") as resp:
                assert (await resp.json()) == {"ok": True}


async def test_a_stop_lets_the_update_in_hand_be_answered(database_url: str) -> None:
    """The webhook answers Telegram 200 at once and handles the update in the background:
    a stop in the meantime must not close the session and the database under it (the update
    would be lost: Telegram does not send it again)."""
    async with webhook_bot(database_url) as bot:
        client = bot.client
        await client.user(ADMIN, first_name="Anna", language_code="en")
        await client.send_text(ADMIN, "/start")
        await client.wait_for(ADMIN)
        # The answer to the next update takes a second to go out.
        await client.inject("slow", method="sendMessage", delay=1.0)
        await client.send_text(ADMIN, "/help")

        async def in_hand() -> bool | None:
            log = await client.webhook_log()
            return True if len(log) >= 2 and log[-1].get("status") == 200 else None

        await eventually(in_hand, "the update was not delivered")
        bot.stop.set()
        await asyncio.wait_for(bot.task, 30)
        answered = [c for c in await client.calls("sendMessage") if c["status"] == 200]
        assert len(answered) == 2, answered  # /start's and /help's
