"""Async client of the sandbox's control API: act as Telegram users, read what the bot sent."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from types import EllipsisType, TracebackType
from typing import Any, Self, TypeVar

import aiohttp

Predicate = Callable[[dict[str, Any]], bool]
T = TypeVar("T")

# A ceiling, not an expected time: every wait returns as soon as what it waits for happens,
# so a generous one costs nothing when things work and keeps a loaded machine (a parallel
# test run, other work beside it) from failing a test that was only slow.
WAIT_CEILING = 30.0


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    what: str,
    timeout: float = WAIT_CEILING,
    every: float = 0.02,
) -> T:
    """Calls ``probe`` until it returns something other than None and returns that; raises
    TimeoutError naming ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await probe()
        if result is not None:
            return result
        if loop.time() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:g}s")
        await asyncio.sleep(every)


class SandboxError(Exception):
    """The control API refused a request (unknown message, missing button, ...)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


class SandboxClient:
    """Control API client. ``token`` picks the bot; None means the sandbox's only bot.

    Waiting has a cursor per chat so a fast bot cannot win a race against the test: with
    ``after=None``, ``wait_for`` looks at bot messages newer than the later of (a) the last
    user action of this client in that chat (send_*, press, ...) and (b) the message the
    previous ``wait_for`` returned there; before any action it means "newer than now".
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._session = session
        self._own_session = session is None
        self._closed = False
        # Per chat: the bot's chat with a user (key: chat id) or a business chat
        # (key: (owner id, chat id)).
        self._cursor: dict[Any, int] = {}
        self._edit_base: dict[tuple[int, int], int] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self._closed = True
        if self._session is not None and self._own_session and not self._session.closed:
            await self._session.close()
        self._session = None

    # ------------------------------------------------------------------ transport

    def _http(self) -> aiohttp.ClientSession:
        if self._closed:  # a session opened now would be left to the collector
            raise RuntimeError("the sandbox client is closed")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    def _query(self, params: dict[str, Any] | None) -> dict[str, str]:
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        if self.token:
            query["token"] = self.token
        return query

    async def _get(self, path: str, **params: Any) -> Any:
        async with self._http().get(
            f"{self.base_url}/_sandbox/{path}", params=self._query(params)
        ) as resp:
            return _result(resp.status, await resp.json())

    async def _post(self, path: str, **body: Any) -> Any:
        async with self._http().post(
            f"{self.base_url}/_sandbox/{path}", params=self._query(None), json=body
        ) as resp:
            return _result(resp.status, await resp.json())

    def _acted(self, message: dict[str, Any]) -> dict[str, Any]:
        self._cursor[int(message["chat"]["id"])] = int(message["message_id"])
        return message

    # ------------------------------------------------------------------ users acting

    async def user(
        self,
        user_id: int,
        first_name: str = "Test",
        username: str | None = None,
        language_code: str | None = "en",
        last_name: str | None = None,
    ) -> dict[str, Any]:
        """Create or update a user (private chat id == user id). Unknown users that act
        are created on the fly as "User<id>"."""
        return await self._post(
            "users",
            id=user_id,
            first_name=first_name,
            username=username,
            language_code=language_code,
            last_name=last_name,
        )

    async def send_text(self, user_id: int, text: str) -> dict[str, Any]:
        """The user writes ``text``; "/cmd ..." gets a bot_command entity. Returns the Message."""
        return self._acted(await self._post("send_text", user_id=user_id, text=text))

    async def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        last_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> dict[str, Any]:
        return self._acted(
            await self._post(
                "send_contact",
                user_id=user_id,
                phone_number=phone_number,
                first_name=first_name,
                last_name=last_name,
                contact_user_id=contact_user_id,
            )
        )

    async def forward_text(
        self,
        user_id: int,
        text: str,
        from_user: dict[str, Any] | None = None,
        sender_name: str | None = None,
    ) -> dict[str, Any]:
        """A forwarded text: origin "user" when from_user is given, else "hidden_user"."""
        return self._acted(
            await self._post(
                "forward_text",
                user_id=user_id,
                text=text,
                from_user=from_user,
                sender_name=sender_name,
            )
        )

    async def _send_file(self, user_id: int, kind: str, data: bytes, **extra: Any) -> Any:
        return self._acted(
            await self._post(
                "send_file",
                user_id=user_id,
                kind=kind,
                data_b64=base64.b64encode(data).decode(),
                **extra,
            )
        )

    async def send_document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        declared_size: int | None = None,
    ) -> dict[str, Any]:
        """`reply_to`: the message it answers; `declared_size`: the size Telegram reports,
        to stand in a large file with a few bytes (getFile refuses it over 20 MB)."""
        return await self._send_file(
            user_id,
            "document",
            data,
            file_name=filename,
            mime_type=mime_type,
            caption=caption,
            reply_to=reply_to,
            declared_size=declared_size,
        )

    async def send_photo(
        self,
        user_id: int,
        data: bytes,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        return await self._send_file(
            user_id, "photo", data, mime_type="image/jpeg", caption=caption, reply_to=reply_to
        )

    async def send_sticker(self, user_id: int, data: bytes = b"RIFF\x00WEBP") -> dict[str, Any]:
        return await self._send_file(user_id, "sticker", data, mime_type="image/webp")

    async def send_voice(
        self,
        user_id: int,
        data: bytes = b"OggS\x00voice",
        reply_to: int | None = None,
        declared_size: int | None = None,
    ) -> dict[str, Any]:
        return await self._send_file(
            user_id,
            "voice",
            data,
            mime_type="audio/ogg",
            reply_to=reply_to,
            declared_size=declared_size,
        )

    async def send_video(
        self,
        user_id: int,
        data: bytes,
        filename: str | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        return await self._send_file(
            user_id,
            "video",
            data,
            file_name=filename,
            mime_type="video/mp4",
            caption=caption,
            reply_to=reply_to,
        )

    async def send_video_note(
        self, user_id: int, data: bytes, reply_to: int | None = None
    ) -> dict[str, Any]:
        return await self._send_file(
            user_id, "video_note", data, mime_type="video/mp4", reply_to=reply_to
        )

    async def send_audio(
        self,
        user_id: int,
        data: bytes,
        filename: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        return await self._send_file(
            user_id, "audio", data, file_name=filename, mime_type="audio/mpeg", reply_to=reply_to
        )

    async def press(
        self,
        user_id: int,
        message_id: int,
        callback_data: str | None = None,
        text: str | None = None,
    ) -> str:
        """Tap an inline button (by exact callback_data, else by text); returns the query id.

        Raises SandboxError when the message has no such button."""
        return await self._press(user_id, message_id, callback_data, text, check=True)

    async def press_raw(self, user_id: int, message_id: int, callback_data: str) -> str:
        """A forged callback query: no check that the message has this button."""
        return await self._press(user_id, message_id, callback_data, None, check=False)

    async def _press(
        self,
        user_id: int,
        message_id: int,
        callback_data: str | None,
        text: str | None,
        check: bool,
    ) -> str:
        if callback_data is None and text is None:
            raise ValueError("give callback_data or text")
        result = await self._post(
            "press",
            user_id=user_id,
            message_id=message_id,
            callback_data=callback_data,
            text=text,
            check=check,
        )
        self._cursor[user_id] = int(result["last_message_id"])
        self._edit_base[(user_id, message_id)] = int(result["edits"])
        return str(result["id"])

    async def inline_query(self, user_id: int, query: str) -> str:
        return str(await self._post("inline_query", user_id=user_id, query=query))

    async def inline_answer(self, query_id: str) -> list[dict[str, Any]] | None:
        """The results the bot answered with, None while unanswered."""
        answer = await self._get("inline_answer", id=query_id)
        return None if answer is None else list(answer["results"])

    async def pre_checkout(self, user_id: int, invoice_message_id: int) -> str:
        return str(
            await self._post(
                "pre_checkout", user_id=user_id, invoice_message_id=invoice_message_id
            )
        )

    async def pre_checkout_answer(self, query_id: str) -> dict[str, Any] | None:
        """{"ok", "error_message", "time"} once the bot answered, else None."""
        answer: dict[str, Any] | None = await self._get("pre_checkout_answer", id=query_id)
        return answer

    async def successful_payment(
        self,
        user_id: int,
        invoice_message_id: int,
        telegram_payment_charge_id: str | None = None,
        provider_payment_charge_id: str | None = None,
    ) -> dict[str, Any]:
        return self._acted(
            await self._post(
                "successful_payment",
                user_id=user_id,
                invoice_message_id=invoice_message_id,
                telegram_payment_charge_id=telegram_payment_charge_id,
                provider_payment_charge_id=provider_payment_charge_id,
            )
        )

    async def block(self, user_id: int) -> None:
        await self._post("block", user_id=user_id, blocked=True)

    async def unblock(self, user_id: int) -> None:
        await self._post("block", user_id=user_id, blocked=False)

    # ------------------------------------------------------------------ Telegram Business

    async def business_connect(
        self, manager: int, rights: dict[str, bool] | None = None
    ) -> dict[str, Any]:
        """The manager connects the bot to their business account (default rights: can_reply
        only); again while connected, changes the rights. Returns the BusinessConnection the
        bot got in a business_connection update."""
        result: dict[str, Any] = await self._post(
            "business_connect", owner_id=manager, rights=rights
        )
        return result

    async def business_set_rights(self, manager: int, rights: dict[str, bool]) -> dict[str, Any]:
        """Replace the rights (e.g. {"can_reply": False} withdraws replying)."""
        result: dict[str, Any] = await self._post(
            "business_rights", owner_id=manager, rights=rights
        )
        return result

    async def business_disconnect(self, manager: int) -> dict[str, Any]:
        """The manager disconnects the bot: is_enabled false; a later connect gets a new id."""
        result: dict[str, Any] = await self._post("business_disconnect", owner_id=manager)
        return result

    async def business_connection(self, manager: int) -> dict[str, Any] | None:
        """The manager's latest connection (also a disabled one), None if never connected."""
        result: dict[str, Any] | None = await self._get("business_connection", owner_id=manager)
        return result

    async def customer_writes(
        self, manager: int, customer: int, text: str | None = None, **content: Any
    ) -> dict[str, Any]:
        """The customer writes in their chat with the manager's business account; the bot
        gets a business_message update if connected. Content: ``text``, or one of
        photo=bytes, document=(file name, bytes), sticker=bytes, voice=bytes, video=bytes,
        video_note=bytes, audio=bytes (with caption=), contact={"phone_number", "first_name",
        ...}, poll=(question, [options]), location=(latitude, longitude); reply_to=message id.
        Returns the Message as the bot sees it."""
        return await self._business_write(manager, customer, customer, text, content)

    async def manager_writes(
        self, manager: int, customer: int, text: str | None = None, **content: Any
    ) -> dict[str, Any]:
        """The manager writes to the customer from their own app (as customer_writes)."""
        return await self._business_write(manager, customer, manager, text, content)

    async def _business_write(
        self, manager: int, customer: int, writer: int, text: str | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "owner_id": manager,
            "customer_id": customer,
            "writer_id": writer,
            "reply_to": content.pop("reply_to", None),
            "caption": content.pop("caption", None),
        }
        body.update(_business_content(text, content))
        message: dict[str, Any] = await self._post("business_write", **body)
        self._cursor[(manager, customer)] = int(message["message_id"])
        return message

    async def customer_burst(
        self, manager: int, customer: int, count: int, text: str = "Message {n}"
    ) -> dict[str, Any]:
        """``count`` customer texts in one call (``{n}`` numbers them from 1), each a
        business_message update: {"first_message_id", "last_message_id"}."""
        result: dict[str, Any] = await self._post(
            "business_burst", owner_id=manager, customer_id=customer, count=count, text=text
        )
        self._cursor[(manager, customer)] = int(result["last_message_id"])
        return result

    async def business_edit(
        self,
        manager: int,
        customer: int,
        message_id: int,
        text: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The author of a message in the chat edits it: an edited_business_message update."""
        result: dict[str, Any] = await self._post(
            "business_edit",
            owner_id=manager,
            customer_id=customer,
            message_id=message_id,
            text=text,
            caption=caption,
        )
        return result

    async def business_delete(
        self, manager: int, customer: int, message_ids: list[int]
    ) -> dict[str, Any]:
        """Messages deleted from the chat: a deleted_business_messages update (returned)."""
        result: dict[str, Any] = await self._post(
            "business_delete", owner_id=manager, customer_id=customer, message_ids=message_ids
        )
        return result

    async def business_messages(
        self, manager: int, customer: int, from_bot: bool | None = None
    ) -> list[dict[str, Any]]:
        """The chat of the manager and the customer as both see it, oldest first (as
        messages(); from_bot=True: only what the bot sent on the manager's behalf)."""
        flag = "all" if from_bot is None else str(from_bot).lower()
        result: list[dict[str, Any]] = await self._get(
            "messages", chat_id=customer, owner_id=manager, from_bot=flag
        )
        return result

    async def business_file_bytes(self, manager: int, customer: int, message_id: int) -> bytes:
        """The file of a message in the manager's chat with the customer, as they download it."""
        return await self.file_bytes(customer, message_id, manager=manager)

    async def wait_for_business(
        self,
        manager: int,
        customer: int,
        predicate: Predicate | None = None,
        timeout: float = WAIT_CEILING,
        after: int | None = None,
    ) -> dict[str, Any]:
        """The first message the bot sends into the manager's chat with the customer after
        the last business write of this client there (as wait_for)."""
        return await self.wait_for(
            customer, predicate, timeout=timeout, after=after, manager=manager
        )

    async def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue any update as given (e.g. a business_message of an unknown connection)."""
        result: dict[str, Any] = await self._post("push_update", kind=kind, payload=payload)
        return result

    # ------------------------------------------------------------------ reading

    async def messages(self, chat_id: int, from_bot: bool | None = True) -> list[dict[str, Any]]:
        """Messages of a chat, oldest first (from_bot=None: both directions). Each view has
        message_id, text, caption, buttons (rows of button dicts: text + callback_data/url),
        keyboard (reply keyboard rows of texts), document {file_name, mime_type, size,
        file_id}, photo/sticker/voice bools, invoice, deleted, edited, edits, edit_history,
        entities, source (text as sent), parse_mode."""
        flag = "all" if from_bot is None else str(from_bot).lower()
        result: list[dict[str, Any]] = await self._get("messages", chat_id=chat_id, from_bot=flag)
        return result

    async def file_bytes(self, chat_id: int, message_id: int, manager: int | None = None) -> bytes:
        """The file of a message; ``manager``: in that business account's chat."""
        async with self._http().get(
            f"{self.base_url}/_sandbox/file",
            params=self._query(
                {"chat_id": chat_id, "message_id": message_id, "owner_id": manager}
            ),
        ) as resp:
            if resp.status != 200:
                body = await resp.json()
                raise SandboxError(resp.status, str(body.get("description")))
            return await resp.read()

    async def _changes(self, chat_id: int, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self._get("changes", chat_id=chat_id, **params)
        return result

    async def wait_for(
        self,
        chat_id: int,
        predicate: Predicate | None = None,
        timeout: float = WAIT_CEILING,
        after: int | None = None,
        manager: int | None = None,
    ) -> dict[str, Any]:
        """The first bot message with message_id > after matching predicate (see class doc
        for after=None); ``manager``: in that business account's chat with chat_id. Raises
        TimeoutError listing what the bot did send."""
        key: Any = chat_id if manager is None else (manager, chat_id)
        if after is None:
            after = self._cursor.get(key)
        if after is None:
            after = int((await self._changes(chat_id, owner_id=manager))["last_message_id"])
        seen: dict[int, dict[str, Any]] = {}
        version = -1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message_id in sorted(seen):
                view = seen[message_id]
                if not view["deleted"] and (predicate is None or predicate(view)):
                    self._cursor[key] = message_id
                    return view
            remaining = deadline - loop.time()
            if remaining <= 0:
                texts = [v["text"] or v["caption"] for _, v in sorted(seen.items())]
                raise TimeoutError(
                    f"no matching bot message in chat {chat_id} after #{after} within "
                    f"{timeout}s; bot sent: {texts!r}"
                )
            changes = await self._changes(
                chat_id, since=version, min_id=after, timeout=round(remaining, 3), owner_id=manager
            )
            version = int(changes["version"])
            for view in changes["messages"]:
                seen[int(view["message_id"])] = view

    async def wait_for_text(
        self,
        chat_id: int,
        substring: str,
        timeout: float = WAIT_CEILING,
        after: int | None = None,
    ) -> dict[str, Any]:
        return await self.wait_for(
            chat_id,
            lambda m: substring in (m["text"] or m["caption"] or ""),
            timeout=timeout,
            after=after,
        )

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        predicate: Predicate | None = None,
        timeout: float = WAIT_CEILING,
    ) -> dict[str, Any]:
        """Wait until the bot edits message_id (again) and it matches predicate. "Again"
        counts from the last press on that message by this client, else from now."""
        base = self._edit_base.pop((chat_id, message_id), None)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        version = -1
        view: dict[str, Any] | None = None
        while True:
            remaining = deadline - loop.time()
            changes = await self._changes(
                chat_id,
                since=version,
                message_id=message_id,
                from_bot="all",
                timeout=max(round(remaining, 3), 0) if view is not None else 0,
            )
            version = int(changes["version"])
            if changes["messages"]:
                view = changes["messages"][-1]
                if base is None:
                    base = int(view["edits"])
                elif view["edits"] > base and (predicate is None or predicate(view)):
                    return view
            elif view is None:
                raise SandboxError(404, f"message {message_id} not found in chat {chat_id}")
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"message {message_id} in chat {chat_id} was not edited as expected "
                    f"within {timeout}s; now: {view and (view['text'] or view['caption'])!r}"
                )

    async def callback_answers(self, query_id: str | None = None) -> list[dict[str, Any]]:
        """Answers to callback queries (each: callback_query_id, text, show_alert, url,
        cache_time, time); only that query's answer (0 or 1 items) when query_id is given."""
        result: list[dict[str, Any]] = await self._get("callback_answers", id=query_id)
        return result

    async def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The Bot API call log: method, params, time (epoch s), status, description, fault."""
        result: list[dict[str, Any]] = await self._get("calls", method=method)
        return result

    async def commands(
        self,
        scope: str = "default",
        chat_id: int | None = None,
        language_code: str | None = None,
        user_id: int | None = None,
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._get(
            "commands",
            scope=scope,
            chat_id=chat_id,
            language_code=language_code,
            user_id=user_id,
        )
        return result

    async def updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates / delivered to the webhook."""
        result: list[dict[str, Any]] = await self._get("updates")
        return result

    async def webhook_log(self) -> list[dict[str, Any]]:
        """Webhook delivery attempts: update_id, url, time, status, error."""
        result: list[dict[str, Any]] = await self._get("webhook_log")
        return result

    async def chat_actions(self, chat_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._get("actions", chat_id=chat_id)
        return result

    # ------------------------------------------------------------------ faults and limits

    async def inject(
        self,
        kind: str,
        method: str | None = None,
        count: int = 1,
        retry_after: int = 1,
        delay: float = 0.0,
        status: int = 500,
    ) -> list[dict[str, Any]]:
        """kind: "429", "5xx", "slow" or "drop"; see BotApiSandbox.inject."""
        result: list[dict[str, Any]] = await self._post(
            "inject",
            kind=kind,
            method=method,
            count=count,
            retry_after=retry_after,
            delay=delay,
            status=status,
        )
        return result

    async def clear_faults(self) -> None:
        await self._post("clear_faults")

    async def set_limits(
        self,
        global_rate: float | EllipsisType | None = ...,
        global_burst: int | EllipsisType = ...,
        per_chat_rate: float | EllipsisType | None = ...,
        per_chat_burst: int | EllipsisType = ...,
    ) -> dict[str, Any]:
        """None turns a limit off; an omitted argument keeps the current value."""
        given = {
            "global_rate": global_rate,
            "global_burst": global_burst,
            "per_chat_rate": per_chat_rate,
            "per_chat_burst": per_chat_burst,
        }
        body = {k: v for k, v in given.items() if not isinstance(v, EllipsisType)}
        result: dict[str, Any] = await self._post("limits", **body)
        return result

    async def reset(self) -> None:
        self._cursor.clear()
        self._edit_base.clear()
        await self._post("reset")


_FILE_MIME = {
    "photo": "image/jpeg",
    "sticker": "image/webp",
    "voice": "audio/ogg",
    "video": "video/mp4",
    "video_note": "video/mp4",
    "audio": "audio/mpeg",
}


def _business_content(text: str | None, content: dict[str, Any]) -> dict[str, Any]:
    """The control API's fields for one message kind given as customer_writes' keywords."""
    if text is not None:
        if content:
            raise ValueError(f"give text or one of {sorted(content)}, not both")
        return {"kind": "text", "text": text}
    if len(content) != 1:
        raise ValueError(f"give text or exactly one content keyword, got {sorted(content)}")
    ((kind, value),) = content.items()
    if kind == "document":
        file_name, data = value
        return {"kind": kind, "file_name": file_name, "data_b64": base64.b64encode(data).decode()}
    if kind in _FILE_MIME:
        data = value if isinstance(value, bytes) else b"RIFF\x00WEBP"
        return {
            "kind": kind,
            "mime_type": _FILE_MIME[kind],
            "data_b64": base64.b64encode(data).decode(),
        }
    if kind == "contact":
        return {"kind": kind, "contact": dict(value)}
    if kind == "poll":
        question, options = value
        return {"kind": kind, "poll": {"question": question, "options": list(options)}}
    if kind == "location":
        latitude, longitude = value
        return {"kind": kind, "location": {"latitude": latitude, "longitude": longitude}}
    raise ValueError(f"unknown message content {kind!r}")


def _result(status: int, body: Any) -> Any:
    if not isinstance(body, dict) or not body.get("ok"):
        description = body.get("description") if isinstance(body, dict) else str(body)
        raise SandboxError(status, str(description))
    return body["result"]
