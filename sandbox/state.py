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

QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


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
    id: int
    user: User
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    actions: list[dict[str, Any]] = field(default_factory=list)


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

    def add_message(self, chat: Chat, from_bot: bool, **fields: Any) -> StoredMessage:
        sender = self.bot_user() if from_bot else chat.user.to_api()
        message = StoredMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_bot=from_bot,
            date=_now(),
            sender=sender,
            **fields,
        )
        chat.next_message_id += 1
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
        chat = self.chats[message.chat_id]
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
            "contact": message.extra.get("contact"),
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

    def file_bytes(self, chat_id: int, message_id: int) -> bytes:
        chat = self.chats.get(chat_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.file_id is None:
            raise ApiError(404, "Not Found: message has no file")
        return self.files[message.file_id].data

    # ------------------------------------------------------------------ acting as users

    def _user_message(self, user_id: int, **fields: Any) -> dict[str, Any]:
        chat = self.open_chat(user_id)
        message = self.add_message(chat, from_bot=False, **fields)
        api = self.message_api(message)
        self.push_update("message", api)
        self.changed()
        return api

    def send_text(self, user_id: int, text: str) -> dict[str, Any]:
        if not text:
            raise ApiError(400, "text must not be empty")
        entities = []
        for match in _COMMAND.finditer(text):
            entities.append(
                {
                    "type": "bot_command",
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
        return self._user_message(user_id, text=text, entities=entities or None)

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        last_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> dict[str, Any]:
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
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
        if reply_to is not None:
            chat = self.chats.get(user_id)
            replied = chat.messages.get(reply_to) if chat else None
            if replied is None or replied.deleted:
                raise ApiError(400, f"message {reply_to} to reply to not found")
        stored = self.store_file(
            data, kind, file_name=file_name, mime_type=mime_type, declared_size=declared_size
        )
        return self._user_message(
            user_id, file_id=stored.file_id, caption=caption, reply_to=reply_to
        )

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
