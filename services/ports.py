"""Ports the services talk through. `storage/` implements them on SQLAlchemy; tests may use
the real implementation on a temporary SQLite file or fakes.

Invariant of every unit of work: nothing is written unless `commit()` is called; leaving the
`async with` block without it rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from services.clients import Company, CompanyDraft
from services.users import Invite, Role, User


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


class CompanyRepository(Protocol):
    async def add(self, owner_id: int, draft: CompanyDraft, now: datetime) -> Company: ...
    async def get(self, company_id: int, owner_id: int | None) -> Company | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        ...

    async def list(
        self, owner_id: int | None, offset: int, limit: int
    ) -> tuple[Sequence[Company], int]: ...
    async def reassign_owner(self, from_owner: int, to_owner: int) -> int:
        """Moves every client (companies, contacts, open deals, leads) of one manager to
        another; returns how many companies moved."""
        ...


class AuditRepository(Protocol):
    async def add(
        self,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: int | None,
        data: dict[str, Any] | None = None,
    ) -> None: ...


class UnitOfWork(Protocol):
    users: UserRepository
    invites: InviteRepository
    companies: CompanyRepository
    audit: AuditRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


# A factory: `async with uow_factory() as uow: ...`; `readonly=True` may use a cheaper
# transaction (SQLite: deferred instead of BEGIN IMMEDIATE).
UowFactory = Callable[..., UnitOfWork]
