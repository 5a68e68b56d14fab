"""The bot's HTTP session to the Bot API: Telegram's rate limits and transient failures.

aiogram raises TelegramRetryAfter on 429 after a single call and has no limiter, so this
request middleware
- paces sends to about 30 messages/s overall and 1/s per chat (a small burst allowed), the
  limits above which Telegram answers 429;
- on 429 waits `retry_after` and tries again;
- on 5xx and network errors retries with exponential backoff.
A connection dropped *before* Telegram handled the call is safe to repeat; Telegram offers no
idempotency key, so a send whose answer was lost after it was delivered may still double.

Once closed, the session stays closed (`BotSession`): aiogram's would open a new HTTP session
for a late call (an update's answer or a job the stop did not wait for), one nobody closes.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientSession
from aiolimiter import AsyncLimiter

logger = logging.getLogger(__name__)

# Methods that post a new message and so count against Telegram's flood limits.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendInvoice",
        "sendMediaGroup",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "copyMessage",
        "forwardMessage",
    }
)


class RateLimiter:
    """Leaky buckets: one overall, one per chat (kept for the most recent chats only)."""

    def __init__(
        self,
        per_second: float = 28.0,
        per_chat_per_second: float = 0.9,
        chat_burst: int = 3,
        max_chats: int = 10000,
    ) -> None:
        self.overall = AsyncLimiter(per_second, 1.0)
        self._chat_rate = per_chat_per_second
        self._chat_burst = chat_burst
        self._chats: OrderedDict[Any, AsyncLimiter] = OrderedDict()
        self._max_chats = max_chats

    def for_chat(self, chat_id: Any) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(self._chat_burst, self._chat_burst / self._chat_rate)
            self._chats[chat_id] = limiter
            if len(self._chats) > self._max_chats:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def acquire(self, chat_id: Any) -> None:
        if chat_id is not None:
            await self.for_chat(chat_id).acquire()
        await self.overall.acquire()


class BotStopped(TelegramNetworkError):
    """A call made after the bot's session was closed: not sent, and not retried here; the
    outbox keeps such a message for the next run."""


class BotSession(AiohttpSession):
    """aiogram's HTTP session, except that `close()` is final."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stopped = False

    async def create_session(self) -> ClientSession:  # also a download's (stream_content)
        if self.stopped:
            raise RuntimeError("the bot's session is closed")
        if self._should_reset_connector:  # a new connector (a first call, a proxy): no stop
            await super().close()
            self._should_reset_connector = False
        return await super().create_session()

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        if self.stopped:
            raise BotStopped(method=method, message="the bot is stopping")
        return await super().make_request(bot, method, timeout)

    async def close(self) -> None:
        self.stopped = True
        await super().close()


class ResilientRequests(BaseRequestMiddleware):
    def __init__(
        self,
        limiter: RateLimiter | None = None,
        max_attempts: int = 6,
        base_delay: float = 0.2,
        max_delay: float = 10.0,
        max_retry_after: float = 120.0,
    ) -> None:
        self.limiter = limiter
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.retries = 0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        api_name = method.__api_method__
        if api_name == GetUpdates.__api_method__:
            # The polling loop has its own backoff; retrying here would hide a dead server.
            return await make_request(bot, method)
        chat_id = getattr(method, "chat_id", None)
        attempt = 0
        while True:
            attempt += 1
            if self.limiter is not None and api_name in SENDING_METHODS:
                await self.limiter.acquire(chat_id)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt >= self.max_attempts or exc.retry_after > self.max_retry_after:
                    raise
                logger.warning("429 on %s, waiting %ss", api_name, exc.retry_after)
                self.retries += 1
                await asyncio.sleep(exc.retry_after)
            except BotStopped:
                raise
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt >= self.max_attempts:
                    raise
                delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                delay *= 0.75 + random.random() / 2  # jitter
                logger.warning(
                    "%s on %s, retry %d in %.2fs", type(exc).__name__, api_name, attempt, delay
                )
                self.retries += 1
                await asyncio.sleep(delay)


def create_bot(
    token: str, api_url: str, *, limiter: RateLimiter | None = None, request_timeout: float = 30.0
) -> Bot:
    """A Bot whose session talks to `api_url` (Telegram, or our sandbox) through the
    rate-limiting, retrying middleware."""
    session = BotSession(api=TelegramAPIServer.from_base(api_url), timeout=request_timeout)
    session.middleware(ResilientRequests(limiter if limiter is not None else RateLimiter()))
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
