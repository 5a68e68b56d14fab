"""The report pushes end to end: the real bot polls the sandbox; its minute job (called here
with the frozen clock) enqueues the weekly report at Monday 09:00 and the drain delivers it.
A Russian-speaking and an English-speaking head each get last week's team figures of the
seeded data against the week before, and the month's plan; the Russian head turns the
reports off from the push's own button, is told so in Russian, and gets none the next Monday
while the English head does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select

from services.access import AccessService
from services.reports.service import ReportService
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

HEAD_RU, HEAD_EN, MANAGER = 2101, 2102, 2103
MOSCOW = "Europe/Moscow"
SUNDAY_NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
MONDAY_9_MOSCOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


async def seed(bot: Harness) -> None:
    """Two heads (ru, en) and a manager in Moscow. Last week (30.11–06.12): invoices of
    1,000.00 and 500.00 RUB, 600.00 received, two deals won for 300.00 and 200.00. The week
    before (23.11–29.11): 1,200.00 invoiced, 400.00 received, one deal won for 100.00.
    December's plan for the manager: 2,000.00 RUB (paid)."""
    bot.clock.set(SUNDAY_NOON)
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        people = {}
        for tg, role, name, lang in ((HEAD_RU, Role.HEAD, "Ольга", "ru"),
                                     (HEAD_EN, Role.HEAD, "Helen", "en"),
                                     (MANAGER, Role.MANAGER, "Ivan", "en")):
            token = (await access.create_invite(admin, role)).token
            people[tg] = await access.join(tg, token, name, None, lang)
        ivan = people[MANAGER].id
        async with db.uow() as uow:
            s = uow.session
            # Nobody's watermark but this test's: the job looks from Sunday noon on.
            await s.execute(delete(m.JobWatermark))
            for user in people.values():
                (await s.get(m.User, user.id)).timezone = MOSCOW  # type: ignore[union-attr]
            org = m.Organization(name="Seller LLC", country="RU", currency="RUB")
            company = m.Company(owner_id=ivan, name="Acme", name_norm="acme")
            s.add_all([org, company])
            await s.flush()
            pipeline = await s.scalar(select(m.Pipeline.id).order_by(m.Pipeline.id))
            invoices = {}
            for number, issued, total, paid in (("INV-1", date(2026, 12, 1), 100_000, 60_000),
                                                ("INV-2", date(2026, 12, 3), 50_000, 0),
                                                ("INV-3", date(2026, 11, 24), 120_000, 40_000)):
                inv = m.Invoice(owner_id=ivan, organization_id=org.id, company_id=company.id,
                                currency="RUB", status="partially_paid" if paid else "sent",
                                issue_date=issued, due_date=issued + timedelta(days=30),
                                total_minor=total, paid_minor=paid, number_text=number,
                                language="ru")
                s.add(inv)
                await s.flush()
                invoices[number] = inv.id
            paid = (("INV-1", date(2026, 12, 2), 60_000), ("INV-3", date(2026, 11, 25), 40_000))
            for n, (number, received, amount) in enumerate(paid):
                pay = m.Payment(source="cash", external_id=f"e2e-{n}", organization_id=org.id,
                                company_id=company.id, amount_minor=amount, currency="RUB",
                                received_on=received, status="matched", direction="in",
                                created_by=ivan)
                s.add(pay)
                await s.flush()
                s.add(m.PaymentAllocation(payment_id=pay.id, invoice_id=invoices[number],
                                          amount_minor=amount, created_by=ivan))
            for closed, amount in ((datetime(2026, 12, 2, 12, tzinfo=UTC), 30_000),
                                   (datetime(2026, 12, 4, 12, tzinfo=UTC), 20_000),
                                   (datetime(2026, 11, 25, 12, tzinfo=UTC), 10_000)):
                s.add(m.Deal(owner_id=ivan, pipeline_id=pipeline, title="Deal",
                             title_norm="deal", amount_minor=amount, currency="RUB",
                             status="won", closed_at=closed))
            await uow.commit()
        head = people[HEAD_EN]
        await ReportService(db.uow, bot.clock).set_plan(  # type: ignore[arg-type]
            head, ivan, date(2026, 12, 1), "RUB", 200_000, "paid")
    finally:
        await db.dispose()
    for tg, lang in ((HEAD_RU, "ru"), (HEAD_EN, "en"), (MANAGER, "en")):
        await bot.client.user(tg, first_name="User", language_code=lang)
        bot.sandbox.state().open_chat(tg)


async def run_minute_job(bot: Harness, moment: datetime) -> None:
    bot.clock.set(moment)
    await bot.app.services.alerts.enqueue_alerts()


def is_report(view: dict[str, object]) -> bool:
    text = str(view.get("text") or "")
    return "Weekly report" in text or "Недельный отчёт" in text


async def reports_in(bot: Harness, chat: int) -> list[str]:
    return [str(v["text"]) for v in await bot.client.messages(chat) if is_report(v)]


EN_WEEK = (
    "Weekly report, 30.11.2026 – 06.12.2026\n"
    "Compared with 23.11.2026 – 29.11.2026.\n"
    "\n"
    "RUB\n"
    "Invoiced: {inv} (+25.0\u00a0%)\n"
    "Received: {rec} (+50.0\u00a0%)\n"
    "Deals won: 2 for {won} (+100.0\u00a0%)\n"
    "\n"
    "Plan for 12.2026, progress so far:\n"
    "• Ivan: {rec} of {plan} (30.0\u00a0%)"
)


async def test_heads_get_the_weekly_report_and_one_turns_it_off(bot: Harness) -> None:
    await seed(bot)
    await run_minute_job(bot, SUNDAY_NOON)
    await run_minute_job(bot, MONDAY_9_MOSCOW)
    await run_minute_job(bot, MONDAY_9_MOSCOW + timedelta(minutes=1))  # twice: still one

    en = await bot.client.wait_for(HEAD_EN, is_report, after=0)
    assert en["text"] == EN_WEEK.format(inv="RUB\u00a01,500.00", rec="RUB\u00a0600.00",
                                        won="RUB\u00a0500.00", plan="RUB\u00a02,000.00")
    assert buttons(en) == ["Open reports", "Turn off these reports"]
    ru = await bot.client.wait_for(HEAD_RU, is_report, after=0)
    assert ru["text"].split("\n")[:2] == ["Недельный отчёт, 30.11.2026 – 06.12.2026",
                                         "В сравнении с 23.11.2026 – 29.11.2026."]
    assert "Выставлено: 1\u202f500,00\u00a0₽ (+25,0\u00a0%)" in ru["text"]
    assert "Получено: 600,00\u00a0₽ (+50,0\u00a0%)" in ru["text"]
    assert "Выиграно сделок: 2 на 500,00\u00a0₽ (+100,0\u00a0%)" in ru["text"]
    assert "• Ivan: 600,00\u00a0₽ из 2\u202f000,00\u00a0₽ (30,0\u00a0%)" in ru["text"]
    assert buttons(ru) == ["Открыть отчёты", "Отключить эти отчёты"]
    assert await reports_in(bot, MANAGER) == []

    confirm = await bot.press(HEAD_RU, ru, "Отключить эти отчёты")
    assert confirm["text"] == (
        "Недельные отчёты отключены. По понедельникам они больше не придут.")
    assert buttons(confirm) == ["Включить снова"]

    # The next Monday: the English head gets the new week, the Russian head nothing.
    await run_minute_job(bot, MONDAY_9_MOSCOW + timedelta(days=7))
    second = await bot.client.wait_for(HEAD_EN, is_report)
    assert second["text"].startswith("Weekly report, 07.12.2026 – 13.12.2026\n")
    assert "No sales last week." in second["text"]
    await bot.settled()
    assert len(await reports_in(bot, HEAD_RU)) == 1
    assert len(await reports_in(bot, HEAD_EN)) == 2

    # Turned back on from the confirmation: the Monday after brings it again.
    answer = await bot.press_for_answer(HEAD_RU, confirm["message_id"], text="Включить снова")
    assert answer == ("Недельные отчёты снова включены: следующий придёт в понедельник "
                      "в 09:00.")
    await run_minute_job(bot, MONDAY_9_MOSCOW + timedelta(days=14))
    third = await bot.client.wait_for(HEAD_RU, is_report)
    assert third["text"].startswith("Недельный отчёт, 14.12.2026 – 20.12.2026\n")
    assert "На прошлой неделе продаж не было." in third["text"]
