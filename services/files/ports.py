"""The Protocols files needs, nothing more (`storage/files.py` implements them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.clients import CompanyRepository
from services.deals import DealRepository
from services.files.model import IncomingFile, InteractionRef, StoredFile
from services.kernel import AuditedUnitOfWork


class FileRepository(Protocol):
    async def add(self, *, owner_id: int, company_id: int | None, deal_id: int | None,
                  file: IncomingFile, created_by: int | None, now: datetime) -> StoredFile: ...
    async def get(self, file_id: int) -> StoredFile | None:
        """Any file by id: the service checks the actor may see its card."""
        ...
    async def for_deal(self, deal_id: int, limit: int) -> tuple[Sequence[StoredFile], int]:
        """The deal's files, newest first, and how many it has."""
        ...
    async def for_company(self, company_id: int, limit: int
                          ) -> tuple[Sequence[StoredFile], int]:
        """The client's files and those of the client's deals, newest first, and the count."""
        ...
    async def interaction(self, interaction_id: int) -> InteractionRef | None: ...
    async def note_content(self, document_id: int) -> bytes | None:
        """The bytes of a voice note or photo kept with an interaction (documents table)."""
        ...


class FileUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def files(self) -> FileRepository: ...
    @property
    def deals(self) -> DealRepository: ...
    @property
    def companies(self) -> CompanyRepository: ...
