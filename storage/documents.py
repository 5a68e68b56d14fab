"""Stored bytes (documents with their sha256), the organization's images and its uploaded
document templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.delivery import StoredFile
from storage import models as m

IMAGE_COLUMNS = {"logo": "logo_document_id", "stamp": "stamp_document_id",
                 "signature": "signature_document_id"}


def to_file(row: m.Document) -> StoredFile:
    return StoredFile(id=row.id, kind=row.kind, subject_type=row.subject_type,
                      subject_id=row.subject_id, filename=row.filename,
                      mime_type=row.mime_type, size=row.size, sha256=row.sha256,
                      view_hash=row.view_hash, content=bytes(row.content))


class SqlStoredDocumentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, *, kind: str, subject_type: str | None, subject_id: int | None,
                  filename: str, mime_type: str, content: bytes, sha256: str,
                  view_hash: str | None, created_by: int | None, now: datetime) -> int:
        row = m.Document(kind=kind, subject_type=subject_type, subject_id=subject_id,
                         filename=filename, mime_type=mime_type, size=len(content),
                         sha256=sha256, content=content, view_hash=view_hash,
                         created_by=created_by, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return int(row.id)

    async def get(self, document_id: int) -> StoredFile | None:
        row = await self._s.get(m.Document, document_id)
        return to_file(row) if row else None

    async def by_view_hash(self, subject_type: str, subject_id: int, view_hash: str
                           ) -> StoredFile | None:
        row = await self._s.scalar(
            select(m.Document).where(m.Document.subject_type == subject_type,
                                     m.Document.subject_id == subject_id,
                                     m.Document.view_hash == view_hash)
            .order_by(m.Document.id.desc()).limit(1))
        return to_file(row) if row else None

    async def latest(self, subject_type: str, subject_id: int, kind: str
                     ) -> StoredFile | None:
        row = await self._s.scalar(
            select(m.Document).where(m.Document.subject_type == subject_type,
                                     m.Document.subject_id == subject_id,
                                     m.Document.kind == kind)
            .order_by(m.Document.id.desc()).limit(1))
        return to_file(row) if row else None

    async def organization_images(self, organization_id: int) -> dict[str, bytes]:
        org = await self._s.get(m.Organization, organization_id)
        if org is None:
            return {}
        ids = {kind: getattr(org, column) for kind, column in IMAGE_COLUMNS.items()
               if getattr(org, column) is not None}
        if not ids:
            return {}
        rows: Any = (await self._s.execute(
            select(m.Document.id, m.Document.content)
            .where(m.Document.id.in_(list(ids.values()))))).all()
        content = {int(doc_id): bytes(data) for doc_id, data in rows}
        return {kind: content[doc_id] for kind, doc_id in ids.items() if doc_id in content}

    async def set_organization_image(self, organization_id: int, kind: str,
                                     document_id: int) -> None:
        await self._s.execute(update(m.Organization)
                              .where(m.Organization.id == organization_id)
                              .values({IMAGE_COLUMNS[kind]: document_id}))

    async def template(self, organization_id: int, name: str) -> str | None:
        source = await self._s.scalar(
            select(m.DocumentTemplate.source)
            .where(m.DocumentTemplate.organization_id == organization_id,
                   m.DocumentTemplate.kind == name))
        return str(source) if source is not None else None

    async def save_template(self, organization_id: int, name: str, source: str,
                            user_id: int | None, now: datetime) -> None:
        row = await self._s.scalar(
            select(m.DocumentTemplate)
            .where(m.DocumentTemplate.organization_id == organization_id,
                   m.DocumentTemplate.kind == name))
        if row is None:
            self._s.add(m.DocumentTemplate(organization_id=organization_id, kind=name,
                                           source=source, updated_by=user_id, updated_at=now))
        else:
            row.source, row.updated_by, row.updated_at = source, user_id, now
        await self._s.flush()
