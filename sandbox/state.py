"""In-memory state of the Bot API sandbox: users, chats, messages, files, updates, limits.

Pure Python (no aiohttp, no asyncio): the HTTP server in ``sandbox.server`` drives it and
is told about every change through ``BotState.listener``.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.html import utf16_len

# Telegram's own limits (Bot API docs; checked against the real server).
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
# What a person can send as a file (the driver's send_file and a business chat's writes).
FILE_KINDS = ("document", "photo", "sticker", "voice", "video", "video_note", "audio")

QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")

# Telegram Business (Bot API 7.2+, rights since 9.0): BusinessBotRights as aiogram 3.31 has them.
# The sandbox enforces can_reply (send and edit) and the two delete rights; the others are
# reported as given.
BUSINESS_RIGHTS = (
    "can_reply",
    "can_read_messages",
    "can_delete_sent_messages",
    "can_delete_all_messages",
    "can_edit_name",
    "can_edit_bio",
    "can_edit_profile_photo",
    "can_edit_username",
    "can_change_gift_settings",
    "can_view_gifts_and_stars",
    "can_convert_gifts_to_stars",
    "can_transfer_and_upgrade_gifts",
    "can_transfer_stars",
    "can_manage_stories",
)
# A bot may answer in a business chat only within 24 hours of the customer's last message
# (BusinessBotRights.can_reply: "chats that had incoming messages in the last 24 hours").
BUSINESS_REPLY_WINDOW = 24 * 3600

# Refusals of sends "on behalf of" a business account, as the real Bot API words them. The Bot
# API server is TDLib: TDLib's BusinessConnectionManager::check_business_connection answers
# "Business connection not found", "Chat must be a private chat" and "Messages must not be sent
# to self" itself (the Bot API lower-cases the first letter; "Bad Request: business connection
# not found" is what public client test suites record from api.telegram.org), and leaves the
# connection's rights and is_disabled to Telegram's server, whose MTProto errors the Bot API
# passes on: BUSINESS_CONNECTION_INVALID ("the connection_id ... is invalid", core.telegram.org
# error tables; what bots report after the owner disconnected), BOT_ACCESS_FORBIDDEN ("an
# operation that is not allowed over a business connection", seen by bots as a 400 when a right
# is missing) and BUSINESS_PEER_USAGE_MISSING (messages.sendMessage: the peer has not written to
# the account recently). Unverified against the live server: which of the last three a disabled
# connection and a missing can_reply give; the choice here follows the public reports above.
# getBusinessConnection with an id TDLib does not know asks the server:
# BUSINESS_CONNECTION_INVALID.
BUSINESS_NOT_FOUND = "business connection not found"
BUSINESS_INVALID = "BUSINESS_CONNECTION_INVALID"
BUSINESS_FORBIDDEN = "BOT_ACCESS_FORBIDDEN"
BUSINESS_PEER_MISSING = "BUSINESS_PEER_USAGE_MISSING"
BUSINESS_SELF = "messages must not be sent to self"
BUSINESS_NOT_PRIVATE = "chat must be a private chat"
# account.updateConnectedBot on a bot whose business mode is off in @BotFather.
BOT_BUSINESS_MISSING = "BOT_BUSINESS_MISSING"


class ApiError(Exception):
    """A Telegram error answer: HTTP status, description and, for 429, retry_after."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


# --------------------------------------------------------------------------- rate limits


class TokenBucket:
    """``rate`` tokens per second up to ``capacity``; a call costs one token."""

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(max(1, capacity))
        self.tokens = self.capacity
        self.stamp = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass
class Limits:
    global_rate: float | None = 30.0
    global_burst: int = 30
    per_chat_rate: float | None = 1.0
    per_chat_burst: int = 3


class RateLimiter:
    """Telegram-like flood control: one bucket for the bot and one per chat."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global: TokenBucket | None = None
        self._chats: dict[str, TokenBucket] = {}

    def reset(self) -> None:
        self._global = None
        self._chats.clear()

    def acquire(self, chat_key: str | None) -> int | None:
        """Take a token from both buckets, or return retry_after (whole seconds, >= 1)."""
        now = self.clock()
        buckets: list[TokenBucket] = []
        lim = self.limits
        if lim.global_rate:
            if self._global is None:
                self._global = TokenBucket(lim.global_rate, lim.global_burst, now)
            buckets.append(self._global)
        if lim.per_chat_rate and chat_key is not None:
            bucket = self._chats.get(chat_key)
            if bucket is None:
                bucket = self._chats[chat_key] = TokenBucket(
                    lim.per_chat_rate, lim.per_chat_burst, now
                )
            buckets.append(bucket)
        wait = max((b.wait_time(now) for b in buckets), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take()
        return None


# --------------------------------------------------------------------------- faults

FAULT_KINDS = ("429", "5xx", "slow", "drop", "chat_gone")


@dataclass
class Fault:
    kind: str
    method: str | None = None
    count: int = 1
    retry_after: int = 1
    delay: float = 0.0
    status: int = 500

    def matches(self, method: str) -> bool:
        if self.method is None:
            # Long polling is left alone unless a test names it: a fault meant for
            # sendMessage must not be eaten by the dispatcher's idle getUpdates loop.
            return method.lower() != "getupdates"
        return self.method.lower() == method.lower()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "method": self.method,
            "count": self.count,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "status": self.status,
        }


class FaultPlan:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}, expected one of {FAULT_KINDS}")
        if fault.count < 1:
            raise ValueError("count must be >= 1")
        self.faults.append(fault)

    def take(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()


# --------------------------------------------------------------------------- objects


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    blocked: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def as_dict(self) -> dict[str, Any]:
        return {**self.to_api(), "blocked": self.blocked}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    kind: str  # document, photo, sticker, voice, video, video_note, audio
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    # The size Telegram reports, when a test stands in a large file with a few bytes.
    declared_size: int | None = None

    @property
    def size(self) -> int:
        return self.declared_size if self.declared_size is not None else len(self.data)

    def get_file_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }

    def media_api(self) -> Any:
        """The object Telegram puts into a Message for this file."""
        base: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.kind == "photo":
            return [{**base, "width": self.width, "height": self.height}]
        if self.kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        if self.kind == "voice":
            return {**base, "duration": 1, "mime_type": self.mime_type or "audio/ogg"}
        if self.kind == "video_note":
            return {**base, "length": 240, "duration": 1}
        if self.kind == "video":
            base.update(width=640, height=360, duration=1)
        elif self.kind == "audio":
            base["duration"] = 1
        if self.file_name:
            base["file_name"] = self.file_name
        if self.mime_type:
            base["mime_type"] = self.mime_type
        return base


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    sender: dict[str, Any]
    text: str | None = None
    entities: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] | None = None
    source: str | None = None  # text or caption as the bot sent it (before HTML parsing)
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # document, photo, invoice, ...
    file_id: str | None = None
    reply_to: int | None = None
    owner_id: int | None = None  # the business account whose chat holds it (Chat.owner)
    edit_date: int | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    version: int = 0

    def content_key(self) -> tuple[Any, ...]:
        return (self.text, self.entities, self.caption, self.caption_entities, self.reply_markup)

    def snapshot(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "caption": self.caption,
            "buttons": inline_rows(self.reply_markup),
            "date": self.edit_date or self.date,
        }


def inline_rows(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [[dict(button) for button in row] for row in markup["inline_keyboard"]]


@dataclass
class Chat:
    """A private chat. ``owner`` is set for a business chat: the chat of the business account
    ``owner`` with the customer ``user``, as the owner sees it (its id is the customer's id,
    independent of the bot's own chat with that customer)."""

    id: int
    user: User
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    actions: list[dict[str, Any]] = field(default_factory=list)
    owner: User | None = None


@dataclass
class BusinessConnection:
    """The bot connected to a business account (``user``, the manager) with ``rights``."""

    id: str
    user: User
    date: int
    rights: dict[str, bool]
    is_enabled: bool = True

    def can(self, right: str) -> bool:
        return bool(self.rights.get(right))

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.user.to_api(),
            "user_chat_id": self.user.id,
            "date": self.date,
            # Telegram lists only the rights that are granted.
            "rights": {name: True for name in BUSINESS_RIGHTS if self.rights.get(name)},
            "is_enabled": self.is_enabled,
        }


def business_rights(rights: dict[str, Any] | None) -> dict[str, bool]:
    """Rights as given (default: can_reply only); an unknown name is a driver's typo."""
    if rights is None:
        return {"can_reply": True}
    unknown = sorted(set(rights) - set(BUSINESS_RIGHTS))
    if unknown:
        raise ApiError(400, f"unknown business bot rights {unknown}; known: {BUSINESS_RIGHTS}")
    return {name: bool(value) for name, value in rights.items()}


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


def _now() -> int:
    return int(time.time())


def _new_id() -> str:
    return secrets.token_urlsafe(12)


class BotState:
    """Everything one bot token sees: its users' chats, files, update queue and logs."""

    def __init__(self, token: str | None, username: str) -> None:
        self.token = token
        self.username = username
        self.first_name = "Dealchat Test Bot"
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.webhook: Webhook | None = None
        self.allowed_updates: list[str] | None = None
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.inline_queries: dict[str, dict[str, Any]] = {}
        self.pre_checkouts: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        # Business mode as switched on in @BotFather; connections by id (disabled ones kept,
        # as Telegram keeps answering getBusinessConnection for them) and the business chats.
        self.can_connect_to_business = True
        self.business: dict[str, BusinessConnection] = {}
        self.business_by_owner: dict[int, BusinessConnection] = {}
        self.business_chats: dict[tuple[int, int], Chat] = {}
        self._owner_message_ids: dict[int, int] = {}
        self.version = 0
        self.listener: Callable[[], None] | None = None

    # ------------------------------------------------------------------ identity

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":", 1)[0]) if self.token else 0

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    # ------------------------------------------------------------------ bookkeeping

    def changed(self) -> int:
        self.version += 1
        if self.listener is not None:
            self.listener()
        return self.version

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        return update

    def confirm_updates(self, offset: int) -> None:
        """Telegram forgets every update with update_id < offset once offset is sent."""
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def pending_updates(self, limit: int) -> list[dict[str, Any]]:
        if self.allowed_updates:
            allowed = set(self.allowed_updates)
            # Updates of types the bot did not ask for are dropped, as Telegram does.
            self.updates = [u for u in self.updates if _update_kind(u) in allowed]
        return self.updates[:limit]

    def store_file(
        self,
        data: bytes,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        declared_size: int | None = None,
    ) -> StoredFile:
        file_id = f"{kind[:3].upper()}{_new_id()}"
        folder = {
            "photo": "photos",
            "sticker": "stickers",
            "voice": "voice",
            "video": "videos",
            "video_note": "video_notes",
            "audio": "music",
        }.get(kind, "documents")
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif kind == "photo":
            suffix = ".jpg"
        path = f"{folder}/file_{len(self.files)}{suffix}"
        width, height = image_size(data) if kind == "photo" else (0, 0)
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=secrets.token_hex(8),
            file_path=path,
            data=data,
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            declared_size=declared_size,
        )
        self.files[file_id] = stored
        self.files_by_path[path] = stored
        return stored

    # ------------------------------------------------------------------ chats and messages

    def user(self, user_id: int) -> User:
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = User(id=user_id, first_name=f"User{user_id}")
        return user

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> User:
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = User(id=user_id, first_name=first_name)
        user.first_name = first_name
        user.last_name = last_name
        user.username = username
        user.language_code = language_code
        return user

    def open_chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            chat = self.chats[user_id] = Chat(id=user_id, user=self.user(user_id))
        return chat

    def find_chat(self, chat_id: int, owner_id: int | None = None) -> Chat | None:
        """The bot's chat with a user, or with owner_id the owner's business chat with them."""
        if owner_id is None:
            return self.chats.get(chat_id)
        return self.business_chats.get((owner_id, chat_id))

    def chat_of(self, message: StoredMessage) -> Chat:
        chat = self.find_chat(message.chat_id, message.owner_id)
        assert chat is not None
        return chat

    def chat_for_bot(self, chat_id: Any) -> Chat:
        """The chat a Bot API call addresses; Telegram only knows chats a user started."""
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self.chats.get(key)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def add_message(
        self, chat: Chat, from_bot: bool, author: User | None = None, **fields: Any
    ) -> StoredMessage:
        """A new message in ``chat``: the bot's, or the person's (``author``, default the
        chat's user). In a business chat the bot writes as the account's owner."""
        if chat.owner is None:
            sender = self.bot_user() if from_bot else chat.user.to_api()
            message_id = chat.next_message_id
        else:
            sender = (chat.owner if from_bot else author or chat.user).to_api()
            extra = dict(fields.pop("extra", None) or {})
            connection = self.business_by_owner.get(chat.owner.id)
            if connection is not None:
                extra["business_connection_id"] = connection.id
            if from_bot:
                extra["sender_business_bot"] = self.bot_user()
            fields["extra"] = extra
            # A user account numbers the messages of all its private chats in one sequence,
            # which is why deleteBusinessMessages needs no chat_id.
            message_id = self._owner_message_ids.get(chat.owner.id, 1)
            self._owner_message_ids[chat.owner.id] = message_id + 1
        message = StoredMessage(
            chat_id=chat.id,
            message_id=message_id,
            from_bot=from_bot,
            date=_now(),
            sender=sender,
            owner_id=chat.owner.id if chat.owner else None,
            **fields,
        )
        chat.next_message_id = message_id + 1
        chat.messages[message.message_id] = message
        self.touch(message)
        return message

    def touch(self, message: StoredMessage) -> None:
        message.version = self.version + 1
        self.changed()

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        chat = self.chats.get(chat_id)
        if chat is None:
            return None
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            return None
        return message

    def message_api(self, message: StoredMessage, with_reply: bool = True) -> dict[str, Any]:
        chat = self.chat_of(message)
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": message.sender,
            "chat": chat.user.chat_api(),
            "date": message.date,
        }
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.caption is not None:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        # Keys starting with "_" are sandbox bookkeeping (an invoice's payload), not API.
        data.update({k: v for k, v in message.extra.items() if not k.startswith("_")})
        if message.file_id is not None:
            stored = self.files[message.file_id]
            data[stored.kind] = stored.media_api()
        # Only inline keyboards come back inside a Message; reply keyboards are not echoed.
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if with_reply and message.reply_to is not None:
            replied = chat.messages.get(message.reply_to)
            if replied is not None:
                data["reply_to_message"] = self.message_api(replied, with_reply=False)
        return data

    def message_view(self, message: StoredMessage) -> dict[str, Any]:
        """The flattened form tests assert on (see SandboxClient.messages)."""
        stored = self.files.get(message.file_id) if message.file_id else None
        markup = message.reply_markup or {}
        keyboard = markup.get("keyboard")
        return {
            "message_id": message.message_id,
            "chat_id": message.chat_id,
            "from_bot": message.from_bot,
            "date": message.date,
            "text": message.text,
            "caption": message.caption,
            "entities": message.entities or message.caption_entities or [],
            "source": message.source,
            "parse_mode": message.parse_mode,
            "buttons": inline_rows(message.reply_markup),
            "keyboard": (
                [[b if isinstance(b, str) else b.get("text") for b in row] for row in keyboard]
                if keyboard
                else None
            ),
            "remove_keyboard": bool(markup.get("remove_keyboard")),
            "document": (
                {
                    "file_name": stored.file_name,
                    "mime_type": stored.mime_type,
                    "size": stored.size,
                    "file_id": stored.file_id,
                }
                if stored is not None and stored.kind == "document"
                else None
            ),
            "photo": stored is not None and stored.kind == "photo",
            "sticker": stored is not None and stored.kind == "sticker",
            "voice": stored is not None and stored.kind == "voice",
            "media_kind": stored.kind if stored is not None else None,
            "file_id": message.file_id,
            "sender_id": message.sender["id"],
            "business_connection_id": message.extra.get("business_connection_id"),
            "contact": message.extra.get("contact"),
            "poll": message.extra.get("poll"),
            "location": message.extra.get("location"),
            "invoice": message.extra.get("invoice"),
            "successful_payment": message.extra.get("successful_payment"),
            "forwarded": "forward_origin" in message.extra,
            "reply_to_message_id": message.reply_to,
            "deleted": message.deleted,
            "edited": bool(message.edits),
            "edits": len(message.edits),
            "edit_history": list(message.edits),
            "version": message.version,
        }

    def file_bytes(self, chat_id: int, message_id: int, owner_id: int | None = None) -> bytes:
        chat = self.find_chat(chat_id, owner_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.file_id is None:
            raise ApiError(404, "Not Found: message has no file")
        return self.files[message.file_id].data

    def edit_message(self, message: StoredMessage, **changes: Any) -> None:
        """Apply an edit, keeping the previous version; an edit that changes nothing is
        refused as Telegram refuses it."""
        before = message.content_key()
        snapshot = message.snapshot()
        for key, value in changes.items():
            setattr(message, key, value)
        if message.content_key() == before:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.edits.append(snapshot)
        message.edit_date = _now()
        self.touch(message)

    # ------------------------------------------------------------------ acting as users

    def user_content(
        self,
        kind: str,
        text: str | None = None,
        data: bytes = b"",
        file_name: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        declared_size: int | None = None,
        contact: dict[str, Any] | None = None,
        poll: dict[str, Any] | None = None,
        location: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The fields of a message a person writes. Their length is not limited: the bot must
        cope with whatever arrives (4,096 and 1,024 bind what the bot sends)."""
        if kind == "text":
            if not text:
                raise ApiError(400, "text must not be empty")
            return {"text": text, "entities": command_entities(text) or None}
        if kind in FILE_KINDS:
            stored = self.store_file(
                data, kind, file_name=file_name, mime_type=mime_type, declared_size=declared_size
            )
            return {"file_id": stored.file_id, "caption": caption}
        if kind == "contact" and contact is not None:
            return {"extra": {"contact": contact_api(**contact)}}
        if kind == "poll" and poll is not None:
            return {"extra": {"poll": poll_api(str(poll["question"]), list(poll["options"]))}}
        if kind == "location" and location is not None:
            point = {"latitude": float(location["latitude"])}
            point["longitude"] = float(location["longitude"])
            return {"extra": {"location": point}}
        raise ApiError(
            400,
            f"unknown message kind {kind!r}, expected text, {FILE_KINDS}, "
            "contact, poll or location (with its fields)",
        )

    def _user_message(self, user_id: int, **fields: Any) -> dict[str, Any]:
        chat = self.open_chat(user_id)
        message = self.add_message(chat, from_bot=False, **fields)
        api = self.message_api(message)
        self.push_update("message", api)
        self.changed()
        return api

    def send_text(self, user_id: int, text: str) -> dict[str, Any]:
        return self._user_message(user_id, **self.user_content("text", text=text))

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        last_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> dict[str, Any]:
        contact = contact_api(phone_number, first_name, last_name, contact_user_id)
        return self._user_message(user_id, extra={"contact": contact})

    def forward_text(
        self,
        user_id: int,
        text: str,
        from_user: dict[str, Any] | None = None,
        sender_name: str | None = None,
    ) -> dict[str, Any]:
        date = _now() - 60
        extra: dict[str, Any] = {"forward_date": date}
        if from_user is not None:
            original = {
                "id": int(from_user["id"]),
                "is_bot": bool(from_user.get("is_bot", False)),
                "first_name": from_user.get("first_name") or "User",
            }
            for key in ("last_name", "username"):
                if from_user.get(key):
                    original[key] = from_user[key]
            extra["forward_origin"] = {"type": "user", "date": date, "sender_user": original}
            extra["forward_from"] = original
        else:
            name = sender_name or "Hidden User"
            extra["forward_origin"] = {
                "type": "hidden_user",
                "date": date,
                "sender_user_name": name,
            }
            extra["forward_sender_name"] = name
        return self._user_message(user_id, text=text, extra=extra)

    def send_file(
        self,
        user_id: int,
        kind: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        declared_size: int | None = None,
    ) -> dict[str, Any]:
        _check_reply(self.chats.get(user_id), reply_to)
        content = self.user_content(
            kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            caption=caption,
            declared_size=declared_size,
        )
        return self._user_message(user_id, reply_to=reply_to, **content)

    def press(
        self,
        user_id: int,
        message_id: int,
        callback_data: str | None = None,
        text: str | None = None,
        check: bool = True,
    ) -> dict[str, Any]:
        """Create a callback_query update as if the user tapped an inline button."""
        chat = self.chats.get(user_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.deleted or not message.from_bot:
            raise ApiError(404, f"bot message {message_id} not found in chat {user_id}")
        if check:
            button = _find_button(message, callback_data, text)
            if button is None:
                wanted = f"callback_data={callback_data!r}" if callback_data else f"text={text!r}"
                raise ApiError(
                    400,
                    f"message {message_id} has no inline button with {wanted}; "
                    f"buttons: {inline_rows(message.reply_markup)}",
                )
            callback_data = button["callback_data"]
        if callback_data is None:
            raise ApiError(400, "callback_data is required")
        query_id = str(secrets.randbits(63))
        self.callback_queries[query_id] = {
            "id": query_id,
            "user_id": user_id,
            "message_id": message_id,
            "data": callback_data,
            "answer": None,
        }
        payload = {
            "id": query_id,
            "from": self.user(user_id).to_api(),
            "message": self.message_api(message),
            "chat_instance": str(user_id * 7 + 1),
            "data": callback_data,
        }
        self.push_update("callback_query", payload)
        self.changed()
        return {
            "id": query_id,
            "last_message_id": chat.next_message_id - 1 if chat else 0,
            "edits": len(message.edits),
        }

    def inline_query(self, user_id: int, query: str) -> str:
        query_id = str(secrets.randbits(63))
        self.inline_queries[query_id] = {"id": query_id, "user_id": user_id, "answer": None}
        payload = {
            "id": query_id,
            "from": self.user(user_id).to_api(),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
        self.push_update("inline_query", payload)
        self.changed()
        return query_id

    def _invoice(self, user_id: int, message_id: int) -> StoredMessage:
        message = self.find_message(user_id, message_id)
        if message is None or "invoice" not in message.extra:
            raise ApiError(404, f"invoice message {message_id} not found in chat {user_id}")
        return message

    def pre_checkout(self, user_id: int, invoice_message_id: int) -> str:
        invoice = self._invoice(user_id, invoice_message_id)
        query_id = str(secrets.randbits(63))
        self.pre_checkouts[query_id] = {"id": query_id, "user_id": user_id, "answer": None}
        payload = {
            "id": query_id,
            "from": self.user(user_id).to_api(),
            "currency": invoice.extra["invoice"]["currency"],
            "total_amount": invoice.extra["invoice"]["total_amount"],
            "invoice_payload": invoice.extra["_payload"],
        }
        self.push_update("pre_checkout_query", payload)
        self.changed()
        return query_id

    def successful_payment(
        self,
        user_id: int,
        invoice_message_id: int,
        telegram_payment_charge_id: str | None = None,
        provider_payment_charge_id: str | None = None,
    ) -> dict[str, Any]:
        invoice = self._invoice(user_id, invoice_message_id)
        payment = {
            "currency": invoice.extra["invoice"]["currency"],
            "total_amount": invoice.extra["invoice"]["total_amount"],
            "invoice_payload": invoice.extra["_payload"],
            "telegram_payment_charge_id": telegram_payment_charge_id or f"tg_{_new_id()}",
            "provider_payment_charge_id": provider_payment_charge_id or f"pr_{_new_id()}",
        }
        return self._user_message(user_id, extra={"successful_payment": payment})

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        self.user(user_id).blocked = blocked
        self.changed()

    # ------------------------------------------------------------------ Telegram Business

    def business_connect(
        self, owner_id: int, rights: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The owner connects the bot to their business account (or changes the rights of
        the live connection): a business_connection update. A connection made again after a
        disconnection has a new id, so the old one stays refused."""
        if not self.can_connect_to_business:
            raise bad_request(BOT_BUSINESS_MISSING)
        granted = business_rights(rights)
        connection = self.business_by_owner.get(owner_id)
        if connection is None or not connection.is_enabled:
            connection = BusinessConnection(
                id=_new_id(), user=self.user(owner_id), date=_now(), rights=granted
            )
            self.business[connection.id] = connection
            self.business_by_owner[owner_id] = connection
        connection.rights = granted
        return self._connection_changed(connection)

    def business_set_rights(self, owner_id: int, rights: dict[str, Any]) -> dict[str, Any]:
        connection = self._live_connection(owner_id)
        connection.rights = business_rights(rights)
        return self._connection_changed(connection)

    def business_disconnect(self, owner_id: int) -> dict[str, Any]:
        connection = self._live_connection(owner_id)
        connection.is_enabled = False
        return self._connection_changed(connection)

    def _live_connection(self, owner_id: int) -> BusinessConnection:
        connection = self.business_by_owner.get(owner_id)
        if connection is None or not connection.is_enabled:
            raise ApiError(400, f"user {owner_id} has no business connection with the bot")
        return connection

    def _connection_changed(self, connection: BusinessConnection) -> dict[str, Any]:
        api = connection.to_api()
        self.push_update("business_connection", api)
        self.changed()
        return api

    def business_chat(self, owner_id: int, customer_id: int) -> Chat:
        """The owner's private chat with the customer, opened by the first message."""
        if owner_id == customer_id:
            raise ApiError(400, "a business chat is between the owner and someone else")
        chat = self.business_chats.get((owner_id, customer_id))
        if chat is None:
            chat = self.business_chats[(owner_id, customer_id)] = Chat(
                id=customer_id, user=self.user(customer_id), owner=self.user(owner_id)
            )
        return chat

    def _push_business(self, owner_id: int, kind: str, payload: dict[str, Any]) -> None:
        # The bot hears a business account only while connected to it.
        connection = self.business_by_owner.get(owner_id)
        if connection is not None and connection.is_enabled:
            self.push_update(kind, payload)

    def business_write(
        self,
        owner_id: int,
        customer_id: int,
        writer_id: int,
        content: dict[str, Any],
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """The customer or the owner writes in their chat (``content`` as user_content
        makes it): a business_message update carrying business_connection_id."""
        if writer_id not in (owner_id, customer_id):
            raise ApiError(
                400, f"user {writer_id} is not in the chat of {owner_id} and {customer_id}"
            )
        chat = self.business_chat(owner_id, customer_id)
        _check_reply(chat, reply_to)
        message = self.add_message(
            chat, from_bot=False, author=self.user(writer_id), reply_to=reply_to, **content
        )
        api = self.message_api(message)
        self._push_business(owner_id, "business_message", api)
        self.changed()
        return api

    def business_burst(
        self, owner_id: int, customer_id: int, count: int, text: str = "Message {n}"
    ) -> dict[str, Any]:
        """``count`` texts from the customer at once (``{n}`` numbers them from 1): one call
        for what a flood of messages does to the bot."""
        if not 1 <= count <= 10_000:
            raise ApiError(400, "count must be within 1..10000")
        listener, self.listener = self.listener, None  # one wake-up for the lot
        try:
            first = last = None
            for n in range(1, count + 1):
                content = self.user_content("text", text=text.format(n=n))
                last = self.business_write(owner_id, customer_id, customer_id, content)
                first = first or last
        finally:
            self.listener = listener
        self.changed()
        assert first is not None and last is not None
        return {"first_message_id": first["message_id"], "last_message_id": last["message_id"]}

    def _business_message(self, owner_id: int, customer_id: int, message_id: int) -> StoredMessage:
        chat = self.business_chats.get((owner_id, customer_id))
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.deleted:
            raise ApiError(
                404, f"message {message_id} not found in the chat of {owner_id} with {customer_id}"
            )
        return message

    def business_edit(
        self,
        owner_id: int,
        customer_id: int,
        message_id: int,
        text: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The author of a message edits it: an edited_business_message update."""
        message = self._business_message(owner_id, customer_id, message_id)
        if message.from_bot:
            raise ApiError(400, "the bot edits its messages through the Bot API")
        if text is not None and message.text is not None:
            self.edit_message(message, **self.user_content("text", text=text))
        elif caption is not None and message.file_id is not None:
            self.edit_message(message, caption=caption)
        else:
            raise ApiError(400, "give text for a text message, caption for a file")
        api = self.message_api(message)
        self._push_business(owner_id, "edited_business_message", api)
        self.changed()
        return api

    def business_delete(
        self, owner_id: int, customer_id: int, message_ids: list[int]
    ) -> dict[str, Any]:
        """Messages deleted in the owner's chat: a deleted_business_messages update."""
        messages = [self._business_message(owner_id, customer_id, int(i)) for i in message_ids]
        if not messages:
            raise ApiError(400, "message_ids must not be empty")
        for message in messages:
            message.deleted = True
            self.touch(message)
        chat = self.chat_of(messages[0])
        connection = self.business_by_owner.get(owner_id)
        payload = {
            "business_connection_id": connection.id if connection else "",
            "chat": chat.user.chat_api(),
            "message_ids": [m.message_id for m in messages],
        }
        self._push_business(owner_id, "deleted_business_messages", payload)
        self.changed()
        return payload

    def push_raw(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Any update as given, e.g. a business message of a connection that does not exist:
        what a test needs to show the bot a delivery Telegram itself would not make."""
        update = self.push_update(kind, payload)
        self.changed()
        return update

    def business_target(self, connection_id: str, chat_id: Any, fresh: bool = True) -> Chat:
        """The business chat a send (or, ``fresh=False``, an edit) on behalf of the account
        addresses, refused as Telegram refuses it (see BUSINESS_NOT_FOUND)."""
        connection = self.business.get(connection_id)
        if connection is None:
            raise bad_request(BUSINESS_NOT_FOUND)
        try:
            customer_id = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if customer_id < 0:
            raise bad_request(BUSINESS_NOT_PRIVATE)
        if customer_id == connection.user.id:
            raise bad_request(BUSINESS_SELF)
        if not connection.is_enabled:
            raise bad_request(BUSINESS_INVALID)
        if not connection.can("can_reply"):
            raise bad_request(BUSINESS_FORBIDDEN)
        chat = self.business_chats.get((connection.user.id, customer_id))
        if chat is None:
            raise bad_request(BUSINESS_PEER_MISSING)
        if fresh:
            heard = [m.date for m in chat.messages.values() if m.sender["id"] == customer_id]
            if not heard or _now() - max(heard) > BUSINESS_REPLY_WINDOW:
                raise bad_request(BUSINESS_PEER_MISSING)
        return chat


def _check_reply(chat: Chat | None, reply_to: int | None) -> None:
    """A person can answer only a message that is there."""
    if reply_to is None:
        return
    replied = chat.messages.get(reply_to) if chat else None
    if replied is None or replied.deleted:
        raise ApiError(400, f"message {reply_to} to reply to not found")


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities, as Telegram marks "/cmd" in what a person writes."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in _COMMAND.finditer(text)
    ]


def contact_api(
    phone_number: str,
    first_name: str,
    last_name: str | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
    if last_name:
        contact["last_name"] = last_name
    if user_id is not None:
        contact["user_id"] = user_id
    return contact


def poll_api(question: str, options: list[str]) -> dict[str, Any]:
    """A fresh regular poll, with the fields aiogram 3.31's Poll requires."""
    if not question or not 2 <= len(options) <= 12:
        raise ApiError(400, "a poll needs a question and 2 to 12 options")
    return {
        "id": str(secrets.randbits(63)),
        "question": question,
        "options": [
            {"persistent_id": str(i), "text": str(text), "voter_count": 0}
            for i, text in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": False,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": True,
        "members_only": False,
    }


def _update_kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _find_button(
    message: StoredMessage, callback_data: str | None, text: str | None
) -> dict[str, Any] | None:
    for row in inline_rows(message.reply_markup):
        for button in row:
            if "callback_data" not in button:
                continue
            if callback_data is not None and button["callback_data"] == callback_data:
                return button
            if callback_data is None and text is not None and button.get("text") == text:
                return button
    return None


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, (0, 0) when unknown; enough for PhotoSize."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height = int.from_bytes(data[i + 5 : i + 7], "big")
                width = int.from_bytes(data[i + 7 : i + 9], "big")
                return width, height
            i += 2 + length
    return 0, 0
