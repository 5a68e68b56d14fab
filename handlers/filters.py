"""Async filters (aiogram runs sync filters in a thread: a hop per filter per update)."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject

from services.users import Role, User


class IsStaff(Filter):
    async def __call__(self, event: TelegramObject, actor: User | None = None) -> bool:
        return actor is not None and actor.is_staff


class HasRole(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, actor: User | None = None) -> bool:
        return actor is not None and actor.role in self.roles


class HasText(Filter):
    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        return message.text is not None and not message.text.startswith("/")
