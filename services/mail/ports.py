"""The Protocols mail needs, nothing more (`storage/mail.py` implements them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.clients import CompanyRepository
from services.files import FileRepository
from services.interactions import InteractionRepository
from services.leads.ports import LeadUnitOfWork
from services.mail.model import (
    MailAttachment,
    MailboxState,
    OutgoingReply,
    ReplyDocument,
    StoredMail,
)


class MailRepository(Protocol):
    async def mailbox(self, name: str) -> MailboxState | None: ...
    async def add_mailbox(self, name: str, since: datetime, now: datetime) -> MailboxState:
        """The mailbox's row, made on first use (two processes: one row, the first `since`)."""
        ...
    async def reset_uidvalidity(self, mailbox_id: int, uidvalidity: int) -> None:
        """The folder was recreated: its UIDs start again (Message-IDs still dedupe)."""
        ...
    async def advance(self, mailbox_id: int, uid: int) -> None:
        """`last_uid` = max(last_uid, uid)."""
        ...
    async def checked(self, mailbox_id: int, now: datetime) -> None:
        """A successful pass: the failure streak ends."""
        ...
    async def failed(self, mailbox_id: int, error: str, now: datetime) -> MailboxState:
        """One more failure in the streak (`failing_since` set on the first)."""
        ...
    async def add_message(self, *, mailbox_id: int, uidvalidity: int, uid: int,
                          message_id: str, references: str, from_addr: str, from_name: str,
                          subject: str, status: str, verified: bool, received_at: datetime,
                          facts: dict[str, Any], now: datetime) -> int | None:
        """Its id, or None when this (mailbox, UIDVALIDITY, UID) or this Message-ID was
        processed before (nothing written)."""
        ...
    async def message(self, mail_id: int, for_update: bool = False) -> StoredMail | None: ...
    async def update_message(self, mail_id: int, changes: dict[str, Any]) -> None: ...
    async def sender(self, email: str) -> tuple[int, int | None, int] | None:
        """(company id, contact id, the client's manager) of a known address: a contact's
        (not archived) whose company is known, else a client's own; None for a stranger."""
        ...
    async def add_attachment(self, mail_id: int, attachment: MailAttachment,
                             now: datetime) -> int:
        """The bytes kept (documents, kind "mail_attachment"); returns the document id."""
        ...
    async def attachment(self, document_id: int) -> MailAttachment | None: ...
    async def documents(self, company_id: int) -> Sequence[ReplyDocument]:
        """The client's latest issued invoice (and its act) and latest quote."""
        ...
    async def add_reply(self, *, mail_id: int, owner_id: int, company_id: int | None,
                        action_key: str, outbox_key: str, message_id: str, to_addr: str,
                        subject: str, text: str, document_id: int | None,
                        now: datetime) -> int | None:
        """Its id, or None when this action already queued a reply."""
        ...
    async def reply(self, reply_id: int) -> tuple[OutgoingReply, StoredMail,
                                                 datetime | None] | None:
        """The reply, the message it answers and when it was sent (None: not yet)."""
        ...
    async def reply_sent(self, reply_id: int, interaction_id: int | None,
                         now: datetime) -> None: ...


class MailUnitOfWork(LeadUnitOfWork, Protocol):
    @property
    def mail(self) -> MailRepository: ...
    @property
    def interactions(self) -> InteractionRepository: ...
    @property
    def files(self) -> FileRepository: ...
    @property
    def companies(self) -> CompanyRepository: ...
