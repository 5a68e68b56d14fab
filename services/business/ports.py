"""The Protocols Telegram Business needs, nothing more (`storage/business.py` implements the
repository; the unit of work is the one every feature shares)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.business.model import (
    BusinessChatTarget,
    Chat,
    Connection,
    ConnectionUpdate,
    StoredMessage,
    Subject,
)
from services.files import FileRepository
from services.kernel import AuditedUnitOfWork
from services.leads.ports import LeadRepository
from services.outbox import OutboxRepository
from services.users import UserRepository


class BusinessRepository(Protocol):
    # --- connections
    async def connection(self, connection_id: str) -> Connection | None: ...
    async def connection_of(self, user_id: int) -> Connection | None:
        """The staff member's connection: the enabled one if any, else the latest."""
        ...
    async def save_connection(self, user_id: int, update: ConnectionUpdate, now: datetime
                              ) -> Connection:
        """Inserts or updates by Telegram's connection id."""
        ...

    # --- chats
    async def chat(self, user_id: int, chat_id: int) -> Chat | None: ...
    async def chat_by_id(self, chat_ref: int, for_update: bool = False) -> Chat | None: ...
    async def add_chat(self, user_id: int, chat_id: int, name: str, username: str | None,
                       language: str | None, now: datetime) -> Chat:
        """The chat's row, made if new (two updates of one new chat make one row)."""
        ...
    async def update_chat(self, chat_ref: int, changes: dict[str, Any], now: datetime
                          ) -> None: ...
    async def chats(self, user_id: int, excluded: bool, limit: int) -> Sequence[Chat]:
        """The staff member's chats, excluded ones or the others, latest activity first."""
        ...

    # --- where a chat's messages go
    async def find_contact(self, scope: int | None, *, telegram_user_id: int | None = None,
                           phone: str | None = None) -> Subject | None:
        """A contact (not archived) in the scope (an owner id; None: any) with this Telegram
        id, or this phone (E.164)."""
        ...
    async def find_lead(self, owner_id: int, telegram_user_id: int) -> Subject | None:
        """The staff member's latest lead with this Telegram id, as `lead_subject`."""
        ...
    async def contact_subject(self, contact_id: int) -> Subject: ...
    async def lead_subject(self, lead_id: int) -> Subject:
        """The lead; once converted, also the client, contact and deal it became."""
        ...

    # --- messages
    async def add_message(self, *, connection_ref: int, chat_ref: int, chat_id: int,
                          message_id: int, outgoing: bool, kind: str, text: str,
                          sent_at: datetime, now: datetime) -> int | None:
        """The message's row; None when (connection, chat, message id) is stored already."""
        ...
    async def add_interaction(self, *, message_ref: int, owner_id: int, subject: Subject,
                              text: str, file_id: int | None, at: datetime) -> int:
        """The message's timeline entry (kind "message"), tied to the message's row."""
        ...
    async def message(self, connection_ref: int, chat_id: int, message_id: int
                      ) -> StoredMessage | None: ...
    async def edit_message(self, message_ref: int, text: str, now: datetime) -> None:
        """The new text, the old one appended to the message's edits (its timeline entry
        shows the new one)."""
        ...
    async def mark_deleted(self, connection_ref: int, chat_id: int,
                           message_ids: Sequence[int], now: datetime
                           ) -> Sequence[StoredMessage]:
        """Marks the stored ones deleted; returns those not deleted before."""
        ...
    async def message_text(self, message_ref: int) -> str: ...
    async def attach_chat(self, chat_ref: int, lead_id: int) -> None:
        """The chat's timeline entries (and their files) go to the lead."""
        ...
    async def purge_chat(self, chat_ref: int) -> int:
        """Deletes everything stored from the chat: its messages, their timeline entries and
        files; returns how many messages."""
        ...

    # --- documents as the manager
    async def target_for(self, user_id: int, contact_id: int | None, company_id: int | None
                         ) -> BusinessChatTarget | None:
        """The staff member's chat (not excluded, on an enabled connection) with the contact,
        the client, or a lead that became them; the latest active."""
        ...


class BusinessUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def business(self) -> BusinessRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def leads(self) -> LeadRepository: ...
    @property
    def files(self) -> FileRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
