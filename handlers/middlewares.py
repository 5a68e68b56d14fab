"""Update middlewares: who is acting, one update at a time per user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from weakref import WeakValueDictionary

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from services.access import AccessService

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PerUserSerialMiddleware(BaseMiddleware):
    """Handles one user's updates strictly in order. Without it a button pressed twice quickly
    runs twice concurrently and both runs see the flow before either has finished it."""

    def __init__(self) -> None:
        self._locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        lock = self._locks.get(user.id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user.id] = lock
        async with lock:
            return await handler(event, data)


class FsmBatchMiddleware(BaseMiddleware):
    """Opens the FSM storage's write batch around one update (see storage.fsm)."""

    def __init__(self, storage: Any) -> None:
        self._storage = storage

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._storage.batch():
            return await handler(event, data)


class ActorMiddleware(BaseMiddleware):
    """Loads the acting user afresh for every update (so a deactivation applies at once) and
    puts it in `data["actor"]`; a stranger gets None and only the public handlers answer."""

    def __init__(self, access: AccessService) -> None:
        self._access = access

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        data["actor"] = await self._access.identify(user.id) if user and not user.is_bot else None
        return await handler(event, data)
