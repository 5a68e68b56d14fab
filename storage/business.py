"""Telegram Business on SQLAlchemy: connections, customer chats and their messages
(services.business.ports.BusinessRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.business import (
    BusinessChatTarget,
    Chat,
    Connection,
    ConnectionUpdate,
    StoredMessage,
    Subject,
)
from storage import models as m


def _connection(row: m.BusinessConnection) -> Connection:
    return Connection(id=row.id, connection_id=row.connection_id, user_id=row.user_id,
                      telegram_user_id=row.telegram_user_id, user_chat_id=row.user_chat_id,
                      is_enabled=row.is_enabled, can_reply=row.can_reply,
                      rights=dict(row.rights or {}), updated_at=row.updated_at)


def _chat(row: m.BusinessChat) -> Chat:
    return Chat(id=row.id, user_id=row.user_id, chat_id=row.chat_id, name=row.name,
                username=row.username, language=row.language, contact_id=row.contact_id,
                lead_id=row.lead_id, first_message_id=row.first_message_id,
                excluded_at=row.excluded_at, updated_at=row.updated_at)


def _message(row: m.BusinessMessage) -> StoredMessage:
    return StoredMessage(id=row.id, chat_ref=row.business_chat_id, outgoing=row.outgoing,
                         kind=row.kind, text=row.text, interaction_id=row.interaction_id,
                         deleted=row.deleted_at is not None)


class SqlBusinessRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._insert = pg_insert if dialect == "postgresql" else sqlite_insert
        self._dialect = dialect

    # --- connections ------------------------------------------------------------------

    async def connection(self, connection_id: str) -> Connection | None:
        row = await self._s.scalar(select(m.BusinessConnection).where(
            m.BusinessConnection.connection_id == connection_id))
        return _connection(row) if row else None

    async def connection_of(self, user_id: int) -> Connection | None:
        row = await self._s.scalar(
            select(m.BusinessConnection).where(m.BusinessConnection.user_id == user_id)
            .order_by(m.BusinessConnection.is_enabled.desc(),
                      m.BusinessConnection.updated_at.desc(), m.BusinessConnection.id.desc())
            .limit(1))
        return _connection(row) if row else None

    async def save_connection(self, user_id: int, update: ConnectionUpdate, now: datetime
                              ) -> Connection:
        values = {"user_id": user_id, "telegram_user_id": update.telegram_user_id,
                  "user_chat_id": update.user_chat_id, "is_enabled": update.is_enabled,
                  "can_reply": update.can_reply, "rights": dict(update.rights),
                  "updated_at": now}
        stmt = self._insert(m.BusinessConnection).values(
            connection_id=update.connection_id, created_at=now, **values)
        await self._s.execute(stmt.on_conflict_do_update(
            index_elements=[m.BusinessConnection.connection_id], set_=values))
        saved = await self.connection(update.connection_id)
        assert saved is not None
        return saved

    # --- chats ------------------------------------------------------------------------

    async def chat(self, user_id: int, chat_id: int) -> Chat | None:
        row = await self._s.scalar(select(m.BusinessChat).where(
            m.BusinessChat.user_id == user_id, m.BusinessChat.chat_id == chat_id))
        return _chat(row) if row else None

    async def chat_by_id(self, chat_ref: int, for_update: bool = False) -> Chat | None:
        q = select(m.BusinessChat).where(m.BusinessChat.id == chat_ref)
        if for_update and self._dialect == "postgresql":
            q = q.with_for_update()
        row = await self._s.scalar(q.execution_options(populate_existing=True))
        return _chat(row) if row else None

    async def add_chat(self, user_id: int, chat_id: int, name: str, username: str | None,
                       language: str | None, now: datetime) -> Chat:
        await self._s.execute(self._insert(m.BusinessChat).values(
            user_id=user_id, chat_id=chat_id, name=name, username=username, language=language,
            created_at=now, updated_at=now).on_conflict_do_nothing(
            index_elements=[m.BusinessChat.user_id, m.BusinessChat.chat_id]))
        made = await self.chat(user_id, chat_id)
        assert made is not None
        return made

    async def update_chat(self, chat_ref: int, changes: dict[str, Any], now: datetime
                          ) -> None:
        await self._s.execute(update(m.BusinessChat).where(m.BusinessChat.id == chat_ref)
                              .values(**changes, updated_at=now))

    async def chats(self, user_id: int, excluded: bool, limit: int) -> Sequence[Chat]:
        q = select(m.BusinessChat).where(m.BusinessChat.user_id == user_id)
        q = q.where(m.BusinessChat.excluded_at.is_not(None) if excluded
                    else m.BusinessChat.excluded_at.is_(None))
        rows = await self._s.scalars(q.order_by(m.BusinessChat.updated_at.desc(),
                                                m.BusinessChat.id.desc()).limit(limit))
        return [_chat(r) for r in rows]

    # --- where a chat's messages go ---------------------------------------------------

    async def find_contact(self, scope: int | None, *, telegram_user_id: int | None = None,
                           phone: str | None = None) -> Subject | None:
        q = select(m.Contact.id, m.Contact.company_id).where(m.Contact.archived_at.is_(None))
        if telegram_user_id is not None:
            q = q.where(m.Contact.telegram_user_id == telegram_user_id)
        elif phone:
            q = q.where(m.Contact.phone == phone)
        else:
            return None
        if scope is not None:
            q = q.where(m.Contact.owner_id == scope)
        found = (await self._s.execute(q.order_by(m.Contact.id.desc()).limit(1))).first()
        return Subject(contact_id=found[0], company_id=found[1]) if found else None

    async def find_lead(self, owner_id: int, telegram_user_id: int) -> Subject | None:
        lead_id = await self._s.scalar(
            select(m.Lead.id).where(m.Lead.owner_id == owner_id,
                                    m.Lead.telegram_user_id == telegram_user_id)
            .order_by(m.Lead.id.desc()).limit(1))
        return await self.lead_subject(lead_id) if lead_id is not None else None

    async def contact_subject(self, contact_id: int) -> Subject:
        company_id = await self._s.scalar(select(m.Contact.company_id)
                                          .where(m.Contact.id == contact_id))
        return Subject(contact_id=contact_id, company_id=company_id)

    async def lead_subject(self, lead_id: int) -> Subject:
        found = (await self._s.execute(
            select(m.Lead.company_id, m.Lead.contact_id, m.Lead.deal_id)
            .where(m.Lead.id == lead_id))).first()
        if found is None:
            return Subject()
        return Subject(contact_id=found[1], company_id=found[0], deal_id=found[2],
                       lead_id=lead_id)

    # --- messages ---------------------------------------------------------------------

    async def add_message(self, *, connection_ref: int, chat_ref: int, chat_id: int,
                          message_id: int, outgoing: bool, kind: str, text: str,
                          sent_at: datetime, now: datetime) -> int | None:
        stmt = self._insert(m.BusinessMessage).values(
            connection_id=connection_ref, chat_id=chat_id, message_id=message_id,
            business_chat_id=chat_ref, outgoing=outgoing, kind=kind, text=text, edits=[],
            sent_at=sent_at, created_at=now).on_conflict_do_nothing(
            index_elements=[m.BusinessMessage.connection_id, m.BusinessMessage.chat_id,
                            m.BusinessMessage.message_id]).returning(m.BusinessMessage.id)
        return await self._s.scalar(stmt)

    async def add_interaction(self, *, message_ref: int, owner_id: int, subject: Subject,
                              text: str, file_id: int | None, at: datetime) -> int:
        row = m.Interaction(owner_id=owner_id, kind="message", company_id=subject.company_id,
                            contact_id=subject.contact_id, deal_id=subject.deal_id,
                            lead_id=subject.lead_id, text=text, file_id=file_id,
                            occurred_at=at)
        self._s.add(row)
        await self._s.flush()
        await self._s.execute(update(m.BusinessMessage).where(
            m.BusinessMessage.id == message_ref).values(interaction_id=row.id))
        return row.id

    async def message(self, connection_ref: int, chat_id: int, message_id: int
                      ) -> StoredMessage | None:
        row = await self._s.scalar(select(m.BusinessMessage).where(
            m.BusinessMessage.connection_id == connection_ref,
            m.BusinessMessage.chat_id == chat_id, m.BusinessMessage.message_id == message_id))
        return _message(row) if row else None

    async def edit_message(self, message_ref: int, text: str, now: datetime) -> None:
        row = await self._s.get(m.BusinessMessage, message_ref)
        assert row is not None
        row.edits = [*(row.edits or []), {"text": row.text, "at": now.isoformat()}]
        row.text, row.edited_at = text, now
        if row.interaction_id is not None:
            await self._s.execute(update(m.Interaction).where(
                m.Interaction.id == row.interaction_id).values(text=text))
        await self._s.flush()

    async def mark_deleted(self, connection_ref: int, chat_id: int,
                           message_ids: Sequence[int], now: datetime
                           ) -> Sequence[StoredMessage]:
        if not message_ids:
            return []
        rows = list(await self._s.scalars(select(m.BusinessMessage).where(
            m.BusinessMessage.connection_id == connection_ref,
            m.BusinessMessage.chat_id == chat_id,
            m.BusinessMessage.message_id.in_(list(message_ids)),
            m.BusinessMessage.deleted_at.is_(None))))
        if rows:
            await self._s.execute(update(m.BusinessMessage).where(
                m.BusinessMessage.id.in_([r.id for r in rows])).values(deleted_at=now))
        return [_message(r) for r in rows]

    async def message_text(self, message_ref: int) -> str:
        return str(await self._s.scalar(select(m.BusinessMessage.text).where(
            m.BusinessMessage.id == message_ref)) or "")

    def _chat_interactions(self, chat_ref: int) -> Any:
        return select(m.BusinessMessage.interaction_id).where(
            m.BusinessMessage.business_chat_id == chat_ref,
            m.BusinessMessage.interaction_id.is_not(None))

    async def attach_chat(self, chat_ref: int, lead_id: int) -> None:
        await self._s.execute(update(m.Interaction).where(
            m.Interaction.id.in_(self._chat_interactions(chat_ref))).values(lead_id=lead_id))

    async def purge_chat(self, chat_ref: int) -> int:
        ids = list(await self._s.scalars(self._chat_interactions(chat_ref)))
        files = list(await self._s.scalars(select(m.Interaction.file_id).where(
            m.Interaction.id.in_(ids), m.Interaction.file_id.is_not(None)))) if ids else []
        count = int(await self._s.scalar(select(func.count()).select_from(m.BusinessMessage)
                                         .where(m.BusinessMessage.business_chat_id == chat_ref))
                    or 0)
        await self._s.execute(delete(m.BusinessMessage).where(
            m.BusinessMessage.business_chat_id == chat_ref))
        if ids:
            await self._s.execute(delete(m.Interaction).where(m.Interaction.id.in_(ids)))
        if files:
            await self._s.execute(delete(m.StoredFile).where(m.StoredFile.id.in_(files)))
        return count

    # --- documents as the manager -----------------------------------------------------

    async def target_for(self, user_id: int, contact_id: int | None, company_id: int | None
                         ) -> BusinessChatTarget | None:
        conds = []
        if contact_id is not None:
            conds.append(m.BusinessChat.contact_id == contact_id)
            conds.append(m.BusinessChat.lead_id.in_(
                select(m.Lead.id).where(m.Lead.contact_id == contact_id)))
        if company_id is not None:
            conds.append(m.BusinessChat.contact_id.in_(
                select(m.Contact.id).where(m.Contact.company_id == company_id)))
            conds.append(m.BusinessChat.lead_id.in_(
                select(m.Lead.id).where(m.Lead.company_id == company_id)))
        if not conds:
            return None
        found = (await self._s.execute(
            select(m.BusinessChat, m.BusinessConnection)
            .join(m.BusinessConnection, m.BusinessConnection.user_id == m.BusinessChat.user_id)
            .where(m.BusinessChat.user_id == user_id, m.BusinessChat.excluded_at.is_(None),
                   m.BusinessConnection.is_enabled.is_(True), or_(*conds))
            .order_by(m.BusinessChat.updated_at.desc(), m.BusinessConnection.updated_at.desc())
            .limit(1))).first()
        if found is None:
            return None
        chat, conn = found
        return BusinessChatTarget(connection_id=conn.connection_id, can_reply=conn.can_reply,
                                  chat_id=chat.chat_id, name=chat.name, language=chat.language)
