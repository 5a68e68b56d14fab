"""The Protocols tasks needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.clients import CompanyRepository
from services.kernel import AuditedUnitOfWork
from services.tasks.model import Task


class TaskRepository(Protocol):
    async def add(self, owner_id: int, values: dict[str, Any], now: datetime) -> Task: ...
    async def get(self, task_id: int, owner_id: int | None) -> Task | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        ...

    async def update(self, task_id: int, values: dict[str, Any]) -> None: ...
    async def due_until(self, owner_id: int, start: datetime, end: datetime
                        ) -> Sequence[Task]: ...
    async def next_for_deal(self, deal_id: int) -> Task | None: ...


class TaskDeal(Protocol):
    """What a task needs of the deal it is added to (deals build on tasks, not back)."""

    @property
    def status(self) -> str: ...
    @property
    def company_id(self) -> int | None: ...


class TaskDeals(Protocol):
    async def get(self, deal_id: int, owner_id: int | None) -> TaskDeal | None: ...


class TaskUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def tasks(self) -> TaskRepository: ...
    @property
    def deals(self) -> TaskDeals: ...
    @property
    def companies(self) -> CompanyRepository: ...
