"""Update middlewares: who is acting, one update at a time per user (per chat for a manager's
Telegram Business chats)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from typing import Any
from weakref import WeakValueDictionary

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from services.access import AccessService

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PerUserSerialMiddleware(BaseMiddleware):
    """Handles one user's updates strictly in order. Without it a button pressed twice quickly
    runs twice concurrently and both runs see the flow before either has finished it.
    With a `storage` that has a write batch (see storage.fsm), the batch is opened around the
    update inside the lock (one middleware, not two, on every update's path).
    A Telegram Business chat's updates (the customer's and the manager's messages, their edits
    and deletions, which name no user) are serialised per chat instead: a deletion is handled
    after the message it deletes, an edit after the message it edits."""

    def __init__(self, storage: Any = None) -> None:
        self._locks: WeakValueDictionary[Hashable, asyncio.Lock] = WeakValueDictionary()
        self._batch: Callable[[], AbstractAsyncContextManager[Any]] | None = getattr(
            storage, "batch", None)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        key = _serial_key(event, data)
        if key is None:
            return await self._handle(handler, event, data)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            return await self._handle(handler, event, data)

    async def _handle(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self._batch is None:
            return await handler(event, data)
        async with self._batch():
            return await handler(event, data)


def _serial_key(event: TelegramObject, data: dict[str, Any]) -> Hashable | None:
    """What an update waits its turn on: its business chat, else its user (None: no one)."""
    if isinstance(event, Update):
        business = (event.business_message or event.edited_business_message
                    or event.deleted_business_messages)
        if business is not None:
            return ("business", business.business_connection_id, business.chat.id)
    user: User | None = data.get("event_from_user")
    return user.id if user is not None else None


class ActorMiddleware(BaseMiddleware):
    """Loads the acting user afresh for every update (so a deactivation applies at once) and
    puts it in `data["actor"]`; a stranger gets None and only the public handlers answer."""

    def __init__(self, access: AccessService) -> None:
        self._access = access

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        data["actor"] = await self._access.identify(user.id) if user and not user.is_bot else None
        return await handler(event, data)
