"""Telegram Business values: a staff member's connection and its rights, a customer chat in
it, one message as Telegram gave it, and what the /business screen shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.files import FileKind, IncomingFile
from services.leads import Lead

# What a message may carry that we keep as a file (by Telegram file_id, as a card's file).
KEPT_KINDS = frozenset(k.value for k in FileKind)
# What we name on the timeline and do not keep (a sticker, a poll ...), in the order a
# message is told apart (a venue carries a location too); anything else is "other". A
# contact card is named too: its phone may match the chat to a known contact.
NAMED_KINDS = ("sticker", "animation", "poll", "contact", "venue", "location", "dice", "game",
               "story", "checklist", "other")
NAME_MAX = 200
RECENT_CHATS = 10


class MessageOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # redelivered: stored once already
    EXCLUDED = "excluded"  # the manager excluded the chat: nothing stored
    IGNORED = "ignored"  # an unknown or disabled connection: nothing stored


class ConnectionOutcome(StrEnum):
    CONNECTED = "connected"  # new, or enabled again
    DISCONNECTED = "disconnected"
    RIGHTS = "rights"  # still on, other rights
    UNCHANGED = "unchanged"  # a repeat of what we know
    IGNORED = "ignored"  # not a staff member's account


@dataclass(frozen=True, slots=True)
class ConnectionUpdate:
    """A business_connection update as Telegram sent it."""

    connection_id: str
    telegram_user_id: int
    user_chat_id: int
    is_enabled: bool
    can_reply: bool
    rights: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Connection:
    id: int
    connection_id: str
    user_id: int
    telegram_user_id: int
    user_chat_id: int
    is_enabled: bool
    can_reply: bool
    rights: Mapping[str, bool]
    updated_at: datetime

    @property
    def granted(self) -> tuple[str, ...]:
        """The rights Telegram granted, by their Bot API names, sorted."""
        return tuple(sorted(name for name, on in self.rights.items() if on))


@dataclass(frozen=True, slots=True)
class ConnectionChange:
    outcome: ConnectionOutcome
    connection: Connection | None
    language: str | None = None  # the staff member's, for the answer


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote a message, as Telegram described them."""

    telegram_user_id: int
    name: str
    username: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One business message (new or edited). `kind` is "text", a kept file's kind (KEPT_KINDS,
    with `file`) or a named one (NAMED_KINDS); `text` is the text or the caption, whole."""

    connection_id: str
    chat_id: int
    message_id: int
    sent_at: datetime
    kind: str
    text: str = ""
    sender: Sender | None = None
    file: IncomingFile | None = None
    card_phone: str | None = None  # a shared contact card's phone, as Telegram gave it


@dataclass(frozen=True, slots=True)
class Chat:
    """A customer chat in a staff member's business account (`chat_id` is Telegram's)."""

    id: int
    user_id: int
    chat_id: int
    name: str
    username: str | None
    language: str | None
    contact_id: int | None
    lead_id: int | None
    first_message_id: int | None
    excluded_at: datetime | None
    updated_at: datetime

    @property
    def excluded(self) -> bool:
        return self.excluded_at is not None


@dataclass(frozen=True, slots=True)
class Subject:
    """Where a chat's messages go on our side: a contact (and its client), a lead, or the
    client and deal a converted lead became; all None while the chat is nobody yet."""

    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None
    lead_id: int | None = None

    @property
    def known(self) -> bool:
        return any((self.contact_id, self.company_id, self.lead_id))


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    chat_ref: int  # business_chats.id
    outgoing: bool
    kind: str
    text: str
    interaction_id: int | None
    deleted: bool


@dataclass(frozen=True, slots=True)
class ChatLead:
    """The lead made from a chat, with the first message that became its note."""

    chat: Chat
    lead: Lead
    first_message: str
    created: bool  # False: the chat already had its lead (a second tap)


@dataclass(frozen=True, slots=True)
class Purged:
    chat: Chat
    messages: int  # what was stored from the chat and is deleted now


@dataclass(frozen=True, slots=True)
class BusinessScreen:
    connection: Connection | None
    excluded: Sequence[Chat]
    recent: Sequence[Chat]


@dataclass(frozen=True, slots=True)
class BusinessChatTarget:
    """Where a document goes as the manager: the connection and the customer's chat."""

    connection_id: str
    can_reply: bool
    chat_id: int
    name: str
    language: str | None
