"""Who is acting: roles, the acting user, staff records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Role(StrEnum):
    ADMIN = "admin"
    HEAD = "head"
    MANAGER = "manager"
    CUSTOMER = "customer"


STAFF_ROLES = frozenset({Role.ADMIN, Role.HEAD, Role.MANAGER})


@dataclass(frozen=True, slots=True)
class User:
    id: int
    telegram_id: int
    role: Role
    full_name: str
    username: str | None
    language: str | None
    timezone: str | None
    is_active: bool
    created_at: datetime

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def sees_everything(self) -> bool:
        """Admins and heads of sales see every manager's records."""
        return self.role in (Role.ADMIN, Role.HEAD)

    def owner_scope(self) -> int | None:
        """The owner id every query of this actor is limited to; None means no limit."""
        return None if self.sees_everything else self.id


# The acting user is just a loaded, active User.
Actor = User


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    role: Role
    created_by: int
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


# --- ports ----------------------------------------------------------------------------------


class UserRepository(Protocol):
    async def by_telegram_id(self, telegram_id: int) -> User | None: ...
    async def get(self, user_id: int) -> User | None: ...
    async def add(
        self,
        telegram_id: int,
        role: Role,
        full_name: str,
        username: str | None,
        language: str | None,
        timezone: str | None,
    ) -> User: ...
    async def update(self, user_id: int, **fields: Any) -> None: ...
    async def staff(self, active_only: bool = False) -> Sequence[User]: ...


class InviteRepository(Protocol):
    async def add(self, token: str, role: Role, created_by: int, expires_at: datetime) -> None: ...
    async def get_for_update(self, token: str) -> Invite | None: ...
    async def mark_used(self, token: str, user_id: int, at: datetime) -> bool:
        """Marks an unused invite used; False if someone used it first."""
        ...
