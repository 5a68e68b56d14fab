"""The Protocols leads need, nothing more: the lead repository (with what converting a lead
into clients needs) and the unit of work of a lead use case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.deals import DealMoveUow
from services.kernel import AuditedUnitOfWork
from services.leads.model import ClientMatch, Lead, LeadDraft, NewCompany, NewContact
from services.outbox import OutboxRepository
from services.users import UserRepository


class LeadRepository(Protocol):
    """Leads, plus what converting one needs (matching and creating clients, interactions)."""

    async def add(self, owner_id: int, draft: LeadDraft, now: datetime) -> Lead: ...
    async def get(self, lead_id: int, owner_id: int | None, for_update: bool = False
                  ) -> Lead | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        ...

    async def list(self, owner_id: int | None, status: str | None, offset: int, limit: int
                   ) -> tuple[Sequence[Lead], int]: ...
    async def update(self, lead_id: int, changes: dict[str, Any], now: datetime) -> None: ...
    async def add_interaction(self, owner_id: int, lead_id: int, kind: str, text: str,
                              now: datetime) -> None: ...
    async def attach_interactions(self, lead_id: int, company_id: int | None,
                                  contact_id: int | None, deal_id: int | None) -> None: ...
    async def lock(self, key: str) -> None:
        """Serialises writers of `key` until the transaction ends."""
        ...

    async def recent_by_contact(self, phone: str | None, email: str | None,
                                since: datetime) -> Lead | None: ...
    async def last_web_owner(self) -> int | None: ...
    async def find_companies(self, owner_id: int | None, phone: str | None,
                             email: str | None, country: str | None, tax_id: str | None
                             ) -> Sequence[ClientMatch]: ...
    async def find_contacts(self, owner_id: int | None, phone: str | None, email: str | None
                            ) -> Sequence[ClientMatch]: ...
    async def add_company(self, owner_id: int, company: NewCompany, now: datetime) -> int: ...
    async def add_contact(self, owner_id: int, contact: NewContact, now: datetime) -> int: ...
    async def fill_company(self, company_id: int, values: dict[str, Any]) -> None: ...
    async def fill_contact(self, contact_id: int, values: dict[str, Any]) -> None: ...



class LeadUnitOfWork(AuditedUnitOfWork, DealMoveUow, Protocol):
    """Converting a lead creates its deal in the same transaction (`DealService.create_in`)."""

    @property
    def leads(self) -> LeadRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
