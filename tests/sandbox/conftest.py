from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox import BotApiSandbox, SandboxClient

TOKEN = "123456:TEST-sandbox_token"
USER = 1001


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    # Flood limits off: tests that are about 429 turn them on themselves.
    sb = BotApiSandbox(global_rate=None, per_chat_rate=None)
    await sb.start(port=0)
    yield sb
    await sb.stop()


@pytest.fixture
async def bot(sandbox: BotApiSandbox) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.base_url))
    bot = Bot(TOKEN, session=session)
    yield bot
    await bot.session.close()


@pytest.fixture
async def client(sandbox: BotApiSandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.base_url, TOKEN) as c:
        yield c


@pytest.fixture
async def chat(client: SandboxClient) -> int:
    """A user who has written to the bot, so the private chat exists."""
    await client.user(USER, first_name="Ann", username="ann", language_code="ru")
    await client.send_text(USER, "hello")
    return USER
