"""The guard that keeps every message the bot sends on its own in the outbox: a send to a
chat that is not the handled update's own, from outside the outbox sender, is refused (in
strict mode, as in the e2e tests) and recorded. Shown against the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram import Bot

from bot import origin
from bot.origin import AnsweringMiddleware, OriginGuard, OutsideOutbox, mark_outbox_sender
from sandbox import SandboxClient

OTHER = 4242


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    origin.VIOLATIONS.clear()
    yield
    origin.VIOLATIONS.clear()


async def test_a_message_on_its_own_outside_the_outbox_is_refused(
        bot: Bot, client: SandboxClient, chat: int) -> None:
    await client.user(OTHER, first_name="Other")
    await client.send_text(OTHER, "/start")
    bot.session.middleware(OriginGuard(strict=True))
    with pytest.raises(OutsideOutbox):
        await bot.send_message(OTHER, "a push sent directly")
    assert origin.VIOLATIONS == [("sendMessage", OTHER)]
    assert await client.messages(OTHER) == []

    # While an update from `chat` is handled, that chat may be answered, not another one.
    async def handler(_event: Any, _data: dict[str, Any]) -> None:
        await bot.send_message(chat, "the answer")
        with pytest.raises(OutsideOutbox):
            await bot.send_message(OTHER, "someone else")

    data = {"event_chat": SimpleNamespace(id=chat), "event_from_user": SimpleNamespace(id=chat)}
    await AnsweringMiddleware()(handler, SimpleNamespace(), data)  # type: ignore[arg-type]
    assert [m["text"] for m in await client.messages(chat)] == ["the answer"]

    # The outbox sender's own task may send anywhere.
    async def sender() -> None:
        mark_outbox_sender()
        await bot.send_message(OTHER, "from the outbox")

    await asyncio.create_task(sender())
    assert [m["text"] for m in await client.messages(OTHER)] == ["from the outbox"]
    assert origin.VIOLATIONS == [("sendMessage", OTHER), ("sendMessage", OTHER)]


async def test_without_strict_it_is_recorded_and_still_sent(
        bot: Bot, client: SandboxClient) -> None:
    await client.user(OTHER, first_name="Other")
    await client.send_text(OTHER, "/start")
    bot.session.middleware(OriginGuard(strict=False))
    await bot.send_message(OTHER, "logged, not lost")
    assert origin.VIOLATIONS == [("sendMessage", OTHER)]
    assert [m["text"] for m in await client.messages(OTHER)] == ["logged, not lost"]
