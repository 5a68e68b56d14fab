"""Documents issued in their own gapless series from an invoice or a credit note (the act, the
UPD, the corrective document): the `issued_documents` table (see services/numbering.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.numbering import AssignedNumber, IssuedDocument
from storage import models as m


def _issued(row: m.IssuedDocument) -> IssuedDocument:
    return IssuedDocument(id=row.id, organization_id=row.organization_id,
                          subject_type=row.subject_type, subject_id=int(row.subject_id),
                          kind=row.kind, series_id=row.series_id, number=row.number,
                          number_text=row.number_text, issue_date=row.issue_date)


class SqlIssuedDocumentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, subject_type: str, subject_id: int, kind: str
                  ) -> IssuedDocument | None:
        row = await self._s.scalar(
            select(m.IssuedDocument).where(m.IssuedDocument.subject_type == subject_type,
                                           m.IssuedDocument.subject_id == subject_id,
                                           m.IssuedDocument.kind == kind)
            .execution_options(populate_existing=True))
        return _issued(row) if row is not None else None

    async def add(self, *, organization_id: int, subject_type: str, subject_id: int,
                  kind: str, number: AssignedNumber, issue_date: date,
                  created_by: int | None, now: datetime) -> IssuedDocument:
        row = m.IssuedDocument(organization_id=organization_id, subject_type=subject_type,
                               subject_id=subject_id, kind=kind, series_id=number.series_id,
                               number=number.number, number_text=number.text,
                               issue_date=issue_date, created_by=created_by, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return _issued(row)
