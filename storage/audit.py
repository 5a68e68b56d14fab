from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.interactions import AuditRecord
from storage.models import AuditEntry, Company, User


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


class SqlAuditLogRepository:
    """Reading the audit trail: a client's entries for its timeline."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def for_company(self, company_id: int, limit: int) -> Sequence[AuditRecord]:
        """The client's entries and those of the clients merged into it, newest first."""
        merged = select(Company.id).where(Company.merged_into_id == company_id)
        q = (select(AuditEntry, User.full_name)
             .outerjoin(User, User.id == AuditEntry.actor_id)
             .where(or_(AuditEntry.company_id == company_id,
                        AuditEntry.company_id.in_(merged)))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
        return [AuditRecord(id=row.id, at=row.at, actor_name=name, action=row.action,
                            entity=row.entity, entity_id=row.entity_id,
                            data=dict(row.data or {}))
                for row, name in (await self._s.execute(q)).all()]
