"""The Protocols companies needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.clients import CompanyRepository
from services.companies.model import CompanyRequisites, RequisitesUpdate, TransferCounts
from services.companies.profile import (
    ClientLoad,
    ClientProfile,
    ContactCard,
    ContactDraft,
    MergeCounts,
)
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


class ClientProfileRepository(Protocol):
    """The client card's profile, contacts, archive and merge (storage/companies.py)."""

    async def profile(self, company_id: int, owner_id: int | None,
                      for_update: bool = False) -> ClientProfile | None:
        """None when absent or not owned by `owner_id` (None = any owner); with its
        contacts (detached ones left out), the primary first."""
        ...

    async def set_fields(self, company_id: int, values: dict[str, Any], now: datetime
                         ) -> None:
        """Company columns updated (the search form of a new name too)."""
        ...

    async def price_lists(self) -> Sequence[str]:
        """The price lists products have prices in (product_prices.price_list)."""
        ...

    async def load(self, company_id: int, unpaid_statuses: Sequence[str]) -> ClientLoad: ...

    async def set_archived(self, company_id: int, at: datetime | None, reason: str | None,
                           now: datetime) -> None: ...

    async def find(self, owner_id: int | None, prefix: str, exclude_id: int, limit: int
                   ) -> Sequence[tuple[int, str]]:
        """Active clients whose name starts with `prefix` (the search form)."""
        ...

    async def merge(self, survivor_id: int, merged_id: int, fill: dict[str, Any],
                    now: datetime) -> MergeCounts:
        """Moves every record of `merged_id` to `survivor_id` (bank accounts the survivor has
        are skipped), fills the survivor with `fill`, marks the merged one merged and
        archived. Deletes nothing."""
        ...

    async def contact(self, contact_id: int) -> ContactCard | None: ...

    async def add_contact(self, owner_id: int, company_id: int, draft: ContactDraft,
                          primary: bool, now: datetime) -> int: ...

    async def set_contact_fields(self, contact_id: int, values: dict[str, Any]) -> None: ...

    async def detach_contact(self, contact_id: int) -> None:
        """company_id → NULL and not primary; the bound customer chat stays."""
        ...

    async def set_primary(self, company_id: int, contact_id: int | None) -> None:
        """Exactly this contact (or none) of the company is primary."""
        ...


class CompanyUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def profiles(self) -> ClientProfileRepository: ...
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
