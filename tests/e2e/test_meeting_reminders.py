"""Meeting reminders the client answers, end to end: the real bot polls the sandbox, the minute
job is called with the frozen clock. A manager (Moscow, UTC+3) adds four meetings with "remind
the client" from a deal card and offers the client other times on one; 24 h before, each
reminder reaches the client's chat (Chisinau, UTC+2) through the outbox with Confirm /
Reschedule / Cancel. One is confirmed, one moved to an offered time (the event moves, its
reminders are planned again, the manager is told), one gets a typed wish (a 5,000-character
one refused), one is cancelled. Stale and forged presses change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from services.access import AccessService
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

MANAGER, MANAGER2, CUSTOMER, STRANGER = 2001, 2002, 7001, 7002
FRIDAY_NOON_MOSCOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def seed(bot: Harness) -> None:
    """Ivan and Petr (managers, the default zone Europe/Moscow); Ivan's client Acme whose
    contact Buyer is bound to the customer's chat (Chisinau, English) and the deal «Chairs»
    with Buyer; Petr's client whose contact is another Telegram user."""
    bot.clock.set(FRIDAY_NOON_MOSCOW)
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "Europe/Moscow")
        (admin,) = await access.ensure_admins([ADMIN])
        people = {}
        for tg, name in ((MANAGER, "Ivan"), (MANAGER2, "Petr")):
            token = (await access.create_invite(admin, Role.MANAGER)).token
            people[tg] = await access.join(tg, token, name, None, "en")
        async with db.uow() as uow:
            s = uow.session
            pipeline = await s.scalar(select(m.Pipeline.id).order_by(m.Pipeline.id))
            stage = await s.scalar(select(m.Stage.id).where(m.Stage.pipeline_id == pipeline)
                                   .order_by(m.Stage.position, m.Stage.id))
            for owner, company_name, contact_name, chat in (
                    (people[MANAGER].id, "Acme", "Buyer", CUSTOMER),
                    (people[MANAGER2].id, "Other", "Eve", STRANGER)):
                company = m.Company(owner_id=owner, name=company_name,
                                    name_norm=company_name.lower())
                s.add(company)
                await s.flush()
                contact = m.Contact(owner_id=owner, company_id=company.id, name=contact_name,
                                    name_norm=contact_name.lower(), telegram_user_id=chat,
                                    timezone="Europe/Chisinau", language="en")
                s.add(contact)
                await s.flush()
                if chat == CUSTOMER:
                    s.add(m.Deal(owner_id=owner, pipeline_id=pipeline, stage_id=stage,
                                 title="Chairs",
                                 title_norm="chairs", company_id=company.id,
                                 contact_id=contact.id, currency="MDL", status="open"))
            await uow.commit()
    finally:
        await db.dispose()
    for uid, name in ((MANAGER, "Ivan"), (MANAGER2, "Petr"), (ADMIN, "Anna"),
                      (CUSTOMER, "Buyer"), (STRANGER, "Eve")):
        await bot.client.user(uid, first_name=name, language_code="en")
        bot.sandbox.state().open_chat(uid)


async def add_meeting(bot: Harness, title: str, starts: str, ends: str) -> None:
    """Add task on the deal card → Meeting, 1 h 30 min, "remind the client"."""
    listing = await bot.say(MANAGER, "/deals")
    card = await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith("Chairs")))
    kinds = await bot.press(MANAGER, card, "Add task")
    await bot.client.press(MANAGER, kinds["message_id"], text="Meeting")
    await bot.client.wait_for_edit(MANAGER, kinds["message_id"])
    await bot.say(MANAGER, title)
    await bot.say(MANAGER, starts)
    remind = await bot.say(MANAGER, ends)
    assert remind["text"] == "Remind the client before the meeting?"
    saved = await bot.press(MANAGER, remind, "Yes")
    assert saved["text"].startswith(f"Saved: 🤝 Meeting: {title} · "), saved["text"]


async def open_card(bot: Harness, user: int, title: str) -> dict[str, Any]:
    week = await bot.say(user, "/week")
    label = next(b for b in buttons(week) if b.endswith(title))
    return await bot.press(user, week, label)


async def rows(bot: Harness, query: Any) -> list[Any]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return list((await uow.session.execute(query)).all())
    finally:
        await db.dispose()


async def meeting(bot: Harness, title: str) -> Any:
    t = m.Task
    (row,) = await rows(bot, select(t.id, t.status, t.starts_at, t.ends_at, t.contact_id)
                        .where(t.title == title))
    return row


async def reminders_of(bot: Harness, task_id: int) -> list[tuple[str, str, datetime]]:
    o = m.OutboxMessage
    found = await rows(bot, select(o.idempotency_key, o.status, o.due_at)
                       .where(o.idempotency_key.startswith(f"meet:{task_id}:"))
                       .order_by(o.due_at))
    return [(r.idempotency_key.split(":")[3], r.status, r.due_at) for r in found]


async def answers_told(bot: Harness) -> int:
    o = m.OutboxMessage
    return len(await rows(bot, select(o.id).where(o.kind == "meeting_answer")))


def is_reminder(title: str) -> Any:
    return lambda v: f"meeting «{title}»" in (v.get("text") or "") and bool(v.get("buttons"))


async def test_meeting_reminders_confirm_move_wish_and_cancel(bot: Harness) -> None:
    await seed(bot)
    for title, starts, ends in (("Demo", "21.11 15:00", "16:30"),
                                ("Contract", "21.11 16:00", "17:30"),
                                ("Tour", "21.11 17:00", "18:30"),
                                ("Lunch", "21.11 18:00", "19:30")):
        await add_meeting(bot, title, starts, ends)
    demo = await meeting(bot, "Demo")
    assert demo.contact_id is not None  # the deal's contact: where the reminders go

    # The manager offers the client other times for «Contract» (Moscow time, future only).
    card = await open_card(bot, MANAGER, "Contract")
    assert "Offer times" in buttons(card)
    ask = await bot.press(MANAGER, card, "Offer times")
    assert ask["text"] == ("Which time to offer the client instead of this one for «Contract»? "
                           "For example: 25.12 15:00")
    assert (await bot.say(MANAGER, "20.11 10:00"))["text"] == "This moment has already passed."
    offered = await bot.say(MANAGER, "22.11 10:00")
    assert offered["text"].startswith("Offered: the client sees it under Reschedule.")
    assert offered["text"].endswith("Times offered to the client:\n• 22.11.2026 10:00")
    await bot.press(MANAGER, offered, "Offer times")
    twice = await bot.say(MANAGER, "22.11 12:00")
    assert buttons(twice)[-2:] == ["✖ 22.11.2026 10:00", "✖ 22.11.2026 12:00"]
    answer = await bot.press_for_answer(MANAGER, twice["message_id"], text="✖ 22.11.2026 12:00")
    assert answer == "No longer offered."
    card = await bot.client.wait_for_edit(MANAGER, twice["message_id"])
    assert card["text"].endswith("Times offered to the client:\n• 22.11.2026 10:00")
    slot_data = next(b["callback_data"] for row in card["buttons"] for b in row
                     if b["text"].startswith("✖"))
    contract = await meeting(bot, "Contract")
    # Petr can neither offer nor take back times on Ivan's meeting.
    petr = await bot.say(MANAGER2, "/week")
    for data in (f"tc:of:{contract.id}:0", slot_data):
        forged = await bot.press_for_answer(MANAGER2, petr["message_id"], data, forged=True)
        assert forged.startswith("Not found"), forged

    # 24 h before the four meetings (12:00-15:00 UTC tomorrow) the minute job plans them.
    bot.clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    await bot.app.services.alerts.enqueue_alerts()
    reminder = await bot.client.wait_for(CUSTOMER, is_reminder("Demo"), after=0)
    assert reminder["text"] == "Reminder: meeting «Demo» on 21.11.2026 14:00 (your time)."
    assert buttons(reminder) == ["Confirm", "Reschedule", "Cancel the meeting"]
    # Both were planned when the meeting was made; the 2 h one waits for its moment.
    assert await reminders_of(bot, demo.id) == [
        ("1440m", "sent", datetime(2026, 11, 20, 12, 0, tzinfo=UTC)),
        ("120m", "pending", datetime(2026, 11, 21, 10, 0, tzinfo=UTC))]

    # Confirm: thanked, the manager told once however often it is pressed.
    confirm = reminder["buttons"][0][0]["callback_data"]
    answer = await bot.press_for_answer(CUSTOMER, reminder["message_id"], text="Confirm")
    assert answer == "Thank you, see you at the meeting!"
    told = await bot.client.wait_for(MANAGER, lambda v: "confirmed" in (v["text"] or ""),
                                     after=0)
    assert told["text"] == "Buyer confirmed the meeting «Demo» on 21.11.2026 15:00."
    assert buttons(told) == ["Open task"]
    again = await bot.press_for_answer(CUSTOMER, reminder["message_id"], confirm, forged=True)
    assert again == "Thank you, see you at the meeting!"
    assert await answers_told(bot) == 1
    # Another Telegram user forging the client's button finds nothing.
    hello = await bot.say(STRANGER, "hi")
    forged = await bot.press_for_answer(STRANGER, hello["message_id"], confirm, forged=True)
    assert forged.startswith("Not found")
    assert await answers_told(bot) == 1

    # Reschedule «Contract» to the time offered: 22.11 10:00 Moscow = 09:00 in Chisinau.
    reminder = await bot.client.wait_for(CUSTOMER, is_reminder("Contract"), after=0)
    stale_confirm = reminder["buttons"][0][0]["callback_data"]
    options = await bot.press(CUSTOMER, reminder, "Reschedule")
    assert options["text"] == ("Meeting «Contract» on 21.11.2026 15:00 (your time). Choose a "
                               "new time, or another time that suits you:")
    assert buttons(options) == ["22.11.2026 09:00", "Another time"]
    slot_pick = options["buttons"][0][0]["callback_data"]
    await bot.client.press(CUSTOMER, options["message_id"], text="22.11.2026 09:00")
    moved = await bot.client.wait_for_edit(CUSTOMER, options["message_id"])
    assert moved["text"] == ("Done: the meeting «Contract» is moved to 22.11.2026 09:00 (your "
                             "time). Your manager has been told.")
    told = await bot.client.wait_for(MANAGER, lambda v: "moved" in (v["text"] or ""), after=0)
    assert told["text"] == ("Buyer moved the meeting «Contract» to 22.11.2026 10:00 (it was "
                            "21.11.2026 16:00), one of the times you offered.")
    now = await meeting(bot, "Contract")
    assert (now.starts_at, now.ends_at) == (datetime(2026, 11, 22, 7, tzinfo=UTC),
                                            datetime(2026, 11, 22, 8, 30, tzinfo=UTC))
    card = await bot.press(MANAGER, told, "Open task")
    assert "Starts: 22.11 10:00–11:30" in card["text"]
    assert "Times offered" not in card["text"]  # the time taken is no longer offered
    # The old start's reminder went and its 2 h one is cancelled; the new start's two are
    # planned.
    assert await reminders_of(bot, contract.id) == [
        ("1440m", "sent", datetime(2026, 11, 20, 13, tzinfo=UTC)),
        ("1440m", "pending", datetime(2026, 11, 21, 7, tzinfo=UTC)),
        ("120m", "cancelled", datetime(2026, 11, 21, 11, tzinfo=UTC)),
        ("120m", "pending", datetime(2026, 11, 22, 5, tzinfo=UTC))]
    # Stale: the old reminder's Confirm and the slot pressed again change nothing.
    told_before = await answers_told(bot)
    for data in (stale_confirm, slot_pick):
        answer = await bot.press_for_answer(CUSTOMER, options["message_id"], data, forged=True)
        assert answer == "Already done: this meeting has changed since this message.", answer
    assert await answers_told(bot) == told_before
    assert (await meeting(bot, "Contract")).starts_at == datetime(2026, 11, 22, 7, tzinfo=UTC)

    # «Tour»: no time offered, so the client types a wish; 5,000 characters are refused.
    reminder = await bot.client.wait_for(CUSTOMER, is_reminder("Tour"), after=0)
    ask = await bot.press(CUSTOMER, reminder, "Reschedule")
    assert ask["text"] == ("Which time would suit you for «Tour»? Type it in one message (at "
                           "most 1000 characters); I will pass it to your manager.")
    refused = await bot.say(CUSTOMER, "x" * 5000)
    assert refused["text"] == ("The text is too long: at most 1000 characters.\n"
                               "Try again, or send /cancel.")
    assert await answers_told(bot) == told_before
    sent = await bot.say(CUSTOMER, "Monday after 15:00, please")
    assert sent["text"] == "Sent to your manager. They will answer you soon."
    told = await bot.client.wait_for(MANAGER, lambda v: "asks to move" in (v["text"] or ""),
                                     after=0)
    assert told["text"] == ("Buyer asks to move the meeting «Tour» on 21.11.2026 17:00 to "
                            "another time:\n\nMonday after 15:00, please")
    assert buttons(told) == ["Open task"]
    assert (await meeting(bot, "Tour")).starts_at == datetime(2026, 11, 21, 14, tzinfo=UTC)

    # «Lunch» cancelled: the event is cancelled, its reminders stop, the manager is told.
    reminder = await bot.client.wait_for(CUSTOMER, is_reminder("Lunch"), after=0)
    cancel = reminder["buttons"][1][0]["callback_data"]
    answer = await bot.press_for_answer(CUSTOMER, reminder["message_id"],
                                        text="Cancel the meeting")
    assert answer == "The meeting is cancelled. Your manager has been told."
    told = await bot.client.wait_for(MANAGER, lambda v: "cancelled the" in (v["text"] or ""),
                                     after=0)
    assert told["text"] == ("Buyer cancelled the meeting «Lunch» on 21.11.2026 18:00. It is "
                            "marked cancelled and its reminders stopped.")
    lunch = await meeting(bot, "Lunch")
    assert lunch.status == "cancelled"
    again = await bot.press_for_answer(CUSTOMER, reminder["message_id"], cancel, forged=True)
    assert again == "Already done: this meeting has changed since this message."
    # Two hours before it, nothing more goes out for the cancelled «Lunch».
    bot.clock.set(datetime(2026, 11, 21, 13, 0, tzinfo=UTC))
    await bot.app.services.alerts.enqueue_alerts()
    assert [s for _, s, _ in await reminders_of(bot, lunch.id)] == ["sent", "cancelled"]
    # The 2 h reminder of «Tour» still comes, and «Contract»'s first one for its new start.
    for text in ("Reminder: meeting «Tour» on 21.11.2026 16:00 (your time).",
                 "Reminder: meeting «Contract» on 22.11.2026 09:00 (your time)."):
        await bot.client.wait_for(CUSTOMER, lambda v, t=text: v["text"] == t, after=0)
    assert await answers_told(bot) == told_before + 2


async def test_a_task_meeting_gets_a_client_and_answers_in_the_clients_language(
        bot: Harness) -> None:
    """Issue 18 follow-ups: a meeting made with /task (no deal) is linked to one of the
    manager's own clients, in the flow or on its card; its reminders are planned at once (no
    minute job runs here); the client, whose app is in English but who is stored as Romanian,
    reads the reminder and every answer to its buttons in Romanian."""
    await seed(bot)
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            await uow.session.execute(update(m.Contact).where(m.Contact.name == "Buyer")
                                      .values(language="ro"))
            other = await uow.session.scalar(select(m.Company.id)
                                             .where(m.Company.name == "Other"))
            await uow.commit()
    finally:
        await db.dispose()

    async def new_meeting(title: str) -> dict[str, Any]:
        kinds = await bot.say(MANAGER, "/task")
        await bot.client.press(MANAGER, kinds["message_id"], text="Meeting")
        await bot.client.wait_for_edit(MANAGER, kinds["message_id"])
        await bot.say(MANAGER, title)
        await bot.say(MANAGER, "21.11 15:00")
        remind = await bot.say(MANAGER, "16:30")
        which = await bot.press(MANAGER, remind, "Yes")
        assert which["text"] == ("Which client is it with? Type part of the name, a phone or "
                                 "a tax id.")
        return which

    # In the flow: Petr's client is not found by Ivan; his own Acme is.
    await new_meeting("Review")
    missed = await bot.say(MANAGER, "Oth")
    assert missed["text"] == "No client of yours matches «Oth». Type again."
    assert buttons(missed) == ["Skip"]
    found = await bot.say(MANAGER, "Acm")
    assert found["text"] == "Choose the client:"
    assert buttons(found) == ["Acme", "Skip"]
    saved = await bot.press(MANAGER, found, "Acme")
    assert saved["text"] == "Saved: 🤝 Meeting: Review · 21.11 15:00–16:30 (planned) 🔔"
    review = await meeting(bot, "Review")
    # Planned in the same transaction: both reminders wait in the outbox already.
    assert [(lead, status) for lead, status, _ in await reminders_of(bot, review.id)] == [
        ("1440m", "pending"), ("120m", "pending")]

    # On the card: a meeting saved without a client gets Buyer (his contact) later.
    which = await new_meeting("Tour")
    saved = await bot.press(MANAGER, which, "Skip")
    assert saved["text"] == "Saved: 🤝 Meeting: Tour · 21.11 15:00–16:30 (planned) 🔔"
    tour = await meeting(bot, "Tour")
    assert (tour.contact_id, await reminders_of(bot, tour.id)) == (None, [])
    card = await open_card(bot, MANAGER, "Tour")
    assert "Client" in buttons(card) and "Client:" not in card["text"]
    asked = await bot.press(MANAGER, card, "Client")
    assert asked["text"] == "Which client is it with? Type part of the name, a phone or a tax id."
    found = await bot.say(MANAGER, "Buy")
    assert buttons(found) == ["👤 Buyer (Acme)"]
    # Forged: Ivan linking Petr's client, Petr linking his own to Ivan's meeting: not found.
    petr = await bot.say(MANAGER2, "/week")
    for who, message_id in ((MANAGER, found["message_id"]), (MANAGER2, petr["message_id"])):
        forged = await bot.press_for_answer(who, message_id, f"tc:kc:{tour.id}:{other}",
                                            forged=True)
        assert forged.startswith("Not found"), forged
    assert (await meeting(bot, "Tour")).contact_id is None
    await bot.client.press(MANAGER, found["message_id"], text="👤 Buyer (Acme)")
    card = await bot.client.wait_for(MANAGER, lambda v: "Client:" in (v["text"] or ""))
    assert "\nClient: Acme · Buyer\n" in card["text"]
    assert len(await reminders_of(bot, (await meeting(bot, "Tour")).id)) == 2

    # 24 h before: the drain sends both reminders (nothing but the clock moved), in Romanian.
    bot.clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    reminder = await bot.client.wait_for(
        CUSTOMER, lambda v: "„Review”" in (v["text"] or ""), after=0)
    assert reminder["text"] == ("Memento: întâlnirea „Review” la 21.11.2026 14:00 (ora "
                                "dumneavoastră).")
    assert buttons(reminder) == ["Confirmați", "Reprogramați", "Anulați întâlnirea"]
    answer = await bot.press_for_answer(CUSTOMER, reminder["message_id"], text="Confirmați")
    assert answer == "Vă mulțumim, ne vedem la întâlnire!"
    told = await bot.client.wait_for(MANAGER, lambda v: "confirmed" in (v["text"] or ""),
                                     after=0)
    assert told["text"] == "Buyer confirmed the meeting «Review» on 21.11.2026 15:00."

    tour_reminder = await bot.client.wait_for(
        CUSTOMER, lambda v: "„Tour”" in (v["text"] or ""), after=0)
    ask = await bot.press(CUSTOMER, tour_reminder, "Reprogramați")
    assert ask["text"].startswith("Ce oră v-ar conveni pentru „Tour”?"), ask["text"]
    sent = await bot.say(CUSTOMER, "Luni după 15:00")
    assert sent["text"] == ("Mesajul a fost trimis managerului dumneavoastră. Veți primi un "
                            "răspuns în curând.")
    # A refusal reads Romanian too: a button for another start of the meeting.
    prefix, action, task_id, mark, slot = reminder["buttons"][0][0]["callback_data"].split(":")
    stale = ":".join((prefix, action, task_id, str(int(mark) - 60), slot))
    refused = await bot.press_for_answer(CUSTOMER, reminder["message_id"], stale, forged=True)
    assert refused == "Deja făcut: întâlnirea s-a schimbat de la acest mesaj."
