"""Telegram Business: a staff member's own Telegram account connected to the bot.

Invariants:
- a connection belongs to the staff member whose account made it; an update for a connection
  we do not know, or one that is disabled, stores nothing (it is logged);
- a message is keyed as Telegram keys it (connection, chat, message id): a redelivered update
  or a burst stores each message once, each in one short transaction of its own;
- a chat the manager excluded stores nothing, not even the message; excluding a chat deletes
  what was stored from it;
- a chat's messages go onto the timeline of whom the chat is: a contact (by the customer's
  Telegram id, or the phone of a contact card shared in the chat), else the manager's lead
  with that Telegram id (and, once converted, its client); kept media by Telegram file_id,
  other kinds (a sticker, a poll ...) named and not kept; an edit keeps the old text among
  the message's edits; a deletion is marked and the audit keeps what was said;
- the first message of someone unknown is pushed to the manager once (outbox, keyed by the
  chat), with "Make a lead": the lead gets the name, username and language Telegram gave,
  and the chat's messages (the first one is its note); later messages join it;
- a chat is its manager's: another manager (or a forged button) finds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from services.business.model import (
    KEPT_KINDS,
    NAME_MAX,
    RECENT_CHATS,
    BusinessScreen,
    Chat,
    ChatLead,
    ConnectionChange,
    ConnectionOutcome,
    ConnectionUpdate,
    IncomingMessage,
    MessageOutcome,
    Purged,
    Subject,
)
from services.business.ports import BusinessUnitOfWork
from services.clock import Clock
from services.errors import Conflict, NotFound
from services.files import clean_incoming
from services.kernel import UowFactory
from services.leads import LeadService
from services.notices import business_chat_message
from services.users import Actor, User

logger = logging.getLogger(__name__)

PUSH_TEXT_MAX = 500
EXCLUDED_SHOWN = 20


class BusinessService:
    def __init__(self, uow: UowFactory[BusinessUnitOfWork], clock: Clock,
                 leads: LeadService) -> None:
        self._uow = uow
        self._clock = clock
        self._leads = leads  # drafts of leads (their fields cleaned as everywhere)

    # --- the connection ---------------------------------------------------------------

    async def connection_changed(self, update: ConnectionUpdate) -> ConnectionChange:
        """Stores the connection of a staff member's account; anyone else's is ignored."""
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.by_telegram_id(update.telegram_user_id)
            if user is None or not user.is_active or not user.is_staff:
                logger.warning("business connection %s of a non-staff account: ignored",
                               update.connection_id)
                return ConnectionChange(ConnectionOutcome.IGNORED, None)
            before = await uow.business.connection(update.connection_id)
            if before is not None and before.user_id != user.id:
                logger.warning("business connection %s changed hands: ignored",
                               update.connection_id)
                return ConnectionChange(ConnectionOutcome.IGNORED, None)
            saved = await uow.business.save_connection(user.id, update, now)
            if before is None or before.is_enabled != saved.is_enabled:
                outcome = (ConnectionOutcome.CONNECTED if saved.is_enabled
                           else ConnectionOutcome.DISCONNECTED)
            elif before.rights != saved.rights or before.can_reply != saved.can_reply:
                outcome = ConnectionOutcome.RIGHTS
            else:
                outcome = ConnectionOutcome.UNCHANGED
            if outcome != ConnectionOutcome.UNCHANGED:
                await uow.audit.add(user.id, f"business.{outcome.value}", "business_connection",
                                    saved.id, {"can_reply": saved.can_reply,
                                               "rights": list(saved.granted)})
            await uow.commit()
        return ConnectionChange(outcome, saved, user.language)

    async def screen(self, actor: Actor) -> BusinessScreen:
        """The actor's own connection, excluded chats and latest chats."""
        async with self._uow(readonly=True) as uow:
            connection = await uow.business.connection_of(actor.id)
            excluded = await uow.business.chats(actor.id, True, EXCLUDED_SHOWN)
            recent = await uow.business.chats(actor.id, False, RECENT_CHATS)
        return BusinessScreen(connection, excluded, recent)

    # --- messages ---------------------------------------------------------------------

    async def message(self, msg: IncomingMessage) -> MessageOutcome:
        """A new message in a business chat, stored once, onto whom the chat is."""
        now = self._clock.now()
        async with self._uow() as uow:
            connection = await uow.business.connection(msg.connection_id)
            if connection is None or not connection.is_enabled:
                logger.info("business message for %s connection %s: ignored",
                            "a disabled" if connection else "an unknown", msg.connection_id)
                return MessageOutcome.IGNORED
            owner = await uow.users.get(connection.user_id)
            if owner is None or not owner.is_active:
                return MessageOutcome.IGNORED
            outgoing = msg.sender is not None and \
                msg.sender.telegram_user_id == connection.telegram_user_id
            chat = await uow.business.chat(owner.id, msg.chat_id)
            if chat is None:
                customer = msg.sender if not outgoing else None
                chat = await uow.business.add_chat(
                    owner.id, msg.chat_id, _name(customer, msg.chat_id),
                    customer.username if customer else None,
                    (customer.language or "")[:8] or None if customer else None, now)
            if chat.excluded:
                return MessageOutcome.EXCLUDED
            stored = await uow.business.add_message(
                connection_ref=connection.id, chat_ref=chat.id, chat_id=msg.chat_id,
                message_id=msg.message_id, outgoing=outgoing, kind=msg.kind, text=msg.text,
                sent_at=msg.sent_at, now=now)
            if stored is None:
                return MessageOutcome.DUPLICATE
            chat, subject = await self._subject(uow, owner, chat, msg, outgoing)
            file_id = None
            if msg.file is not None and msg.kind in KEPT_KINDS:
                kept = await uow.files.add(
                    owner_id=owner.id, company_id=subject.company_id, deal_id=subject.deal_id,
                    file=clean_incoming(msg.file), created_by=owner.id if outgoing else None,
                    now=now)
                file_id = kept.id
            await uow.business.add_interaction(
                message_ref=stored, owner_id=owner.id, subject=subject, text=msg.text,
                file_id=file_id, at=msg.sent_at)
            changes: dict[str, object] = {}
            if not outgoing and not subject.known and chat.first_message_id is None:
                changes["first_message_id"] = stored
                await uow.outbox.enqueue([business_chat_message(
                    chat.id, connection.user_chat_id, owner.language,
                    {"name": chat.name, "username": chat.username, "language": chat.language,
                     "kind": msg.kind, "text": msg.text[:PUSH_TEXT_MAX]}, now)])
            if not outgoing and msg.sender is not None and not chat.name:
                changes["name"] = _name(msg.sender, msg.chat_id)
            await uow.business.update_chat(chat.id, changes, now)
            await uow.commit()
        return MessageOutcome.STORED

    async def _subject(self, uow: BusinessUnitOfWork, owner: User, chat: Chat,
                       msg: IncomingMessage, outgoing: bool) -> tuple[Chat, Subject]:
        """Whom the chat is on our side, found once and remembered on the chat."""
        if chat.contact_id is not None:
            return chat, await uow.business.contact_subject(chat.contact_id)
        if chat.lead_id is not None:
            return chat, await uow.business.lead_subject(chat.lead_id)
        scope = owner.owner_scope()
        found = await uow.business.find_contact(scope, telegram_user_id=chat.chat_id)
        if found is None and msg.card_phone:
            phone = self._leads.card_phone(msg.card_phone)
            if phone:
                found = await uow.business.find_contact(scope, phone=phone)
        if found is not None:
            await uow.business.update_chat(chat.id, {"contact_id": found.contact_id},
                                           self._clock.now())
            return replace(chat, contact_id=found.contact_id), found
        lead = await uow.business.find_lead(owner.id, chat.chat_id)
        if lead is not None:
            await uow.business.update_chat(chat.id, {"lead_id": lead.lead_id},
                                           self._clock.now())
            return replace(chat, lead_id=lead.lead_id), lead
        return chat, Subject()

    async def edited(self, msg: IncomingMessage) -> MessageOutcome:
        """An edit of a stored message: the new text, the old one kept among its edits."""
        now = self._clock.now()
        async with self._uow() as uow:
            connection = await uow.business.connection(msg.connection_id)
            if connection is None or not connection.is_enabled:
                logger.info("business edit for connection %s: ignored", msg.connection_id)
                return MessageOutcome.IGNORED
            stored = await uow.business.message(connection.id, msg.chat_id, msg.message_id)
            if stored is None:  # excluded, or sent before Dealchat was connected
                return MessageOutcome.IGNORED
            if stored.text != msg.text:
                await uow.business.edit_message(stored.id, msg.text, now)
                await uow.commit()
        return MessageOutcome.STORED

    async def deleted(self, connection_id: str, chat_id: int, message_ids: Sequence[int]
                      ) -> int:
        """Messages deleted in the chat: marked so; the audit keeps what they said. Returns
        how many stored messages were marked."""
        now = self._clock.now()
        async with self._uow() as uow:
            connection = await uow.business.connection(connection_id)
            if connection is None or not connection.is_enabled:
                logger.info("business deletion for connection %s: ignored", connection_id)
                return 0
            marked = await uow.business.mark_deleted(connection.id, chat_id, message_ids, now)
            for m in marked:
                await uow.audit.add(None, "business.message_deleted", "interaction",
                                    m.interaction_id, {"text": m.text, "kind": m.kind,
                                                       "outgoing": m.outgoing})
            await uow.commit()
        return len(marked)

    # --- the manager's buttons --------------------------------------------------------

    async def _own_chat(self, uow: BusinessUnitOfWork, actor: Actor, chat_ref: int) -> Chat:
        chat = await uow.business.chat_by_id(chat_ref, for_update=True)
        if chat is None or chat.user_id != actor.id:
            raise NotFound(entity="business_chat", id=chat_ref)
        return chat

    async def make_lead(self, actor: Actor, chat_ref: int) -> ChatLead:
        """A lead of the manager's from the chat: name, username, language, and the chat's
        messages (the first is its note). A second tap finds the lead made by the first."""
        now = self._clock.now()
        async with self._uow() as uow:
            chat = await self._own_chat(uow, actor, chat_ref)
            if chat.excluded:
                raise Conflict("business_chat_excluded")
            first = (await uow.business.message_text(chat.first_message_id)
                     if chat.first_message_id is not None else "")
            if chat.lead_id is not None:
                lead = await uow.leads.get(chat.lead_id, None)
                assert lead is not None
                return ChatLead(chat, lead, first, created=False)
            if chat.contact_id is not None:
                raise Conflict("business_chat_known")
            draft = self._leads.draft_from_forward(
                chat.name or _name(None, chat.chat_id), chat.username, chat.chat_id, False,
                first)
            draft = replace(draft, language=chat.language)
            lead = await uow.leads.add(actor.id, draft, now)
            await uow.business.update_chat(chat.id, {"lead_id": lead.id}, now)
            await uow.business.attach_chat(chat.id, lead.id)
            await uow.audit.add(actor.id, "lead.create", "lead", lead.id,
                                {"source": draft.source, "business_chat": chat.id})
            await uow.commit()
        return ChatLead(replace(chat, lead_id=lead.id), lead, first, created=True)

    async def exclude(self, actor: Actor, chat_ref: int) -> Purged:
        """The chat stores nothing from now on, and what it stored is deleted."""
        now = self._clock.now()
        async with self._uow() as uow:
            chat = await self._own_chat(uow, actor, chat_ref)
            if chat.excluded:
                return Purged(chat, 0)
            purged = await uow.business.purge_chat(chat.id)
            await uow.business.update_chat(chat.id, {"excluded_at": now,
                                                     "first_message_id": None}, now)
            await uow.audit.add(actor.id, "business.exclude", "business_chat", chat.id,
                                {"purged": purged})
            await uow.commit()
        return Purged(replace(chat, excluded_at=now), purged)

    async def include(self, actor: Actor, chat_ref: int) -> Chat:
        """The chat is logged again, from its next message."""
        now = self._clock.now()
        async with self._uow() as uow:
            chat = await self._own_chat(uow, actor, chat_ref)
            if chat.excluded:
                await uow.business.update_chat(chat.id, {"excluded_at": None}, now)
                await uow.audit.add(actor.id, "business.include", "business_chat", chat.id)
                await uow.commit()
        return replace(chat, excluded_at=None)


def _name(sender: object, chat_id: int) -> str:
    """The customer's name as Telegram gave it (else @username, else the chat's id)."""
    name = str(getattr(sender, "name", "") or "").strip()
    username = getattr(sender, "username", None)
    return (name or (f"@{username}" if username else str(chat_id)))[:NAME_MAX]
