from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


class SqlAuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

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
        self._s.add(AuditEntry(actor_id=actor_id, action=action, entity=entity,
                               entity_id=entity_id, data=data or {}, company_id=company_id,
                               deal_id=deal_id))
