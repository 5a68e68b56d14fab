"""Interactions: logged calls, meetings, e-mails, messages and notes on a client or a deal,
and the client's timeline (interactions, deals and the audit entries naming the client,
newest first).

Invariants:
- an interaction is attached to a deal or a company the actor may see (else NotFound);
  one on a deal is also attached to the deal's company, so it shows on the client's timeline;
- a voice note or a photo is kept as a file in the documents table (kind "interaction");
  when Telegram's file_id came with it, it is also kept in `files` (interactions.file_id), so
  it opens from the timeline by file_id; one over the 20 MB download limit is kept by
  file_id only (the bot cannot download it);
- an interaction has text or a file; text is at most TEXT_MAX characters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from services.clients import Company, CompanyRepository
from services.clock import Clock
from services.deals import DealRepository
from services.errors import InvalidInput, NotFound
from services.files import FileRepository, IncomingFile, clean_incoming
from services.kernel import AuditedUnitOfWork, UowFactory
from services.users import Actor

TEXT_MAX = 4000
FILE_MAX = 20 * 1024 * 1024  # what the Bot API lets a bot download


class InteractionKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    MESSAGE = "message"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    mime_type: str
    content: bytes  # empty when only Telegram's file_id is kept (over the download limit)
    telegram: IncomingFile | None = None


@dataclass(frozen=True, slots=True)
class ChatMark:
    """A message of the manager's Telegram Business chat with the customer (issue 20): who
    wrote, what it carried (a kept file's kind, or a kind named and not kept: a sticker, a
    poll ...), and whether it was edited or deleted since."""

    outgoing: bool
    kind: str
    edited: bool
    deleted: bool


@dataclass(frozen=True, slots=True)
class Interaction:
    id: int
    owner_id: int
    kind: str
    company_id: int | None
    deal_id: int | None
    text: str
    document_id: int | None
    file_mime: str | None
    occurred_at: datetime
    file_id: int | None = None  # the voice or photo in `files` (sent back by file_id)
    chat: ChatMark | None = None  # a business chat's message


@dataclass(frozen=True, slots=True)
class DealSummary:
    id: int
    title: str
    status: str
    stage_code: str | None
    pipeline_code: str
    amount_minor: int | None
    currency: str | None
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An audit entry as the timeline shows it: who, what, and `data` (an edit's
    {"changes": [{"field", "old", "new"}]}, an archive's "reason", ...)."""

    id: int
    at: datetime
    actor_name: str | None
    action: str
    entity: str
    entity_id: int | None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    interaction: Interaction | None = None
    deal: DealSummary | None = None
    event: str = ""  # for a deal: created | won | lost
    audit: AuditRecord | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    company: Company
    entries: Sequence[TimelineEntry]
    total: int


def clean_text(text: str | None, has_file: bool) -> str:
    body = (text or "").strip()
    if not body and not has_file:
        raise InvalidInput("empty", field="text")
    if len(body) > TEXT_MAX:
        raise InvalidInput("too_long", field="text", limit=TEXT_MAX)
    return body


# --- ports ----------------------------------------------------------------------------------


class InteractionRepository(Protocol):
    async def add(self, *, owner_id: int, kind: str, company_id: int | None,
                  deal_id: int | None, text: str, document_id: int | None,
                  now: datetime, file_id: int | None = None) -> Interaction: ...
    async def for_company(self, company_id: int, limit: int) -> Sequence[Interaction]: ...
    async def for_deal(self, deal_id: int, limit: int) -> Sequence[Interaction]: ...
    async def deals_of_company(self, company_id: int) -> Sequence[DealSummary]: ...


class InteractionFileRepository(Protocol):
    async def add(self, *, filename: str, mime_type: str, content: bytes, sha256: str,
                  created_by: int | None, now: datetime) -> int: ...
    async def content(self, document_id: int) -> bytes | None: ...


class AuditLogRepository(Protocol):
    async def for_company(self, company_id: int, limit: int) -> Sequence[AuditRecord]:
        """The entries naming the client (audit_log.company_id) and the clients merged into
        it, newest first."""
        ...


class InteractionUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def audit_log(self) -> AuditLogRepository: ...
    @property
    def interactions(self) -> InteractionRepository: ...
    @property
    def interaction_files(self) -> InteractionFileRepository: ...
    @property
    def deals(self) -> DealRepository: ...
    @property
    def companies(self) -> CompanyRepository: ...
    @property
    def files(self) -> FileRepository: ...


class InteractionService:
    def __init__(self, uow: UowFactory[InteractionUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def add(self, actor: Actor, kind: str, text: str | None, *,
                  deal_id: int | None = None, company_id: int | None = None,
                  attachment: Attachment | None = None) -> Interaction:
        try:
            kind = InteractionKind(kind).value
        except ValueError:
            raise InvalidInput("bad_interaction_kind", field="kind") from None
        body = clean_text(text, attachment is not None)
        if attachment is not None and len(attachment.content) > FILE_MAX:
            raise InvalidInput("file_too_large", field="file")
        if attachment is not None and not attachment.content and attachment.telegram is None:
            raise InvalidInput("empty", field="file")
        telegram = (clean_incoming(attachment.telegram)
                    if attachment is not None and attachment.telegram is not None else None)
        if deal_id is None and company_id is None:
            raise InvalidInput("no_subject", field="subject")
        now = self._clock.now()
        card_owner = actor.id
        async with self._uow() as uow:
            if deal_id is not None:
                deal = await uow.deals.get(deal_id, actor.owner_scope())
                if deal is None:
                    raise NotFound(entity="deal", id=deal_id)
                company_id, card_owner = deal.company_id, deal.owner_id
            elif company_id is not None:
                company = await uow.companies.get(company_id, actor.owner_scope())
                if company is None:
                    raise NotFound(entity="company", id=company_id)
                card_owner = company.owner_id
            document_id = file_id = None
            if telegram is not None:
                kept = await uow.files.add(
                    owner_id=card_owner, company_id=company_id, deal_id=deal_id, file=telegram,
                    created_by=actor.id, now=now)
                file_id = kept.id
            if attachment is not None and attachment.content:
                document_id = await uow.interaction_files.add(
                    filename=attachment.filename[:255], mime_type=attachment.mime_type[:100],
                    content=attachment.content,
                    sha256=hashlib.sha256(attachment.content).hexdigest(),
                    created_by=actor.id, now=now)
            item = await uow.interactions.add(
                owner_id=actor.id, kind=kind, company_id=company_id, deal_id=deal_id,
                text=body, document_id=document_id, now=now, file_id=file_id)
            if deal_id is not None:
                await uow.deals.update(deal_id, {}, now)  # the deal's last activity
            await uow.audit.add(actor.id, "interaction.add", "interaction", item.id,
                                {"kind": kind})
            await uow.commit()
        return item

    async def timeline(self, actor: Actor, company_id: int, limit: int = 15) -> Timeline:
        """The client's interactions (their own and their deals'), deals and audit entries,
        newest first."""
        async with self._uow(readonly=True) as uow:
            company = await uow.companies.get(company_id, actor.owner_scope())
            if company is None:
                raise NotFound(entity="company", id=company_id)
            items = await uow.interactions.for_company(company_id, limit)
            deals = await uow.interactions.deals_of_company(company_id)
            audits = await uow.audit_log.for_company(company_id, limit)
        entries = [TimelineEntry(at=i.occurred_at, interaction=i) for i in items]
        entries.extend(TimelineEntry(at=a.at, audit=a) for a in audits)
        for d in deals:
            entries.append(TimelineEntry(at=d.created_at, deal=d, event="created"))
            if d.status in ("won", "lost") and d.closed_at is not None:
                entries.append(TimelineEntry(at=d.closed_at, deal=d, event=d.status))
        entries.sort(key=lambda e: e.at, reverse=True)
        return Timeline(company=company, entries=entries[:limit], total=len(entries))

    async def for_deal(self, actor: Actor, deal_id: int, limit: int = 5
                       ) -> Sequence[Interaction]:
        async with self._uow(readonly=True) as uow:
            if await uow.deals.get(deal_id, actor.owner_scope()) is None:
                raise NotFound(entity="deal", id=deal_id)
            return await uow.interactions.for_deal(deal_id, limit)
