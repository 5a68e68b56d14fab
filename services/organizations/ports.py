"""The Protocols organizations needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from services.kernel import AuditedUnitOfWork
from services.organizations.model import Organization, OrganizationDraft


class OrganizationRepository(Protocol):
    async def add(self, draft: OrganizationDraft, now: datetime) -> Organization: ...
    async def get(self, org_id: int) -> Organization | None: ...
    async def list(self) -> Sequence[Organization]: ...
    async def first(self) -> Organization | None:
        """The default seller: the first organization added."""
        ...

    async def update(self, org_id: int, values: Mapping[str, Any]) -> None:
        """Sets columns of the organization row."""
        ...

    async def update_account(self, account_id: int, values: Mapping[str, Any]) -> None:
        """Sets columns of a bank account row (bank_name, bik, bic, account, corr_account)."""
        ...


class OrganizationUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def organizations(self) -> OrganizationRepository: ...
