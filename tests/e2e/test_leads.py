"""Leads end to end: the real bot over HTTP against the Bot API sandbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

MANAGER, MANAGER2 = 2201, 2202


async def leads_in_db(bot: Harness) -> list[dict[str, Any]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            rows = await uow.session.scalars(select(m.Lead).order_by(m.Lead.id))
            return [{c.key: getattr(r, c.key) for c in m.Lead.__table__.c} for r in rows]
    finally:
        await db.dispose()


async def interactions_in_db(bot: Harness) -> list[tuple[str, int | None, str]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            rows = await uow.session.execute(
                select(m.Interaction.kind, m.Interaction.lead_id, m.Interaction.text).order_by(
                    m.Interaction.id
                )
            )
            return [(r[0], r[1], r[2]) for r in rows.all()]
    finally:
        await db.dispose()


async def save(
    bot: Harness, user_id: int, card: dict[str, Any], label: str = "Save"
) -> dict[str, Any]:
    await bot.client.press(user_id, card["message_id"], text=label)
    saved = await bot.client.wait_for_edit(user_id, card["message_id"])
    assert saved["text"].startswith("Lead saved."), saved["text"]
    return saved


def lead_id_of(card: dict[str, Any]) -> int:
    data = next(
        b["callback_data"]
        for row in card["buttons"]
        for b in row
        if b["callback_data"].startswith("ld:")
    )
    return int(data.split(":")[2])


async def test_lead_flow_with_invalid_then_valid_phone_and_email(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    ask = await bot.say(ADMIN, "/lead")
    assert ask["text"] == "Contact person's name?" and not ask["buttons"]  # required: no Skip
    ask = await bot.say(ADMIN, "Ivan   Petrov")
    assert ask["text"] == "Company name? (or Skip)" and buttons(ask) == ["Skip"]
    ask = await bot.press(ADMIN, ask, "Skip")
    assert ask["text"] == "Phone number?"
    bad = await bot.say(ADMIN, "call me maybe")
    assert "does not look like a phone number" in bad["text"]
    bad = await bot.say(ADMIN, "0721 234 567")
    assert "number from another country: add its +code (e.g. +40" in bad["text"]
    ask = await bot.say(ADMIN, "8 (912) 345-67-89")
    assert ask["text"] == "E-mail? (or Skip)"
    bad = await bot.say(ADMIN, "ivan@@mail")
    assert "e-mail address is not valid" in bad["text"]
    ask = await bot.say(ADMIN, "Ivan@Mail.Example")
    assert ask["text"] == "City? (or Skip)"
    ask = await bot.say(ADMIN, "Kazan")
    ask = await bot.say(ADMIN, "A4 paper <500 packs>")
    assert ask["text"] == "Where did the lead come from? (or Skip)"
    assert buttons(ask) == [
        "Website",
        "Call",
        "Referral",
        "Exhibition",
        "Advertising",
        "Telegram",
        "Skip",
    ]
    summary = await bot.press(ADMIN, ask, "Exhibition")
    text = summary["text"]
    for part in (
        "Name: Ivan Petrov",
        "Company: —",
        "Phone: +79123456789",
        "E-mail: ivan@mail.example",
        "City: Kazan",
        "Topic: A4 paper <500 packs>",
        "Source: Exhibition",
    ):
        assert part in text, text
    assert buttons(summary)[:3] == ["Save", "Edit name", "Edit company"]
    ask = await bot.press(ADMIN, summary, "Edit city")
    assert ask["text"] == "City? (or Skip)"
    summary = await bot.say(ADMIN, "Kazan, Tatarstan")
    assert "City: Kazan, Tatarstan" in summary["text"]
    saved = await save(bot, ADMIN, summary)
    assert "Lead #" in saved["text"] and "· new" in saved["text"]
    assert buttons(saved) == ["In progress", "Qualified", "Junk", "Edit"]
    (row,) = await leads_in_db(bot)
    assert (
        row["contact_name"],
        row["phone"],
        row["email"],
        row["city"],
        row["source"],
        row["status"],
    ) == (
        "Ivan Petrov",
        "+79123456789",
        "ivan@mail.example",
        "Kazan, Tatarstan",
        "exhibition",
        "new",
    )


async def test_contact_card_shortcut_with_and_without_phone(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await bot.client.send_contact(ADMIN, "79123456789", "Olga", "Sidorova", contact_user_id=777)
    card = await bot.client.wait_for(ADMIN)
    assert card["text"].startswith("New lead from a contact card:")
    assert "Name: Olga Sidorova" in card["text"] and "Phone: +79123456789" in card["text"]
    assert "Save" in buttons(card) and "Cancel" in buttons(card)
    await save(bot, ADMIN, card)
    await bot.client.send_contact(ADMIN, "", "Nophone")
    card = await bot.client.wait_for(ADMIN)
    assert "The card has no valid phone number" in card["text"]
    assert "Missing: Phone" in card["text"]
    assert buttons(card)[0] == "Save without phone" and "Edit phone" in buttons(card)
    await save(bot, ADMIN, card, "Save without phone")
    rows = await leads_in_db(bot)
    assert [(r["contact_name"], r["phone"], r["telegram_user_id"]) for r in rows] == [
        ("Olga Sidorova", "+79123456789", 777),
        ("Nophone", None, None),
    ]


async def test_forwarded_messages_visible_and_hidden(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await bot.client.forward_text(
        ADMIN,
        "Hi! Price for 100 boxes?",
        from_user={"id": 4242, "first_name": "Olga", "last_name": "K", "username": "olga_k"},
    )
    card = await bot.client.wait_for(ADMIN)
    assert card["text"].startswith("New lead from a forwarded message:")
    assert "Name: Olga K" in card["text"] and "Telegram: @olga_k" in card["text"]
    assert "First message: Hi! Price for 100 boxes?" in card["text"]
    await save(bot, ADMIN, card, "Save without phone")
    await bot.client.forward_text(ADMIN, "Call me back", sender_name="Secret Sam")
    card = await bot.client.wait_for(ADMIN)
    assert "Name: Secret Sam" in card["text"]
    assert "account is hidden, so the lead has no Telegram link" in card["text"]
    assert "Telegram:" not in card["text"]
    await save(bot, ADMIN, card, "Save without phone")
    visible, hidden = await leads_in_db(bot)
    assert (visible["telegram_user_id"], visible["telegram_username"]) == (4242, "olga_k")
    assert (hidden["contact_name"], hidden["telegram_user_id"], hidden["telegram_username"]) == (
        "Secret Sam",
        None,
        None,
    )
    assert await interactions_in_db(bot) == [
        ("message", visible["id"], "Hi! Price for 100 boxes?"),
        ("message", hidden["id"], "Call me back"),
    ]


async def test_tax_id_shortcut_valid_and_bad_checksum(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    bad = await bot.say(ADMIN, "7707083894")
    assert bad["text"].startswith("INN checksum does not match"), bad["text"]
    assert not bad["buttons"]
    assert await leads_in_db(bot) == []
    card = await bot.say(ADMIN, "7707083893")
    assert card["text"].startswith("New company lead from a tax id:")
    assert "Tax id: INN 7707083893" in card["text"]
    await save(bot, ADMIN, card, "Save without name, phone")
    ro = await bot.say(ADMIN, "RO18547290")
    assert "Tax id: CUI 18547290 · VAT payer" in ro["text"]
    await bot.client.press(ADMIN, ro["message_id"], text="Cancel")
    cancelled = await bot.client.wait_for_edit(ADMIN, ro["message_id"])
    assert cancelled["text"] == "Cancelled. Nothing was saved."
    (row,) = await leads_in_db(bot)
    assert (row["tax_id"], row["country"], row["contact_name"]) == ("7707083893", "RU", "")


async def add_manager(bot: Harness, telegram_id: int, name: str) -> None:
    """A manager joined through the service on the bot's database (the invitation flow has
    its own tests in test_foundation)."""
    await bot.client.user(telegram_id, first_name=name, language_code="en")
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        admin = await access.identify(ADMIN)
        assert admin is not None
        link = await access.create_invite(admin, Role.MANAGER)
        await access.join(telegram_id, link.token, name, None, "en")
    finally:
        await db.dispose()


async def new_client_with_phone(bot: Harness, telegram_id: int, name: str, phone: str) -> None:
    """A client the manager already has (made through the service: this test is about
    leads, not about the /newclient flow)."""
    db = Database(create_engine(bot.database_url))
    try:
        owner = await AccessService(db.uow, bot.clock, "UTC").identify(telegram_id)
        assert owner is not None
        await ClientService(db.uow, bot.clock, "RU").create_company(
            owner, CompanyDraft(name=name, phone=phone)
        )
    finally:
        await db.dispose()


async def lead_via_flow(
    bot: Harness, user_id: int, name: str, company: str | None, phone: str
) -> dict[str, Any]:
    await bot.say(user_id, "/lead")
    ask = await bot.say(user_id, name)
    ask = await (bot.say(user_id, company) if company else bot.press(user_id, ask, "Skip"))
    ask = await bot.say(user_id, phone)
    for _ in range(4):  # e-mail, city, topic, source
        ask = await bot.press(user_id, ask, "Skip")
    return await save(bot, user_id, ask)


async def test_conversion_finds_duplicate_by_phone_not_by_name(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await add_manager(bot, MANAGER, "Ivan")
    await new_client_with_phone(bot, MANAGER, "Romashka", "+7 912 3456789")
    await new_client_with_phone(bot, MANAGER, "Acme", "+7 900 111-22-33")
    card = await lead_via_flow(bot, MANAGER, "Anna", "Acme", "8 (912) 345-67-89")
    assert "Convert" not in buttons(card)  # only a qualified lead converts
    await bot.client.press(MANAGER, card["message_id"], text="Qualified")
    card = await bot.client.wait_for_edit(MANAGER, card["message_id"])
    assert "· qualified" in card["text"] and "Convert" in buttons(card)
    dup = await bot.press(MANAGER, card, "Convert")
    assert dup["text"].startswith("This lead may already be a client:")
    assert "Company «Romashka», same phone" in dup["text"]
    assert "Acme" not in dup["text"]  # an equal name alone is not a duplicate
    assert buttons(dup) == ["Use Romashka", "Merge into Romashka", "Create new anyway"]
    done = await bot.press(MANAGER, dup, "Merge into Romashka")
    assert done["text"].startswith("Lead converted.")
    assert "Company: Romashka (existing)" in done["text"]
    assert "Contact: Anna (new)" in done["text"] and "Deal #" in done["text"]
    assert buttons(done) == ["Open deal"]
    assert done["buttons"][0][0]["callback_data"].startswith("dl:o:")
    (row,) = await leads_in_db(bot)
    assert row["status"] == "converted" and row["deal_id"] and row["contact_id"]
    # The list filters by status.
    listing = await bot.say(MANAGER, "/leads")
    assert listing["text"] == "Leads: 1"
    await bot.client.press(MANAGER, listing["message_id"], text="Qualified")
    filtered = await bot.client.wait_for_edit(MANAGER, listing["message_id"])
    assert filtered["text"] == "Leads (qualified): 0" and "• Qualified" in buttons(filtered)


async def test_junk_reason_asked_in_chat(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    card = await lead_via_flow(bot, ADMIN, "Spammer", None, "+79123456789")
    # Editing a saved lead: the field's question, its check, then the card again.
    await bot.client.press(ADMIN, card["message_id"], text="Edit")
    fields = await bot.client.wait_for_edit(ADMIN, card["message_id"])
    assert "Edit phone" in buttons(fields) and "Back" in buttons(fields)
    ask = await bot.press(ADMIN, fields, "Edit phone")
    assert ask["text"] == "Phone number? (or /cancel)"
    bad = await bot.say(ADMIN, "not a phone")
    assert "does not look like a phone number" in bad["text"]
    card = await bot.say(ADMIN, "+373 22 123 456")
    assert "Phone: +37322123456" in card["text"]
    reasons = await bot.press(ADMIN, card, "Junk")
    assert reasons["text"] == "Why is this lead junk? Choose the reason."
    assert buttons(reasons)[-1] == "Other (type the reason)"
    await bot.client.press(ADMIN, reasons["message_id"], text="Other (type the reason)")
    ask = await bot.client.wait_for_edit(ADMIN, reasons["message_id"])
    assert ask["text"].startswith("Why is this lead junk? Send the reason")
    junk = await bot.say(ADMIN, "sells us SEO")
    assert "· junk" in junk["text"] and "Junk because: sells us SEO" in junk["text"]
    assert buttons(junk) == ["Restore ↩️", "Edit"]
    (row,) = await leads_in_db(bot)
    assert (row["status"], row["junk_reason"]) == ("junk", "sells us SEO")


async def test_forged_callbacks_for_another_managers_lead(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await add_manager(bot, MANAGER, "Ivan")
    await add_manager(bot, MANAGER2, "Petr")
    card = await lead_via_flow(bot, MANAGER, "Secret Lead", None, "+79123456789")
    lead_id = lead_id_of(card)
    own = await bot.say(MANAGER2, "/leads")
    assert "no leads yet" in own["text"]
    for data in (
        f"ld:o:{lead_id}::0",
        f"ld:s:{lead_id}:qualified:0",
        f"ld:j:{lead_id}::0",
        f"ld:e:{lead_id}::0",
        f"ld:f:{lead_id}:phone:0",
        f"ld:c:{lead_id}::0",
        f"ld:n:{lead_id}::0",
        f"ld:r:{lead_id}:call:0",
    ):
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], data, forged=True)
        assert answer.startswith("Not found"), (data, answer)
    msgs = await bot.client.messages(MANAGER2)
    assert not any("Secret Lead" in (x["text"] or "") for x in msgs)
    (row,) = await leads_in_db(bot)
    assert (row["status"], row["source"]) == ("new", None)
    # The admin sees every manager's leads.
    listing = await bot.say(ADMIN, "/leads")
    assert any("Secret Lead" in b for b in buttons(listing))
