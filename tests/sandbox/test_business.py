"""Telegram Business in the sandbox, through the real aiogram session over HTTP: connections,
the business chat's updates, sends on the account's behalf and Telegram's refusals."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, Update

from sandbox import BotApiSandbox, SandboxClient, SandboxError
from tests.sandbox.conftest import TOKEN

MANAGER = 2001
CUSTOMER = 3001
STRANGER = 3002
BOT_ID = int(TOKEN.split(":")[0])
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (64).to_bytes(4, "big") * 2 + b"qr"


async def take(bot: Bot, client: SandboxClient) -> list[Update]:
    """Every pending update, each also parsed from its raw JSON, then confirmed."""
    raw = await client.updates()
    for update in raw:
        Update.model_validate(update, context={"bot": bot})
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [u["update_id"] for u in raw]
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


@pytest.fixture
async def connection(bot: Bot, client: SandboxClient) -> str:
    """The manager connected the bot with the right to reply; the customer wrote first."""
    await client.user(MANAGER, first_name="Maria", username="maria_sales", language_code="ro")
    await client.user(CUSTOMER, first_name="Ion", last_name="Popa", language_code="ro")
    connected = await client.business_connect(MANAGER)
    await client.customer_writes(MANAGER, CUSTOMER, "Bună ziua, cât costă?")
    await take(bot, client)
    return str(connected["id"])


async def test_connect_change_rights_disconnect_reconnect(bot: Bot, client: SandboxClient) -> None:
    await client.user(MANAGER, first_name="Maria")
    me = await bot.get_me()
    assert me.can_connect_to_business is True

    connected = await client.business_connect(
        MANAGER, {"can_reply": True, "can_read_messages": True}
    )
    withdrawn = await client.business_set_rights(MANAGER, {"can_reply": False})
    gone = await client.business_disconnect(MANAGER)
    updates = await take(bot, client)
    assert [u.event_type for u in updates] == ["business_connection"] * 3
    first, second, third = (u.business_connection for u in updates)
    assert first is not None and second is not None and third is not None
    assert first.id == second.id == third.id == connected["id"]
    assert (first.user.id, first.user.first_name, first.user_chat_id) == (
        MANAGER,
        "Maria",
        MANAGER,
    )
    assert first.is_enabled and first.rights is not None
    assert (first.rights.can_reply, first.rights.can_read_messages) == (True, True)
    assert first.rights.can_delete_all_messages is None  # Telegram lists granted rights only
    assert second.is_enabled and second.rights is not None and not second.rights.can_reply
    assert third.is_enabled is False

    fetched = await bot.get_business_connection(connected["id"])
    assert fetched.is_enabled is False and fetched.user.id == MANAGER
    assert withdrawn["id"] == gone["id"] == connected["id"]
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUSINESS_CONNECTION_INVALID"):
        await bot.get_business_connection("no-such-connection")

    # Connecting again is a new connection; the old id stays refused.
    again = await client.business_connect(MANAGER)
    assert again["id"] != connected["id"] and again["is_enabled"] is True
    [update] = await take(bot, client)
    assert update.business_connection is not None and update.business_connection.id == again["id"]
    assert (await client.business_connection(MANAGER)) == again
    assert await client.business_connection(CUSTOMER) is None

    with pytest.raises(SandboxError, match="unknown business bot rights"):
        await client.business_set_rights(MANAGER, {"can_reply_fast": True})


async def test_without_business_mode_the_bot_cannot_be_connected(
    bot: Bot, sandbox: BotApiSandbox, client: SandboxClient
) -> None:
    await bot.get_me()
    sandbox.state().can_connect_to_business = False
    assert (await bot.get_me()).can_connect_to_business is False
    with pytest.raises(SandboxError, match="BOT_BUSINESS_MISSING"):
        await client.business_connect(MANAGER)
    assert await client.updates() == []


async def test_customer_and_manager_messages_arrive_as_business_messages(
    bot: Bot, client: SandboxClient, connection: str
) -> None:
    await client.manager_writes(MANAGER, CUSTOMER, "Bună! 120 lei.")
    await client.customer_writes(MANAGER, CUSTOMER, photo=PNG, caption="Asta?")
    await client.customer_writes(MANAGER, CUSTOMER, document=("cerere.pdf", PDF))
    await client.customer_writes(MANAGER, CUSTOMER, sticker=True)
    await client.customer_writes(MANAGER, CUSTOMER, voice=b"OggS\x00voice")
    await client.customer_writes(MANAGER, CUSTOMER, poll=("Când?", ["Azi", "Mâine"]))
    await client.customer_writes(
        MANAGER, CUSTOMER, contact={"phone_number": "+37369000000", "first_name": "Ion"}
    )
    await client.customer_writes(MANAGER, CUSTOMER, location=(47.0105, 28.8638))
    updates = await take(bot, client)
    assert {u.event_type for u in updates} == {"business_message"}
    messages = [u.business_message for u in updates]
    assert all(m is not None for m in messages)
    kinds = [m.content_type for m in messages if m is not None]
    assert kinds == [
        "text",
        "photo",
        "document",
        "sticker",
        "voice",
        "poll",
        "contact",
        "location",
    ]
    for message in messages:
        assert message is not None
        assert message.business_connection_id == connection
        assert (message.chat.id, message.chat.type) == (CUSTOMER, "private")
        assert message.chat.first_name == "Ion" and message.sender_business_bot is None
    senders = [m.from_user.id for m in messages if m is not None and m.from_user]
    assert senders == [MANAGER] + [CUSTOMER] * 7
    first = messages[0]
    assert first is not None and first.text == "Bună! 120 lei."
    photo = messages[1]
    assert photo is not None and photo.photo and photo.caption == "Asta?"
    assert (photo.photo[-1].width, photo.photo[-1].height) == (64, 64)
    document = messages[2]
    assert document is not None and document.document is not None
    assert document.document.file_name == "cerere.pdf"
    file = await bot.get_file(document.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == PDF
    poll = messages[5]
    assert poll is not None and poll.poll is not None
    assert [o.text for o in poll.poll.options] == ["Azi", "Mâine"]

    # Message ids run through the account, and the bot's own chat with the customer is apart.
    ids = [m.message_id for m in messages if m is not None]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert await client.messages(CUSTOMER, from_bot=None) == []
    view = await client.business_messages(MANAGER, CUSTOMER)
    assert [v["sender_id"] for v in view][:2] == [CUSTOMER, MANAGER]
    assert view[0]["text"] == "Bună ziua, cât costă?"
    assert {v["business_connection_id"] for v in view} == {connection}


async def test_edit_and_delete_in_the_business_chat(
    bot: Bot, client: SandboxClient, connection: str
) -> None:
    said = await client.customer_writes(MANAGER, CUSTOMER, "Vreau 3 bucăți")
    photo = await client.customer_writes(MANAGER, CUSTOMER, photo=PNG, caption="modelul")
    await client.business_edit(MANAGER, CUSTOMER, said["message_id"], text="Vreau 5 bucăți")
    await client.business_edit(MANAGER, CUSTOMER, photo["message_id"], caption="modelul B")
    deleted = await client.business_delete(MANAGER, CUSTOMER, [said["message_id"]])
    updates = await take(bot, client)
    assert [u.event_type for u in updates] == [
        "business_message",
        "business_message",
        "edited_business_message",
        "edited_business_message",
        "deleted_business_messages",
    ]
    edited = updates[2].edited_business_message
    assert edited is not None and edited.message_id == said["message_id"]
    assert edited.text == "Vreau 5 bucăți" and edited.edit_date is not None
    assert edited.business_connection_id == connection
    recaptioned = updates[3].edited_business_message
    assert recaptioned is not None and recaptioned.caption == "modelul B"
    gone = updates[4].deleted_business_messages
    assert gone is not None
    assert (gone.business_connection_id, gone.chat.id, gone.message_ids) == (
        connection,
        CUSTOMER,
        [said["message_id"]],
    )
    assert deleted["message_ids"] == [said["message_id"]]
    view = {v["message_id"]: v for v in await client.business_messages(MANAGER, CUSTOMER)}
    assert view[said["message_id"]]["deleted"] is True
    assert view[photo["message_id"]]["caption"] == "modelul B"

    with pytest.raises(SandboxError, match="not found"):
        await client.business_edit(MANAGER, CUSTOMER, said["message_id"], text="again")
    with pytest.raises(SandboxError, match="give text for a text message"):
        await client.business_edit(MANAGER, CUSTOMER, photo["message_id"], text="no text here")


async def test_no_updates_without_a_live_connection(bot: Bot, client: SandboxClient) -> None:
    # Before any connection the chat happens, but the bot hears nothing.
    before = await client.customer_writes(MANAGER, CUSTOMER, "Salut")
    assert "business_connection_id" not in before
    assert await client.updates() == []

    connected = await client.business_connect(MANAGER)
    await client.business_disconnect(MANAGER)
    await take(bot, client)
    said = await client.customer_writes(MANAGER, CUSTOMER, "E cineva?")
    await client.business_edit(MANAGER, CUSTOMER, said["message_id"], text="Alo?")
    await client.business_delete(MANAGER, CUSTOMER, [said["message_id"]])
    assert await client.updates() == []
    assert [v["text"] for v in await client.business_messages(MANAGER, CUSTOMER)] == [
        "Salut",
        "Alo?",
    ]
    # The bot is told of a disabled or unknown connection only if a test forges it.
    forged = dict(said, business_connection_id=connected["id"], text="forged")
    await client.push_update("business_message", forged)
    [update] = await take(bot, client)
    assert update.business_message is not None
    assert update.business_message.business_connection_id == connected["id"]
    assert update.business_message.text == "forged"


async def test_allowed_updates_filter_business_updates(
    bot: Bot, client: SandboxClient, connection: str
) -> None:
    await client.customer_writes(MANAGER, CUSTOMER, "only business")
    assert await bot.get_updates(timeout=0, allowed_updates=["message"]) == []
    await client.customer_writes(MANAGER, CUSTOMER, "now wanted")
    updates = await bot.get_updates(timeout=0, allowed_updates=["business_message"])
    assert [u.business_message.text for u in updates if u.business_message] == ["now wanted"]


async def test_sends_on_the_managers_behalf_land_in_the_business_chat(
    bot: Bot, client: SandboxClient, connection: str
) -> None:
    text = await bot.send_message(
        CUSTOMER, "Factura <b>F-7</b>", parse_mode="HTML", business_connection_id=connection
    )
    document = await bot.send_document(
        CUSTOMER,
        BufferedInputFile(PDF, filename="F-7.pdf"),
        caption="Factura F-7",
        business_connection_id=connection,
    )
    photo = await bot.send_photo(
        CUSTOMER, BufferedInputFile(PNG, filename="qr.png"), business_connection_id=connection
    )
    for sent in (text, document, photo):
        assert sent.business_connection_id == connection
        assert sent.from_user is not None and sent.from_user.id == MANAGER
        assert sent.sender_business_bot is not None and sent.sender_business_bot.id == BOT_ID
        assert (sent.chat.id, sent.chat.type) == (CUSTOMER, "private")
    assert text.text == "Factura F-7"
    assert await bot.send_chat_action(CUSTOMER, "typing", business_connection_id=connection)

    # What the customer sees in the chat with the manager, files byte for byte.
    view = await client.business_messages(MANAGER, CUSTOMER, from_bot=True)
    assert [(v["text"], v["caption"], v["sender_id"]) for v in view] == [
        ("Factura F-7", None, MANAGER),
        (None, "Factura F-7", MANAGER),
        (None, None, MANAGER),
    ]
    assert view[1]["document"]["file_name"] == "F-7.pdf" and view[2]["photo"] is True
    assert await client.business_file_bytes(MANAGER, CUSTOMER, document.message_id) == PDF
    assert await client.business_file_bytes(MANAGER, CUSTOMER, photo.message_id) == PNG
    # Nothing went to the bot's own chat with the customer, and the bot hears no echo.
    assert await client.messages(CUSTOMER, from_bot=None) == []
    assert await client.updates() == []

    edited = await bot.edit_message_text(
        "Factura F-7 (achitată)",
        chat_id=CUSTOMER,
        message_id=text.message_id,
        business_connection_id=connection,
    )
    assert not isinstance(edited, bool) and edited.text == "Factura F-7 (achitată)"
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text(
            "not mine",
            chat_id=CUSTOMER,
            message_id=view[0]["message_id"] - 1,  # the customer's first message
            business_connection_id=connection,
        )
    # Without business_connection_id chat_id means the bot's own chat, which never began.
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.edit_message_text("wrong chat", chat_id=CUSTOMER, message_id=text.message_id)


async def test_wait_for_business_sees_the_bots_answer(
    bot: Bot, client: SandboxClient, connection: str
) -> None:
    asked = await client.customer_writes(MANAGER, CUSTOMER, "Trimiteți factura?")
    await bot.send_message(CUSTOMER, "Da, imediat", business_connection_id=connection)
    answer = await client.wait_for_business(MANAGER, CUSTOMER)
    assert answer["text"] == "Da, imediat" and answer["message_id"] > asked["message_id"]


async def test_refusals_as_telegram_words_them(
    bot: Bot, sandbox: BotApiSandbox, client: SandboxClient, connection: str
) -> None:
    async def refused(description: str, chat_id: int = CUSTOMER, bcid: str = connection) -> None:
        with pytest.raises(TelegramBadRequest) as caught:
            await bot.send_message(chat_id, "Factura", business_connection_id=bcid)
        assert caught.value.message == f"Bad Request: {description}"

    await refused("business connection not found", bcid="no-such-connection")
    await refused("messages must not be sent to self", chat_id=MANAGER)
    await refused("chat must be a private chat", chat_id=-100123)
    # Someone who never wrote to the manager, or not in the last 24 hours.
    await refused("BUSINESS_PEER_USAGE_MISSING", chat_id=STRANGER)
    chat = sandbox.state().business_chats[(MANAGER, CUSTOMER)]
    for message in chat.messages.values():
        message.date -= 24 * 3600 + 1
    await refused("BUSINESS_PEER_USAGE_MISSING")
    await client.customer_writes(MANAGER, CUSTOMER, "Mai sunt aici")

    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CUSTOMER, "x" * 4097, business_connection_id=connection)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(
            CUSTOMER,
            BufferedInputFile(PDF, filename="F-7.pdf"),
            caption="c" * 1025,
            business_connection_id=connection,
        )
    await bot.send_message(CUSTOMER, "x" * 4096, business_connection_id=connection)

    # The reply right withdrawn: sends and edits refused.
    sent = await bot.send_message(CUSTOMER, "Factura", business_connection_id=connection)
    await client.business_set_rights(MANAGER, {"can_reply": False, "can_read_messages": True})
    await refused("BOT_ACCESS_FORBIDDEN")
    with pytest.raises(TelegramBadRequest, match="BOT_ACCESS_FORBIDDEN"):
        await bot.send_document(
            CUSTOMER, BufferedInputFile(PDF, filename="F-7.pdf"), business_connection_id=connection
        )
    with pytest.raises(TelegramBadRequest, match="BOT_ACCESS_FORBIDDEN"):
        await bot.edit_message_text(
            "edit", chat_id=CUSTOMER, message_id=sent.message_id, business_connection_id=connection
        )

    # Disconnected: the connection is invalid, and stays so after connecting again.
    await client.business_set_rights(MANAGER, {"can_reply": True})
    await client.business_disconnect(MANAGER)
    await refused("BUSINESS_CONNECTION_INVALID")
    await client.business_connect(MANAGER)
    await refused("BUSINESS_CONNECTION_INVALID")

    refusals = [c for c in await client.calls("sendMessage") if c["status"] == 400]
    assert all(c["params"]["business_connection_id"] for c in refusals)
    view = await client.business_messages(MANAGER, CUSTOMER, from_bot=True)
    assert [v["text"][:8] for v in view] == ["x" * 8, "Factura"]


async def test_delete_business_messages_needs_its_right(
    bot: Bot, client: SandboxClient, connection: str
) -> None:
    sent = await bot.send_message(CUSTOMER, "greșit", business_connection_id=connection)
    theirs = (await client.business_messages(MANAGER, CUSTOMER))[0]
    with pytest.raises(TelegramBadRequest, match="BOT_ACCESS_FORBIDDEN"):
        await bot.delete_business_messages(connection, [sent.message_id])
    await client.business_set_rights(
        MANAGER, {"can_reply": True, "can_delete_sent_messages": True}
    )
    with pytest.raises(TelegramBadRequest, match="BOT_ACCESS_FORBIDDEN"):
        await bot.delete_business_messages(connection, [theirs["message_id"]])
    assert await bot.delete_business_messages(connection, [sent.message_id])
    view = {v["message_id"]: v for v in await client.business_messages(MANAGER, CUSTOMER)}
    assert view[sent.message_id]["deleted"] is True
    assert view[theirs["message_id"]]["deleted"] is False


async def test_long_input_and_a_burst_of_500(
    bot: Bot, client: SandboxClient, connection: str
) -> None:
    # Whatever a person sends arrives whole: refusing it is the bot's part.
    longest = await client.customer_writes(MANAGER, CUSTOMER, "y" * 5000)
    captioned = await client.customer_writes(MANAGER, CUSTOMER, photo=PNG, caption="c" * 1025)
    assert (len(longest["text"]), len(captioned["caption"])) == (5000, 1025)
    with pytest.raises(ValueError, match="exactly one content keyword"):
        await client.customer_writes(MANAGER, CUSTOMER, photo=PNG, voice=b"v")
    await take(bot, client)

    burst = await client.customer_burst(MANAGER, CUSTOMER, 500, text="Mesaj {n}")
    assert burst["last_message_id"] - burst["first_message_id"] == 499
    texts: list[Any] = []
    offset = 0
    while True:
        page = await bot.get_updates(offset=offset, timeout=0)  # 100 at most, as Telegram
        if not page:
            break
        assert len(page) <= 100
        texts += [u.business_message.text for u in page if u.business_message]
        offset = page[-1].update_id + 1
    assert texts == [f"Mesaj {n}" for n in range(1, 501)]
