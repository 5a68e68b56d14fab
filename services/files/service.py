"""Attach files to client and deal cards, list them, and open them again.

Invariants:
- a file is kept on a card the actor may see (a deal, or a client); anything else is
  NotFound, and nothing is stored;
- a deal's file also carries the deal's client (company_id), so the client's card lists it;
  a client's card lists its own files and its deals' files;
- opening a file or a timeline note's voice or photo checks the card again, so a forged id
  for another manager's file learns nothing; heads and admins see every file;
- attaching is audited ("file.add", tied to the client and the deal) in the same
  transaction; keeping a file needs no download: a file over the Bot API's 20 MB download
  limit is kept too (see model.DOWNLOAD_LIMIT) and is sent back by file_id all the same.
"""

from __future__ import annotations

from services.clock import Clock
from services.errors import InvalidInput, NotFound
from services.files.model import (
    LIST_SHOWN,
    Attached,
    FileKind,
    FileListing,
    IncomingFile,
    NoteMedia,
    StoredFile,
    clean_incoming,
)
from services.files.ports import FileUnitOfWork
from services.kernel import UowFactory
from services.users import Actor


def _one_subject(deal_id: int | None, company_id: int | None) -> None:
    if (deal_id is None) == (company_id is None):
        raise InvalidInput("no_subject", field="subject")


class FileService:
    def __init__(self, uow: UowFactory[FileUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def attach(self, actor: Actor, incoming: IncomingFile, *, deal_id: int | None = None,
                     company_id: int | None = None) -> Attached:
        """Keeps the file on the deal's or the client's card."""
        _one_subject(deal_id, company_id)
        f = clean_incoming(incoming)
        now = self._clock.now()
        async with self._uow() as uow:
            if deal_id is not None:
                deal = await uow.deals.get(deal_id, actor.owner_scope())
                if deal is None:
                    raise NotFound(entity="deal", id=deal_id)
                owner_id, company_id = deal.owner_id, deal.company_id
            else:
                assert company_id is not None
                company = await uow.companies.get(company_id, actor.owner_scope())
                if company is None:
                    raise NotFound(entity="company", id=company_id)
                owner_id = company.owner_id
            stored = await uow.files.add(owner_id=owner_id, company_id=company_id,
                                         deal_id=deal_id, file=f, created_by=actor.id, now=now)
            await uow.audit.add(actor.id, "file.add", "file", stored.id,
                                {"kind": f.kind, "name": stored.filename, "size": f.size},
                                company_id=company_id, deal_id=deal_id)
            if deal_id is not None:
                _, count = await uow.files.for_deal(deal_id, 0)
            else:
                assert company_id is not None
                _, count = await uow.files.for_company(company_id, 0)
            await uow.commit()
        return Attached(file=stored, count=count)

    async def listing(self, actor: Actor, *, deal_id: int | None = None,
                      company_id: int | None = None) -> FileListing:
        """The card's files, newest first (at most LIST_SHOWN, with the total)."""
        _one_subject(deal_id, company_id)
        async with self._uow(readonly=True) as uow:
            if deal_id is not None:
                deal = await uow.deals.get(deal_id, actor.owner_scope())
                if deal is None:
                    raise NotFound(entity="deal", id=deal_id)
                files, total = await uow.files.for_deal(deal_id, LIST_SHOWN)
                return FileListing(deal_id=deal_id, company_id=None, title=deal.title,
                                   files=files, total=total)
            assert company_id is not None
            company = await uow.companies.get(company_id, actor.owner_scope())
            if company is None:
                raise NotFound(entity="company", id=company_id)
            files, total = await uow.files.for_company(company_id, LIST_SHOWN)
            return FileListing(deal_id=None, company_id=company_id, title=company.name,
                               files=files, total=total)

    async def get(self, actor: Actor, file_id: int) -> StoredFile:
        """A file to send back, if the actor may see its card."""
        async with self._uow(readonly=True) as uow:
            stored = await uow.files.get(file_id)
            if stored is None or not await self._visible(uow, actor, stored.deal_id,
                                                         stored.company_id):
                raise NotFound(entity="file", id=file_id)
            return stored

    async def note_media(self, actor: Actor, interaction_id: int) -> NoteMedia:
        """A timeline note's voice or photo, if the actor may see the note's client or deal."""
        async with self._uow(readonly=True) as uow:
            ref = await uow.files.interaction(interaction_id)
            if ref is None or not await self._visible(uow, actor, ref.deal_id, ref.company_id):
                raise NotFound(entity="interaction", id=interaction_id)
            stored = await uow.files.get(ref.file_id) if ref.file_id is not None else None
            mime = (stored.mime_type if stored is not None else None) or ref.mime_type or ""
            if stored is not None:
                kind = stored.kind
            else:
                kind = FileKind.PHOTO.value if mime.startswith("image") else FileKind.VOICE.value
            content = None
            if stored is None and ref.document_id is not None:
                content = await uow.files.note_content(ref.document_id)
            if stored is None and not content:
                raise NotFound(entity="interaction", id=interaction_id)
            default = "photo.jpg" if kind == FileKind.PHOTO else "voice.ogg"
            return NoteMedia(kind=kind, file=stored, content=content,
                             filename=ref.filename or default, mime_type=mime)

    @staticmethod
    async def _visible(uow: FileUnitOfWork, actor: Actor, deal_id: int | None,
                       company_id: int | None) -> bool:
        scope = actor.owner_scope()
        if scope is None:
            return deal_id is not None or company_id is not None
        # A client's card lists its deals' files: the client's owner may open them too.
        if deal_id is not None and await uow.deals.get(deal_id, scope) is not None:
            return True
        return (company_id is not None
                and await uow.companies.get(company_id, scope) is not None)
