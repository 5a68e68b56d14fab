"""Files on client and deal cards (table `files`), and the voice notes and photos kept with
interactions, as opening them from the timeline needs them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.files import IncomingFile, InteractionRef, StoredFile
from storage import models as m


def _to_file(row: m.StoredFile, who: str | None) -> StoredFile:
    return StoredFile(id=row.id, owner_id=row.owner_id, company_id=row.company_id,
                      deal_id=row.deal_id, kind=row.kind, telegram_file_id=row.telegram_file_id,
                      telegram_unique_id=row.telegram_unique_id, filename=row.filename,
                      mime_type=row.mime_type, size=row.size, caption=row.caption,
                      created_by=row.created_by, created_by_name=who,
                      created_at=row.created_at)


class SqlFileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, *, owner_id: int, company_id: int | None, deal_id: int | None,
                  file: IncomingFile, created_by: int | None, now: datetime) -> StoredFile:
        row = m.StoredFile(owner_id=owner_id, company_id=company_id, deal_id=deal_id,
                           kind=file.kind, telegram_file_id=file.file_id,
                           telegram_unique_id=file.unique_id, filename=file.filename or "",
                           mime_type=file.mime_type, size=file.size, caption=file.caption,
                           created_by=created_by, created_at=now)
        self._s.add(row)
        await self._s.flush()
        who = None
        if created_by is not None:
            who = await self._s.scalar(select(m.User.full_name).where(m.User.id == created_by))
        return _to_file(row, who)

    async def get(self, file_id: int) -> StoredFile | None:
        found = (await self._s.execute(
            select(m.StoredFile, m.User.full_name)
            .outerjoin(m.User, m.User.id == m.StoredFile.created_by)
            .where(m.StoredFile.id == file_id))).first()
        return _to_file(found[0], found[1]) if found else None

    async def _page(self, where: Any, limit: int) -> tuple[Sequence[StoredFile], int]:
        total = await self._s.scalar(select(func.count()).select_from(m.StoredFile)
                                     .where(where)) or 0
        if limit <= 0 or not total:
            return [], total
        q = (select(m.StoredFile, m.User.full_name)
             .outerjoin(m.User, m.User.id == m.StoredFile.created_by)
             .where(where)
             .order_by(m.StoredFile.created_at.desc(), m.StoredFile.id.desc())
             .limit(limit))
        return [_to_file(r, who) for r, who in (await self._s.execute(q)).all()], total

    async def for_deal(self, deal_id: int, limit: int) -> tuple[Sequence[StoredFile], int]:
        return await self._page(m.StoredFile.deal_id == deal_id, limit)

    async def for_company(self, company_id: int, limit: int
                          ) -> tuple[Sequence[StoredFile], int]:
        deal_ids = select(m.Deal.id).where(m.Deal.company_id == company_id)
        return await self._page(or_(m.StoredFile.company_id == company_id,
                                    m.StoredFile.deal_id.in_(deal_ids)), limit)

    async def interaction(self, interaction_id: int) -> InteractionRef | None:
        found = (await self._s.execute(
            select(m.Interaction, m.Document.mime_type, m.Document.filename)
            .outerjoin(m.Document, m.Document.id == m.Interaction.document_id)
            .where(m.Interaction.id == interaction_id))).first()
        if found is None:
            return None
        row, mime, name = found
        return InteractionRef(id=row.id, company_id=row.company_id, deal_id=row.deal_id,
                              document_id=row.document_id, file_id=row.file_id,
                              mime_type=mime, filename=name)

    async def note_content(self, document_id: int) -> bytes | None:
        return await self._s.scalar(select(m.Document.content).where(
            m.Document.id == document_id, m.Document.kind == "interaction"))
