"""Reminders end to end: the real bot (scheduler included) polls the sandbox. A due reminder
reaches the customer's chat with "I've paid"; pressing it pauses the reminders and tells the
manager; /reminders lists the next ones with snooze / skip / stop; forged buttons on another
manager's reminder find nothing; /clienttz refuses an unknown zone; /contract refuses an end
before the start; /outbox shows the queue to admins."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from services.access import AccessService
from services.alerts import AlertConfig, AlertService
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

MANAGER, MANAGER2, CUSTOMER = 2001, 2002, 7001
MONDAY_10_CHISINAU = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)


async def seed(bot: Harness) -> int:
    """Two managers, Ivan's client with a contact bound to the customer's chat, an invoice
    due today (Monday 15 June 2026) with its reminders planned; returns the invoice id."""
    bot.clock.set(MONDAY_10_CHISINAU)
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(
            MANAGER, (await access.create_invite(admin, Role.MANAGER)).token, "Ivan", None, "en"
        )
        await access.join(
            MANAGER2, (await access.create_invite(admin, Role.MANAGER)).token, "Petr", None, "en"
        )
        async with db.uow() as uow:
            s = uow.session
            org = m.Organization(name="Seller SRL", country="MD", currency="MDL")
            company = m.Company(owner_id=ivan.id, name="Acme", name_norm="acme")
            s.add_all([org, company])
            await s.flush()
            contact = m.Contact(
                owner_id=ivan.id,
                company_id=company.id,
                name="Buyer",
                name_norm="buyer",
                telegram_user_id=CUSTOMER,
                timezone="Europe/Chisinau",
                language="en",
            )
            s.add(contact)
            await s.flush()
            invoice = m.Invoice(
                owner_id=ivan.id,
                organization_id=org.id,
                company_id=company.id,
                contact_id=contact.id,
                currency="MDL",
                status="sent",
                due_date=date(2026, 6, 15),
                total_minor=99_000,
                number_text="INV-7",
                language="en",
            )
            s.add(invoice)
            await s.flush()
            invoice_id = invoice.id
            await uow.commit()
        alerts = AlertService(
            db.uow,
            bot.clock,  # type: ignore[arg-type]
            AlertConfig(default_timezone="Europe/Chisinau"),
        )
        assert await alerts.replan(invoice_id) == (4, 0)  # today's and +1, +7, +14
    finally:
        await db.dispose()
    for uid, name in ((MANAGER, "Ivan"), (MANAGER2, "Petr"), (ADMIN, "Anna"), (CUSTOMER, "Buyer")):
        await bot.client.user(uid, first_name=name, language_code="en")
        bot.sandbox.state().open_chat(uid)
    return invoice_id


async def invoice_flags(bot: Harness, invoice_id: int) -> tuple[Any, ...]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            row = (
                await uow.session.execute(
                    select(m.Invoice.reminders_paused, m.Invoice.reminders_stopped).where(
                        m.Invoice.id == invoice_id
                    )
                )
            ).one()
            statuses = (
                await uow.session.scalars(
                    select(m.OutboxMessage.status)
                    .where(m.OutboxMessage.invoice_id == invoice_id)
                    .order_by(m.OutboxMessage.id)
                )
            ).all()
    finally:
        await db.dispose()
    return tuple(row), list(statuses)


async def test_customer_gets_the_reminder_and_ive_paid_reaches_the_manager(bot: Harness) -> None:
    invoice_id = await seed(bot)
    reminder = await bot.client.wait_for(CUSTOMER)  # sent by the outbox drain, not the answer
    assert reminder["text"] == "Invoice INV-7 is due today: MDL\u00a0990.00 left to pay."
    assert buttons(reminder) == ["I've paid"]
    answer = await bot.press_for_answer(CUSTOMER, reminder["message_id"], text="I've paid")
    assert answer == "Thank you! We will check the payment; reminders are paused."
    told = await bot.client.wait_for(MANAGER, after=0)
    assert told["text"] == (
        "Buyer says invoice INV-7 is paid. Reminders are paused until the "
        "payment arrives (or resume them in /reminders)."
    )
    flags, statuses = await invoice_flags(bot, invoice_id)
    assert flags == (True, False)
    assert statuses == ["sent", "cancelled", "cancelled", "cancelled"]
    # Another customer forging the same button finds nothing, and changes nothing.
    await bot.client.user(CUSTOMER + 1, first_name="Eve", language_code="en")
    await bot.client.send_text(CUSTOMER + 1, "hi")
    refusal = await bot.client.wait_for(CUSTOMER + 1)
    forged = await bot.press_for_answer(
        CUSTOMER + 1, refusal["message_id"], f"rc:p:{invoice_id}", forged=True
    )
    assert forged.startswith("Not found")


async def test_reminders_list_skip_stop_and_forged_buttons(bot: Harness) -> None:
    invoice_id = await seed(bot)
    await bot.client.wait_for(CUSTOMER)  # today's went out
    listing = await bot.say(MANAGER, "/reminders")
    lines = listing["text"].split("\n")
    assert lines[0] == "Next reminders to your clients:"
    # 10:00 in the client's Chisinau, shown in the manager's own zone (UTC here)
    assert lines[1:] == [
        "1. Invoice INV-7 (Acme): 1 day(s) after the due date, 16.06.2026 07:00, by Telegram",
        "2. Invoice INV-7 (Acme): 7 day(s) after the due date, 22.06.2026 07:00, by Telegram",
        "3. Invoice INV-7 (Acme): 14 day(s) after the due date, 29.06.2026 07:00, by Telegram",
    ]
    assert buttons(listing)[:3] == ["1: snooze 1 day", "1: skip", "1: stop invoice"]
    skip_data = listing["buttons"][0][1]["callback_data"]
    # Petr has none, and Ivan's buttons forged by Petr find nothing.
    empty = await bot.say(MANAGER2, "/reminders")
    assert empty["text"] == "No reminders are planned for your clients."
    for data in (skip_data, listing["buttons"][0][0]["callback_data"], f"rm:x:{invoice_id}"):
        forged = await bot.press_for_answer(MANAGER2, empty["message_id"], data, forged=True)
        assert forged.startswith("Not found"), forged
    assert (await invoice_flags(bot, invoice_id))[1] == ["sent", "pending", "pending", "pending"]
    answer = await bot.press_for_answer(MANAGER, listing["message_id"], text="1: skip")
    assert answer == "Skipped: this reminder will not be sent."
    again = await bot.press_for_answer(MANAGER, listing["message_id"], text="1: skip")
    assert again == "This reminder is no longer waiting to be sent."
    answer = await bot.press_for_answer(MANAGER, listing["message_id"], text="2: stop invoice")
    assert answer == "Reminders for this invoice are stopped."
    flags, statuses = await invoice_flags(bot, invoice_id)
    assert flags == (False, True)
    assert statuses == ["sent", "skipped", "cancelled", "cancelled"]
    assert (await bot.say(MANAGER, "/reminders"))["text"] == (
        "No reminders are planned for your clients."
    )


async def test_client_time_zone_contract_and_outbox_commands(bot: Harness) -> None:
    await seed(bot)
    await bot.client.wait_for(CUSTOMER)  # the drain job ran
    pick = await bot.say(MANAGER, "/clienttz")
    assert buttons(pick) == ["Acme"]
    ask = await bot.press(MANAGER, pick, "Acme")
    assert ask["text"].startswith("Time zone? For example Europe/Chisinau")
    refused = await bot.say(MANAGER, "Europe/Kishinev-typo")
    assert refused["text"] == (
        "Unknown time zone. Use a name like Europe/Chisinau, Europe/Moscow or Europe/Bucharest."
    )
    saved = await bot.say(MANAGER, "Europe/Bucharest")
    assert saved["text"] == (
        "Time zone saved: Europe/Bucharest. Reminders to this client follow it."
    )

    await bot.say(MANAGER, "/contract")
    await bot.say(MANAGER, "Support 2026")
    bad = await bot.say(MANAGER, "31.02.2026")
    assert bad["text"] == "That is not a date. Example: 25.11.2026."
    await bot.say(MANAGER, "01.07.2026")
    refused = await bot.say(MANAGER, "30.06.2026")
    assert refused["text"] == "The end date must not be before the start date."
    done = await bot.say(MANAGER, "30.06.2027")
    assert done["text"] == (
        "Saved. I will remind you 30, 7 and 1 days before the end.\n"
        "«Support 2026»: 01.07.2026 – 30.06.2027"
    )
    assert (await bot.say(MANAGER2, "/contracts"))["text"] == (
        "No contracts yet. Add one with /contract."
    )

    health = await bot.say(ADMIN, "/outbox")
    assert health["text"].startswith("Outbox:\nDue now: ")
    assert "Sent: 1" in health["text"] and "Pending: 3" in health["text"]
    # 07:00 UTC in the admin's Chisinau
    assert "Last sending run: 15.06.2026 10:00:00" in health["text"]
    assert "UTC" not in health["text"]
    # Not for managers.
    assert "did not understand" in (await bot.say(MANAGER, "/outbox"))["text"]
