"""The Protocols organizations needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.kernel import AuditedUnitOfWork
from services.organizations.model import Organization, OrganizationDraft


class OrganizationRepository(Protocol):
    async def add(self, draft: OrganizationDraft, now: datetime) -> Organization: ...
    async def get(self, org_id: int) -> Organization | None: ...
    async def list(self) -> Sequence[Organization]: ...
    async def first(self) -> Organization | None:
        """The default seller: the first organization added."""
        ...


class OrganizationUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def organizations(self) -> OrganizationRepository: ...
