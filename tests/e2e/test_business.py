"""Telegram Business end to end, through the sandbox: the manager connects the bot in their
own Telegram; a customer's first message becomes a push and, with one tap, a lead; both
sides of the chat (a photo too), an edit and a deletion land on the client's timeline; an
invoice goes into the chat as the manager; a withdrawn reply right refuses it; an excluded
chat stores nothing; a disconnection stops everything; forged buttons and updates for another
manager's connection change nothing; a 4,096-character message, stickers and polls, and a
burst of 500 messages."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.companies import CompanyService
from services.deals import DealService
from services.invoices import InvoiceService
from services.leads import ConvertChoice, LeadService, LeadSettings
from services.organizations import OrganizationService, seed_demo_organization
from services.pipelines import load_pipelines
from services.users import Role, User
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

PIPELINES = load_pipelines(Path(__file__).resolve().parents[2] / "config" / "pipelines.toml")
IVAN, PETR = 2001, 2002
ION, ANA, MIHAI = 5001, 5002, 5003
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


@dataclass
class Seeded:
    ivan_id: int


async def seed(bot: Harness) -> Seeded:
    """The admin, two managers (Ivan and Petr, in English) and the demo organization; the
    people in Telegram: the managers and three customers."""
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(IVAN, (await access.create_invite(admin, Role.MANAGER)).token,
                                 "Ivan", None, "en")
        await access.join(PETR, (await access.create_invite(admin, Role.MANAGER)).token,
                          "Petr", None, "en")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
    finally:
        await db.dispose()
    for uid, name in ((ADMIN, "Anna"), (IVAN, "Ivan"), (PETR, "Petr")):
        await bot.client.user(uid, first_name=name, language_code="en")
    for uid in (IVAN, PETR):  # their chats with the bot
        await bot.say(uid, "/start")
    await bot.client.user(ION, first_name="Ion", last_name="Popa", username="ionpopa",
                          language_code="ro")
    await bot.client.user(ANA, first_name="Ana", language_code="ro")
    await bot.client.user(MIHAI, first_name="Mihai", language_code="ro")
    return Seeded(ivan.id)


@contextlib.asynccontextmanager
async def as_ivan(bot: Harness) -> AsyncIterator[tuple[Database, User]]:
    """The test's own database connection, and Ivan as the services know him."""
    db = Database(create_engine(bot.database_url))
    try:
        ivan = await AccessService(db.uow, bot.clock, "UTC").identify(IVAN)
        assert ivan is not None
        yield db, ivan
    finally:
        await db.dispose()


async def rows(bot: Harness, query: Any) -> list[Any]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return list((await uow.session.execute(query)).all())
    finally:
        await db.dispose()


async def count(bot: Harness, model: Any, *where: Any) -> int:
    ((n,),) = await rows(bot, select(func.count()).select_from(model).where(*where))
    return int(n)


async def connect(bot: Harness, manager: int = IVAN, **rights: bool) -> dict[str, Any]:
    await bot.client.business_connect(manager, rights or None)
    told = await bot.client.wait_for(manager)
    assert told["text"].startswith("The bot is connected to your Telegram Business account."), \
        told["text"]
    return told


async def timeline(bot: Harness, company: str) -> str:
    listing = await bot.say(IVAN, "/clients")
    card = await bot.press(IVAN, listing, company)
    shown = await bot.press(IVAN, card, "Timeline")
    return str(shown["text"])


async def test_a_new_chat_becomes_a_lead_then_a_client_with_the_whole_chat(
        bot: Harness) -> None:
    seeded = await seed(bot)
    told = await connect(bot)
    assert "From now on your chats with customers are logged" in told["text"]
    assert "«Exclude this chat»" in told["text"] and "/business" in told["text"]
    assert "I may send invoices and quotes into your chats on your behalf." in told["text"]
    ((conn_id, enabled, can_reply, rights),) = await rows(bot, select(
        m.BusinessConnection.connection_id, m.BusinessConnection.is_enabled,
        m.BusinessConnection.can_reply, m.BusinessConnection.rights))
    assert (enabled, can_reply, rights) == (True, True, {"can_reply": True})

    # The customer writes first: one push to Ivan, in his bot chat, with one tap to a lead.
    first = await bot.client.customer_writes(IVAN, ION, "Bună ziua, cât costă 50 de scaune?")
    push = await bot.client.wait_for(IVAN)
    assert push["text"] == ("New chat in your Telegram: Ion Popa (@ionpopa)\n"
                            "Language: Romanian\n«Bună ziua, cât costă 50 de scaune?»")
    assert buttons(push) == ["Make a lead", "Exclude this chat"]
    await bot.client.customer_writes(IVAN, ION, "Avem nevoie până vineri.")
    made = await bot.press(IVAN, push, "Make a lead")
    assert made["text"].startswith("Lead made from the chat:\nLead #1 · new"), \
        made["text"]
    assert "Name: Ion Popa" in made["text"] and "Telegram: @ionpopa" in made["text"]
    assert "Language: Romanian" in made["text"]
    assert "First message: Bună ziua, cât costă 50 de scaune?" in made["text"]
    assert buttons(made) == ["Open lead"]
    ((lead_id, name, username, tg, language),) = await rows(bot, select(
        m.Lead.id, m.Lead.contact_name, m.Lead.telegram_username, m.Lead.telegram_user_id,
        m.Lead.language))
    assert (name, username, tg, language) == ("Ion Popa", "ionpopa", ION, "ro")
    notes = await rows(bot, select(m.Interaction.text).where(m.Interaction.lead_id == lead_id)
                       .order_by(m.Interaction.id))
    assert [n.text for n in notes] == ["Bună ziua, cât costă 50 de scaune?",
                                       "Avem nevoie până vineri."]
    # A second tap makes no second lead; nothing was pushed again.
    again = await bot.press(IVAN, push, "Make a lead")
    assert again["text"].startswith("This chat already has a lead:")
    assert await count(bot, m.Lead) == 1
    assert await count(bot, m.OutboxMessage, m.OutboxMessage.kind == "business_chat") == 1

    # The manager answers from his own app, the customer sends a photo: both join the lead.
    reply = await bot.client.manager_writes(IVAN, ION, "Bună! 50 de scaune: 5 000 lei.")
    await bot.client.customer_writes(IVAN, ION, photo=PHOTO, caption="Modelul acesta")
    await bot.settled()
    # An edit and a deletion (later, as people do).
    await bot.client.business_edit(IVAN, ION, first["message_id"],
                                   text="Bună ziua, cât costă 60 de scaune?")
    await bot.client.business_delete(IVAN, ION, [reply["message_id"]])
    await bot.settled()
    assert await count(bot, m.Interaction, m.Interaction.lead_id == lead_id) == 4
    ((edits, edited_text),) = await rows(bot, select(m.BusinessMessage.edits,
                                                     m.BusinessMessage.text).where(
        m.BusinessMessage.message_id == first["message_id"]))
    assert edited_text == "Bună ziua, cât costă 60 de scaune?"
    assert [e["text"] for e in edits] == ["Bună ziua, cât costă 50 de scaune?"]
    ((audit,),) = await rows(bot, select(m.AuditEntry.data).where(
        m.AuditEntry.action == "business.message_deleted"))
    assert audit["text"] == "Bună! 50 de scaune: 5 000 lei." and audit["outgoing"] is True
    ((photo_kind, photo_file),) = await rows(bot, select(m.StoredFile.kind,
                                                         m.StoredFile.telegram_file_id))
    assert photo_kind == "photo" and photo_file

    # Qualified and converted (a company): the chat is on the client's timeline, both ways.
    async with as_ivan(bot) as (db, ivan):
        leads = LeadService(db.uow, bot.clock, DealService(db.uow, bot.clock, PIPELINES),
                            LeadSettings())
        await leads.update_field(ivan, lead_id, "company_name", "Popa Mobila")
        await leads.set_status(ivan, lead_id, "qualified")
        converted = await leads.convert(ivan, lead_id, ConvertChoice.NEW)
        assert converted.company_id is not None
    later = await bot.client.customer_writes(IVAN, ION, "Deci?")
    await bot.settled()
    ((company_of_later,),) = await rows(bot, select(m.Interaction.company_id).join(
        m.BusinessMessage, m.BusinessMessage.interaction_id == m.Interaction.id).where(
        m.BusinessMessage.message_id == later["message_id"]))
    assert company_of_later == converted.company_id
    ((file_company,),) = await rows(bot, select(m.StoredFile.company_id))
    assert file_company == converted.company_id  # the photo is on the client's card too

    shown = await timeline(bot, "Popa Mobila")
    assert "Telegram, from the customer: Deci?" in shown
    assert ("Telegram, from the customer: Bună ziua, cât costă 60 de scaune? (edited)"
            in shown), shown
    assert "Telegram, to the customer: Bună! 50 de scaune: 5 000 lei. (deleted)" in shown
    assert "Telegram, from the customer: Modelul acesta [photo]" in shown
    assert "Telegram, from the customer: Avem nevoie până vineri." in shown
    assert "UTC" not in shown

    # An invoice to the client, sent into the business chat as Ivan.
    async with as_ivan(bot) as (db, ivan):
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        inv = await invoices.create_draft(ivan, converted.company_id)
        inv = await invoices.add_free_line(ivan, inv.id, "Scaun", Decimal(50),
                                           Decimal("100.00"))
        inv = await invoices.issue(ivan, inv.id)
        number = inv.number_text
        assert number is not None
    listing = await bot.say(IVAN, "/invoices")
    card = await bot.press(IVAN, listing, next(b for b in buttons(listing)
                                               if b.startswith(number)))
    menu = await bot.press(IVAN, card, "Send…")
    assert buttons(menu)[0] == "Send to the customer's Telegram", buttons(menu)
    answer = await bot.press_for_answer(IVAN, menu["message_id"],
                                        text="Send to the customer's Telegram")
    assert answer == "Sending into your chat with Ion Popa…"
    doc = await bot.client.wait_for_business(IVAN, ION, lambda v: bool(v.get("document")))
    assert doc["document"]["file_name"] == f"Invoice_{number}.pdf"
    assert buttons(doc) == []  # no bot buttons in the manager's own chat
    assert number in doc["caption"]
    pdf = await bot.client.business_file_bytes(IVAN, ION, doc["message_id"])
    assert pdf.startswith(b"%PDF")
    sent = await bot.client.wait_for_text(IVAN, "Sent to Ion Popa's chat.")
    assert sent["text"] == "Sent to Ion Popa's chat."
    qr = await bot.client.wait_for_business(IVAN, ION, lambda v: bool(v.get("photo")))
    # In the customer's language, as Telegram gave it in the chat.
    assert qr["caption"] == "Cod QR pentru plată: scanați-l în aplicația băncii."
    chat = await bot.client.business_messages(IVAN, ION, from_bot=True)
    assert [(bool(v["document"]), bool(v["photo"])) for v in chat] == [(True, False),
                                                                         (False, True)]
    ((status,),) = await rows(bot, select(m.Invoice.status))
    assert status == "sent"
    ((channel, recipient),) = await rows(bot, select(m.DocumentDelivery.channel,
                                                     m.DocumentDelivery.recipient))
    assert (channel, recipient) == ("business", str(ION))

    # The reply right withdrawn: Ivan is told; the send is refused and nothing recorded.
    await bot.client.business_set_rights(IVAN, {"can_reply": False})
    changed = await bot.client.wait_for(IVAN)
    assert changed["text"] == (
        "Telegram changed what the bot may do in your account.\nI may not reply in your "
        "chats: to send invoices and quotes from your account, allow «Reply to messages» in "
        "Telegram Business → Chatbots.")
    menu = await bot.press(IVAN, card, "Send…")
    refused = await bot.press(IVAN, menu, "Send to the customer's Telegram")
    assert refused["text"] == ("Telegram does not let the bot reply in your chats: allow "
                               "«Reply to messages» in Telegram Business → Chatbots. Nothing "
                               "was sent.")
    await bot.settled()
    assert await count(bot, m.DocumentDelivery) == 1
    assert await count(bot, m.OutboxMessage, m.OutboxMessage.kind == "document") == 1

    # /business: the connection and its rights.
    screen = await bot.say(IVAN, "/business")
    assert "Connected: your chats with customers are logged" in screen["text"]
    assert "Rights: —" in screen["text"] and "I may not reply in your chats" in screen["text"]
    assert "Ion Popa (@ionpopa)" in screen["text"]
    assert "Exclude Ion Popa" in buttons(screen)

    # Disconnection: Ivan is told, and an update of the old connection stores nothing.
    await bot.client.business_disconnect(IVAN)
    off = await bot.client.wait_for(IVAN)
    assert off["text"].startswith("The bot is disconnected from your Telegram Business "
                                  "account: nothing from your chats is logged any more")
    stored = await count(bot, m.BusinessMessage)
    await bot.client.push_update("business_message", {
        "business_connection_id": conn_id, "message_id": 9001, "date": 1_800_000_000,
        "chat": {"id": ION, "type": "private", "first_name": "Ion"},
        "from": {"id": ION, "is_bot": False, "first_name": "Ion"}, "text": "Alo?"})
    await bot.settled()
    assert await count(bot, m.BusinessMessage) == stored
    screen = await bot.say(IVAN, "/business")
    assert "Not connected: your Telegram chats are not logged." in screen["text"]
    assert "Telegram Settings → Telegram Business → Chatbots → @" in screen["text"]
    assert seeded.ivan_id


async def test_an_excluded_chat_stores_nothing_and_nothing_crosses_managers(
        bot: Harness) -> None:
    await seed(bot)
    await connect(bot)
    await bot.client.customer_writes(IVAN, ANA, "Salut! Ce mai faci?")
    push = await bot.client.wait_for(IVAN)
    assert push["text"].startswith("New chat in your Telegram: Ana")
    ((chat_ref,),) = await rows(bot, select(m.BusinessChat.id))

    # Petr forges Ivan's buttons: not found, nothing changes.
    mine = await bot.say(PETR, "/business")
    assert "Not connected" in mine["text"] and "Ana" not in mine["text"]
    for data in (f"bz:l:{chat_ref}", f"bz:x:{chat_ref}", f"bz:i:{chat_ref}"):
        answer = await bot.press_for_answer(PETR, mine["message_id"], callback_data=data,
                                            forged=True)
        assert answer == "Not found. It may have been removed, or it is not yours."
    assert await count(bot, m.Lead) == 0
    assert await count(bot, m.BusinessMessage) == 1
    ((excluded_at,),) = await rows(bot, select(m.BusinessChat.excluded_at))
    assert excluded_at is None

    # Ivan excludes it: what was stored goes, and nothing more is stored.
    gone = await bot.press(IVAN, push, "Exclude this chat")
    assert gone["text"] == ("Chat with Ana excluded: 1 stored messages deleted, and nothing "
                            "more from it is stored. /business includes it again.")
    await bot.client.customer_writes(IVAN, ANA, "Ne vedem diseară?")
    await bot.client.customer_writes(IVAN, ANA, photo=PHOTO)
    await bot.settled()
    assert await count(bot, m.BusinessMessage) == 0
    assert await count(bot, m.Interaction) == 0
    assert await count(bot, m.StoredFile) == 0
    assert await count(bot, m.OutboxMessage, m.OutboxMessage.kind == "business_chat") == 1
    # "Make a lead" on the old push is refused for an excluded chat.
    answer = await bot.press_for_answer(IVAN, push["message_id"], text="Make a lead")
    assert answer == "This chat is excluded: include it in /business first."
    screen = await bot.say(IVAN, "/business")
    assert "Excluded chats (nothing stored):\n• Ana" in screen["text"]
    back = await bot.press(IVAN, screen, "Include Ana")
    assert back["text"] == "Chat with Ana is logged again from its next message."
    await bot.client.customer_writes(IVAN, ANA, "Deci?")
    await bot.settled()
    assert await count(bot, m.BusinessMessage) == 1

    # Business updates of a connection nobody knows store nothing.
    await bot.client.push_update("business_message", {
        "business_connection_id": "forged-connection", "message_id": 77, "date": 1_800_000_000,
        "chat": {"id": ANA, "type": "private", "first_name": "Ana"},
        "from": {"id": ANA, "is_bot": False, "first_name": "Ana"}, "text": "Salut"})
    await bot.client.push_update("deleted_business_messages", {
        "business_connection_id": "forged-connection",
        "chat": {"id": ANA, "type": "private", "first_name": "Ana"}, "message_ids": [1, 2]})
    await bot.settled()
    assert await count(bot, m.BusinessMessage) == 1
    assert await count(bot, m.BusinessMessage, m.BusinessMessage.deleted_at.is_not(None)) == 0


async def test_a_known_contact_is_matched_by_telegram_id_or_by_a_shared_card(
        bot: Harness) -> None:
    await seed(bot)
    async with as_ivan(bot) as (db, ivan):
        company = await ClientService(db.uow, bot.clock).create_company(
            ivan, CompanyDraft(name="Mobila SRL"))
        await CompanyService(db.uow, bot.clock).add_contact(
            ivan, company.id, {"name": "Mihai", "phone": "+37369123456"})
    await connect(bot)
    # Mihai's Telegram id is unknown: his first message is pushed; his contact card then
    # matches the client's contact by phone, and what follows is on the client's timeline.
    await bot.client.customer_writes(IVAN, MIHAI, "Bună, sunt Mihai de la Mobila.")
    push = await bot.client.wait_for(IVAN)
    assert push["text"].startswith("New chat in your Telegram: Mihai")
    await bot.client.customer_writes(IVAN, MIHAI, contact={
        "phone_number": "37369123456", "first_name": "Mihai", "user_id": MIHAI})
    await bot.client.customer_writes(IVAN, MIHAI, "Aștept factura.")
    await bot.settled()
    shown = await timeline(bot, "Mobila SRL")
    assert "Telegram, from the customer: Aștept factura." in shown
    assert "Telegram, from the customer: Mihai 37369123456 [contact card, not kept]" in shown
    answer = await bot.press_for_answer(IVAN, push["message_id"], text="Make a lead")
    assert answer == ("This chat is already with a client's contact: its messages are on the "
                      "client's timeline.")
    assert await count(bot, m.Lead) == 0


async def test_long_messages_kinds_not_kept_and_a_burst_of_500(bot: Harness) -> None:
    await seed(bot)
    await connect(bot)
    long_text = ("Lorem ipsum dolor sit amet. " * 200)[:4096]
    await bot.client.customer_writes(IVAN, ION, long_text)
    push = await bot.client.wait_for(IVAN)
    assert push["text"].endswith(long_text[:500] + "»")  # the push quotes its start
    await bot.client.customer_writes(IVAN, ION, sticker=b"RIFF\x00WEBP")
    await bot.client.customer_writes(IVAN, ION, poll=("Culoarea?", ["Roșu", "Albastru"]))
    await bot.client.customer_writes(IVAN, ION, location=(47.0, 28.8))
    await bot.settled()
    kept = await rows(bot, select(m.BusinessMessage.kind, m.BusinessMessage.text)
                      .order_by(m.BusinessMessage.id))
    assert [k.kind for k in kept] == ["text", "sticker", "poll", "location"]
    assert kept[0].text == long_text and len(kept[0].text) == 4096
    assert await count(bot, m.StoredFile) == 0  # named, not kept
    await bot.press(IVAN, push, "Make a lead")

    # A burst of 500 in one chat, and a redelivered update: each stored once; the manager
    # is answered while it is being handled.
    burst = await bot.client.customer_burst(IVAN, ION, 500, text="Mesaj {n}")
    screen = await bot.say(IVAN, "/business")
    assert "Connected: your chats with customers are logged" in screen["text"]
    await bot.settled(timeout=120)
    first, last = int(burst["first_message_id"]), int(burst["last_message_id"])
    conn = await bot.client.business_connection(IVAN)
    assert conn is not None
    await bot.client.push_update("business_message", {
        "business_connection_id": conn["id"], "message_id": last, "date": 1_800_000_000,
        "chat": {"id": ION, "type": "private", "first_name": "Ion"},
        "from": {"id": ION, "is_bot": False, "first_name": "Ion"}, "text": "Mesaj 500"})
    await bot.settled()
    assert await count(bot, m.BusinessMessage, m.BusinessMessage.message_id.between(
        first, last)) == 500
    texts = {r.text for r in await rows(bot, select(m.Interaction.text).where(
        m.Interaction.text.like("Mesaj %")))}
    assert len(texts) == 500
    assert await count(bot, m.OutboxMessage, m.OutboxMessage.kind == "business_chat") == 1
