"""The morning digest a manager acts on, end to end (issue 18): the real bot polls the sandbox;
its minute job is called here with the frozen clock and its drain delivers.

Ivan (Moscow) moves his digest to 08:00 and turns the overdue-invoice alert off in /alerts;
Petr types 10 for his. At 08:00 Ivan's digest lists his items, grouped, each with the button
of its card: money in yesterday, an overdue invoice, one due today, tasks (one overdue), a
meeting and a payment waiting for his decision; "More" pages on, read live (an invoice paid
since is gone). Each button opens the card; a stale one opens the card as it is now. Petr's
forged buttons on Ivan's items find nothing, and a forged "More" shows him only his own. At
09:00 the head gets the team's digest per manager and Olga, with nothing to say, none. Petr's
comes at 10:00, not at 09:00; Ivan's overdue alert never comes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select, update

from sandbox.client import eventually
from services.access import AccessService
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

IVAN, PETR, OLGA, HEAD = 2301, 2302, 2303, 2304
MOSCOW = "Europe/Moscow"
NOT_FOUND = "Not found. It may have been removed, or it is not yours."


def moscow(hour: int, minute: int = 0, day: int = 8) -> datetime:
    """A wall-clock moment in Moscow (UTC+3) in December 2026, as UTC."""
    return datetime(2026, 12, day, hour - 3, minute, tzinfo=UTC)


async def seed(bot: Harness) -> dict[str, int]:
    """Ivan: INV-P paid yesterday (RUB 500.00 allocated on 07.12 at 15:00), INV-O overdue
    since 01.12, INV-D due today, five open tasks (one overdue since 05.12), a meeting at
    12:00 and a payment of RUB 700.00 from Acme Ltd waiting for review. Petr: INV-B overdue,
    a task today. Olga: nothing. Returns the ids by name."""
    bot.clock.set(moscow(7, 30))
    db = Database(create_engine(bot.database_url))
    ids: dict[str, int] = {}
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        people = {}
        for tg, role, name in ((IVAN, Role.MANAGER, "Ivan"), (PETR, Role.MANAGER, "Petr"),
                               (OLGA, Role.MANAGER, "Olga"), (HEAD, Role.HEAD, "Helen")):
            token = (await access.create_invite(admin, role)).token
            people[tg] = (await access.join(tg, token, name, None, "en")).id
        ivan, petr = people[IVAN], people[PETR]
        async with db.uow() as uow:
            s = uow.session
            await s.execute(delete(m.JobWatermark))  # the job looks from now on
            for user_id in people.values():
                (await s.get(m.User, user_id)).timezone = MOSCOW  # type: ignore[union-attr]
            org = m.Organization(name="Seller LLC", country="RU", currency="RUB")
            acme = m.Company(owner_id=ivan, name="Acme", name_norm="acme")
            beta = m.Company(owner_id=petr, name="Beta", name_norm="beta")
            s.add_all([org, acme, beta])
            await s.flush()

            def invoice(owner: int, company: int, number: str, due: date, total: int,
                        status: str = "sent", paid: int = 0) -> m.Invoice:
                return m.Invoice(owner_id=owner, organization_id=org.id, company_id=company,
                                 currency="RUB", status=status, issue_date=date(2026, 11, 20),
                                 due_date=due, total_minor=total, paid_minor=paid,
                                 number_text=number, language="en")

            rows = {
                "INV-P": invoice(ivan, acme.id, "INV-P", date(2026, 12, 20), 50_000, "paid",
                                 50_000),
                "INV-O": invoice(ivan, acme.id, "INV-O", date(2026, 12, 1), 100_000),
                "INV-D": invoice(ivan, acme.id, "INV-D", date(2026, 12, 8), 30_000),
                "INV-B": invoice(petr, beta.id, "INV-B", date(2026, 12, 2), 40_000),
            }
            s.add_all(rows.values())
            await s.flush()
            ids.update({k: v.id for k, v in rows.items()})
            paid = m.Payment(source="bank", external_id="e2e-paid", organization_id=org.id,
                             company_id=acme.id, amount_minor=50_000, currency="RUB",
                             received_on=date(2026, 12, 7), status="allocated",
                             direction="in", created_by=ivan)
            review = m.Payment(source="bank", external_id="e2e-review",
                               organization_id=org.id, amount_minor=70_000, currency="RUB",
                               received_on=date(2026, 12, 7), payer_name="Acme Ltd",
                               purpose="for the chairs", status="review", direction="in",
                               created_by=ivan)
            s.add_all([paid, review])
            await s.flush()
            ids["review"] = review.id
            s.add(m.PaymentAllocation(payment_id=paid.id, invoice_id=rows["INV-P"].id,
                                      amount_minor=50_000, created_by=ivan,
                                      created_at=moscow(15, day=7)))
            tasks = [
                m.Task(owner_id=ivan, kind="task", title="Send the contract",
                       company_id=acme.id, status="planned", due_at=moscow(10, day=5)),
                *(m.Task(owner_id=ivan, kind="task", title=f"Task {n}", status="planned",
                         due_at=moscow(10 + n)) for n in (1, 2, 3)),
                m.Task(owner_id=ivan, kind="task", title="Call Acme", status="planned",
                       due_at=moscow(15)),
                m.Task(owner_id=ivan, kind="meeting", title="Demo", company_id=acme.id,
                       status="planned", starts_at=moscow(12), ends_at=moscow(13)),
                m.Task(owner_id=petr, kind="task", title="Call Beta", status="planned",
                       due_at=moscow(16)),
            ]
            s.add_all(tasks)
            await s.flush()
            ids.update({t.title: t.id for t in tasks})
            await uow.commit()
    finally:
        await db.dispose()
    for tg, name in ((IVAN, "Ivan"), (PETR, "Petr"), (OLGA, "Olga"), (HEAD, "Helen")):
        await bot.client.user(tg, first_name=name, language_code="en")
        bot.sandbox.state().open_chat(tg)
    return ids


async def run_minute_job(bot: Harness, moment: datetime) -> None:
    bot.clock.set(moment)
    await bot.app.services.alerts.enqueue_alerts()


def is_digest(view: dict[str, Any]) -> bool:
    return str(view.get("text") or "").startswith("Good morning!")


async def rows(bot: Harness, kind: str) -> list[tuple[int | None, str]]:
    """(recipient user id, status) of the outbox rows of `kind`."""
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            o = m.OutboxMessage
            found = await uow.session.execute(
                select(o.recipient_user_id, o.status).where(o.kind == kind).order_by(o.id))
            return [(r.recipient_user_id, r.status) for r in found]
    finally:
        await db.dispose()


async def user_id(bot: Harness, telegram_id: int) -> int:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            found = await uow.session.scalar(
                select(m.User.id).where(m.User.telegram_id == telegram_id))
            assert found is not None
            return int(found)
    finally:
        await db.dispose()


async def mark_paid(bot: Harness, invoice_id: int) -> None:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            await uow.session.execute(update(m.Invoice).where(m.Invoice.id == invoice_id)
                                      .values(status="paid", paid_minor=m.Invoice.total_minor))
            await uow.commit()
    finally:
        await db.dispose()


async def edited(bot: Harness, chat: int, message: dict[str, Any], label: str
                 ) -> dict[str, Any]:
    """Presses `label` on `message` and returns the message as the bot edited it."""
    await bot.client.press(chat, message["message_id"], text=label)
    return await bot.client.wait_for_edit(chat, message["message_id"])


IVAN_PAGE_1 = (
    "Good morning! Your day, 08.12.2026:\n"
    "\n💰 Money in yesterday\n"
    "1. INV-P · Acme: RUB\u00a0500.00 received\n"
    "\n⏰ Overdue invoices\n"
    "2. INV-O · Acme: RUB\u00a01,000.00 unpaid since 01.12.2026\n"
    "\n📅 Invoices due today\n"
    "3. INV-D · Acme: RUB\u00a0300.00 to pay\n"
    "\n📌 Tasks\n"
    "4. Send the contract, overdue since 05.12.2026 10:00 (Acme)\n"
    "5. 11:00 Task 1\n"
    "6. 12:00 Task 2\n"
    "7. 13:00 Task 3\n"
    "8. 15:00 Call Acme\n"
    "\nPage 1 of 2"
)


async def test_the_digest_lists_items_with_their_buttons_and_pages_on(bot: Harness) -> None:
    ids = await seed(bot)

    # Settings: Ivan's digest at 08:00, the overdue-invoice alert off; Petr types his hour.
    screen = await bot.say(IVAN, "/alerts")
    assert screen["text"] == (
        "Alerts\nThe morning digest comes at 09:00 your time.\n\n"
        "Tap an hour to move the digest, and a switch to turn an alert on (✅) or off (🔕).")
    assert buttons(screen) == [
        "07:00", "08:00", "✓ 09:00", "10:00", "11:00", "12:00", "Other hour",
        "✅ Morning digest", "✅ Invoices becoming overdue", "✅ Scheduled payments due",
        "✅ Guarantee letters unpaid", "✅ Contracts ending", "✅ Tasks due"]
    screen = await edited(bot, IVAN, screen, "08:00")
    assert screen["text"].startswith("Alerts\nThe morning digest comes at 08:00 your time.")
    screen = await edited(bot, IVAN, screen, "✅ Invoices becoming overdue")
    assert "🔕 Invoices becoming overdue" in buttons(screen)
    assert "✓ 08:00" in buttons(screen)
    petr_screen = await bot.say(PETR, "/alerts")
    asked = await bot.press(PETR, petr_screen, "Other hour")
    assert asked["text"] == ("At what hour should the digest come? Send a number from 5 to 20, "
                             "your time. /cancel to stop.")
    # 23:00 is refused: its late window would cross midnight (DIGEST_HOURS); so is 25.
    for typed in ("23", "25", "4"):
        refused = await bot.say(PETR, typed)
        assert refused["text"] == ("The morning digest plans your day: send an hour from 5 "
                                   "to 20, for example 8."), typed
    petr_screen = await bot.say(PETR, "10")
    assert petr_screen["text"].startswith("Alerts\nThe morning digest comes at 10:00 your time.")

    # 07:59: no digest yet; Petr is told his invoice is overdue, Ivan (turned off) is not.
    await run_minute_job(bot, moscow(7, 59))
    overdue = await bot.client.wait_for_text(PETR, "Invoice INV-B (Beta) is overdue")
    assert await rows(bot, "overdue_alert") == [(await user_id(bot, PETR), "sent")]
    assert await rows(bot, "digest") == []

    # 08:00: Ivan's digest.
    await run_minute_job(bot, moscow(8))
    digest = await bot.client.wait_for(IVAN, is_digest, after=0)
    assert digest["text"] == IVAN_PAGE_1
    assert buttons(digest) == [
        "1. INV-P", "2. INV-O", "3. INV-D", "4. Send the contract", "5. Task 1", "6. Task 2",
        "7. Task 3", "8. Call Acme", "More »", "⚙️ Alert settings"]

    # Each button opens its card.
    card = await bot.press(IVAN, digest, "2. INV-O")
    assert card["text"].startswith("Invoice INV-O · Acme\nStatus: overdue\n")
    card = await bot.press(IVAN, digest, "4. Send the contract")
    assert card["text"].startswith("📌 Task: Send the contract")
    # Paid since the digest was sent: its button opens the card as it is now.
    await mark_paid(bot, ids["INV-D"])
    card = await bot.press(IVAN, digest, "3. INV-D")
    assert card["text"].startswith("Invoice INV-D · Acme\nStatus: paid\n")

    # "More" reads the rest live: INV-D is gone, so the meeting moved up to page 1.
    page = await edited(bot, IVAN, digest, "More »")
    assert page["text"] == (
        "Good morning! Your day, 08.12.2026:\n"
        "\n💳 Payments waiting for a decision\n"
        "9. RUB\u00a0700.00 from Acme Ltd, received 07.12.2026\n"
        "\nPage 2 of 2")
    assert buttons(page) == ["9. Acme Ltd", "« Back", "⚙️ Alert settings"]
    review = await bot.press(IVAN, page, "9. Acme Ltd")
    assert "Acme Ltd" in review["text"]
    assert "Not ours" in buttons(review)
    page = await edited(bot, IVAN, page, "« Back")
    assert "\n🤝 Meetings and calls today\n8. 🤝 12:00 Demo (Acme)\n" in page["text"]
    assert "INV-D" not in page["text"]
    event = await bot.press(IVAN, page, "8. Demo")
    assert event["text"].startswith("🤝 Meeting: Demo")
    settings = await bot.press(IVAN, page, "⚙️ Alert settings")
    assert settings["text"].startswith("Alerts\nThe morning digest comes at 08:00 your time.")

    # Petr's forged buttons on Ivan's items find nothing; a forged "More" shows his own.
    for data in (f"in:o:{ids['INV-O']}:0:", f"tc:o:{ids['Call Acme']}:0",
                 f"pm:o:{ids['review']}:0"):
        answer = await bot.press_for_answer(PETR, overdue["message_id"], data, forged=True)
        assert answer == NOT_FOUND, data
    await bot.client.press_raw(PETR, overdue["message_id"], "dg:20261208:1")
    mine = await bot.client.wait_for_edit(PETR, overdue["message_id"])
    assert mine["text"] == (
        "Good morning! Your day, 08.12.2026:\n"
        "\n⏰ Overdue invoices\n"
        "1. INV-B · Beta: RUB\u00a0400.00 unpaid since 02.12.2026\n"
        "\n📌 Tasks\n"
        "2. 16:00 Call Beta")
    await bot.settled()
    assert not [v for v in await bot.client.messages(PETR) if "INV-O" in (v["text"] or "")]

    # 09:00: the head gets the team's digest, per manager; Olga, with nothing, none.
    await run_minute_job(bot, moscow(9))
    team = await bot.client.wait_for(HEAD, is_digest, after=0)
    assert team["text"] == (
        "Good morning! The team's day, 08.12.2026:\n"
        "\n👤 Ivan\n"
        "\n💰 Money in yesterday\n"
        "1. INV-P · Acme: RUB\u00a0500.00 received\n"
        "\n⏰ Overdue invoices\n"
        "2. INV-O · Acme: RUB\u00a01,000.00 unpaid since 01.12.2026\n"
        "\n📌 Tasks\n"
        "3. Send the contract, overdue since 05.12.2026 10:00 (Acme)\n"
        "4. 11:00 Task 1\n"
        "5. 12:00 Task 2\n"
        "6. 13:00 Task 3\n"
        "7. 15:00 Call Acme\n"
        "\n🤝 Meetings and calls today\n"
        "8. 🤝 12:00 Demo (Acme)\n"
        "\nPage 1 of 2")
    rest = await edited(bot, HEAD, team, "More »")
    assert rest["text"] == (
        "Good morning! The team's day, 08.12.2026:\n"
        "\n👤 Petr\n"
        "\n⏰ Overdue invoices\n"
        "9. INV-B · Beta: RUB\u00a0400.00 unpaid since 02.12.2026\n"
        "\n📌 Tasks\n"
        "10. 16:00 Call Beta\n"
        "\n💳 Payments waiting for a decision\n"
        "11. RUB\u00a0700.00 from Acme Ltd, received 07.12.2026\n"
        "\nPage 2 of 2")
    olga = await user_id(bot, OLGA)

    async def olgas_digest_cancelled() -> bool | None:
        return True if (olga, "cancelled") in await rows(bot, "digest") else None

    await eventually(olgas_digest_cancelled, "Olga's empty digest was not cancelled")
    await bot.settled()
    assert await bot.client.messages(OLGA) == []
    petr = await user_id(bot, PETR)
    assert petr not in {who for who, _ in await rows(bot, "digest")}  # his hour is 10

    # 10:00: Petr's.
    await run_minute_job(bot, moscow(10))
    petrs = await bot.client.wait_for(PETR, is_digest, after=overdue["message_id"])
    assert petrs["text"] == mine["text"]
    assert buttons(petrs) == ["1. INV-B", "2. Call Beta", "⚙️ Alert settings"]
    assert [s for who, s in await rows(bot, "overdue_alert") if who != petr] == []
