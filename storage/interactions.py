"""Interactions and their files (voice notes, photos kept in `documents`, kind
"interaction")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.interactions import ChatMark, DealSummary, Interaction
from storage import models as m

# A note's voice or photo: its bytes' type, else (kept by file_id only) the file's.
NOTE_MIME = func.coalesce(m.Document.mime_type, m.StoredFile.mime_type)


def _to_interaction(row: m.Interaction, mime: str | None,
                    chat: m.BusinessMessage | None = None) -> Interaction:
    mark = None if chat is None else ChatMark(
        outgoing=chat.outgoing, kind=chat.kind, edited=chat.edited_at is not None,
        deleted=chat.deleted_at is not None)
    return Interaction(id=row.id, owner_id=row.owner_id, kind=row.kind,
                       company_id=row.company_id, deal_id=row.deal_id, text=row.text,
                       document_id=row.document_id, file_mime=mime,
                       occurred_at=row.occurred_at, file_id=row.file_id, chat=mark)


def _listed(where: Any, limit: int
            ) -> Select[m.Interaction, str, m.BusinessMessage]:
    """Interactions with their file's type and, for a business chat's message, its row."""
    return (select(m.Interaction, NOTE_MIME, m.BusinessMessage)
            .outerjoin(m.Document, m.Document.id == m.Interaction.document_id)
            .outerjoin(m.StoredFile, m.StoredFile.id == m.Interaction.file_id)
            .outerjoin(m.BusinessMessage, m.BusinessMessage.interaction_id == m.Interaction.id)
            .where(where)
            .order_by(m.Interaction.occurred_at.desc(), m.Interaction.id.desc())
            .limit(limit))


class SqlInteractionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, *, owner_id: int, kind: str, company_id: int | None,
                  deal_id: int | None, text: str, document_id: int | None,
                  now: datetime, file_id: int | None = None) -> Interaction:
        row = m.Interaction(owner_id=owner_id, kind=kind, company_id=company_id,
                            deal_id=deal_id, text=text, document_id=document_id,
                            file_id=file_id, occurred_at=now)
        self._s.add(row)
        await self._s.flush()
        mime = None
        if document_id is not None:
            mime = await self._s.scalar(select(m.Document.mime_type)
                                        .where(m.Document.id == document_id))
        elif file_id is not None:
            mime = await self._s.scalar(select(m.StoredFile.mime_type)
                                        .where(m.StoredFile.id == file_id))
        return _to_interaction(row, mime)

    async def for_company(self, company_id: int, limit: int) -> Sequence[Interaction]:
        deal_ids = select(m.Deal.id).where(m.Deal.company_id == company_id)
        q = _listed(or_(m.Interaction.company_id == company_id,
                        m.Interaction.deal_id.in_(deal_ids)), limit)
        return [_to_interaction(r, mime, chat)
                for r, mime, chat in (await self._s.execute(q)).all()]

    async def for_deal(self, deal_id: int, limit: int) -> Sequence[Interaction]:
        q = _listed(m.Interaction.deal_id == deal_id, limit)
        return [_to_interaction(r, mime, chat)
                for r, mime, chat in (await self._s.execute(q)).all()]

    async def deals_of_company(self, company_id: int) -> Sequence[DealSummary]:
        q = (select(m.Deal, m.Pipeline.code, m.Stage.code)
             .join(m.Pipeline, m.Pipeline.id == m.Deal.pipeline_id)
             .outerjoin(m.Stage, m.Stage.id == m.Deal.stage_id)
             .where(m.Deal.company_id == company_id)
             .order_by(m.Deal.created_at.desc(), m.Deal.id.desc()).limit(50))
        return [DealSummary(id=d.id, title=d.title, status=d.status, stage_code=scode,
                            pipeline_code=pcode, amount_minor=d.amount_minor,
                            currency=d.currency, created_at=d.created_at,
                            closed_at=d.closed_at)
                for d, pcode, scode in (await self._s.execute(q)).all()]


class SqlInteractionFileRepository:
    """The bytes of a voice note or a photo attached to an interaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, *, filename: str, mime_type: str, content: bytes, sha256: str,
                  created_by: int | None, now: datetime) -> int:
        row = m.Document(kind="interaction", subject_type="interaction", filename=filename,
                         mime_type=mime_type, size=len(content), sha256=sha256,
                         content=content, created_by=created_by, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def content(self, document_id: int) -> bytes | None:
        return await self._s.scalar(select(m.Document.content).where(
            m.Document.id == document_id, m.Document.kind == "interaction"))
