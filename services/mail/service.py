"""The company mailbox in the CRM: each new message processed once, replies queued for SMTP.

Invariants:
- a message is processed once: its row (unique by mailbox, UIDVALIDITY and UID, and by
  Message-ID) is written in the same transaction as its timeline entry and its pushes, so a
  crash before the commit processes it again from scratch and a crash after it finds the row
  and does nothing; messages received before the mailbox's `since` are never processed;
- a known contact's message goes on their client's timeline (kind "email") and is pushed to
  the client's manager, its attachments queued into the manager's chat and kept on the
  client's card once Telegram took them; a message whose envelope (Return-Path, Sender) or
  the receiving server's checks disagree with its From is never put on the timeline on its
  own: the manager is told it is unverified and decides;
- a stranger's message is pushed to the manager whose turn it is (the lead assignment rule,
  one turn shared with the website's leads); "Make a lead" makes one lead per message,
  pre-filled with only what checked out;
- a reply is a row and an outbox message written together, keyed by the manager's action; it
  is recorded on the timeline once the SMTP server took it;
- every button is scoped: a manager acts only on the mail pushed to them (or their client's),
  a head and an admin on all.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final

from services.clock import Clock
from services.delivery import DeliveryService
from services.errors import Conflict, InvalidInput, NotFound
from services.files import IncomingFile
from services.interactions import TEXT_MAX
from services.kernel import UowFactory
from services.leads import LEAD_FIELDS, Lead, LeadDraft, LeadService
from services.leads.model import MESSAGE_MAX
from services.mail.extract import sender_facts
from services.mail.model import (
    EXCERPT,
    MAIL_SOURCE,
    STATUS_CLIENT,
    STATUS_UNKNOWN,
    STATUS_UNVERIFIED,
    Ingested,
    MailAttachment,
    MailboxState,
    MailSettings,
    OutgoingReply,
    ParsedMail,
    ReplyDraft,
    StoredMail,
    retry_delay,
)
from services.mail.ports import MailUnitOfWork
from services.notices import MAIL_FAILED, MAIL_PUSH, MAILBOX_DOWN, notice
from services.outbox import NewOutboxMessage
from services.tasks import Task, TaskDraft, TaskKind, TaskService
from services.users import Actor, Role, User

logger = logging.getLogger(__name__)

MAIL_FILE: Final = "mail_file"  # an attachment into the manager's chat, then on the card
MAIL_REPLY: Final = "mail_reply"  # a reply by SMTP
TASK_DUE: Final = timedelta(days=1)


def _visible(actor: Actor, mail: StoredMail) -> bool:
    return actor.owner_scope() is None or mail.owner_id == actor.id


def _timeline_text(subject: str, text: str, fallback: str) -> str:
    body = "\n\n".join(part for part in (subject, text) if part) or fallback
    return body[:TEXT_MAX]


def reply_subject(subject: str) -> str:
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}".strip()


class MailService:
    def __init__(self, uow: UowFactory[MailUnitOfWork], clock: Clock, leads: LeadService,
                 tasks: TaskService, delivery: DeliveryService | None,
                 settings: MailSettings) -> None:
        self._uow = uow
        self._clock = clock
        self._leads = leads
        self._tasks = tasks
        self._delivery = delivery
        self.settings = settings

    def now(self) -> datetime:
        return self._clock.now()

    # --- the watcher's side --------------------------------------------------------------

    async def open_mailbox(self, name: str, uidvalidity: int) -> MailboxState:
        """The mailbox's state; made on first use with `since` = IMAP_SINCE or now (a mailbox
        with years of old mail starts from today). A changed UIDVALIDITY starts its UIDs
        again."""
        now = self._clock.now()
        async with self._uow() as uow:
            state = await uow.mail.add_mailbox(name, self.settings.since or now, now)
            if state.uidvalidity != uidvalidity:
                await uow.mail.reset_uidvalidity(state.id, uidvalidity)
                state = replace(state, uidvalidity=uidvalidity, last_uid=0)
            await uow.commit()
        return state

    async def checked(self, state: MailboxState) -> None:
        async with self._uow() as uow:
            await uow.mail.checked(state.id, self._clock.now())
            await uow.commit()

    async def failed(self, name: str, error: str) -> timedelta:
        """One failed attempt at the mailbox; returns how long to wait before the next. Once
        the streak reaches `failures_before_alert`, each admin is told (once per streak)."""
        now = self._clock.now()
        async with self._uow() as uow:
            state = await uow.mail.add_mailbox(name, self.settings.since or now, now)
            state = await uow.mail.failed(state.id, error[:2000], now)
            if state.failures >= self.settings.failures_before_alert:
                streak = (state.failing_since or now).strftime("%Y%m%d%H%M%S%f")
                admins = [u for u in await uow.users.staff(active_only=True)
                          if u.role == Role.ADMIN and u.is_active]
                await uow.outbox.enqueue([notice(
                    f"mailbox{state.id}:down{streak}:chat{a.telegram_id}:{MAILBOX_DOWN}",
                    MAILBOX_DOWN, a.telegram_id, now, a.language,
                    {"mailbox": name, "error": error[:300], "failures": state.failures},
                    recipient_user_id=a.id) for a in admins])
            await uow.commit()
        return retry_delay(state.failures)

    async def skip(self, state: MailboxState, uid: int) -> None:
        """A message older than the mailbox's start: read past, never processed."""
        async with self._uow() as uow:
            await uow.mail.advance(state.id, uid)
            await uow.commit()

    async def ingest(self, state: MailboxState, uid: int, received_at: datetime,
                     mail: ParsedMail) -> Ingested:
        """One message of the mailbox, processed once (see the module's invariants)."""
        assert state.uidvalidity is not None
        if received_at < state.starts:
            await self.skip(state, uid)
            return Ingested(new=False)
        now = self._clock.now()
        async with self._uow() as uow:
            known = await uow.mail.sender(mail.from_addr) if mail.from_addr else None
            status = STATUS_UNKNOWN if known is None else \
                STATUS_CLIENT if mail.verified else STATUS_UNVERIFIED
            facts = sender_facts(mail, self.settings.region).as_dict() \
                if status != STATUS_CLIENT else {}
            facts.update(excerpt=mail.text[:EXCERPT], text=mail.text[:TEXT_MAX],
                         too_large=mail.too_large, no_text=mail.no_text,
                         unverified_by=mail.unverified_by,
                         files=[a.filename for a in mail.attachments],
                         skipped=list(mail.skipped_attachments))
            owner_id: int | None = known[2] if known is not None else None
            if known is None:
                try:
                    owner_id = (await self._leads.pick_owner(uow)).id
                except Conflict:  # no staff yet: kept, pushed to nobody
                    owner_id = None
            mail_id = await uow.mail.add_message(
                mailbox_id=state.id, uidvalidity=state.uidvalidity, uid=uid,
                message_id=mail.message_id, references=" ".join(mail.references),
                from_addr=mail.from_addr, from_name=mail.from_name, subject=mail.subject,
                status=status, verified=mail.verified, received_at=received_at, facts=facts,
                now=now)
            if mail_id is None:  # seen before: under this UID, or by its Message-ID
                await uow.mail.advance(state.id, uid)
                await uow.commit()
                return Ingested(new=False)
            documents = [await uow.mail.add_attachment(mail_id, a, now)
                         for a in mail.attachments]
            changes: dict[str, Any] = {"owner_id": owner_id,
                                       "facts": {**facts, "documents": documents}}
            if known is not None:
                changes.update(company_id=known[0], contact_id=known[1])
            elif owner_id is not None:  # the round robin's turn moves on
                await uow.audit.add(None, "mail.assign", "mail", mail_id, {"owner_id": owner_id})
            await uow.mail.update_message(mail_id, changes)
            stored = await uow.mail.message(mail_id)
            assert stored is not None
            files: list[NewOutboxMessage] = []
            if status == STATUS_CLIENT:
                stored, files = await self._to_timeline(uow, stored, now)
            # The push first, then its attachments (one chat's messages go in order).
            await uow.outbox.enqueue([*await self._push(uow, stored, now), *files])
            await uow.mail.advance(state.id, uid)
            await uow.commit()
        return Ingested(new=True, status=status, mail_id=mail_id)

    async def _to_timeline(self, uow: MailUnitOfWork, mail: StoredMail, now: datetime
                           ) -> tuple[StoredMail, list[NewOutboxMessage]]:
        """The message on its client's timeline; its attachments' messages to the manager's
        chat (the caller queues them after the push they belong to)."""
        assert mail.company_id is not None and mail.owner_id is not None
        item = await uow.interactions.add(
            owner_id=mail.owner_id, kind=MAIL_SOURCE, company_id=mail.company_id,
            deal_id=None, text=_timeline_text(mail.subject, str(mail.facts.get("text") or ""),
                                              mail.from_addr),
            document_id=None, now=now)
        await uow.mail.update_message(mail.id, {"interaction_id": item.id,
                                                "status": STATUS_CLIENT})
        await uow.audit.add(None, "mail.in", "mail", mail.id, {"from": mail.from_addr},
                            company_id=mail.company_id)
        owner = await uow.users.get(mail.owner_id)
        files: list[NewOutboxMessage] = []
        if owner is not None and owner.is_active:
            names = list(mail.facts.get("files") or [])
            files = [notice(
                f"mail{mail.id}:file{i}:chat{owner.telegram_id}:{MAIL_FILE}", MAIL_FILE,
                owner.telegram_id, now, owner.language,
                {"document_id": doc, "mail_id": mail.id, "company_id": mail.company_id,
                 "owner_id": mail.owner_id, "filename": names[i] if i < len(names) else ""},
                recipient_user_id=owner.id)
                for i, doc in enumerate(mail.facts.get("documents") or [])]
        return replace(mail, interaction_id=item.id, status=STATUS_CLIENT), files

    async def _push(self, uow: MailUnitOfWork, mail: StoredMail, now: datetime
                    ) -> list[NewOutboxMessage]:
        owner = await uow.users.get(mail.owner_id) if mail.owner_id is not None else None
        if owner is None or not owner.is_active:
            return []
        company = await uow.companies.get(mail.company_id, None) \
            if mail.company_id is not None else None
        f = mail.facts
        return [notice(f"mail{mail.id}:chat{owner.telegram_id}:{MAIL_PUSH}", MAIL_PUSH,
                       owner.telegram_id, now, owner.language,
                       {"mail_id": mail.id, "status": mail.status, "from_name": mail.from_name,
                        "from_addr": mail.from_addr, "subject": mail.subject,
                        "excerpt": f.get("excerpt"), "company": company.name if company else None,
                        "company_id": mail.company_id, "files": f.get("files") or [],
                        "skipped": f.get("skipped") or [], "too_large": f.get("too_large"),
                        "no_text": f.get("no_text"), "unverified_by": f.get("unverified_by"),
                        "phone": f.get("phone"), "lead_company": f.get("company"),
                        "tax_id": f.get("tax_id"), "country": f.get("country")},
                       recipient_user_id=owner.id)]

    # --- the push's buttons ----------------------------------------------------------------

    async def get(self, actor: Actor, mail_id: int) -> StoredMail:
        async with self._uow(readonly=True) as uow:
            mail = await uow.mail.message(mail_id)
        if mail is None or not _visible(actor, mail):
            raise NotFound(entity="mail", id=mail_id)
        return mail

    async def make_lead(self, actor: Actor, mail_id: int) -> Lead:
        """A lead from a stranger's (or an unverified) message, pre-filled with what checked
        out; the same message makes one lead however often the button is pressed."""
        async with self._uow() as uow:
            await uow.leads.lock(f"mail{mail_id}")
            mail = await uow.mail.message(mail_id, for_update=True)
            if mail is None or not _visible(actor, mail):
                raise NotFound(entity="mail", id=mail_id)
            if mail.lead_id is not None:
                lead = await uow.leads.get(mail.lead_id, None)
                if lead is not None:
                    return lead
            if mail.status == STATUS_CLIENT:
                raise Conflict("mail_from_client")
            lead = await self._leads.create_in(uow, actor, self._lead_draft(mail),
                                               allow_missing=LEAD_FIELDS,
                                               first_kind=MAIL_SOURCE)
            await uow.mail.update_message(mail_id, {"lead_id": lead.id})
            await uow.commit()
        return lead

    def _lead_draft(self, mail: StoredMail) -> LeadDraft:
        """The facts of the message as a draft; a value the lead's rules refuse is left out
        rather than refusing the lead."""
        f = mail.facts
        raw = {"contact_name": f.get("name") or mail.from_name, "company_name": f.get("company"),
               "phone": f.get("phone"), "email": mail.from_addr}
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if not value:
                continue
            try:
                values[name] = self._leads.clean_field(name, str(value))
            except InvalidInput:
                continue
        values.setdefault("contact_name", "")
        tax_id = f.get("tax_id")
        if tax_id:
            try:
                tax = self._leads.clean_tax_id(f"RO{tax_id}" if f.get("vat_payer")
                                               and f.get("country") == "RO" else str(tax_id))
                values.update(country=tax.country, tax_id=tax.value, vat_payer=tax.vat_payer)
            except InvalidInput:
                pass
        if not (values.get("contact_name") or values.get("company_name") or
                values.get("tax_id")):
            values["contact_name"] = mail.from_addr[:200]
        topic = mail.subject[:2000] or None
        text = str(f.get("text") or "")[:MESSAGE_MAX] or None
        return LeadDraft(**values, topic=topic, source=MAIL_SOURCE, first_message=text)

    async def confirm_sender(self, actor: Actor, mail_id: int) -> StoredMail:
        """The manager says an unverified message is really from their client: it goes on
        the timeline now (once)."""
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.leads.lock(f"mail{mail_id}")
            mail = await uow.mail.message(mail_id, for_update=True)
            if mail is None or not _visible(actor, mail) or mail.company_id is None:
                raise NotFound(entity="mail", id=mail_id)
            if mail.status == STATUS_CLIENT:
                return mail
            mail, files = await self._to_timeline(uow, mail, now)
            await uow.outbox.enqueue(files)
            await uow.audit.add(actor.id, "mail.confirm", "mail", mail.id,
                                {"from": mail.from_addr}, company_id=mail.company_id)
            await uow.commit()
        return mail

    async def make_task(self, actor: Actor, mail_id: int) -> Task:
        """A task to answer the message, due in a day, on the client's card; one per message
        (the push's button pressed twice is Conflict("already_done"))."""
        mail = await self.get(actor, mail_id)
        who = mail.from_name or mail.from_addr
        title = f"✉ {mail.subject} — {who}" if mail.subject else f"✉ {who}"
        company_id = mail.company_id if mail.status == STATUS_CLIENT else None
        return await self._tasks.create(actor, TaskDraft(
            kind=TaskKind.TASK, title=title[:300], when=self._clock.now() + TASK_DUE,
            company_id=company_id, origin_key=f"mail:{mail.id}:task"))

    # --- replies ---------------------------------------------------------------------------

    async def reply_draft(self, actor: Actor, mail_id: int) -> ReplyDraft:
        """What the Reply flow shows: the address, the subject and the documents on offer."""
        async with self._uow(readonly=True) as uow:
            mail = await uow.mail.message(mail_id)
            if mail is None or not _visible(actor, mail):
                raise NotFound(entity="mail", id=mail_id)
            docs = tuple(await uow.mail.documents(mail.company_id)) \
                if mail.company_id is not None and mail.status == STATUS_CLIENT else ()
        if not mail.from_addr:
            raise Conflict("mail_no_address")
        return ReplyDraft(mail, mail.from_addr, reply_subject(mail.subject), docs)

    async def send_reply(self, actor: Actor, mail_id: int, text: str, action_key: str,
                         document: tuple[str, int] | None = None) -> ReplyDraft:
        """Queues the reply (with the chosen document's PDF) for SMTP; `action_key` is the
        manager's tap: the same tap twice queues one reply."""
        body = (text or "").strip()
        if not body:
            raise InvalidInput("empty", field="text")
        if len(body) > TEXT_MAX:
            raise InvalidInput("too_long", field="text", limit=TEXT_MAX)
        draft = await self.reply_draft(actor, mail_id)
        document_id = await self._document_pdf(actor, draft, document)
        now = self._clock.now()
        domain = self.settings.sender.rpartition("@")[2].strip("> ") or "localhost"
        message_id = f"<dealchat.{secrets.token_hex(12)}@{domain}>"
        outbox_key = "mailreply:" + hashlib.sha256(action_key.encode()).hexdigest()[:32]
        async with self._uow() as uow:
            reply_id = await uow.mail.add_reply(
                mail_id=mail_id, owner_id=actor.id, company_id=draft.mail.company_id,
                action_key=action_key[:200], outbox_key=outbox_key, message_id=message_id,
                to_addr=draft.to, subject=draft.subject, text=body, document_id=document_id,
                now=now)
            if reply_id is not None:
                await uow.outbox.enqueue([NewOutboxMessage(
                    key=f"{outbox_key}:{MAIL_REPLY}", channel="email", kind=MAIL_REPLY,
                    due_at=now, email=draft.to, payload={"reply_id": reply_id,
                                                         "lang": actor.language},
                    recipient_user_id=actor.id)])
                await uow.commit()
        return draft

    async def _document_pdf(self, actor: User, draft: ReplyDraft,
                            document: tuple[str, int] | None) -> int | None:
        """The stored PDF of a document offered with this reply; one not on offer (a forged
        button) is NotFound."""
        if document is None:
            return None
        kind, doc_id = document
        if not any(d.kind == kind and d.id == doc_id for d in draft.documents) \
                or self._delivery is None:
            raise NotFound(entity=kind, id=doc_id)
        if kind == "act":
            pdf = await self._delivery.print_pdf(actor, doc_id, "act")
        else:
            pdf = await self._delivery.pdf(actor, kind, doc_id)
        return pdf.document_id

    # --- the outbox sender's side ----------------------------------------------------------

    async def outgoing(self, reply_id: int) -> OutgoingReply | None:
        """The reply to send, or None when it was sent already (a retry after the SMTP
        server took it) or is gone."""
        async with self._uow(readonly=True) as uow:
            found = await uow.mail.reply(reply_id)
        if found is None or found[2] is not None:
            return None
        return found[0]

    async def reply_sent(self, reply_id: int) -> None:
        """The SMTP server took the reply: recorded, and on the timeline (the client's, or
        the lead's)."""
        now = self._clock.now()
        async with self._uow() as uow:
            found = await uow.mail.reply(reply_id)
            if found is None or found[2] is not None:
                return
            reply, mail, _ = found
            text = _timeline_text(reply.subject, reply.text, reply.to)
            interaction_id = None
            owner = mail.owner_id
            if mail.company_id is not None and mail.status == STATUS_CLIENT and owner:
                item = await uow.interactions.add(
                    owner_id=owner, kind=MAIL_SOURCE, company_id=mail.company_id,
                    deal_id=None, text=text, document_id=None, now=now)
                interaction_id = item.id
            elif mail.lead_id is not None and owner:
                await uow.leads.add_interaction(owner, mail.lead_id, MAIL_SOURCE, text, now)
            await uow.mail.reply_sent(reply_id, interaction_id, now)
            await uow.commit()

    async def reply_failed(self, payload: Mapping[str, Any], error: str) -> None:
        """The SMTP server refused the reply for good: its author is told."""
        now = self._clock.now()
        async with self._uow() as uow:
            found = await uow.mail.reply(int(payload["reply_id"]))
            if found is None:
                return
            reply, mail, _ = found
            author = await uow.users.get(mail.owner_id) if mail.owner_id else None
            if author is None:
                return
            await uow.outbox.enqueue([notice(
                f"mailreply{reply.id}:chat{author.telegram_id}:{MAIL_FAILED}", MAIL_FAILED,
                author.telegram_id, now, author.language,
                {"mail_id": mail.id, "to": reply.to, "error": error[:300]},
                recipient_user_id=author.id)])
            await uow.commit()

    async def attachment(self, document_id: int) -> MailAttachment:
        async with self._uow(readonly=True) as uow:
            found = await uow.mail.attachment(document_id)
        if found is None:
            raise NotFound(entity="document", id=document_id)
        return found

    async def attachment_kept(self, payload: Mapping[str, Any], file_id: str,
                              unique_id: str | None, size: int | None) -> None:
        """Telegram took the attachment into the manager's chat: kept on the client's card
        by its file_id, like a file a manager attached."""
        now = self._clock.now()
        name = str(payload.get("filename") or "")
        async with self._uow() as uow:
            await uow.files.add(
                owner_id=int(payload["owner_id"]), company_id=int(payload["company_id"]),
                deal_id=None, file=IncomingFile(kind="document", file_id=file_id,
                                                unique_id=unique_id, filename=name or None,
                                                size=size),
                created_by=None, now=now)
            await uow.commit()
