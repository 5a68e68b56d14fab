"""Ports the services talk through. `storage/` implements them on SQLAlchemy; tests may use
the real implementation on a temporary SQLite file or fakes.

Invariant of every unit of work: nothing is written unless `commit()` is called; leaving the
`async with` block without it rolls everything back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from services.clients import Company, CompanyDraft
from services.deals import Deal, StageChange
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


class DealRepository(Protocol):
    async def add(self, owner_id: int, pipeline_code: str, stage_code: str | None, title: str,
                  company_id: int | None, contact_id: int | None, amount_minor: int | None,
                  currency: str, fields: dict[str, Any], now: datetime) -> Deal: ...
    async def get(self, deal_id: int, owner_id: int | None) -> Deal | None: ...
    async def list(self, owner_id: int | None, status: str, offset: int, limit: int
                   ) -> tuple[Sequence[Deal], int]: ...
    async def set_stage(self, deal_id: int, stage_code: str | None, status: str,
                        lost_reason: str | None, now: datetime, closed_at: datetime | None
                        ) -> None: ...
    async def log_stage(self, deal_id: int, from_code: str | None, to_code: str | None,
                        actor_id: int | None, now: datetime, note: str | None) -> None: ...
    async def stage_history(self, deal_id: int) -> Sequence[StageChange]: ...
    async def update(self, deal_id: int, changes: dict[str, Any], now: datetime) -> None: ...
    async def create_company_for(self, deal: Deal, name: str, now: datetime) -> int: ...
    async def create_contact_for(self, deal: Deal, name: str, now: datetime) -> int: ...
    async def create_task_for(self, deal: Deal, title: str, now: datetime) -> int: ...


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
    deals: DealRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class UowFactory(Protocol):
    """`async with uow_factory() as uow: ...`; `readonly=True` may use a cheaper transaction
    (SQLite: autocommit reads instead of BEGIN IMMEDIATE)."""

    def __call__(self, readonly: bool = False) -> UnitOfWork: ...
