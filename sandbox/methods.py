"""Bot API methods of the sandbox, as pure functions of (BotState, Params).

getUpdates lives in the server (it waits); everything here answers at once or raises ApiError
with Telegram's wording.
"""

from __future__ import annotations

import json
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.html import EntityParseError, parse_html
from sandbox.state import (
    BUSINESS_FORBIDDEN,
    BUSINESS_INVALID,
    MAX_CALLBACK_DATA,
    MAX_CAPTION,
    MAX_TEXT,
    QUERY_INVALID,
    ApiError,
    BotState,
    Chat,
    StoredFile,
    StoredMessage,
    Webhook,
    bad_request,
)


@dataclass
class Upload:
    filename: str
    content_type: str | None
    data: bytes


class Params:
    """Call parameters from JSON, a form or the query string; form values are strings."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f'parameter "{name}" is required')
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, default: int | None = None, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f'parameter "{name}" is required')
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        return value

    def file(self, name: str) -> Upload | str | None:
        if name in self.files:
            return self.files[name]
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = self.files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f'can\'t find attached file "{value}"')
            return upload
        return value if isinstance(value, str) and value else None


Method = Callable[[BotState, Params], Any]
METHODS: dict[str, Method] = {}
# Only these count against the flood limits (edits and callback answers are not limited).
# The Bot API serves bots files of at most 20 MB (getFile refuses larger ones).
DOWNLOAD_LIMIT = 20 * 1024 * 1024
RATE_LIMITED = {
    "sendmessage",
    "senddocument",
    "sendphoto",
    "sendinvoice",
    "sendvoice",
    "sendvideo",
    "sendvideonote",
    "sendaudio",
}


def method(name: str) -> Callable[[Method], Method]:
    def register(func: Method) -> Method:
        METHODS[name.lower()] = func
        return func

    return register


# --------------------------------------------------------------------------- helpers

_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "pay",
    "callback_game",
    "copy_text",
)
_MARKUP_JSON = "can't parse reply keyboard markup JSON object"


def parse_markup(p: Params) -> dict[str, Any] | None:
    markup = p.json("reply_markup", _MARKUP_JSON)
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request(_MARKUP_JSON)
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "inline_keyboard" '
                "must be of type Array"
            )
        for row in rows:
            for button in row:
                _check_inline_button(button)
        rows = [row for row in rows if row]
        # An empty inline keyboard is the same as none (that is how bots remove buttons).
        return {"inline_keyboard": rows} if rows else None
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(_MARKUP_JSON)
        for row in rows:
            for button in row:
                if not isinstance(button, str) and not (
                    isinstance(button, dict) and isinstance(button.get("text"), str)
                ):
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request(_MARKUP_JSON)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _BUTTON_ACTIONS if button.get(key) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        # The 64-byte limit is on UTF-8 bytes: 33 Cyrillic letters already break it.
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions and not str(button["url"]).strip():
        raise bad_request("BUTTON_URL_INVALID")


def _format(
    p: Params, field: str, entities_field: str
) -> tuple[str | None, list[dict[str, Any]] | None, str | None, str | None]:
    """(plain text, entities, source as sent, parse_mode) for text or caption."""
    source = p.string(field)
    if source is None:
        return None, None, None, None
    parse_mode = p.string("parse_mode")
    entities: list[dict[str, Any]] | None
    if parse_mode and parse_mode.lower() == "html":
        try:
            plain, entities = parse_html(source)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        # MarkdownV2/Markdown are stored as sent (not parsed); explicit entities are kept.
        plain = source
        entities = p.json(entities_field, f"can't parse {entities_field} JSON object")
    return plain, entities or None, source, parse_mode


def _text(p: Params) -> tuple[str, list[dict[str, Any]] | None, str | None, str | None]:
    plain, entities, source, parse_mode = _format(p, "text", "entities")
    if plain is None or not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities, source, parse_mode


def _caption(p: Params) -> tuple[str | None, list[dict[str, Any]] | None, str | None, str | None]:
    plain, entities, source, parse_mode = _format(p, "caption", "caption_entities")
    if plain is not None and len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, entities, source, parse_mode


def _target_chat(state: BotState, p: Params, business: bool = True) -> Chat:
    """The chat a send addresses: with business_connection_id (the methods that take it) the
    business account's chat with chat_id, where the bot writes as the account."""
    connection_id = p.string("business_connection_id") if business else None
    if connection_id is not None:
        return state.business_target(connection_id, p.raw("chat_id"))
    chat = state.chat_for_bot(p.raw("chat_id"))
    if chat.user.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat


def _reply_to(chat: Chat, p: Params) -> int | None:
    reply = p.json("reply_parameters", "can't parse reply parameters JSON object")
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    allow = bool(reply.get("allow_sending_without_reply")) if isinstance(reply, dict) else False
    if message_id is None:
        message_id = p.integer("reply_to_message_id")
        allow = p.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    replied = chat.messages.get(int(message_id))
    if replied is None or replied.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def _edited_message(state: BotState, p: Params) -> StoredMessage:
    if p.raw("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    connection_id = p.string("business_connection_id")
    if connection_id is not None:
        # can_reply covers editing too, with no 24-hour window for what was already sent.
        chat = state.business_target(connection_id, p.raw("chat_id"), fresh=False)
    else:
        chat = state.chat_for_bot(p.raw("chat_id"))
    message_id = p.integer("message_id", required=True)
    assert message_id is not None
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(state: BotState, message: StoredMessage, **changes: Any) -> dict[str, Any]:
    state.edit_message(message, **changes)
    return state.message_api(message)


def _input_file(state: BotState, p: Params, field: str, kind: str) -> StoredFile:
    value = p.file(field)
    if value is None:
        raise bad_request(f"there is no {field} in the request")
    if isinstance(value, Upload):
        mime = value.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(value.filename)[0] or "application/octet-stream"
        name = value.filename if kind == "document" else None
        return state.store_file(value.data, kind, file_name=name, mime_type=mime)
    stored = state.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if (stored.kind == "photo") != (kind == "photo"):
        raise bad_request(
            f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
        )
    return stored


# --------------------------------------------------------------------------- bot identity


@method("getMe")
def get_me(state: BotState, p: Params) -> Any:
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
        "can_connect_to_business": state.can_connect_to_business,
        "has_main_web_app": False,
    }


@method("getChat")
def get_chat(state: BotState, p: Params) -> Any:
    chat = state.chat_for_bot(p.raw("chat_id"))
    return {
        **chat.user.chat_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        },
    }


@method("setChatMenuButton")
def set_chat_menu_button(state: BotState, p: Params) -> Any:
    chat_id = p.integer("chat_id")
    button = p.json("menu_button", "can't parse menu button JSON object") or {"type": "default"}
    state.menu_buttons[chat_id] = button
    return True


@method("getChatMenuButton")
def get_chat_menu_button(state: BotState, p: Params) -> Any:
    chat_id = p.integer("chat_id")
    return state.menu_buttons.get(chat_id) or state.menu_buttons.get(None) or {"type": "default"}


for _name in ("setMyDescription", "setMyShortDescription", "setMyName"):
    METHODS[_name.lower()] = lambda state, p: True


# --------------------------------------------------------------------------- webhook


_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@method("setWebhook")
def set_webhook(state: BotState, p: Params) -> Any:
    url = p.string("url")
    secret = p.string("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if p.flag("drop_pending_updates"):
        state.updates.clear()
    allowed = p.json("allowed_updates", "can't parse allowed updates JSON object")
    if allowed is not None:
        state.allowed_updates = list(allowed) or None
    state.webhook = (
        Webhook(
            url=url, secret_token=secret, max_connections=p.integer("max_connections", 40) or 40
        )
        if url
        else None
    )
    state.changed()
    return True


@method("deleteWebhook")
def delete_webhook(state: BotState, p: Params) -> Any:
    if p.flag("drop_pending_updates"):
        state.updates.clear()
    state.webhook = None
    state.changed()
    return True


@method("getWebhookInfo")
def get_webhook_info(state: BotState, p: Params) -> Any:
    hook = state.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if state.allowed_updates:
            info["allowed_updates"] = state.allowed_updates
    return info


# --------------------------------------------------------------------------- sending


@method("sendMessage")
def send_message(state: BotState, p: Params) -> Any:
    chat = _target_chat(state, p)
    text, entities, source, parse_mode = _text(p)
    markup = parse_markup(p)
    reply_to = _reply_to(chat, p)
    message = state.add_message(
        chat,
        from_bot=True,
        text=text,
        entities=entities,
        source=source,
        parse_mode=parse_mode,
        reply_markup=markup,
        reply_to=reply_to,
    )
    return state.message_api(message)


def _send_file(state: BotState, p: Params, kind: str) -> Any:
    chat = _target_chat(state, p)
    caption, entities, source, parse_mode = _caption(p)
    markup = parse_markup(p)
    reply_to = _reply_to(chat, p)
    stored = _input_file(state, p, kind, kind)
    message = state.add_message(
        chat,
        from_bot=True,
        caption=caption,
        caption_entities=entities,
        source=source,
        parse_mode=parse_mode,
        reply_markup=markup,
        reply_to=reply_to,
        file_id=stored.file_id,
    )
    return state.message_api(message)


@method("sendDocument")
def send_document(state: BotState, p: Params) -> Any:
    return _send_file(state, p, "document")


@method("sendPhoto")
def send_photo(state: BotState, p: Params) -> Any:
    return _send_file(state, p, "photo")


@method("sendVoice")
def send_voice(state: BotState, p: Params) -> Any:
    return _send_file(state, p, "voice")


@method("sendVideo")
def send_video(state: BotState, p: Params) -> Any:
    return _send_file(state, p, "video")


@method("sendVideoNote")
def send_video_note(state: BotState, p: Params) -> Any:
    if p.string("caption"):
        raise bad_request("video notes can't have a caption")
    return _send_file(state, p, "video_note")


@method("sendAudio")
def send_audio(state: BotState, p: Params) -> Any:
    return _send_file(state, p, "audio")


_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


@method("sendChatAction")
def send_chat_action(state: BotState, p: Params) -> Any:
    chat = _target_chat(state, p)
    action = p.string("action")
    if action not in _ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append({"action": action, "time": time.time()})
    return True


@method("sendInvoice")
def send_invoice(state: BotState, p: Params) -> Any:
    chat = _target_chat(state, p, business=False)  # sendInvoice takes no business_connection_id
    title = p.string("title", required=True) or ""
    description = p.string("description", required=True) or ""
    payload = p.string("payload", required=True) or ""
    currency = p.string("currency", required=True) or ""
    prices = p.json("prices", "can't parse prices JSON object")
    if not 1 <= len(title) <= 32:
        raise bad_request("INVOICE_TITLE_INVALID" if title else "INVOICE_TITLE_EMPTY")
    if not 1 <= len(description) <= 255:
        raise bad_request("INVOICE_DESCRIPTION_INVALID")
    if not 1 <= len(payload.encode("utf-8")) <= 128:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise bad_request("CURRENCY_INVALID")
    if not isinstance(prices, list) or not prices:
        raise bad_request("can't parse prices JSON object")
    try:
        total = sum(int(price["amount"]) for price in prices)
    except (KeyError, TypeError, ValueError):
        raise bad_request("can't parse prices JSON object") from None
    if total <= 0:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    markup = parse_markup(p)
    invoice = {
        "title": title,
        "description": description,
        "start_parameter": p.string("start_parameter") or "",
        "currency": currency,
        "total_amount": total,
    }
    message = state.add_message(
        chat,
        from_bot=True,
        reply_markup=markup,
        extra={
            "invoice": invoice,
            "_payload": payload,
            "_prices": prices,
            "_provider_token": p.string("provider_token"),
        },
    )
    return state.message_api(message)


# --------------------------------------------------------------------------- editing


@method("editMessageText")
def edit_message_text(state: BotState, p: Params) -> Any:
    message = _edited_message(state, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities, source, parse_mode = _text(p)
    # Telegram drops the inline keyboard when an edit does not repeat reply_markup.
    return _apply_edit(
        state,
        message,
        text=text,
        entities=entities,
        source=source,
        parse_mode=parse_mode,
        reply_markup=parse_markup(p),
    )


@method("editMessageCaption")
def edit_message_caption(state: BotState, p: Params) -> Any:
    message = _edited_message(state, p)
    if message.file_id is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities, source, parse_mode = _caption(p)
    return _apply_edit(
        state,
        message,
        caption=caption,
        caption_entities=entities,
        source=source,
        parse_mode=parse_mode,
        reply_markup=parse_markup(p),
    )


@method("editMessageReplyMarkup")
def edit_message_reply_markup(state: BotState, p: Params) -> Any:
    message = _edited_message(state, p)
    return _apply_edit(state, message, reply_markup=parse_markup(p))


@method("deleteMessage")
def delete_message(state: BotState, p: Params) -> Any:
    chat = state.chat_for_bot(p.raw("chat_id"))
    message_id = p.integer("message_id", required=True)
    assert message_id is not None
    message = state.find_message(chat.id, message_id)
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    state.touch(message)
    return True


# --------------------------------------------------------------------------- Telegram Business


@method("getBusinessConnection")
def get_business_connection(state: BotState, p: Params) -> Any:
    connection = state.business.get(p.string("business_connection_id", required=True) or "")
    if connection is None:
        raise bad_request(BUSINESS_INVALID)
    return connection.to_api()


@method("deleteBusinessMessages")
def delete_business_messages(state: BotState, p: Params) -> Any:
    """Bot API 9.0: the bot's own messages need can_delete_sent_messages, others'
    can_delete_all_messages; all in one chat (ids are the account's, so no chat_id)."""
    connection = state.business.get(p.string("business_connection_id", required=True) or "")
    if connection is None or not connection.is_enabled:
        raise bad_request(BUSINESS_INVALID)
    ids = p.json("message_ids", "can't parse message identifiers JSON object")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    chats = [c for (owner, _), c in state.business_chats.items() if owner == connection.user.id]
    found = []
    for message_id in ids:
        message = next(
            (c.messages[int(message_id)] for c in chats if int(message_id) in c.messages), None
        )
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        right = "can_delete_sent_messages" if message.from_bot else "can_delete_all_messages"
        if not (connection.can(right) or connection.can("can_delete_all_messages")):
            raise bad_request(BUSINESS_FORBIDDEN)
        found.append(message)
    if len({m.chat_id for m in found}) > 1:
        raise bad_request("messages must be from the same chat")
    for message in found:
        message.deleted = True
        state.touch(message)
    return True


# --------------------------------------------------------------------------- queries


@method("answerCallbackQuery")
def answer_callback_query(state: BotState, p: Params) -> Any:
    query = state.callback_queries.get(p.string("callback_query_id") or "")
    if query is None or query["answer"] is not None:
        # A callback query may be answered once; a second answer is refused like a stale id.
        raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
    text = p.string("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query["answer"] = {
        "callback_query_id": query["id"],
        "text": text,
        "show_alert": p.flag("show_alert"),
        "url": p.string("url"),
        "cache_time": p.integer("cache_time", 0),
        "time": time.time(),
    }
    state.changed()
    return True


@method("answerInlineQuery")
def answer_inline_query(state: BotState, p: Params) -> Any:
    query = state.inline_queries.get(p.string("inline_query_id") or "")
    if query is None or query["answer"] is not None:
        raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
    results = p.json("results", "can't parse inline query results JSON object")
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    ids = [r.get("id") for r in results if isinstance(r, dict)]
    if len(ids) != len(results) or any(
        not i or not r.get("type") for i, r in zip(ids, results, strict=True)
    ):
        raise bad_request("RESULT_ID_INVALID")
    ids = [r["id"] for r in results]
    if len(set(ids)) != len(ids):
        raise bad_request("RESULT_ID_DUPLICATE")
    query["answer"] = {
        "results": results,
        "cache_time": p.integer("cache_time"),
        "is_personal": p.flag("is_personal"),
        "next_offset": p.string("next_offset"),
        "time": time.time(),
    }
    state.changed()
    return True


@method("answerPreCheckoutQuery")
def answer_pre_checkout_query(state: BotState, p: Params) -> Any:
    query = state.pre_checkouts.get(p.string("pre_checkout_query_id") or "")
    if query is None or query["answer"] is not None:
        raise bad_request("QUERY_ID_INVALID")
    ok = p.flag("ok")
    error_message = p.string("error_message")
    if not ok and not error_message:
        raise bad_request("ERROR_MESSAGE_EMPTY")
    query["answer"] = {"ok": ok, "error_message": error_message, "time": time.time()}
    state.changed()
    return True


# --------------------------------------------------------------------------- files


@method("getFile")
def get_file(state: BotState, p: Params) -> Any:
    stored = state.files.get(p.string("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return stored.get_file_api()


# --------------------------------------------------------------------------- commands

_SCOPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def scope_key(scope: Any, language_code: str | None) -> tuple[Any, ...]:
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    chat_id = scope.get("chat_id") if kind.startswith("chat") else None
    user_id = scope.get("user_id") if kind == "chat_member" else None
    if kind.startswith("chat") and chat_id is None:
        raise bad_request("chat not found")
    return (
        kind,
        int(chat_id) if chat_id is not None else None,
        int(user_id) if user_id is not None else None,
        language_code or "",
    )


def _commands_key(p: Params) -> tuple[Any, ...]:
    scope = p.json("scope", "can't parse BotCommandScope JSON object")
    return scope_key(scope, p.string("language_code"))


@method("setMyCommands")
def set_my_commands(state: BotState, p: Params) -> Any:
    commands = p.json("commands", "can't parse BotCommand JSON object")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse BotCommand JSON object")
    cleaned = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name = str(command.get("command", "")).removeprefix("/")
        description = str(command.get("description", ""))
        if not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name, "description": description})
    key = _commands_key(p)
    if cleaned:
        state.commands[key] = cleaned
    else:
        state.commands.pop(key, None)
    state.changed()
    return True


@method("getMyCommands")
def get_my_commands(state: BotState, p: Params) -> Any:
    return state.commands.get(_commands_key(p), [])


@method("deleteMyCommands")
def delete_my_commands(state: BotState, p: Params) -> Any:
    state.commands.pop(_commands_key(p), None)
    state.changed()
    return True
