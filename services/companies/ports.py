"""The Protocols companies needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.clients import CompanyRepository
from services.companies.model import CompanyRequisites, RequisitesUpdate, TransferCounts
from services.kernel import AuditedUnitOfWork
from services.outbox import OutboxRepository
from services.users import UserRepository


class RequisitesRepository(Protocol):
    async def get(self, company_id: int, owner_id: int | None) -> CompanyRequisites | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        ...

    async def save(self, company_id: int, req: RequisitesUpdate, now: datetime) -> None:
        """Company columns updated; the bank account added (or updated) by its number."""
        ...


class CompanyTransferRepository(Protocol):
    async def move_company(self, company_id: int, to_owner: int,
                           lead_statuses_closed: Sequence[str], now: datetime
                           ) -> TransferCounts:
        """Moves the company, its contacts, open deals, leads not in `lead_statuses_closed`
        and unpaid invoices to `to_owner`; returns how many of each moved."""
        ...


class CompanyUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def companies(self) -> CompanyRepository: ...
    @property
    def requisites(self) -> RequisitesRepository: ...
    @property
    def transfers(self) -> CompanyTransferRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
