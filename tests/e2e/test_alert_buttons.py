"""Every staff alert carries its next step as buttons, end to end with a frozen clock (Monday
15 June 2026, 10:00 in Chisinau, the manager's zone): the minute job enqueues an overdue
invoice, an installment due, a guarantee letter unpaid past its date, a contract ending and two
tasks due; each alert arrives with its buttons, each button is pressed and its effect seen
(the customer's chat gets the reminder, the call task's card, the schedule, the renewal deal,
a task moved +1 hour shown in the manager's zone); pressed twice it works once; a stale one
says so and changes nothing; another manager's forged callbacks are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update

from services.access import AccessService
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

IVAN, PETR, CUSTOMER = 2001, 2002, 7001
MONDAY_10_CHISINAU = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)
NOT_FOUND = "Not found. It may have been removed, or it is not yours."
ALREADY = "Already done."
PAID = "Already paid: nothing was sent or created."


async def seed(bot: Harness) -> dict[str, int]:
    bot.clock.set(MONDAY_10_CHISINAU)
    db = Database(create_engine(bot.database_url))
    ids: dict[str, int] = {}
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(
            IVAN, (await access.create_invite(admin, Role.MANAGER)).token, "Ivan", None, "en")
        await access.join(
            PETR, (await access.create_invite(admin, Role.MANAGER)).token, "Petr", None, "en")
        async with db.uow() as uow:
            s = uow.session
            await s.execute(update(m.User).where(m.User.id == ivan.id)
                            .values(timezone="Europe/Chisinau"))
            org = m.Organization(name="Seller SRL", country="MD", currency="MDL")
            company = m.Company(owner_id=ivan.id, name="Acme", name_norm="acme")
            s.add_all([org, company])
            await s.flush()
            contact = m.Contact(owner_id=ivan.id, company_id=company.id, name="Buyer",
                                name_norm="buyer", telegram_user_id=CUSTOMER,
                                timezone="Europe/Chisinau", language="en")
            s.add(contact)
            await s.flush()

            def invoice(number: str, status: str, due: date) -> m.Invoice:
                return m.Invoice(owner_id=ivan.id, organization_id=org.id,
                                 company_id=company.id, contact_id=contact.id, currency="MDL",
                                 status=status, due_date=due, total_minor=99_000,
                                 number_text=number, language="en")

            overdue = invoice("INV-1", "sent", date(2026, 6, 10))
            scheduled = invoice("INV-2", "sent", date(2026, 7, 15))
            promised = invoice("INV-3", "overdue", date(2026, 6, 1))
            s.add_all([overdue, scheduled, promised])
            await s.flush()
            s.add_all([
                m.Installment(invoice_id=scheduled.id, due_date=date(2026, 6, 15),
                              amount_minor=50_000, paid_minor=0, status="open"),
                m.Installment(invoice_id=scheduled.id, due_date=date(2026, 7, 15),
                              amount_minor=49_000, paid_minor=0, status="open"),
                m.Shipment(invoice_id=promised.id, kind="act", on_credit=True,
                           guarantee_until=date(2026, 6, 14)),
            ])
            contract = m.Contract(owner_id=ivan.id, company_id=company.id,
                                  title="Support 2026", number="C-12",
                                  starts_on=date(2025, 7, 1), ends_on=date(2026, 6, 22))
            offer = m.Task(owner_id=ivan.id, kind="task", title="Send the offer",
                           status="planned", due_at=MONDAY_10_CHISINAU)
            report = m.Task(owner_id=ivan.id, kind="task", title="Write the report",
                            status="planned", due_at=MONDAY_10_CHISINAU)
            s.add_all([contract, offer, report])
            await s.flush()
            ids = {"overdue": overdue.id, "scheduled": scheduled.id, "promised": promised.id,
                   "contract": contract.id, "offer": offer.id, "report": report.id,
                   "ivan": ivan.id}
            await uow.commit()
    finally:
        await db.dispose()
    for uid, name in ((IVAN, "Ivan"), (PETR, "Petr"), (ADMIN, "Anna"), (CUSTOMER, "Buyer")):
        await bot.client.user(uid, first_name=name, language_code="en")
        bot.sandbox.state().open_chat(uid)
    await bot.app.services.alerts.enqueue_alerts()
    return ids


async def query(bot: Harness, stmt: Any) -> list[Any]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return list((await uow.session.execute(stmt)).all())
    finally:
        await db.dispose()


async def change(bot: Harness, stmt: Any) -> None:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            await uow.session.execute(stmt)
            await uow.commit()
    finally:
        await db.dispose()


async def alert(bot: Harness, start: str) -> dict[str, Any]:
    return await bot.client.wait_for(IVAN, lambda v: str(v["text"]).startswith(start), after=0)


def data_of(message: dict[str, Any], text: str) -> str:
    return next(str(b["callback_data"]) for row in message["buttons"] for b in row
                if b["text"] == text)


async def forged_by_petr(bot: Harness, *callbacks: str) -> None:
    """Petr forges Ivan's buttons under a message of his own: each finds nothing."""
    mine = await bot.say(PETR, "/contracts")
    for data in callbacks:
        answer = await bot.press_for_answer(PETR, mine["message_id"], data, forged=True)
        assert answer == NOT_FOUND, (data, answer)


async def customer_reminders(bot: Harness) -> list[Any]:
    return await query(bot, select(m.OutboxMessage.kind, m.OutboxMessage.chat_id,
                                   m.OutboxMessage.payload)
                       .where(m.OutboxMessage.idempotency_key.like("alert:%:remind"))
                       .order_by(m.OutboxMessage.id))


async def test_overdue_and_installment_alerts_remind_the_customer_and_make_a_call_task(
        bot: Harness) -> None:
    ids = await seed(bot)
    overdue = await alert(bot, "Invoice INV-1 (Acme) is overdue since 10.06.2026")
    assert overdue["text"] == (
        "Invoice INV-1 (Acme) is overdue since 10.06.2026: MDL\u00a0990.00 unpaid.")
    assert buttons(overdue) == ["Remind the client now", "Call task for tomorrow", "Open invoice"]
    installment = await alert(bot, "A scheduled payment under invoice INV-2")
    assert installment["text"] == (
        "A scheduled payment under invoice INV-2 is due today (MDL\u00a0500.00 left).")
    assert buttons(installment) == ["Open the schedule", "Remind the client now"]

    # Another manager's forged buttons find nothing, and nothing is sent or made.
    await forged_by_petr(bot, data_of(overdue, "Remind the client now"),
                         data_of(overdue, "Call task for tomorrow"),
                         data_of(installment, "Remind the client now"),
                         data_of(installment, "Open the schedule"),
                         data_of(overdue, "Open invoice"))
    assert await customer_reminders(bot) == []

    # Remind now: the customer's own chat gets the ladder's overdue reminder, once.
    answer = await bot.press_for_answer(IVAN, overdue["message_id"],
                                        text="Remind the client now")
    assert answer == "The reminder is on its way to the client."
    # From the chat's start: the reminder may arrive before this wait begins.
    reminder = await bot.client.wait_for(CUSTOMER, after=0)
    assert reminder["text"] == (
        "Invoice INV-1 is overdue since 10.06.2026: MDL\u00a0990.00 left to pay.")
    assert buttons(reminder) == ["I've paid"]
    again = await bot.press_for_answer(IVAN, overdue["message_id"], text="Remind the client now")
    assert again == ALREADY
    assert [(k, c) for k, c, _ in await customer_reminders(bot)] == [
        ("invoice_overdue", CUSTOMER)]

    # Call task for tomorrow: 09:00 in Ivan's zone, its card one tap away; once.
    await bot.client.press(IVAN, overdue["message_id"], text="Call task for tomorrow")
    made = await bot.client.wait_for(IVAN, lambda v: str(v["text"]).startswith("Task created"))
    assert made["text"] == (
        "Task created: «Call Acme about invoice INV-1», due 16.06.2026 09:00.")
    card = await bot.press(IVAN, made, "Open")
    assert card["text"].split("\n")[:2] == ["📌 Task: Call Acme about invoice INV-1",
                                            "Due: 16.06 09:00"]
    again = await bot.press_for_answer(IVAN, overdue["message_id"],
                                       text="Call task for tomorrow")
    assert again == ALREADY
    calls = await query(bot, select(m.Task.title, m.Task.due_at, m.Task.company_id)
                        .where(m.Task.origin_key.like("alert:%:call")))
    assert [(t, d.astimezone(UTC)) for t, d, _ in calls] == [
        ("Call Acme about invoice INV-1", datetime(2026, 6, 16, 6, 0, tzinfo=UTC))]

    opened = await bot.press(IVAN, overdue, "Open invoice")
    assert "Invoice INV-1" in opened["text"] and "Acme" in opened["text"]

    # The installment: its schedule, and the customer reminded of it, once.
    schedule = await bot.press(IVAN, installment, "Open the schedule")
    assert schedule["text"] == (
        "Payment schedule of invoice INV-2:\n"
        "15.06.2026 — MDL\u00a0500.00 · paid MDL\u00a00.00\n"
        "15.07.2026 — MDL\u00a0490.00 · paid MDL\u00a00.00")
    answer = await bot.press_for_answer(IVAN, installment["message_id"],
                                        text="Remind the client now")
    assert answer == "The reminder is on its way to the client."
    reminder = await bot.client.wait_for(CUSTOMER)
    assert reminder["text"] == (
        "Reminder: a scheduled payment under invoice INV-2 is due on 15.06.2026. "
        "The invoice has MDL\u00a0990.00 left to pay.")
    again = await bot.press_for_answer(IVAN, installment["message_id"],
                                       text="Remind the client now")
    assert again == ALREADY

    # Stale: INV-1 is paid since; "remind now" says so and enqueues nothing.
    await change(bot, update(m.Invoice).where(m.Invoice.id == ids["overdue"])
                 .values(status="paid", paid_minor=99_000))
    stale = await bot.press_for_answer(IVAN, overdue["message_id"], text="Remind the client now")
    assert stale == PAID
    assert [k for k, _, _ in await customer_reminders(bot)] == [
        "invoice_overdue", "installment_due_today"]


async def test_guarantee_contract_and_task_alerts(bot: Harness) -> None:
    ids = await seed(bot)
    guarantee = await alert(bot, "Invoice INV-3 (Acme): the payment promised")
    assert guarantee["text"] == (
        "Invoice INV-3 (Acme): the payment promised by 14.06.2026 in the guarantee letter has "
        "not arrived; MDL\u00a0990.00 unpaid.")
    assert buttons(guarantee) == ["Open invoice", "Call task for tomorrow"]
    contract = await alert(bot, "Contract «Support 2026»")
    assert contract["text"] == "Contract «Support 2026» ends on 22.06.2026: 7 day(s) left."
    assert buttons(contract) == ["Create a renewal deal", "Open the contract"]
    offer = await alert(bot, "Task due at 15.06.2026 10:00: Send the offer")
    report = await alert(bot, "Task due at 15.06.2026 10:00: Write the report")
    assert buttons(offer) == ["Done", "+1 hour", "Tomorrow", "Open"]

    await forged_by_petr(bot, data_of(guarantee, "Call task for tomorrow"),
                         data_of(contract, "Create a renewal deal"),
                         data_of(contract, "Open the contract"),
                         data_of(offer, "Done"), data_of(offer, "+1 hour"),
                         data_of(offer, "Tomorrow"), data_of(offer, "Open"))
    assert await query(bot, select(m.Deal.id)) == []
    tasks = select(m.Task.title, m.Task.status, m.Task.due_at).order_by(m.Task.id)
    assert [(t, s) for t, s, _ in await query(bot, tasks)] == [
        ("Send the offer", "planned"), ("Write the report", "planned")]

    # Guarantee letter: open the invoice; once it is paid, the call task is stale.
    opened = await bot.press(IVAN, guarantee, "Open invoice")
    assert "Invoice INV-3" in opened["text"]
    await change(bot, update(m.Invoice).where(m.Invoice.id == ids["promised"])
                 .values(status="paid", paid_minor=99_000))
    stale = await bot.press_for_answer(IVAN, guarantee["message_id"],
                                       text="Call task for tomorrow")
    assert stale == PAID
    assert len(await query(bot, tasks)) == 2

    # Contract: a renewal deal for its client, once (the card's button makes the same one).
    await bot.client.press(IVAN, contract["message_id"], text="Create a renewal deal")
    made = await bot.client.wait_for(IVAN, lambda v: str(v["text"]).startswith("Renewal deal"))
    assert made["text"] == "Renewal deal created: «Renewal: Support 2026»."
    assert buttons(made) == ["Open deal"]
    again = await bot.press_for_answer(IVAN, contract["message_id"],
                                       text="Create a renewal deal")
    assert again == ALREADY
    card = await bot.press(IVAN, contract, "Open the contract")
    assert card["text"] == ("Contract «Support 2026»\nNumber: C-12\n"
                            "In force: 01.07.2025 – 22.06.2026\nClient: Acme")
    assert buttons(card) == ["Create a renewal deal"]
    from_card = await bot.press_for_answer(IVAN, card["message_id"], text="Create a renewal deal")
    assert from_card == ALREADY
    deals = await query(bot, select(m.Deal.title, m.Deal.owner_id, m.Deal.company_id,
                                    m.Deal.origin_key))
    assert [(t, o) for t, o, _, _ in deals] == [("Renewal: Support 2026", ids["ivan"])]
    assert deals[0][2] is not None

    # Task: +1 hour shows the new time in Ivan's zone; the old button (and "tomorrow" on the
    # same alert) then does nothing; done once.
    moved = await bot.press_for_answer(IVAN, offer["message_id"], text="+1 hour")
    assert moved == "Moved to 15.06.2026 11:00."
    assert await bot.press_for_answer(IVAN, offer["message_id"], text="+1 hour") == ALREADY
    assert await bot.press_for_answer(IVAN, offer["message_id"], text="Tomorrow") == ALREADY
    card = await bot.press(IVAN, offer, "Open")
    assert card["text"].split("\n")[1] == "Due: 15.06 11:00"
    later = await bot.press_for_answer(IVAN, report["message_id"], text="Tomorrow")
    assert later == "Moved to 16.06.2026 10:00."
    assert await bot.press_for_answer(IVAN, offer["message_id"], text="Done") == "Done."
    assert await bot.press_for_answer(IVAN, offer["message_id"], text="Done") == ALREADY
    assert [(t, s, d.astimezone(UTC)) for t, s, d in await query(bot, tasks)] == [
        ("Send the offer", "done", datetime(2026, 6, 15, 8, 0, tzinfo=UTC)),
        ("Write the report", "deferred", datetime(2026, 6, 16, 7, 0, tzinfo=UTC)),
    ]
    assert (await query(bot, select(func.count(m.Deal.id))))[0][0] == 1
