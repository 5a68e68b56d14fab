"""Everything an update needs before the routers see it, in one outer middleware.

In order: the update's own chat may be answered directly (bot.origin); one update at a time
per user, or per chat for a manager's Telegram Business chats (a lock, then the FSM storage's
batch inside it: see storage.fsm); the flow's state read under that lock (aiogram's FSM
context: two quick updates of one user, the second sees the state the first left); who is
acting, read afresh on every update (a deactivation applies at once); the reader's language.
Five aiogram middlewares did this before: each layer costs a wrapper built per update and a
frame resumed at every await below it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from typing import Any
from weakref import WeakValueDictionary

from aiogram import Bot
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.types import TelegramObject, Update, User

from bot.i18n import ActorI18nMiddleware
from bot.origin import start_answering, stop_answering
from services.access import AccessService

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateContextMiddleware:
    """Outer update middleware. `fsm` is the dispatcher's FSM middleware (its storage and how
    it finds an update's key; not registered itself: the state is read here, under the
    user's lock, which is also why the dispatcher's own event isolation stays disabled)."""

    def __init__(self, access: AccessService, fsm: FSMContextMiddleware,
                 i18n: ActorI18nMiddleware) -> None:
        if not isinstance(fsm.events_isolation, DisabledEventIsolation):
            raise ValueError("the user's lock is the isolation: the dispatcher's must be off")
        self._access, self._fsm, self._i18n = access, fsm, i18n
        self._locks: WeakValueDictionary[Hashable, asyncio.Lock] = WeakValueDictionary()
        self._batch: Callable[[], AbstractAsyncContextManager[Any]] | None = getattr(
            fsm.storage, "batch", None)

    async def __call__(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        token = start_answering(data)
        try:
            key = _serial_key(event, data)
            if key is None:
                return await self._batched(handler, event, data)
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = asyncio.Lock()
            async with lock:
                return await self._batched(handler, event, data)
        finally:
            stop_answering(token)

    async def _batched(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        if self._batch is None:
            return await self._handle(handler, event, data)
        async with self._batch():
            return await self._handle(handler, event, data)

    async def _handle(self, handler: Handler, event: TelegramObject,
                      data: dict[str, Any]) -> Any:
        bot: Bot = data["bot"]
        user: User | None = data.get("event_from_user")
        context = self._fsm.resolve_event_context(bot, data)
        data["fsm_storage"] = self._fsm.storage
        if context is not None:
            data["state"] = context
            data["raw_state"] = await context.get_state()
        data["actor"] = (await self._access.identify(user.id)
                         if user is not None and not user.is_bot else None)
        i18n = self._i18n.i18n
        locale = await self._i18n.get_locale(event, data) or i18n.default_locale
        data["i18n"], data["i18n_middleware"] = i18n, self._i18n
        with i18n.context(), i18n.use_locale(locale):
            return await handler(event, data)


def _serial_key(event: TelegramObject, data: dict[str, Any]) -> Hashable | None:
    """What an update waits its turn on: its business chat, else its user (None: no one).
    A Telegram Business chat's updates (the customer's and the manager's messages, their
    edits and deletions, which name no user) are serialised per chat: a deletion is handled
    after the message it deletes, an edit after the message it edits."""
    if isinstance(event, Update):
        business = (event.business_message or event.edited_business_message
                    or event.deleted_business_messages)
        if business is not None:
            return ("business", business.business_connection_id, business.chat.id)
    user: User | None = data.get("event_from_user")
    return user.id if user is not None else None
