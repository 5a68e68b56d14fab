"""Report pushes (issue 14 item 4) on SQLite and PostgreSQL with a FrozenClock: the minute job
enqueues each head's weekly report at Monday 09:00 in the head's own time zone and each admin's
monthly one at 09:00 on the 1st, once however often it runs; a bot down over Monday morning
enqueues it once, late, and a row left until the next one is due is dropped; opted-out users
get none, and an opt-out pressed after the enqueue cancels the row at send time (the real
dispatcher and sender, talking to the Bot API sandbox)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.i18n import create_i18n
from bot.outbox_sender import OutboxSender
from bot.scheduler import SchedulerJobs, build_dispatcher
from bot.telegram import RateLimiter, create_bot
from sandbox.client import SandboxClient
from sandbox.server import BotApiSandbox
from services.alerts import AlertConfig, AlertService
from services.clock import FrozenClock
from services.reports.pushes import ReportPushFigures
from services.reports.service import ReportService
from services.users import Role, User
from storage import models as m
from storage.uow import Database

TOKEN = "123456789:" + "ReportPushTestTokenForTheSandbox_ab"[:35]
MOSCOW, BUCHAREST = "Europe/Moscow", "Europe/Bucharest"  # UTC+3, UTC+2 in December
HEAD_MSK_TG, HEAD_BUC_TG, MANAGER_TG, ADMIN_TG = 3001, 3002, 3003, 3004
# Monday 7 December 2026: 09:00 in Moscow is 06:00 UTC, in Bucharest 07:00 UTC.
MONDAY = date(2026, 12, 7)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@dataclass
class People:
    head_msk: int
    head_buc: int
    manager: int
    admin: int


async def seed(db: Database) -> People:
    async with db.uow() as uow:
        users = [
            m.User(telegram_id=tg, role=role, full_name=name, language="en", timezone=tz)
            for tg, role, name, tz in (
                (HEAD_MSK_TG, "head", "Olga", MOSCOW),
                (HEAD_BUC_TG, "head", "Radu", BUCHAREST),
                (MANAGER_TG, "manager", "Ivan", MOSCOW),
                (ADMIN_TG, "admin", "Anna", MOSCOW),
            )
        ]
        uow.session.add_all(users)
        await uow.session.flush()
        people = People(*(u.id for u in users))
        await uow.commit()
    return people


def wired(db: Database, clock: FrozenClock) -> AlertService:
    alerts = AlertService(db.uow, clock, AlertConfig(default_timezone=MOSCOW))  # type: ignore[arg-type]
    alerts.reports = ReportPushFigures(ReportService(db.uow, clock))  # type: ignore[arg-type]
    return alerts


async def pushes(db: Database) -> list[tuple[str, int | None, str, datetime]]:
    """(key, recipient, status, due) of the report rows, by key."""
    o = m.OutboxMessage
    async with db.uow(readonly=True) as uow:
        rows = (await uow.session.execute(
            select(o.idempotency_key, o.recipient_user_id, o.status, o.due_at)
            .where(o.kind.in_(("report_weekly", "report_monthly")))
            .order_by(o.idempotency_key))).all()
    return [(k, r, s, d if d.tzinfo else d.replace(tzinfo=UTC)) for k, r, s, d in rows]


async def run_at(alerts: AlertService, clock: FrozenClock, moment: datetime) -> None:
    clock.set(moment)
    await alerts.enqueue_alerts()


def actor(user_id: int, telegram_id: int, role: Role) -> User:
    return User(user_id, telegram_id, role, "H", None, "en", MOSCOW, True,
                datetime(2026, 1, 1, tzinfo=UTC))


async def test_weekly_at_each_heads_own_nine_once(db: Database) -> None:
    p = await seed(db)
    clock = FrozenClock(utc(MONDAY, 5, 59))
    alerts = wired(db, clock)
    await run_at(alerts, clock, utc(MONDAY, 5, 59))  # 08:59 in Moscow
    assert await pushes(db) == []
    await run_at(alerts, clock, utc(MONDAY, 6, 0))  # 09:00 in Moscow, 08:00 in Bucharest
    msk = (f"report:weekly:{p.head_msk}:2026-12-07", p.head_msk, "pending", utc(MONDAY, 6))
    assert await pushes(db) == [msk]
    await run_at(alerts, clock, utc(MONDAY, 6, 1))
    await run_at(alerts, clock, utc(MONDAY, 6, 1))  # the same minute twice
    assert await pushes(db) == [msk]
    await run_at(alerts, clock, utc(MONDAY, 7, 0))  # 09:00 in Bucharest
    buc = (f"report:weekly:{p.head_buc}:2026-12-07", p.head_buc, "pending", utc(MONDAY, 7))
    assert await pushes(db) == [msk, buc]
    # The rest of the day, and a restarted process (a new service, same database): no more.
    again = wired(db, clock)
    for hour in (8, 12, 20):
        await run_at(again, clock, utc(MONDAY, hour))
    assert await pushes(db) == [msk, buc]  # the manager and the admin got no weekly one
    # Next Monday brings the next week's.
    await run_at(again, clock, utc(MONDAY + timedelta(days=7), 6))
    keys = [k for k, *_ in await pushes(db)]
    assert f"report:weekly:{p.head_msk}:2026-12-14" in keys
    assert f"report:weekly:{p.head_buc}:2026-12-14" not in keys  # 08:00 there


async def test_admin_gets_the_monthly_one_on_the_first(db: Database) -> None:
    p = await seed(db)
    first = date(2026, 12, 1)  # a Tuesday
    clock = FrozenClock(utc(first, 5, 0))
    alerts = wired(db, clock)
    await run_at(alerts, clock, utc(first, 5, 0))
    await run_at(alerts, clock, utc(first, 6, 0))
    await run_at(alerts, clock, utc(first, 6, 0))
    await run_at(alerts, clock, utc(first, 9, 0))
    # (The first run looked back a day, over the heads' Monday 09:00: their weekly ones.)
    assert [r for r in await pushes(db) if r[1] != p.head_msk and r[1] != p.head_buc] == [
        (f"report:monthly:{p.admin}:2026-12", p.admin, "pending", utc(first, 6))]


async def test_bot_down_from_sunday_to_tuesday_noon_catches_up_once(db: Database) -> None:
    p = await seed(db)
    clock = FrozenClock(utc(MONDAY - timedelta(days=1), 12))
    alerts = wired(db, clock)
    await run_at(alerts, clock, utc(MONDAY - timedelta(days=1), 12))  # Sunday, then down
    assert await pushes(db) == []
    tuesday_noon = utc(MONDAY + timedelta(days=1), 9)  # 12:00 in Moscow
    await run_at(alerts, clock, tuesday_noon)
    await run_at(alerts, clock, tuesday_noon + timedelta(minutes=1))
    assert await pushes(db) == [
        (f"report:weekly:{p.head_msk}:2026-12-07", p.head_msk, "pending", tuesday_noon),
        (f"report:weekly:{p.head_buc}:2026-12-07", p.head_buc, "pending", tuesday_noon),
    ]


async def test_down_for_weeks_enqueues_only_the_latest_week(db: Database) -> None:
    p = await seed(db)
    clock = FrozenClock(utc(date(2026, 11, 20), 12))
    alerts = wired(db, clock)
    await run_at(alerts, clock, utc(date(2026, 11, 20), 12))  # a Friday, then down 18 days
    await run_at(alerts, clock, utc(MONDAY + timedelta(days=1), 9))
    assert [k for k, *_ in await pushes(db)] == [
        f"report:monthly:{p.admin}:2026-12",  # the 1st fell in the downtime too
        f"report:weekly:{p.head_msk}:2026-12-07",  # not 30.11: only the latest week
        f"report:weekly:{p.head_buc}:2026-12-07",
    ]


async def test_opted_out_head_gets_none(db: Database) -> None:
    p = await seed(db)
    clock = FrozenClock(utc(MONDAY, 5))
    reports = ReportService(db.uow, clock)  # type: ignore[arg-type]
    await reports.set_optout(actor(p.head_msk, HEAD_MSK_TG, Role.HEAD), "weekly", True)
    alerts = wired(db, clock)
    await run_at(alerts, clock, utc(MONDAY, 5))
    await run_at(alerts, clock, utc(MONDAY, 8))
    assert [k for k, *_ in await pushes(db)] == [f"report:weekly:{p.head_buc}:2026-12-07"]
    # Turned back on: the next Monday's comes.
    await reports.set_optout(actor(p.head_msk, HEAD_MSK_TG, Role.HEAD), "weekly", False)
    await run_at(alerts, clock, utc(MONDAY + timedelta(days=7), 8))
    assert f"report:weekly:{p.head_msk}:2026-12-14" in [k for k, *_ in await pushes(db)]


# --- at send time -------------------------------------------------------------------------------


@dataclass
class Stack:
    db: Database
    clock: FrozenClock
    alerts: AlertService
    jobs: SchedulerJobs
    client: SandboxClient


@pytest.fixture(name="stack")
async def stack_fixture(db: Database) -> AsyncIterator[Stack]:
    """The real sender and dispatcher sending to an in-process Bot API sandbox."""
    sandbox = BotApiSandbox(per_chat_rate=None)
    await sandbox.start()
    for chat in (HEAD_MSK_TG, HEAD_BUC_TG, MANAGER_TG, ADMIN_TG):
        sandbox.state(TOKEN).open_chat(chat)
    bot = create_bot(TOKEN, sandbox.base_url, limiter=RateLimiter(1000, 1000, 1000))
    clock = FrozenClock(utc(MONDAY, 5))
    alerts = wired(db, clock)
    i18n = create_i18n("en")
    sender = OutboxSender(bot, alerts, i18n, clock)
    jobs = SchedulerJobs(alerts, build_dispatcher(db, sender, clock), clock, bot, i18n)
    client = SandboxClient(sandbox.base_url, TOKEN)
    try:
        yield Stack(db, clock, alerts, jobs, client)
    finally:
        await client.close()
        await bot.session.close()
        await sandbox.stop()


async def texts(client: SandboxClient, chat: int) -> list[Any]:
    """The report pushes that reached the chat (the morning digest goes there too)."""
    return [msg["text"] for msg in await client.messages(chat)
            if "report" in (msg["text"] or "")]


async def test_opt_out_after_enqueue_cancels_at_send_time(stack: Stack) -> None:
    p = await seed(stack.db)
    await run_at(stack.alerts, stack.clock, utc(MONDAY, 6, 0))
    assert [s for _k, _r, s, _d in await pushes(stack.db)] == ["pending"]
    reports = ReportService(stack.db.uow, stack.clock)  # type: ignore[arg-type]
    await reports.set_optout(actor(p.head_msk, HEAD_MSK_TG, Role.HEAD), "weekly", True)
    await stack.jobs.drain()
    assert [s for _k, _r, s, _d in await pushes(stack.db)] == ["cancelled"]
    assert await texts(stack.client, HEAD_MSK_TG) == []


async def test_a_stale_weekly_row_is_dropped_when_the_next_is_due(stack: Stack) -> None:
    p = await seed(stack.db)
    await run_at(stack.alerts, stack.clock, utc(MONDAY, 6, 0))
    # The drain never ran that week (the sender was down); the next Monday 09:00 has come.
    stack.clock.set(utc(MONDAY + timedelta(days=7), 6, 0))
    await stack.jobs.drain()
    assert await pushes(stack.db) == [
        (f"report:weekly:{p.head_msk}:2026-12-07", p.head_msk, "cancelled", utc(MONDAY, 6))]
    assert await texts(stack.client, HEAD_MSK_TG) == []


async def test_a_head_demoted_or_deactivated_after_enqueue_gets_nothing(stack: Stack) -> None:
    p = await seed(stack.db)
    await run_at(stack.alerts, stack.clock, utc(MONDAY, 7, 0))
    async with stack.db.uow() as uow:
        (await uow.session.get(m.User, p.head_msk)).role = "manager"  # type: ignore[union-attr]
        (await uow.session.get(m.User, p.head_buc)).is_active = False  # type: ignore[union-attr]
        await uow.commit()
    await stack.jobs.drain()
    assert [s for _k, _r, s, _d in await pushes(stack.db)] == ["cancelled", "cancelled"]
    assert await texts(stack.client, HEAD_MSK_TG) == []
    assert await texts(stack.client, HEAD_BUC_TG) == []


async def test_the_admin_gets_last_month_against_the_month_before(stack: Stack) -> None:
    p = await seed(stack.db)
    async with stack.db.uow() as uow:
        s = uow.session
        org = m.Organization(name="Seller LLC", country="RU", currency="RUB")
        company = m.Company(owner_id=p.manager, name="Acme", name_norm="acme")
        s.add_all([org, company])
        await s.flush()
        for number, issued, total in (("N-1", date(2026, 11, 10), 100_000),
                                      ("O-1", date(2026, 10, 15), 80_000)):
            s.add(m.Invoice(owner_id=p.manager, organization_id=org.id, company_id=company.id,
                            currency="RUB", status="sent", issue_date=issued,
                            due_date=issued + timedelta(days=30), total_minor=total,
                            paid_minor=0, number_text=number, language="en"))
        await uow.commit()
    first = date(2026, 12, 1)
    await run_at(stack.alerts, stack.clock, utc(first, 6, 0))  # 09:00 in Moscow
    await stack.jobs.drain()
    assert await texts(stack.client, ADMIN_TG) == [
        "Monthly report, 01.11.2026 – 30.11.2026\n"
        "Compared with 01.10.2026 – 31.10.2026.\n"
        "\n"
        "RUB\n"
        "Invoiced: RUB\u00a01,000.00 (+25.0\u00a0%)\n"
        "Received: RUB\u00a00.00\n"
        "Deals won: 0 for RUB\u00a00.00"
    ]
    statuses = {k: s for k, _r, s, _d in await pushes(stack.db)}
    assert statuses[f"report:monthly:{p.admin}:2026-12"] == "sent"
