"""Reminders and alerts on SQLite and PostgreSQL, with an injected clock (nothing sleeps):
what the scheduler's jobs put in the outbox, what reaches the sandbox's chats, and bad input
(unknown time zone, a ladder with a duplicate step, a meeting in the past, an invoice deleted
under its reminder, a chat that blocked the bot)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import delete, select, update

from bot.i18n import create_i18n
from bot.outbox_sender import OutboxSender
from bot.scheduler import SchedulerJobs, build_dispatcher
from bot.telegram import RateLimiter, create_bot
from sandbox.client import SandboxClient
from sandbox.server import BotApiSandbox
from services.alerts import AlertConfig, AlertService, AlertUowFactory, replan_invoice
from services.clock import FrozenClock
from services.deals import DealService
from services.errors import InvalidInput, NotFound
from services.payments import PaymentService
from services.pipelines import load_pipelines
from services.reminders import Ladder, ReminderConfigError, plan_meeting_reminders
from services.settlement import Settlement
from services.tasks import TaskDraft, TaskKind, TaskService
from services.users import Role, User
from storage import models as m
from storage.uow import Database

TOKEN = "123456789:" + "AlertsTestTokenForTheSandbox_abcdef"[:35]
CUSTOMER_CHAT = 7001
MANAGER_TG, MANAGER2_TG, ADMIN_TG = 2001, 2002, 1001


def actor(user_id: int, telegram_id: int, role: Role = Role.MANAGER) -> User:
    return User(
        user_id, telegram_id, role, "M", None, "en", None, True, datetime(2026, 1, 1, tzinfo=UTC)
    )


@dataclass
class World:
    manager: int
    manager2: int
    admin: int
    org: int
    company: int
    contact: int


async def seed(
    db: Database,
    *,
    ladder: list[Any] | None = None,
    country: str = "MD",
    contact_tz: str | None = "Europe/Chisinau",
    chat: int | None = CUSTOMER_CHAT,
    email: str | None = "buyer@example.com",
) -> World:
    async with db.uow() as uow:
        s = uow.session
        users = [
            m.User(telegram_id=t, role=r, full_name=n, language="en", timezone="Europe/Chisinau")
            for t, r, n in (
                (MANAGER_TG, "manager", "Ivan"),
                (MANAGER2_TG, "manager", "Petr"),
                (ADMIN_TG, "admin", "Anna"),
            )
        ]
        org = m.Organization(
            name="Seller SRL", country=country, currency="MDL", reminder_ladder=ladder
        )
        s.add_all([*users, org])
        await s.flush()
        company = m.Company(owner_id=users[0].id, name="Acme", name_norm="acme", email=email)
        s.add(company)
        await s.flush()
        contact = m.Contact(
            owner_id=users[0].id,
            company_id=company.id,
            name="Buyer",
            name_norm="buyer",
            telegram_user_id=chat,
            email=email,
            timezone=contact_tz,
            language="en",
        )
        s.add(contact)
        await s.flush()
        world = World(users[0].id, users[1].id, users[2].id, org.id, company.id, contact.id)
        await uow.commit()
    return world


async def add_invoice(
    db: Database,
    w: World,
    due: date,
    *,
    status: str = "sent",
    total: int = 150_000,
    number: str = "INV-1",
    owner: int | None = None,
) -> int:
    async with db.uow() as uow:
        inv = m.Invoice(
            owner_id=owner or w.manager,
            organization_id=w.org,
            company_id=w.company,
            contact_id=w.contact,
            currency="MDL",
            status=status,
            due_date=due,
            total_minor=total,
            paid_minor=0,
            number_text=number,
            language="en",
        )
        uow.session.add(inv)
        await uow.session.flush()
        invoice_id = inv.id
        await uow.commit()
    return invoice_id


async def outbox_rows(db: Database, **where: Any) -> list[Any]:
    t = m.OutboxMessage.__table__
    q = select(t).order_by(t.c.due_at, t.c.id)
    for name, value in where.items():
        q = q.where(t.c[name] == value)
    async with db.uow(readonly=True) as uow:
        return list((await uow.session.execute(q)).all())


def service(db: Database, clock: FrozenClock, **config: Any) -> AlertService:
    return AlertService(db.uow, clock, AlertConfig(default_timezone="Europe/Chisinau", **config))  # type: ignore[arg-type]


@dataclass
class Stack:
    db: Database
    clock: FrozenClock
    alerts: AlertService
    jobs: SchedulerJobs
    sandbox: BotApiSandbox
    client: SandboxClient
    mails: list[EmailMessage]


@pytest.fixture(name="i18n")
async def i18n_fixture() -> I18n:
    return create_i18n("en")


@pytest.fixture(name="stack")
async def stack_fixture(db: Database, i18n: I18n) -> AsyncIterator[Stack]:
    """The real sender and dispatcher sending to an in-process Bot API sandbox; e-mail is
    captured."""
    sandbox = BotApiSandbox(per_chat_rate=None)
    await sandbox.start()
    for chat in (CUSTOMER_CHAT, MANAGER_TG, MANAGER2_TG, ADMIN_TG):
        sandbox.state(TOKEN).open_chat(chat)
    bot = create_bot(TOKEN, sandbox.base_url, limiter=RateLimiter(1000, 1000, 1000))
    clock = FrozenClock(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    alerts = service(db, clock)
    mails: list[EmailMessage] = []

    async def mail(message: EmailMessage) -> None:
        mails.append(message)

    sender = OutboxSender(bot, alerts, i18n, clock, mail=mail)
    jobs = SchedulerJobs(alerts, build_dispatcher(db, sender, clock), clock, bot, i18n)
    client = SandboxClient(sandbox.base_url, TOKEN)
    try:
        yield Stack(db, clock, alerts, jobs, sandbox, client, mails)
    finally:
        await client.close()
        await bot.session.close()
        await sandbox.stop()


async def texts(client: SandboxClient, chat: int) -> list[str]:
    return [msg["text"] for msg in await client.messages(chat)]


# --- planning ---------------------------------------------------------------------------------


async def test_replan_plans_the_ladder_once_in_the_customers_time(db: Database) -> None:
    w = await seed(db)
    invoice = await add_invoice(db, w, date(2026, 6, 17))  # a Wednesday
    clock = FrozenClock(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    alerts = service(db, clock)
    assert await alerts.replan(invoice) == (5, 0)
    assert await alerts.replan(invoice) == (0, 0)  # idempotent keys
    rows = await outbox_rows(db, invoice_id=invoice)
    # 10:00 Chisinau summer time is 07:00 UTC; the -3 step falls on Sunday 14 June and moves
    # to Monday 09:00 local.
    assert [(r.kind, r.due_at) for r in rows] == [
        ("invoice_due_soon", datetime(2026, 6, 15, 6, 0, tzinfo=UTC)),
        ("invoice_due_today", datetime(2026, 6, 17, 7, 0, tzinfo=UTC)),
        ("invoice_overdue", datetime(2026, 6, 18, 7, 0, tzinfo=UTC)),
        ("invoice_overdue", datetime(2026, 6, 24, 7, 0, tzinfo=UTC)),
        ("invoice_overdue", datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),
    ]
    assert {r.channel for r in rows} == {"telegram"} and {r.chat_id for r in rows} == {
        CUSTOMER_CHAT
    }
    # The 5-minute job finds the invoice by its due date (a ladder step around today) and
    # plans nothing new.
    clock.set(datetime(2026, 6, 14, 12, 0, tzinfo=UTC))
    assert await alerts.replan_open_invoices() == 1
    assert len(await outbox_rows(db, invoice_id=invoice)) == 5


async def test_org_ladder_with_a_duplicate_step_is_refused_and_the_default_used(
    db: Database,
) -> None:
    with pytest.raises(ReminderConfigError) as err:
        Ladder.parse(["-3d", "0d", "+0d", "7d"])
    assert err.value.code == "duplicate_step"
    w = await seed(db, ladder=["-3d", "0d", "+0d", "7d"])
    invoice = await add_invoice(db, w, date(2026, 6, 17))
    alerts = service(db, FrozenClock(datetime(2026, 6, 1, tzinfo=UTC)))
    await alerts.replan(invoice)
    steps = [r.payload["step"] for r in await outbox_rows(db, invoice_id=invoice)]
    assert steps == [-3, 0, 1, 7, 14]


async def test_org_ladder_is_used(db: Database) -> None:
    w = await seed(db, ladder=["-1d", "+2d"])
    invoice = await add_invoice(db, w, date(2026, 6, 17))
    alerts = service(db, FrozenClock(datetime(2026, 6, 1, tzinfo=UTC)))
    await alerts.replan(invoice)
    assert [r.payload["step"] for r in await outbox_rows(db, invoice_id=invoice)] == [-1, 2]


async def test_no_telegram_chat_means_email_and_no_contact_means_nothing(db: Database) -> None:
    w = await seed(db, chat=None)
    invoice = await add_invoice(db, w, date(2026, 6, 17))
    alerts = service(db, FrozenClock(datetime(2026, 6, 1, tzinfo=UTC)))
    await alerts.replan(invoice)
    rows = await outbox_rows(db, invoice_id=invoice)
    assert {(r.channel, r.email) for r in rows} == {("email", "buyer@example.com")}


async def test_unknown_client_time_zone_is_refused_and_changes_nothing(db: Database) -> None:
    w = await seed(db)
    alerts = service(db, FrozenClock(datetime(2026, 6, 1, tzinfo=UTC)))
    ivan = actor(w.manager, MANAGER_TG)
    for bad in ("Europe/Kishinau", "", "../etc/passwd", "Mars/Olympus"):
        with pytest.raises(InvalidInput) as err:
            await alerts.set_client_timezone(ivan, w.company, bad)
        assert err.value.code == "unknown_timezone"
    async with db.uow(readonly=True) as uow:
        assert (
            await uow.session.scalar(select(m.Company.timezone).where(m.Company.id == w.company))
            is None
        )
    assert (
        await alerts.set_client_timezone(ivan, w.company, "Europe/Bucharest") == "Europe/Bucharest"
    )
    # Another manager's client: NotFound, never Forbidden.
    with pytest.raises(NotFound):
        await alerts.set_client_timezone(
            actor(w.manager2, MANAGER2_TG), w.company, "Europe/Moscow"
        )


async def test_meeting_in_the_past_is_refused(db: Database) -> None:
    w = await seed(db)
    clock = FrozenClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    async with db.uow() as uow:
        task = m.Task(
            owner_id=w.manager,
            kind="meeting",
            title="Demo",
            status="planned",
            contact_id=w.contact,
            company_id=w.company,
            remind_client=True,
            starts_at=clock.now() - timedelta(hours=1),
        )
        uow.session.add(task)
        await uow.session.flush()
        task_id = task.id
        await uow.commit()
    alerts = service(db, clock)
    with pytest.raises(ReminderConfigError) as err:
        plan_meeting_reminders(task_id, clock.now() - timedelta(hours=1), clock.now())
    assert err.value.code == "meeting_in_past"
    # Planning it at once (as a change of the meeting does) stores nothing.
    async with db.uow() as uow:
        assert await alerts.replan_meeting(uow, task_id, clock.now()) == 0
        await uow.commit()
    assert await outbox_rows(db) == []
    # The minute job skips it too, without failing the rest.
    assert await alerts.enqueue_alerts() >= 0
    assert [r for r in await outbox_rows(db) if r.kind.startswith("meeting")] == []


async def test_a_meeting_plans_its_client_reminders_in_the_change_that_makes_or_moves_it(
        db: Database) -> None:
    """Issue 18 follow-up: created, moved, moved back, relinked and cancelled by the manager,
    a meeting's client reminders are what it is now, at once, without the minute job."""
    w = await seed(db)
    clock = FrozenClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    alerts = service(db, clock)
    tasks = TaskService(db.uow, clock, "Europe/Chisinau")
    tasks.meetings = alerts
    ivan = actor(w.manager, MANAGER_TG)

    async def meeting_rows() -> list[tuple[str, str, datetime]]:
        return [(r.idempotency_key.split(":")[3], r.status, r.due_at)
                for r in await outbox_rows(db) if r.kind.startswith("meeting")]

    start = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    meet = await tasks.create(ivan, TaskDraft(
        kind=TaskKind.MEETING, title="Demo", when=start, remind_client=True,
        company_id=w.company))
    assert await meeting_rows() == [("1440m", "pending", start - timedelta(hours=24)),
                                    ("120m", "pending", start - timedelta(hours=2))]
    row = (await outbox_rows(db))[0]
    assert (row.chat_id, row.payload["lang"]) == (CUSTOMER_CHAT, "en")

    # +1 day: the old start's are cancelled in the same change, the new start's stored.
    await tasks.postpone(ivan, meet.id, 1)
    later = start + timedelta(days=1)
    assert [r for r in await meeting_rows() if r[1] == "pending"] == [
        ("1440m", "pending", later - timedelta(hours=24)),
        ("120m", "pending", later - timedelta(hours=2))]
    # Moved back: the first start's reminders come back, the other start's go.
    await tasks.defer(ivan, meet.id, "03.06 15:00")
    assert [r for r in await meeting_rows() if r[1] == "pending"] == [
        ("1440m", "pending", start - timedelta(hours=24)),
        ("120m", "pending", start - timedelta(hours=2))]
    # The minute job finds nothing more to store; a second replan changes nothing.
    await alerts.enqueue_alerts()
    async with db.uow() as uow:
        assert await alerts.replan_meeting(uow, meet.id, clock.now()) == 0
        await uow.commit()
    assert len([r for r in await meeting_rows() if r[1] == "pending"]) == 2

    # Another manager's client cannot be linked; the meeting and its reminders stay.
    async with db.uow() as uow:
        other = m.Company(owner_id=w.manager2, name="Other", name_norm="other")
        uow.session.add(other)
        await uow.session.flush()
        other_id = other.id
        await uow.commit()
    with pytest.raises(NotFound):
        await tasks.set_client(ivan, meet.id, company_id=other_id)
    with pytest.raises(NotFound):
        await tasks.set_client(actor(w.manager2, MANAGER2_TG), meet.id, company_id=other_id)
    assert (await tasks.get(ivan, meet.id)).company_id == w.company

    # Cancelled from the card: nothing pending is left.
    await tasks.mark(ivan, meet.id, "cancelled")
    assert [r for r in await meeting_rows() if r[1] == "pending"] == []


async def test_snooze_skip_stop_are_scoped_to_the_owner(db: Database) -> None:
    w = await seed(db)
    invoice = await add_invoice(db, w, date(2026, 6, 17))
    clock = FrozenClock(datetime(2026, 6, 1, tzinfo=UTC))
    alerts = service(db, clock)
    await alerts.replan(invoice)
    ivan, petr = actor(w.manager, MANAGER_TG), actor(w.manager2, MANAGER2_TG)
    upcoming = await alerts.upcoming(ivan)
    assert [u.step for u in upcoming] == [-3, 0, 1, 7, 14]
    assert await alerts.upcoming(petr) == []
    first, second = upcoming[0].outbox_id, upcoming[1].outbox_id
    for forged in (
        alerts.snooze(petr, first),
        alerts.skip(petr, first),
        alerts.stop(petr, invoice),
    ):
        with pytest.raises(NotFound):
            await forged
    moved = await alerts.snooze(ivan, first)
    assert moved == datetime(2026, 6, 16, 6, 0, tzinfo=UTC)  # Monday 09:00 + 1 day
    await alerts.skip(ivan, second)
    with pytest.raises(InvalidInput):
        await alerts.skip(ivan, second)
    # Replanning neither revives the skipped one nor moves the snoozed one back.
    await alerts.replan(invoice)
    by_id = {r.id: r for r in await outbox_rows(db, invoice_id=invoice)}
    assert by_id[second].status == "skipped"
    assert by_id[first].due_at == moved and by_id[first].status == "pending"
    assert await alerts.stop(ivan, invoice) == 4
    assert await alerts.upcoming(ivan) == []
    await alerts.resume(ivan, invoice)
    assert len(await alerts.upcoming(ivan)) == 4  # the skipped one stays skipped


# --- sending ----------------------------------------------------------------------------------


async def test_due_reminder_reaches_the_customers_chat_with_the_amount(stack: Stack) -> None:
    w = await seed(stack.db)
    invoice = await add_invoice(stack.db, w, date(2026, 6, 17))
    await stack.alerts.replan(invoice)
    stack.clock.set(datetime(2026, 6, 17, 7, 0, tzinfo=UTC))
    assert await stack.jobs.drain() == 2  # the Monday one and today's
    sent = await stack.client.messages(CUSTOMER_CHAT)
    assert [m_["text"] for m_ in sent] == [
        "Reminder: invoice INV-1 for MDL\u00a01,500.00 is due on 17.06.2026.",
        "Invoice INV-1 is due today: MDL\u00a01,500.00 left to pay.",
    ]
    assert [b["text"] for row in sent[1]["buttons"] for b in row] == ["I've paid"]
    assert stack.alerts.last_drain_at == stack.clock.now()


async def test_deleted_or_paid_invoice_reminder_is_cancelled_not_sent(stack: Stack) -> None:
    w = await seed(stack.db)
    gone = await add_invoice(stack.db, w, date(2026, 6, 17), number="INV-GONE")
    paid = await add_invoice(stack.db, w, date(2026, 6, 17), number="INV-PAID")
    await stack.alerts.replan(gone)
    await stack.alerts.replan(paid)
    async with stack.db.uow() as uow:
        # Deleted under its reminders (the FK sets the rows' invoice_id to NULL on
        # PostgreSQL; SQLite keeps the dangling id), and paid without anyone replanning.
        await uow.session.execute(
            update(m.Invoice).where(m.Invoice.id == paid).values(status="paid", paid_minor=150_000)
        )
        await uow.session.execute(delete(m.Invoice).where(m.Invoice.id == gone))
        await uow.commit()
    stack.clock.set(datetime(2026, 7, 2, tzinfo=UTC))
    assert await stack.jobs.drain() > 0
    assert await stack.client.messages(CUSTOMER_CHAT) == []
    statuses = {r.status for r in await outbox_rows(stack.db)}
    assert statuses == {"cancelled"}


async def test_blocked_chat_falls_back_to_email_and_tells_the_manager(stack: Stack) -> None:
    w = await seed(stack.db)
    async with stack.db.uow() as uow:  # the customer is also a user of ours
        uow.session.add(m.User(telegram_id=CUSTOMER_CHAT, role="customer", full_name="Buyer"))
        await uow.commit()
    invoice = await add_invoice(stack.db, w, date(2026, 6, 17))
    await stack.alerts.replan(invoice)
    stack.sandbox.state(TOKEN).set_blocked(CUSTOMER_CHAT, True)
    stack.clock.set(datetime(2026, 6, 15, 6, 0, tzinfo=UTC))
    await stack.jobs.drain()
    await stack.jobs.drain()  # the e-mail copy and the manager's alert were enqueued due now
    failed = await outbox_rows(stack.db, status="failed")
    assert len(failed) == 1 and failed[0].last_error.startswith("403")
    assert failed[0].attempts == 1
    assert [msg["Subject"] for msg in stack.mails] == [
        "Reminder: invoice INV-1 for MDL\u00a01,500.00 is due on 17.06.2026."
    ]
    assert stack.mails[0]["To"] == "buyer@example.com"
    assert await texts(stack.client, MANAGER_TG) == [
        "The client of invoice INV-1 (Acme) blocked the bot. Reminders now go by e-mail to "
        "buyer@example.com."
    ]
    async with stack.db.uow(readonly=True) as uow:
        dead = await uow.session.scalar(
            select(m.User.chat_dead).where(m.User.telegram_id == CUSTOMER_CHAT)
        )
    assert dead is True
    # The rest of the ladder now goes by e-mail.
    pending = await outbox_rows(stack.db, status="pending")
    assert {r.channel for r in pending} == {"email"} and len(pending) == 4


async def test_429s_are_waited_out_and_everything_is_delivered(stack: Stack) -> None:
    w = await seed(stack.db)
    ids = [await add_invoice(stack.db, w, date(2026, 6, 17), number=f"INV-{i}") for i in range(5)]
    for invoice in ids:
        await stack.alerts.replan(invoice)
    await stack.client.inject("429", method="sendMessage", count=3, retry_after=1)
    stack.clock.set(datetime(2026, 6, 15, 6, 0, tzinfo=UTC))
    started = asyncio.get_running_loop().time()
    assert await stack.jobs.drain() == 5
    waited = asyncio.get_running_loop().time() - started
    assert len(await stack.client.messages(CUSTOMER_CHAT)) == 5
    calls = await stack.client.calls("sendMessage")
    refused = [c for c in calls if c["status"] == 429]
    assert len(refused) == 3
    # The session waited retry_after (1 s) after each 429 before trying again.
    times = [c["time"] for c in calls]
    for c in refused:
        later = [t for t in times if t > c["time"]]
        assert min(later) - c["time"] >= 0.95
    assert waited >= 2.9
    assert {r.status for r in await outbox_rows(stack.db, kind="invoice_due_soon")} == {"sent"}


# --- staff alerts -----------------------------------------------------------------------------


async def test_staff_alerts_digest_overdue_contract_task_once(stack: Stack) -> None:
    w = await seed(stack.db)
    invoice = await add_invoice(stack.db, w, date(2026, 6, 17))
    async with stack.db.uow() as uow:
        uow.session.add_all(
            [
                m.Contract(
                    owner_id=w.manager,
                    title="Support",
                    starts_on=date(2025, 7, 1),
                    ends_on=date(2026, 6, 25),
                ),
                m.Task(
                    owner_id=w.manager,
                    kind="task",
                    title="Call Acme",
                    status="planned",
                    due_at=datetime(2026, 6, 18, 6, 5, tzinfo=UTC),
                ),
            ]
        )
        await uow.commit()
    # 08:59 local on Thursday 18 June (05:59 UTC): nothing for the digest yet.
    stack.clock.set(datetime(2026, 6, 18, 5, 59, tzinfo=UTC))
    await stack.jobs.enqueue_alerts()
    assert [r.kind for r in await outbox_rows(stack.db, recipient_user_id=w.manager)] == [
        "overdue_alert",
        "contract_alert",
        "task_alert",
    ]
    stack.clock.set(datetime(2026, 6, 18, 6, 0, tzinfo=UTC))
    for _ in range(3):  # the job runs every minute: nothing doubles
        await stack.jobs.enqueue_alerts()
        stack.clock.advance(timedelta(minutes=1))
    await stack.jobs.drain()
    stack.clock.advance(timedelta(minutes=10))
    await stack.jobs.drain()
    sent = await texts(stack.client, MANAGER_TG)
    assert sent[0] == "Invoice INV-1 (Acme) is overdue since 17.06.2026: MDL\u00a01,500.00 unpaid."
    assert sent[1] == "Contract «Support» ends on 25.06.2026: 7 day(s) left."
    # The digest lists the items (each with its button); the contract has its own alert.
    assert sent[2] == (
        "Good morning! Your day, 18.06.2026:\n"
        "\n⏰ Overdue invoices\n1. INV-1 · Acme: MDL\u00a01,500.00 unpaid since 17.06.2026\n"
        "\n📌 Tasks\n2. 09:05 Call Acme"
    )
    assert sent[3] == "Task due at 18.06.2026 09:05: Call Acme"
    assert len(sent) == 4
    async with stack.db.uow(readonly=True) as uow:
        assert (
            await uow.session.scalar(select(m.Invoice.status).where(m.Invoice.id == invoice))
            == "overdue"
        )
    # A task assigned to a colleague after its alert was queued: the old owner is not told.
    async with stack.db.uow() as uow:
        uow.session.add(m.Task(owner_id=w.manager, kind="task", title="Send the contract",
                               status="planned", due_at=datetime(2026, 6, 18, 8, 0, tzinfo=UTC)))
        await uow.commit()
    stack.clock.set(datetime(2026, 6, 18, 7, 58, tzinfo=UTC))
    await stack.jobs.enqueue_alerts()
    async with stack.db.uow() as uow:
        await uow.session.execute(update(m.Task).where(m.Task.title == "Send the contract")
                                  .values(owner_id=w.admin))
        await uow.commit()
    stack.clock.set(datetime(2026, 6, 18, 8, 1, tzinfo=UTC))
    await stack.jobs.drain()
    assert len(await texts(stack.client, MANAGER_TG)) == 4
    moved = [r for r in await outbox_rows(stack.db, kind="task_alert")
             if r.payload["title"] == "Send the contract"]
    assert [(r.recipient_user_id, r.status) for r in moved] == [(w.manager, "cancelled")]
    # The next day: a new digest, no second overdue or contract alert.
    stack.clock.set(datetime(2026, 6, 19, 6, 30, tzinfo=UTC))
    await stack.jobs.enqueue_alerts()
    await stack.jobs.drain()
    sent = await texts(stack.client, MANAGER_TG)
    assert len(sent) == 5 and sent[4].startswith("Good morning! Your day, 19.06.2026:\n")
    assert "1. INV-1 · Acme" in sent[4] and "2. Call Acme, overdue since 18.06.2026 09:05" \
        in sent[4]


async def test_an_alert_kind_turned_off_is_not_queued_and_one_queued_before_is_dropped(
    stack: Stack,
) -> None:
    """The alert settings are each person's: Ivan turns tasks and the digest off, his task
    alert queued before is cancelled at send time, the next is not queued; Petr's still come;
    turned back on, Ivan's come again."""
    w = await seed(stack.db)
    ivan = actor(w.manager, MANAGER_TG)

    def task(owner: int, title: str, hour: int) -> m.Task:  # hour: local, Chisinau (UTC+3)
        return m.Task(owner_id=owner, kind="task", title=title, status="planned",
                      due_at=datetime(2026, 6, 18, hour - 3, 5, tzinfo=UTC))

    async with stack.db.uow() as uow:
        uow.session.add_all([task(w.manager, "Call Acme", 9), task(w.manager2, "Call Beta", 9),
                             task(w.manager, "Send the offer", 10),
                             task(w.manager, "Visit", 11)])
        await uow.commit()
    stack.clock.set(datetime(2026, 6, 18, 5, 58, tzinfo=UTC))  # 08:58: queued 10 min ahead
    await stack.jobs.enqueue_alerts()
    assert [r.payload["title"] for r in await outbox_rows(stack.db, kind="task_alert")] == [
        "Call Acme", "Call Beta"]
    settings = await stack.alerts.switch_alert(ivan, "task", False)
    settings = await stack.alerts.switch_alert(ivan, "digest", False)
    assert settings.off == {"task", "digest"} and settings.digest_hour == 9
    with pytest.raises(InvalidInput):  # a manager gets no weekly report to turn off
        await stack.alerts.switch_alert(ivan, "weekly", False)

    for hour in (9, 10):  # 09:06 and 10:06 local
        stack.clock.set(datetime(2026, 6, 18, hour - 3, 6, tzinfo=UTC))
        await stack.jobs.enqueue_alerts()
        await stack.jobs.drain()
    assert await texts(stack.client, MANAGER_TG) == []
    assert await texts(stack.client, MANAGER2_TG) == [
        "Task due at 18.06.2026 09:05: Call Beta",
        "Good morning! Your day, 18.06.2026:\n\n📌 Tasks\n1. 09:05 Call Beta"]
    assert [(r.payload["title"], r.status) for r in
            await outbox_rows(stack.db, kind="task_alert", recipient_user_id=w.manager)] == [
        ("Call Acme", "cancelled")]  # "Send the offer" was never queued
    assert await outbox_rows(stack.db, kind="digest", recipient_user_id=w.manager) == []

    await stack.alerts.switch_alert(ivan, "task", True)
    stack.clock.set(datetime(2026, 6, 18, 8, 6, tzinfo=UTC))
    await stack.jobs.enqueue_alerts()
    await stack.jobs.drain()
    assert await texts(stack.client, MANAGER_TG) == ["Task due at 18.06.2026 11:05: Visit"]


async def test_watchdog_tells_admins_once_per_stall(stack: Stack) -> None:
    w = await seed(stack.db)
    await stack.jobs.drain()
    stack.clock.advance(timedelta(seconds=59))
    assert await stack.jobs.watchdog() == 0
    stack.clock.advance(timedelta(seconds=2))
    assert await stack.jobs.watchdog() == 1
    assert await stack.jobs.watchdog() == 0
    sent = await texts(stack.client, ADMIN_TG)
    assert sent == [
        # 06:00 UTC in the admin's zone (the bot's default, Moscow), never "UTC"
        "Alert: messages are not being sent: the sending job last ran 01.06.2026 09:00."
    ]
    health = await stack.alerts.health(actor(w.admin, ADMIN_TG, Role.ADMIN))
    assert health.drain_late and health.last_drain_at == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


async def test_replan_invoice_runs_in_the_callers_unit_of_work(db: Database) -> None:
    """What payment and invoice code calls: nothing is stored until the caller commits."""
    w = await seed(db)
    invoice = await add_invoice(db, w, date(2026, 6, 17))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    factory: AlertUowFactory = db.uow  # type: ignore[assignment]
    async with factory() as uow:
        assert await replan_invoice(uow, invoice, now) == (5, 0)
    assert await outbox_rows(db) == []  # rolled back
    async with factory() as uow:
        await replan_invoice(uow, invoice, now)
        await uow.commit()
    assert len(await outbox_rows(db, status="pending")) == 5
    async with db.uow() as uow:
        await uow.session.execute(
            update(m.Invoice).where(m.Invoice.id == invoice).values(status="paid")
        )
        assert await replan_invoice(uow, invoice, now) == (0, 5)  # type: ignore[arg-type]
        await uow.commit()
    assert {r.status for r in await outbox_rows(db)} == {"cancelled"}


async def test_money_replans_the_reminders_at_once(db: Database) -> None:
    """A payment cancels the invoice's pending reminders in its own transaction (nothing waits
    for the send-time check); a partial payment keeps them; reversing the payment brings the
    ladder back."""
    w = await seed(db)
    invoice = await add_invoice(db, w, date(2026, 6, 17))
    clock = FrozenClock(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    alerts = service(db, clock)
    assert await alerts.replan(invoice) == (5, 0)
    pipelines = load_pipelines(Path(__file__).resolve().parents[2] / "config" / "pipelines.toml")
    deals = DealService(db.uow, clock, pipelines)
    payments = PaymentService(db.uow, clock, deals, "UTC",
                              settlement=Settlement(deals, alerts.config))
    manager = actor(w.manager, MANAGER_TG)

    async def pending() -> int:
        return len([r for r in await outbox_rows(db, invoice_id=invoice)
                    if r.status == "pending"])

    await payments.record_manual(manager, invoice, "cash", "500")
    assert await pending() == 5
    rest = await payments.record_manual(manager, invoice, "bank", "1000", "77")
    assert rest.events[0].remaining == 0
    assert await pending() == 0
    await payments.reverse(actor(w.admin, ADMIN_TG, Role.ADMIN), rest.payment.id, "bounced")
    assert await pending() == 5
    # Someone else's manager cannot pay it (scoped like everything else).
    with pytest.raises(NotFound):
        await payments.record_manual(actor(w.manager2, MANAGER2_TG), invoice, "cash", "1")
