"""Where a message may come from: the answer to the update being handled (into that update's
own chat), or the outbox sender. Anything else would be a message the bot sends on its own
outside the outbox - lost if the process dies after the commit that caused it (GUIDE habit
13). `OriginGuard`, a request middleware on the bot's session, records each such send; with
`strict` (the tests) it refuses it.

The one deliberate exception is the watchdog telling admins that the outbox itself is stuck:
it runs under `exempt()`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject

from bot.telegram import SENDING_METHODS

logger = logging.getLogger(__name__)

_answering: ContextVar[frozenset[int]] = ContextVar("answering", default=frozenset())
_sender: ContextVar[bool] = ContextVar("outbox_sender", default=False)

# Sends that broke the rule, as (method, chat_id): the tests assert it stays empty.
VIOLATIONS: list[tuple[str, Any]] = []


class OutsideOutbox(RuntimeError):
    """A message the bot sent on its own, not through the outbox (strict mode)."""


def mark_outbox_sender() -> None:
    """The current task sends what the outbox holds (call at the top of its own task)."""
    _sender.set(True)


@contextmanager
def exempt() -> Iterator[None]:
    token = _sender.set(True)
    try:
        yield
    finally:
        _sender.reset(token)


def start_answering(data: dict[str, Any]) -> Token[frozenset[int]]:
    """From now on the chat (and user) of the update whose middleware `data` this is may be
    answered directly; give the token to `stop_answering` when the update is done."""
    ids = set()
    chat, user = data.get("event_chat"), data.get("event_from_user")
    if chat is not None:
        ids.add(chat.id)
    if user is not None:
        ids.add(user.id)
    return _answering.set(frozenset(ids))


def stop_answering(token: Token[frozenset[int]]) -> None:
    _answering.reset(token)


class AnsweringMiddleware:
    """Outer middleware: the chat (and user) of the event being handled may be answered
    directly while it is handled (the error observer's; an update's is set by
    bot.update_context)."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]],
                                               Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        token = start_answering(data)
        try:
            return await handler(event, data)
        finally:
            stop_answering(token)


class OriginGuard(BaseRequestMiddleware):
    def __init__(self, strict: bool = False) -> None:
        self.strict = strict

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Any:
        name = method.__api_method__
        if name in SENDING_METHODS and not _sender.get():
            chat_id = getattr(method, "chat_id", None)
            if chat_id not in _answering.get():
                VIOLATIONS.append((name, chat_id))
                logger.error("%s to chat %s outside the outbox (not the update's own chat)",
                             name, chat_id)
                if self.strict:
                    raise OutsideOutbox(f"{name} to chat {chat_id} outside the outbox")
        return await make_request(bot, method)
