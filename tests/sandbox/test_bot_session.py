"""The bot's session after a stop: a late call (an update's answer, a job the stop did not
wait for) is refused at once instead of opening an HTTP session that nobody closes, and a
message the outbox was sending stays queued for the next run."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.outbox_sender import OutboxSender
from bot.telegram import BotStopped, RateLimiter, create_bot
from sandbox import BotApiSandbox, SandboxClient
from tests.sandbox.conftest import TOKEN


async def test_a_closed_session_stays_closed(sandbox: BotApiSandbox, client: SandboxClient,
                                             chat: int) -> None:
    bot: Bot = create_bot(TOKEN, sandbox.base_url, limiter=RateLimiter(1000, 1000, 1000))
    await bot.send_message(chat, "before the stop")
    http = bot.session._session  # type: ignore[attr-defined]
    assert http is not None and not http.closed
    await bot.session.close()
    assert http.closed

    with pytest.raises(BotStopped):
        await bot.send_message(chat, "after the stop")
    # The outbox's own reading of that failure: try again later, not dead, not sent.
    result = await OutboxSender._telegram(bot.send_message(chat, "queued"))
    assert not result.ok and not result.permanent and "BotStopped" in (result.error or "")

    assert bot.session._session is http  # type: ignore[attr-defined]  # none opened anew
    texts = [c["params"].get("text") for c in await client.calls("sendMessage")]
    assert texts == ["before the stop"]
