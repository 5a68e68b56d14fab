"""The sandbox as the real aiogram session sees it: every result must parse in aiogram 3.31."""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    KeyboardButton,
    LabeledPrice,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardMarkup,
)

from sandbox import BotApiSandbox, SandboxClient, SandboxError
from sandbox.client import eventually
from tests.sandbox.conftest import TOKEN, USER


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs]
    )


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "dealchat_test_bot"


async def test_malformed_token_is_unauthorized(sandbox: BotApiSandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.base_url}/botnot-a-token/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }


async def test_unknown_method_is_404(bot: Bot, sandbox: BotApiSandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.base_url}/bot{TOKEN}/sendTelepathy") as resp:
            assert resp.status == 404
            body = await resp.json()
    assert body["description"] == "Not Found: method not found"


async def polls(client: SandboxClient) -> list[dict[str, Any]] | None:
    """The getUpdates calls the sandbox has received, None before the first."""
    return await client.calls("getUpdates") or None


async def test_long_polling_returns_as_soon_as_an_update_arrives(
    bot: Bot, client: SandboxClient
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await eventually(lambda: polls(client), "the poll did not reach the sandbox")
    assert not poll.done()
    await client.send_text(USER, "/start ref_42")
    updates = await poll
    assert time.monotonic() - started < 10  # at the update, long before the poll's 30 s
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start ref_42"
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].offset) == ("bot_command", 0)
    assert message.entities[0].length == len("/start")

    # Without an offset the update is delivered again; offset confirms it.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    await client.send_text(USER, "second")
    fresh = await bot.get_updates(offset=updates[0].update_id + 1, timeout=1)
    assert [u.message.text for u in fresh if u.message] == ["second"]
    assert fresh[0].update_id == updates[0].update_id + 1
    assert await bot.get_updates(offset=fresh[-1].update_id + 1, timeout=0) == []


async def test_a_second_poller_terminates_the_first(bot: Bot, client: SandboxClient) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    # The second poll must come after the first is waiting, however slow the machine is.
    await eventually(lambda: polls(client), "the first poll did not arrive")
    second = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    assert await second == []


async def test_inline_keyboard_press_and_callback_answer(
    bot: Bot, client: SandboxClient, chat: int
) -> None:
    await bot.get_updates(offset=-1)
    sent = await bot.send_message(chat, "Pick", reply_markup=keyboard(("Yes", "d:1:y")))
    query_id = await client.press(chat, sent.message_id, text="Yes")
    updates = await bot.get_updates(timeout=1)
    callback = updates[-1].callback_query
    assert callback is not None
    assert (callback.id, callback.data) == (query_id, "d:1:y")
    assert callback.message is not None and callback.message.message_id == sent.message_id

    assert await bot.answer_callback_query(query_id, text="Done")
    assert [a["text"] for a in await client.callback_answers(query_id)] == ["Done"]
    # Telegram accepts one answer per query; a second one looks like a stale id.
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("424242")

    with pytest.raises(SandboxError, match="no inline button"):
        await client.press(chat, sent.message_id, callback_data="d:1:n")
    forged = await client.press_raw(chat, sent.message_id, "admin:delete_all")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    assert updates[-1].callback_query is not None
    assert (updates[-1].callback_query.id, updates[-1].callback_query.data) == (
        forged,
        "admin:delete_all",
    )


async def test_edit_not_modified_and_delete(bot: Bot, client: SandboxClient, chat: int) -> None:
    sent = await bot.send_message(
        chat, "Deal <b>#1</b>", parse_mode="HTML", reply_markup=keyboard(("Open", "o"))
    )
    edited = await bot.edit_message_text(
        "Deal <b>#1</b> won",
        chat_id=chat,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard(("Open", "o")),
    )
    assert not isinstance(edited, bool) and edited.text == "Deal #1 won"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Deal <b>#1</b> won",
            chat_id=chat,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(("Open", "o")),
        )
    # Same text but the keyboard dropped: that is a modification.
    await bot.edit_message_reply_markup(chat_id=chat, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=chat, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat, message_id=999)

    [view] = [m for m in await client.messages(chat) if m["message_id"] == sent.message_id]
    assert view["text"] == "Deal #1 won"
    assert view["buttons"] == []
    assert view["edits"] == 2
    assert [h["text"] for h in view["edit_history"]] == ["Deal #1", "Deal #1 won"]
    assert view["edit_history"][0]["buttons"] == [[{"text": "Open", "callback_data": "o"}]]

    assert await bot.delete_message(chat, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(chat, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("y", chat_id=chat, message_id=sent.message_id)
    assert (await client.messages(chat))[-1]["deleted"] is True


async def test_document_upload_download_round_trip(
    bot: Bot, client: SandboxClient, chat: int
) -> None:
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    sent = await bot.send_document(
        chat,
        BufferedInputFile(pdf, filename="invoice-7.pdf"),
        caption="Invoice <i>7</i>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "invoice-7.pdf"
    assert sent.document.mime_type == "application/pdf"
    assert sent.document.file_size == len(pdf)
    assert sent.caption == "Invoice 7"
    assert await client.file_bytes(chat, sent.message_id) == pdf
    view = (await client.messages(chat))[-1]
    assert view["document"] == {
        "file_name": "invoice-7.pdf",
        "mime_type": "application/pdf",
        "size": len(pdf),
        "file_id": sent.document.file_id,
    }
    assert (await client.calls("sendDocument"))[-1]["params"]["document"] == "invoice-7.pdf"

    # Re-sending by file_id reuses the stored file.
    again = await bot.send_document(chat, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id

    # A file the user sends comes back byte for byte through getFile + download.
    data = b"name;amount\nAcme;100\n"
    await client.send_document(chat, "leads.csv", data, caption="import")
    update = (await bot.get_updates(offset=-1))[0]
    assert update.message is not None and update.message.document is not None
    assert update.message.document.file_name == "leads.csv"
    assert update.message.caption == "import"
    file = await bot.get_file(update.message.document.file_id)
    assert file.file_path
    buffer = io.BytesIO()
    await bot.download_file(file.file_path, buffer)
    assert buffer.getvalue() == data

    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (40).to_bytes(4, "big") * 2 + b"rest"
    photo = await bot.send_photo(chat, BufferedInputFile(png, filename="logo.png"))
    assert photo.photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (40, 40)
    assert (await client.messages(chat))[-1]["photo"] is True
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(chat, "no-such-file-id")


async def test_limits_text_caption_and_callback_data(bot: Bot, chat: int) -> None:
    await bot.send_message(chat, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat, "x" * 4097)
    # The limit counts text after HTML parsing, not the markup.
    await bot.send_message(chat, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat, " ")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat, "")

    doc = BufferedInputFile(b"1", filename="a.txt")
    await bot.send_document(chat, doc, caption="c" * 1024)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(chat, doc, caption="c" * 1025)

    await bot.send_message(chat, "ok", reply_markup=keyboard(("a", "я" * 32)))  # 64 bytes
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(chat, "no", reply_markup=keyboard(("a", "я" * 32 + "x")))


async def test_html_and_markup_validation(bot: Bot, sandbox: BotApiSandbox, chat: int) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(chat, "<blink>x</blink>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Can't find end tag"):
        await bot.send_message(chat, "<b>bold", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unmatched end tag"):
        await bot.send_message(chat, "<b><i>x</b></i>", parse_mode="HTML")
    sent = await bot.send_message(
        chat, "1 &lt; 2 &amp; <a href='https://x.io'>link</a>", parse_mode="HTML"
    )
    assert sent.text == "1 < 2 & link"
    assert sent.entities is not None and sent.entities[0].url == "https://x.io"
    # Markdown is passed through untouched (not parsed by the sandbox).
    assert (await bot.send_message(chat, "*x*", parse_mode="MarkdownV2")).text == "*x*"

    url = f"{sandbox.base_url}/bot{TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as http:
        for markup in ("{not json", '{"foo": 1}', "[1]"):
            async with http.post(
                url, data={"chat_id": str(chat), "text": "x", "reply_markup": markup}
            ) as resp:
                body = await resp.json()
            assert resp.status == 400
            assert body["description"] == (
                "Bad Request: can't parse reply keyboard markup JSON object"
            )
        # JSON bodies and query strings are accepted too.
        async with http.post(url, json={"chat_id": chat, "text": "json body"}) as resp:
            assert (await resp.json())["result"]["text"] == "json body"
        async with http.get(url, params={"chat_id": str(chat), "text": "query"}) as resp:
            assert (await resp.json())["result"]["text"] == "query"

    reply_kb = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Share phone")]])
    message = await bot.send_message(chat, "Phone?", reply_markup=reply_kb)
    assert message.reply_markup is None  # Telegram echoes only inline keyboards


async def test_unknown_chat_and_blocked_user(bot: Bot, client: SandboxClient, chat: int) -> None:
    await client.user(2002, first_name="Never wrote")
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(2002, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(777, "hi")
    await client.block(chat)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(chat, "hi")
    await client.unblock(chat)
    assert (await bot.send_message(chat, "welcome back")).text == "welcome back"


async def test_rate_limit_429_with_retry_after(bot: Bot, client: SandboxClient, chat: int) -> None:
    await client.set_limits(per_chat_rate=2.0, per_chat_burst=2, global_rate=100.0)
    await bot.send_message(chat, "1")
    await bot.send_message(chat, "2")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(chat, "3")
    assert info.value.retry_after == 1
    assert "Too Many Requests: retry after 1" in info.value.message
    # Edits and callback answers are not counted.
    await bot.edit_message_text("1 edited", chat_id=chat, message_id=2)
    await asyncio.sleep(info.value.retry_after)
    await bot.send_message(chat, "3")

    calls = await client.calls("sendMessage")
    limited = [c for c in calls if c["status"] == 429]
    assert len(limited) == 1 and limited[0]["retry_after"] == 1
    retry = calls[-1]
    assert retry["status"] == 200 and retry["time"] - limited[0]["time"] >= 1.0

    # The global bucket applies across chats.
    await client.set_limits(per_chat_rate=None, global_rate=1.0, global_burst=1)
    await client.send_text(2003, "hi")
    await bot.send_message(chat, "a")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(2003, "b")


async def test_faults_429_5xx_slow_drop(bot: Bot, client: SandboxClient, chat: int) -> None:
    await client.inject("429", method="sendMessage", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(chat, "x")
    assert info.value.retry_after == 3

    await client.inject("5xx", status=502, count=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.get_me()
    await bot.get_me()

    await client.inject("slow", method="getMe", delay=0.3)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.3

    await client.inject("drop", method="sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(chat, "dropped")
    await bot.send_message(chat, "retried")
    texts = [m["text"] for m in await client.messages(chat)]
    assert texts == ["retried"]  # the dropped call was not processed
    kinds = [c.get("fault") for c in await client.calls("sendMessage")]
    assert kinds == ["429", "drop", None]

    # getUpdates is spared by method-less faults.
    await client.inject("5xx")
    assert await bot.get_updates(timeout=0)
    await client.clear_faults()
    await bot.get_me()


async def test_webhook_delivery_with_secret_and_retry(
    bot: Bot, client: SandboxClient, chat: int
) -> None:
    from aiohttp import web

    received: list[tuple[str | None, dict]] = []
    failures = [1]

    async def hook(request: web.Request) -> web.Response:
        if failures[0]:
            failures[0] -= 1
            return web.Response(status=500)
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/tg", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/tg", secret_token="s3cr3t-_")
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        # The pending "hello" from the fixture plus a new message, in order.
        await client.send_text(chat, "via webhook")

        async def both_delivered() -> bool | None:
            return len(received) >= 2 or None

        await eventually(both_delivered, "the webhook did not receive both updates")
        assert [secret for secret, _ in received] == ["s3cr3t-_", "s3cr3t-_"]
        assert [u["message"]["text"] for _, u in received] == ["hello", "via webhook"]
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert info.last_error_message and "500" in info.last_error_message
        log = await client.webhook_log()
        assert [entry["status"] for entry in log] == [500, 200, 200]
        with pytest.raises(TelegramBadRequest, match="secret token contains unallowed"):
            await bot.set_webhook("http://127.0.0.1:1/x", secret_token="no spaces")
        assert await bot.delete_webhook(drop_pending_updates=True)
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


async def test_commands_with_chat_scope(bot: Bot, client: SandboxClient, chat: int) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    scope = BotCommandScopeChat(chat_id=chat)
    manager = [BotCommand(command="deals", description="Сделки")]
    await bot.set_my_commands(manager, scope=scope, language_code="ru")
    got = await bot.get_my_commands(scope=scope, language_code="ru")
    assert [(c.command, c.description) for c in got] == [("deals", "Сделки")]
    assert await bot.get_my_commands(scope=scope) == []
    assert await client.commands(scope="chat", chat_id=chat, language_code="ru") == [
        {"command": "deals", "description": "Сделки"}
    ]
    assert await client.commands() == [{"command": "start", "description": "Start"}]
    await bot.delete_my_commands(scope=scope, language_code="ru")
    assert await client.commands(scope="chat", chat_id=chat, language_code="ru") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_user_content_parses_in_aiogram(bot: Bot, client: SandboxClient, chat: int) -> None:
    await bot.get_updates(offset=-1)
    await client.send_contact(chat, "+37360000000", "Ion", contact_user_id=55)
    await client.forward_text(chat, "fw 1", from_user={"id": 9, "first_name": "Petr"})
    await client.forward_text(chat, "fw 2", sender_name="Anonymous")
    await client.send_photo(chat, b"\xff\xd8jpeg", caption="scan")
    await client.send_sticker(chat)
    await client.send_voice(chat, b"OggS-voice")
    updates = await bot.get_updates()
    messages = [u.message for u in updates if u.message is not None][-6:]
    contact, fw_user, fw_hidden, photo, sticker, voice = messages
    assert contact.contact is not None and contact.contact.user_id == 55
    assert isinstance(fw_user.forward_origin, MessageOriginUser)
    assert fw_user.forward_origin.sender_user.first_name == "Petr"
    assert isinstance(fw_hidden.forward_origin, MessageOriginHiddenUser)
    assert fw_hidden.forward_origin.sender_user_name == "Anonymous"
    assert photo.photo and photo.caption == "scan"
    assert sticker.sticker is not None
    assert voice.voice is not None
    file = await bot.get_file(voice.voice.file_id)
    assert file.file_path
    out = io.BytesIO()
    await bot.download_file(file.file_path, out)
    assert out.getvalue() == b"OggS-voice"


async def test_media_by_file_id_replies_and_the_download_limit(
    bot: Bot, client: SandboxClient, chat: int
) -> None:
    """Voice, video, video note and audio from a user (one a reply) parse in aiogram and go
    back by file_id with their own methods; a file over 20 MB is described but not served."""
    await bot.get_updates(offset=-1)
    card = await bot.send_message(chat, "card", reply_markup=keyboard(("Files", "fl:l:1:0:0")))
    await client.send_voice(chat, b"OggS-v", reply_to=card.message_id)
    await client.send_video(chat, b"mp4-video", filename="demo.mp4", caption="demo")
    await client.send_video_note(chat, b"mp4-round")
    await client.send_audio(chat, b"ID3-audio", filename="song.mp3")
    await client.send_document(chat, "big.zip", b"PK", declared_size=21 * 1024 * 1024)
    messages = [u.message for u in await bot.get_updates() if u.message is not None][-5:]
    voice, video, note, audio, big = messages
    assert voice.voice is not None and voice.reply_to_message is not None
    assert voice.reply_to_message.message_id == card.message_id
    markup = voice.reply_to_message.reply_markup
    assert markup is not None and markup.inline_keyboard[0][0].callback_data == "fl:l:1:0:0"
    assert video.video is not None and video.video.file_name == "demo.mp4"
    assert video.caption == "demo"
    assert note.video_note is not None and note.video_note.length > 0
    assert audio.audio is not None and audio.audio.file_name == "song.mp3"
    assert big.document is not None and big.document.file_size == 21 * 1024 * 1024
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(big.document.file_id)

    sent = [
        await bot.send_voice(chat, voice.voice.file_id),
        await bot.send_video(chat, video.video.file_id),
        await bot.send_video_note(chat, note.video_note.file_id),
        await bot.send_audio(chat, audio.audio.file_id),
        await bot.send_document(chat, big.document.file_id),
    ]
    assert sent[0].voice is not None and sent[0].voice.file_id == voice.voice.file_id
    assert sent[1].video is not None and sent[2].video_note is not None
    assert sent[3].audio is not None and sent[4].document is not None
    views = (await client.messages(chat))[-5:]
    assert [v["media_kind"] for v in views] == ["voice", "video", "video_note", "audio",
                                                "document"]
    assert views[0]["file_id"] == voice.voice.file_id
    assert [c["method"] for c in (await client.calls())[-5:]] == [
        "sendVoice", "sendVideo", "sendVideoNote", "sendAudio", "sendDocument"]


async def test_inline_query_invoice_and_payment(
    bot: Bot, client: SandboxClient, chat: int
) -> None:
    query_id = await client.inline_query(chat, "acme")
    assert await client.inline_answer(query_id) is None
    result = InlineQueryResultArticle(
        id="c1", title="Acme", input_message_content=InputTextMessageContent(message_text="Acme")
    )
    assert await bot.answer_inline_query(query_id, [result], cache_time=1)
    answer = await client.inline_answer(query_id)
    assert answer is not None and [r["id"] for r in answer] == ["c1"]

    invoice = await bot.send_invoice(
        chat,
        title="Invoice 7",
        description="Consulting",
        payload="inv:7",
        provider_token="TEST",
        currency="MDL",
        prices=[
            LabeledPrice(label="Work", amount=150000),
            LabeledPrice(label="VAT", amount=30000),
        ],
    )
    assert invoice.invoice is not None and invoice.invoice.total_amount == 180000
    pcq = await client.pre_checkout(chat, invoice.message_id)
    updates = await bot.get_updates(offset=-1)
    query = updates[0].pre_checkout_query
    assert query is not None and query.id == pcq and query.invoice_payload == "inv:7"
    assert await bot.answer_pre_checkout_query(pcq, ok=True)
    answer_pcq = await client.pre_checkout_answer(pcq)
    assert answer_pcq is not None and answer_pcq["ok"] is True
    with pytest.raises(TelegramBadRequest, match="QUERY_ID_INVALID"):
        await bot.answer_pre_checkout_query(pcq, ok=True)

    await client.successful_payment(chat, invoice.message_id, telegram_payment_charge_id="tg-1")
    paid = (await bot.get_updates(offset=-1))[0].message
    assert paid is not None and paid.successful_payment is not None
    assert paid.successful_payment.telegram_payment_charge_id == "tg-1"
    assert paid.successful_payment.total_amount == 180000


async def test_control_api_before_the_bot_binds_to_the_first_token(
    sandbox: BotApiSandbox, bot: Bot
) -> None:
    async with SandboxClient(sandbox.base_url) as anonymous:  # no token: the only bot
        await anonymous.user(3003, first_name="Early")
        await anonymous.send_text(3003, "/help")
        updates = await bot.get_updates()
        assert updates[0].message is not None and updates[0].message.text == "/help"
        await bot.send_message(3003, "Help text")
        assert [m["text"] for m in await anonymous.messages(3003)] == ["Help text"]
        both = await anonymous.messages(3003, from_bot=None)
        assert [m["from_bot"] for m in both] == [False, True]


async def test_webhook_answer_can_carry_a_method(bot: Bot, client: SandboxClient) -> None:
    from aiohttp import web

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "pong"})

    app = web.Application()
    app.router.add_post("/tg", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/tg")
        await client.send_text(4004, "ping")
        reply = await client.wait_for(4004)
        assert reply["text"] == "pong"
        assert (await client.calls("sendMessage"))[-1]["via"] == "webhook_reply"
    finally:
        await runner.cleanup()
