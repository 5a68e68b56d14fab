"""The Protocols tasks needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.clients import CompanyRepository
from services.kernel import AuditedUnitOfWork
from services.outbox import OutboxRepository
from services.tasks.model import MeetingSlot, Task, TaskComment
from services.users import UserRepository


class TaskRepository(Protocol):
    async def add(self, owner_id: int, values: dict[str, Any], now: datetime) -> Task:
        """A new task; with `values["origin_key"]` taken already (a button pressed twice at
        once), Conflict("already_done") and the caller's unit of work is rolled back."""
        ...

    async def get(self, task_id: int, owner_id: int | None) -> Task | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        ...

    async def visible(self, task_id: int, user_id: int | None) -> Task | None:
        """None when absent, or when `user_id` is neither its owner nor the one who set it
        (None = anyone's)."""
        ...

    async def by_origin(self, origin_key: str) -> Task | None:
        """The task made by this user's action (an alert's button), if any."""
        ...

    async def update(self, task_id: int, values: dict[str, Any]) -> None: ...
    async def due_until(self, owner_id: int, start: datetime, end: datetime
                        ) -> Sequence[Task]:
        """The owner's tasks due in [start, end) but the cancelled ones, plus the open ones
        overdue before start: open first, each group by time."""
        ...

    async def closed(self, owner_id: int, limit: int) -> Sequence[Task]:
        """The owner's done and cancelled ones, the last closed first."""
        ...

    async def next_for_deal(self, deal_id: int) -> Task | None: ...
    async def slots(self, task_id: int, after: datetime) -> Sequence[MeetingSlot]:
        """The times offered for a meeting later than `after`, earliest first."""
        ...

    async def add_slot(self, task_id: int, starts_at: datetime, now: datetime) -> MeetingSlot:
        ...

    async def remove_slot(self, task_id: int, slot_id: int) -> MeetingSlot | None:
        """The time removed; None when it is not (or no longer) offered for this meeting."""
        ...


class TaskCommentRepository(Protocol):
    async def add(self, task_id: int, author_id: int, text: str, now: datetime
                  ) -> TaskComment: ...
    async def latest(self, task_id: int, limit: int) -> Sequence[TaskComment]:
        """The last `limit` comments, oldest first, with their authors' names."""
        ...


class TaskDeal(Protocol):
    """What a task needs of the deal it is added to (deals build on tasks, not back)."""

    @property
    def status(self) -> str: ...
    @property
    def company_id(self) -> int | None: ...
    @property
    def contact_id(self) -> int | None: ...


class TaskDeals(Protocol):
    async def get(self, deal_id: int, owner_id: int | None) -> TaskDeal | None: ...


class TaskContact(Protocol):
    """What linking a meeting to a client needs of a contact."""

    @property
    def owner_id(self) -> int: ...
    @property
    def company_id(self) -> int | None: ...
    @property
    def name(self) -> str: ...


class TaskContacts(Protocol):
    async def contact(self, contact_id: int) -> TaskContact | None: ...


class MeetingPlans(Protocol):
    """The client reminders of a meeting (the alerts feature, wired by `bot/`)."""

    async def replan_meeting(self, uow: Any, task_id: int, now: datetime) -> int:
        """Makes the meeting's pending client reminders what the meeting is now, in `uow`
        (the unit of work of the change, so they are planned in its transaction)."""
        ...


class TaskUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def tasks(self) -> TaskRepository: ...
    @property
    def deals(self) -> TaskDeals: ...
    @property
    def companies(self) -> CompanyRepository: ...
    @property
    def profiles(self) -> TaskContacts: ...
    @property
    def task_comments(self) -> TaskCommentRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
