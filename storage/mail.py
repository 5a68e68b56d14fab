"""The company mailbox's state, the messages processed from it and the replies sent to them
(tables `mail_mailboxes`, `mail_messages`, `mail_replies`; attachments in `documents`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.mail import (
    MailAttachment,
    MailboxState,
    OutgoingReply,
    ReplyDocument,
    StoredMail,
)
from services.mail.parse import message_ids
from storage import models as m

ATTACHMENT_KIND = "mail_attachment"
INVOICE_SENT = ("issued", "sent", "viewed", "partially_paid", "paid", "overdue")
QUOTE_SENT = ("sent", "accepted", "changes_requested")


def _state(row: m.Mailbox) -> MailboxState:
    return MailboxState(id=row.id, name=row.name, uidvalidity=row.uidvalidity,
                        last_uid=row.last_uid, since=row.since, failures=row.failures,
                        failing_since=row.failing_since)


def _mail(row: m.MailMessage) -> StoredMail:
    return StoredMail(id=row.id, message_id=row.message_id, references=row.references,
                      from_addr=row.from_addr, from_name=row.from_name, subject=row.subject,
                      status=row.status, verified=row.verified, owner_id=row.owner_id,
                      company_id=row.company_id, contact_id=row.contact_id,
                      lead_id=row.lead_id, interaction_id=row.interaction_id,
                      received_at=row.received_at, facts=dict(row.facts or {}))


class SqlMailRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._insert = pg_insert if dialect == "postgresql" else sqlite_insert

    async def mailbox(self, name: str) -> MailboxState | None:
        row = await self._s.scalar(select(m.Mailbox).where(m.Mailbox.name == name))
        return _state(row) if row is not None else None

    async def add_mailbox(self, name: str, since: datetime, now: datetime) -> MailboxState:
        await self._s.execute(self._insert(m.Mailbox).values(
            name=name, last_uid=0, since=since, failures=0, created_at=now,
        ).on_conflict_do_nothing())
        row = await self._s.scalar(select(m.Mailbox).where(m.Mailbox.name == name)
                                   .execution_options(populate_existing=True))
        assert row is not None
        return _state(row)

    async def reset_uidvalidity(self, mailbox_id: int, uidvalidity: int) -> None:
        await self._s.execute(update(m.Mailbox).where(m.Mailbox.id == mailbox_id)
                              .values(uidvalidity=uidvalidity, last_uid=0))

    async def advance(self, mailbox_id: int, uid: int) -> None:
        await self._s.execute(update(m.Mailbox).where(m.Mailbox.id == mailbox_id,
                                                      m.Mailbox.last_uid < uid)
                              .values(last_uid=uid))

    async def checked(self, mailbox_id: int, now: datetime) -> None:
        await self._s.execute(update(m.Mailbox).where(m.Mailbox.id == mailbox_id).values(
            failures=0, failing_since=None, last_error=None, checked_at=now))

    async def failed(self, mailbox_id: int, error: str, now: datetime) -> MailboxState:
        await self._s.execute(update(m.Mailbox).where(m.Mailbox.id == mailbox_id).values(
            failures=m.Mailbox.failures + 1, last_error=error,
            failing_since=func.coalesce(m.Mailbox.failing_since, now)))
        row = await self._s.scalar(select(m.Mailbox).where(m.Mailbox.id == mailbox_id)
                                   .execution_options(populate_existing=True))
        assert row is not None
        return _state(row)

    async def add_message(self, *, mailbox_id: int, uidvalidity: int, uid: int,
                          message_id: str, references: str, from_addr: str, from_name: str,
                          subject: str, status: str, verified: bool, received_at: datetime,
                          facts: dict[str, Any], now: datetime) -> int | None:
        if len(message_id) > 255:  # unique and stable, in the column's width
            message_id = message_id[:200] + hashlib.sha256(message_id.encode()).hexdigest()[:55]
        stmt = self._insert(m.MailMessage).values(
            mailbox_id=mailbox_id, uidvalidity=uidvalidity, uid=uid, message_id=message_id,
            references=references, from_addr=from_addr[:254], from_name=from_name[:200],
            subject=subject[:500], status=status, verified=verified, facts=facts,
            received_at=received_at, created_at=now,
        ).on_conflict_do_nothing().returning(m.MailMessage.id)
        return await self._s.scalar(stmt)

    async def message(self, mail_id: int, for_update: bool = False) -> StoredMail | None:
        q = select(m.MailMessage).where(m.MailMessage.id == mail_id) \
            .execution_options(populate_existing=True)
        if for_update:
            q = q.with_for_update()
        row = await self._s.scalar(q)
        return _mail(row) if row is not None else None

    async def update_message(self, mail_id: int, changes: dict[str, Any]) -> None:
        await self._s.execute(update(m.MailMessage).where(m.MailMessage.id == mail_id)
                              .values(**changes))

    async def sender(self, email: str) -> tuple[int, int | None, int] | None:
        address = email.strip().lower()
        contact = (await self._s.execute(
            select(m.Contact.company_id, m.Contact.id, m.Company.owner_id)
            .join(m.Company, m.Company.id == m.Contact.company_id)
            .where(func.lower(m.Contact.email) == address, m.Contact.archived_at.is_(None),
                   m.Company.archived_at.is_(None), m.Company.merged_into_id.is_(None))
            .order_by(m.Contact.is_primary.desc(), m.Contact.id).limit(1))).first()
        if contact is not None and contact[0] is not None:
            return int(contact[0]), int(contact[1]), int(contact[2])
        company = (await self._s.execute(
            select(m.Company.id, m.Company.owner_id)
            .where(func.lower(m.Company.email) == address, m.Company.archived_at.is_(None),
                   m.Company.merged_into_id.is_(None))
            .order_by(m.Company.id).limit(1))).first()
        if company is not None:
            return int(company[0]), None, int(company[1])
        return None

    async def add_attachment(self, mail_id: int, attachment: MailAttachment,
                             now: datetime) -> int:
        row = m.Document(kind=ATTACHMENT_KIND, subject_type="mail", subject_id=mail_id,
                         filename=attachment.filename[:255],
                         mime_type=attachment.mime_type[:100], size=len(attachment.content),
                         sha256=hashlib.sha256(attachment.content).hexdigest(),
                         content=attachment.content, created_by=None, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def attachment(self, document_id: int) -> MailAttachment | None:
        row = (await self._s.execute(
            select(m.Document.filename, m.Document.mime_type, m.Document.content)
            .where(m.Document.id == document_id))).first()
        return MailAttachment(row[0], row[1], bytes(row[2])) if row is not None else None

    async def documents(self, company_id: int) -> Sequence[ReplyDocument]:
        out: list[ReplyDocument] = []
        invoice = (await self._s.execute(
            select(m.Invoice.id, m.Invoice.number_text)
            .where(m.Invoice.company_id == company_id, m.Invoice.status.in_(INVOICE_SENT))
            .order_by(m.Invoice.id.desc()).limit(1))).first()
        if invoice is not None:
            number = invoice[1] or str(invoice[0])
            out += [ReplyDocument("invoice", int(invoice[0]), number),
                    ReplyDocument("act", int(invoice[0]), number)]
        quote = (await self._s.execute(
            select(m.Quote.id, m.Quote.number_text)
            .where(m.Quote.company_id == company_id, m.Quote.status.in_(QUOTE_SENT))
            .order_by(m.Quote.id.desc()).limit(1))).first()
        if quote is not None:
            out.append(ReplyDocument("quote", int(quote[0]), quote[1] or str(quote[0])))
        return out

    async def add_reply(self, *, mail_id: int, owner_id: int, company_id: int | None,
                        action_key: str, outbox_key: str, message_id: str, to_addr: str,
                        subject: str, text: str, document_id: int | None,
                        now: datetime) -> int | None:
        stmt = self._insert(m.MailReply).values(
            mail_message_id=mail_id, owner_id=owner_id, company_id=company_id,
            action_key=action_key, outbox_key=outbox_key, message_id=message_id,
            to_addr=to_addr[:254], subject=subject[:500], text=text, document_id=document_id,
            created_at=now,
        ).on_conflict_do_nothing().returning(m.MailReply.id)
        return await self._s.scalar(stmt)

    async def reply(self, reply_id: int) -> tuple[OutgoingReply, StoredMail,
                                                 datetime | None] | None:
        found = (await self._s.execute(
            select(m.MailReply, m.MailMessage)
            .join(m.MailMessage, m.MailMessage.id == m.MailReply.mail_message_id)
            .where(m.MailReply.id == reply_id)
            .execution_options(populate_existing=True))).first()
        if found is None:
            return None
        reply, mail = found
        attachment = await self.attachment(reply.document_id) \
            if reply.document_id is not None else None
        thread = (*message_ids(mail.references), mail.message_id)
        return (OutgoingReply(id=reply.id, to=reply.to_addr, subject=reply.subject,
                              text=reply.text, message_id=reply.message_id,
                              in_reply_to=mail.message_id,
                              references=tuple(dict.fromkeys(thread)),
                              attachment=attachment),
                _mail(mail), reply.sent_at)

    async def reply_sent(self, reply_id: int, interaction_id: int | None,
                         now: datetime) -> None:
        await self._s.execute(update(m.MailReply).where(m.MailReply.id == reply_id)
                              .values(sent_at=now, interaction_id=interaction_id))
