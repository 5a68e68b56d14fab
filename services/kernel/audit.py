"""The audit trail: who did what to which record (written in the use case's transaction)."""

from __future__ import annotations

from typing import Any, Protocol

from services.kernel.uow import UnitOfWork


class AuditRepository(Protocol):
    async def add(
        self,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: int | None,
        data: dict[str, Any] | None = None,
        *,
        company_id: int | None = None,
        deal_id: int | None = None,
    ) -> None:
        """Record an action. ``company_id`` / ``deal_id`` name the client and the deal whose
        timelines show the entry; an edit's ``data`` is ``{"changes": [{"field", "old",
        "new"}]}`` with values as the user typed or saw them."""


class AuditedUnitOfWork(UnitOfWork, Protocol):
    @property
    def audit(self) -> AuditRepository: ...
