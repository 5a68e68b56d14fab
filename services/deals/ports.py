"""The Protocols deals needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.clients import Company, CompanyRepository
from services.deals.model import Deal, DealEdit, StageChange
from services.kernel import AuditedUnitOfWork, AuditRepository
from services.outbox import OutboxRepository
from services.tasks import TaskRepository
from services.users import UserRepository


class DealRepository(Protocol):
    async def add(self, owner_id: int, pipeline_code: str, stage_code: str | None, title: str,
                  company_id: int | None, contact_id: int | None, amount_minor: int | None,
                  currency: str, fields: dict[str, Any], now: datetime,
                  origin_key: str | None = None) -> Deal:
        """A new deal; a taken `origin_key` (a button pressed twice at once) is
        Conflict("already_done") and the caller's unit of work is rolled back."""
        ...

    async def by_origin(self, origin_key: str) -> Deal | None:
        """The deal made by this user's action (an alert's or a card's button), if any."""
        ...

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
    async def card_names(self, deal: Deal) -> tuple[str | None, str | None, str]: ...
    async def find_companies(self, owner_id: int | None, prefix: str, limit: int
                             ) -> Sequence[Company]: ...
    async def relocate(self, deal_id: int, pipeline_code: str, stage_code: str | None,
                       actor_id: int | None, now: datetime) -> None:
        """Moves the deal into another pipeline (at `stage_code`) and logs the stage change
        from the stage it leaves."""
        ...

    async def edits(self, deal_id: int, limit: int) -> Sequence[DealEdit]:
        """The deal's last audited edits ("deal.edit"), oldest first."""
        ...


class DealMoveUow(Protocol):
    """What creating or moving a deal inside another service's unit of work needs."""

    @property
    def deals(self) -> DealRepository: ...
    @property
    def audit(self) -> AuditRepository: ...


class DealUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def deals(self) -> DealRepository: ...
    @property
    def companies(self) -> CompanyRepository: ...
    @property
    def tasks(self) -> TaskRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
