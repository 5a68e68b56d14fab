"""Scheduled jobs work on "everything due since my last successful run" (a watermark in the
database), so a bot that was down sends each alert once, late, instead of never. On SQLite and
PostgreSQL, with a FrozenClock (nothing sleeps) and the real sender and dispatcher talking to
the Bot API sandbox: what reaches the chats after a restart, what is checked again at send
time (a task done, a quote reopened, a meeting started while the bot was down), the digest's
late policy, and a fresh install that does not alert on old history."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select, update

from bot.i18n import create_i18n
from bot.outbox_sender import OutboxSender
from bot.scheduler import SchedulerJobs, build_dispatcher
from bot.telegram import RateLimiter, create_bot
from sandbox.client import SandboxClient
from sandbox.server import BotApiSandbox
from services.alerts import ALERTS_JOB, QUOTES_JOB, AlertConfig, AlertService
from services.clock import FrozenClock
from services.invoices import InvoiceService
from services.quotes import QuoteService
from storage import models as m
from storage.alerts import SqlAlertRepository
from storage.uow import Database

TOKEN = "123456789:" + "WatermarksTestTokenForTheSandbox_ab"[:35]
TZ = "Europe/Chisinau"  # UTC+3 in June
CUSTOMER_CHAT, MANAGER_TG = 7101, 2101


def local(day: str, hour: int, minute: int = 0) -> datetime:
    """A wall-clock moment in Chisinau, as the aware UTC datetime the clock holds."""
    wall = datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=ZoneInfo(TZ))
    return wall.astimezone(UTC)


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    manager: int
    org: int
    company: int
    contact: int


async def seed_world(db: Database, *, chat: int | None = CUSTOMER_CHAT) -> World:
    async with db.uow() as uow:
        s = uow.session
        manager = m.User(
            telegram_id=MANAGER_TG, role="manager", full_name="Ivan", language="en", timezone=TZ
        )
        org = m.Organization(name="Seller SRL", country="MD", currency="MDL")
        s.add_all([manager, org])
        await s.flush()
        company = m.Company(owner_id=manager.id, name="Acme", name_norm="acme")
        s.add(company)
        await s.flush()
        contact = m.Contact(
            owner_id=manager.id,
            company_id=company.id,
            name="Buyer",
            name_norm="buyer",
            telegram_user_id=chat,
            timezone=TZ,
            language="en",
        )
        s.add(contact)
        await s.flush()
        world = World(manager.id, org.id, company.id, contact.id)
        await uow.commit()
    return world


async def add(db: Database, row: Any) -> int:
    async with db.uow() as uow:
        uow.session.add(row)
        await uow.session.flush()
        row_id = int(row.id)
        await uow.commit()
    return row_id


def invoice(w: World, number: str, due: date, total: int = 150_000, **kw: Any) -> m.Invoice:
    values: dict[str, Any] = {
        "owner_id": w.manager,
        "organization_id": w.org,
        "company_id": w.company,
        "contact_id": w.contact,
        "currency": "MDL",
        "status": "sent",
        "due_date": due,
        "total_minor": total,
        "paid_minor": 0,
        "number_text": number,
        "language": "en",
        **kw,
    }
    return m.Invoice(**values)


def task(w: World, title: str, due_at: datetime, status: str = "planned") -> m.Task:
    return m.Task(owner_id=w.manager, kind="task", title=title, status=status, due_at=due_at)


def meeting(w: World, title: str, starts_at: datetime, contact: int | None = None) -> m.Task:
    return m.Task(
        owner_id=w.manager,
        kind="meeting",
        title=title,
        status="planned",
        contact_id=contact if contact is not None else w.contact,
        company_id=w.company,
        remind_client=True,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )


def call(w: World, title: str, starts_at: datetime) -> m.Task:
    """A call in the manager's calendar: in the morning digest, with no alert of its own."""
    return m.Task(owner_id=w.manager, kind="call", title=title, status="planned",
                  starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30))


def quote(w: World, number: str, valid_until: date, status: str = "sent") -> m.Quote:
    return m.Quote(
        owner_id=w.manager,
        organization_id=w.org,
        company_id=w.company,
        contact_id=w.contact,
        currency="MDL",
        status=status,
        number_text=number,
        valid_until=valid_until,
        language="en",
    )


async def outbox(db: Database) -> list[Any]:
    t = m.OutboxMessage.__table__
    async with db.uow(readonly=True) as uow:
        return list((await uow.session.execute(select(t).order_by(t.c.id))).all())


async def set_values(db: Database, model: Any, row_id: int, **values: Any) -> None:
    async with db.uow() as uow:
        await uow.session.execute(update(model).where(model.id == row_id).values(**values))
        await uow.commit()


# --- the bot, its jobs and the sandbox ---------------------------------------------------------


@dataclass
class Bot:
    db: Database
    clock: FrozenClock
    alerts: AlertService
    quotes: QuoteService
    jobs: SchedulerJobs
    sandbox: BotApiSandbox
    client: SandboxClient

    async def tick(self, replan: bool = True, drain: bool = True) -> None:
        """One pass of the scheduler's jobs at the clock's time (as APScheduler runs them)."""
        await self.jobs.expire_quotes()
        if replan:
            await self.jobs.replan()
        await self.jobs.enqueue_alerts()
        if drain:
            await self.jobs.drain()

    async def run(
        self,
        start: datetime,
        end: datetime,
        every: timedelta = timedelta(minutes=5),
        down: tuple[datetime, datetime] | None = None,
    ) -> None:
        """Ticks from start to end; no job runs while the bot is down ([down[0], down[1]))."""
        self.clock.set(start)
        while self.clock.now() <= end:
            if down is None or not down[0] <= self.clock.now() < down[1]:
                await self.tick()
            self.clock.advance(every)

    async def texts(self, chat: int) -> list[str]:
        return [msg["text"] for msg in await self.client.messages(chat)]


@pytest.fixture(name="i18n")
async def i18n_fixture() -> I18n:
    return create_i18n("en")


@pytest.fixture(name="bot")
async def bot_fixture(db: Database, i18n: I18n) -> AsyncIterator[Bot]:
    sandbox = BotApiSandbox(per_chat_rate=None)
    await sandbox.start()
    for chat in (CUSTOMER_CHAT, MANAGER_TG):
        sandbox.state(TOKEN).open_chat(chat)
    tg = create_bot(TOKEN, sandbox.base_url, limiter=RateLimiter(1000, 1000, 1000))
    clock = FrozenClock(local("2026-06-16", 11))
    alerts = AlertService(db.uow, clock, AlertConfig(default_timezone=TZ))  # type: ignore[arg-type]
    quotes = QuoteService(db.uow, clock, InvoiceService(db.uow, clock, TZ), TZ)
    mails: list[EmailMessage] = []

    async def mail(message: EmailMessage) -> None:
        mails.append(message)

    sender = OutboxSender(tg, alerts, i18n, clock, mail=mail)
    jobs = SchedulerJobs(
        alerts, build_dispatcher(db, sender, clock), clock, tg, i18n, quotes=quotes
    )
    client = SandboxClient(sandbox.base_url, TOKEN)
    try:
        yield Bot(db, clock, alerts, quotes, jobs, sandbox, client)
    finally:
        await client.close()
        await tg.session.close()
        await sandbox.stop()


# --- the acceptance scenario -------------------------------------------------------------------


async def test_down_from_0945_to_1030_every_alert_arrives_once(bot: Bot) -> None:
    """The bot runs from 11:00 the day before, is down on Wednesday 17 June 2026 from 09:45 to
    10:30 (Chisinau) and runs on until 11:30. Due inside the downtime: a task at 10:00, an
    installment (10:00, when the customer's own reminder goes), a guarantee letter whose
    promised date passed yesterday, a quote that expired at midnight (manager and customer
    told at 10:00) and a meeting's 2-hour reminder. The contract ending in 7 days was told at
    09:00, before the downtime. After the restart each arrives exactly once."""
    w = await seed_world(bot.db)
    db = bot.db
    await add(db, task(w, "Call Acme", local("2026-06-17", 10)))
    installments = await add(db, invoice(w, "INV-1", date(2026, 7, 17), total=100_000))
    for due in (date(2026, 6, 17), date(2026, 7, 17)):
        await add(
            db, m.Installment(invoice_id=installments, due_date=due, amount_minor=50_000)
        )
    on_letter = await add(db, invoice(w, "INV-2", date(2026, 7, 1)))
    await add(
        db,
        m.Shipment(
            invoice_id=on_letter, kind="act", on_credit=True, guarantee_until=date(2026, 6, 16)
        ),
    )
    quote_id = await add(db, quote(w, "Q-1", date(2026, 6, 16)))
    await add(
        db,
        m.Contract(
            owner_id=w.manager,
            title="Support",
            starts_on=date(2025, 6, 24),
            ends_on=date(2026, 6, 24),
        ),
    )
    await add(db, meeting(w, "Demo", local("2026-06-17", 12)))

    await bot.run(
        local("2026-06-16", 11),
        local("2026-06-17", 11, 30),
        every=timedelta(minutes=15),  # the windows, not the step, decide what is due
        down=(local("2026-06-17", 9, 45), local("2026-06-17", 10, 30)),
    )

    manager = await bot.texts(MANAGER_TG)
    digests = [t for t in manager if t.startswith("Good morning! Your day")]
    # 17 June at 09:00; 16 June (the first run, at 11:00) had nothing to say: no digest.
    assert digests == [
        "Good morning! Your day, 17.06.2026:\n"
        "\n📌 Tasks\n1. 10:00 Call Acme\n"
        "\n🤝 Meetings and calls today\n2. 🤝 12:00 Demo (Acme)"
    ]
    assert Counter(t for t in manager if t not in digests) == Counter(
        [
            "Contract «Support» ends on 24.06.2026: 8 day(s) left.",  # 16 June (30-day step)
            "Contract «Support» ends on 24.06.2026: 7 day(s) left.",  # 17 June 09:00
            "Task due at 17.06.2026 10:00: Call Acme",
            "A scheduled payment under invoice INV-1 is due today (MDL\u00a0500.00 left).",
            "Invoice INV-2 (Acme): the payment promised by 16.06.2026 in the guarantee "
            "letter has not arrived; MDL\u00a01,500.00 unpaid.",
            "Quote Q-1 (Acme) has expired: it was valid until 16.06.2026.",
        ]
    )
    assert Counter(await bot.texts(CUSTOMER_CHAT)) == Counter(
        [
            # 24 h before (16 June 12:00) and, late, 2 h before.
            "Reminder: meeting «Demo» on 17.06.2026 12:00 (your time).",
            "Reminder: meeting «Demo» on 17.06.2026 12:00 (your time).",
            "Reminder: a scheduled payment under invoice INV-1 is due on 17.06.2026. "
            "The invoice has MDL\u00a01,000.00 left to pay.",
            "Quote Q-1 was valid until 16.06.2026 and has expired. If you are still "
            "interested, write to your manager and we will prepare a new one.",
        ]
    )
    rows = await outbox(db)
    empty = [r for r in rows if r.kind == "digest" and r.payload["day"] == "2026-06-16"]
    assert [r.status for r in empty] == ["cancelled"]
    assert {r.status for r in rows
            if r.due_at <= local("2026-06-17", 11, 30) and r not in empty} == {"sent"}
    assert Counter(r.kind for r in rows if r.status == "sent") == Counter(
        {
            "digest": 1,
            "contract_alert": 2,
            "task_alert": 1,
            "installment_alert": 1,
            "guarantee_alert": 1,
            "quote_expired": 1,
            "quote_expired_customer": 1,
            "meeting_24h": 1,
            "meeting_2h": 1,
            "installment_due_today": 1,  # the customer's own reminder (the replan job)
        }
    )
    late = {
        r.kind: r.sent_at
        for r in rows
        if r.sent_at is not None and r.sent_at >= local("2026-06-17", 9, 45)
    }
    # Everything due in the downtime went out at the restart, nothing before it.
    assert late == dict.fromkeys(
        [
            "task_alert",
            "installment_alert",
            "guarantee_alert",
            "quote_expired",
            "quote_expired_customer",
            "meeting_2h",
            "installment_due_today",
        ],
        local("2026-06-17", 10, 30),
    )
    async with db.uow(readonly=True) as uow:
        status = await uow.session.scalar(select(m.Quote.status).where(m.Quote.id == quote_id))
        marks = SqlAlertRepository(uow.session, uow.dialect)
        assert await marks.watermark(ALERTS_JOB) == local("2026-06-17", 11, 30)
        assert await marks.watermark(QUOTES_JOB) == local("2026-06-17", 11, 30)
    assert status == "expired"


# --- the known defects and the other kinds -------------------------------------------------------


async def test_task_due_between_two_runs_across_a_restart(bot: Bot) -> None:
    """Runs at 09:45 and, after a restart, at 10:06: the 10:00 task is told at 10:06 (a window
    around now missed it)."""
    w = await seed_world(bot.db)
    await add(bot.db, task(w, "Send the contract", local("2026-06-17", 10)))
    bot.clock.set(local("2026-06-17", 9, 45))
    await bot.tick()
    assert [r.kind for r in await outbox(bot.db)] == ["digest"]  # no task yet
    bot.clock.set(local("2026-06-17", 10, 6))
    await bot.tick()
    await bot.tick()
    assert (await bot.texts(MANAGER_TG))[1:] == ["Task due at 17.06.2026 10:00: Send the contract"]


async def test_installment_whose_whole_due_day_was_spent_down(bot: Bot) -> None:
    """Down from the evening before to the morning after the due date: told once, late, with
    the date it was due."""
    w = await seed_world(bot.db, chat=None)
    inv = await add(bot.db, invoice(w, "INV-9", date(2026, 7, 31), total=90_000))
    await add(
        bot.db, m.Installment(invoice_id=inv, due_date=date(2026, 6, 17), amount_minor=30_000)
    )
    await bot.run(
        local("2026-06-16", 20),
        local("2026-06-18", 8, 30),
        every=timedelta(minutes=30),
        down=(local("2026-06-16", 21), local("2026-06-18", 8)),
    )
    assert await bot.texts(MANAGER_TG) == [
        "A scheduled payment under invoice INV-9 was due on 17.06.2026 (MDL\u00a0300.00 left)."
    ]


@pytest.mark.parametrize("sent_before", [True, False], ids=["sent-at-9", "queued-then-down"])
async def test_contract_that_ended_while_down_is_told_late_once(
    bot: Bot, sent_before: bool
) -> None:
    """Lease ends on 18 June, Parking on 17 June; the bot is down from 16 June 10:00 (or dies
    right after queuing at 08:00) to 19 June 15:00. Lease's last step is told late as "ended";
    Parking's was told already (or is sent now, as it stands today); a step overtaken while
    queued gives way to the current one."""
    w = await seed_world(bot.db)
    for title, end in (("Lease", date(2026, 6, 18)), ("Parking", date(2026, 6, 17))):
        await add(
            bot.db,
            m.Contract(owner_id=w.manager, title=title, starts_on=date(2025, 1, 1), ends_on=end),
        )
    if sent_before:
        await bot.run(local("2026-06-16", 8), local("2026-06-16", 9, 30), every=timedelta(hours=1))
    else:
        bot.clock.set(local("2026-06-16", 8))
        await bot.tick(drain=False)
    await bot.run(local("2026-06-19", 15), local("2026-06-19", 17), every=timedelta(hours=1))
    contracts = [t for t in await bot.texts(MANAGER_TG) if t.startswith("Contract")]
    if sent_before:
        assert contracts == [
            "Contract «Parking» ends on 17.06.2026: 1 day(s) left.",  # 16 June 09:00
            "Contract «Lease» ends on 18.06.2026: 2 day(s) left.",  # the 7-day step
            "Contract «Lease» ended on 18.06.2026.",
        ]
    else:
        assert Counter(contracts) == Counter(
            ["Contract «Lease» ended on 18.06.2026.", "Contract «Parking» ended on 17.06.2026."]
        )
    rows = [r for r in await outbox(bot.db) if r.kind == "contract_alert"]
    assert Counter(r.status for r in rows) == Counter(
        {"sent": 3} if sent_before else {"sent": 2, "cancelled": 1}
    )


async def test_late_alerts_are_checked_again_when_sent(bot: Bot) -> None:
    """At 10:00 the jobs queue everything due and the bot stops before sending. While it is
    down a task is done, another moved, the guarantee letter's invoice paid, an installment
    partly paid, the quote reopened and the meeting starts. At the restart only what still
    applies goes out, with today's figures."""
    w = await seed_world(bot.db)
    db = bot.db
    done = await add(db, task(w, "Done meanwhile", local("2026-06-17", 10)))
    moved = await add(db, task(w, "Moved later", local("2026-06-17", 10, 5)))
    paid = await add(db, invoice(w, "INV-P", date(2026, 7, 1)))
    await add(
        db,
        m.Shipment(invoice_id=paid, kind="act", on_credit=True, guarantee_until=date(2026, 6, 16)),
    )
    part = await add(db, invoice(w, "INV-S", date(2026, 7, 31), total=100_000))
    share = await add(
        db, m.Installment(invoice_id=part, due_date=date(2026, 6, 17), amount_minor=60_000)
    )
    reopened = await add(db, quote(w, "Q-R", date(2026, 6, 16)))
    await add(db, meeting(w, "Early call", local("2026-06-17", 11)))

    bot.clock.set(local("2026-06-17", 10))
    await bot.tick(replan=False, drain=False)  # queued, then the process died
    queued = Counter(r.kind for r in await outbox(db))
    assert queued == Counter(
        {
            "task_alert": 2,
            "guarantee_alert": 1,
            "installment_alert": 1,
            "quote_expired": 1,
            "quote_expired_customer": 1,
            "meeting_24h": 1,  # a first run looks a day back: its moment was 16 June 11:00
            "meeting_2h": 1,
            "digest": 1,
        }
    )
    await set_values(db, m.Task, done, status="done")
    await set_values(db, m.Task, moved, due_at=local("2026-06-17", 15))
    await set_values(db, m.Invoice, paid, status="paid", paid_minor=150_000)
    await set_values(db, m.Invoice, part, paid_minor=40_000, status="partially_paid")
    await set_values(db, m.Installment, share, paid_minor=40_000)
    await set_values(db, m.Quote, reopened, status="draft")

    bot.clock.set(local("2026-06-17", 11, 30))
    await bot.tick(replan=False)

    manager = [t for t in await bot.texts(MANAGER_TG) if not t.startswith("Good morning")]
    assert manager == [
        "A scheduled payment under invoice INV-S is due today (MDL\u00a0200.00 left)."
    ]
    assert await bot.texts(CUSTOMER_CHAT) == []
    assert Counter((r.kind, r.status) for r in await outbox(db)) == Counter(
        {
            ("task_alert", "cancelled"): 2,
            ("guarantee_alert", "cancelled"): 1,
            ("installment_alert", "sent"): 1,
            ("quote_expired", "cancelled"): 1,
            ("quote_expired_customer", "cancelled"): 1,
            ("meeting_24h", "cancelled"): 1,
            ("meeting_2h", "cancelled"): 1,
            ("digest", "sent"): 1,
        }
    )


async def test_a_long_downtime_sends_the_latest_meeting_reminder_only(bot: Bot) -> None:
    """Down over both the 24 h and the 2 h moment: one reminder, not two alike."""
    w = await seed_world(bot.db)
    await add(bot.db, meeting(w, "Review", local("2026-06-18", 15)))
    await bot.run(
        local("2026-06-17", 10),
        local("2026-06-18", 14),
        every=timedelta(minutes=15),
        down=(local("2026-06-17", 11), local("2026-06-18", 13, 30)),
    )
    assert await bot.texts(CUSTOMER_CHAT) == [
        "Reminder: meeting «Review» on 18.06.2026 15:00 (your time)."
    ]
    # 17 June's digest (at 10:00, the first run) had nothing to say that day: cancelled;
    # 18 June's hour passed in the downtime.
    assert Counter((r.kind, r.status) for r in await outbox(bot.db)) == Counter(
        {("meeting_2h", "sent"): 1, ("meeting_24h", "cancelled"): 1,
         ("digest", "cancelled"): 1}
    )


@pytest.mark.parametrize(
    ("back", "sent"),
    [(local("2026-06-17", 11, 45), True), (local("2026-06-17", 12, 15), False)],
    ids=["back-before-noon", "back-after-noon"],
)
async def test_morning_digest_is_sent_late_until_noon_only(
    bot: Bot, back: datetime, sent: bool
) -> None:
    w = await seed_world(bot.db)
    for day in ("2026-06-17", "2026-06-18"):  # something to say each day
        await add(bot.db, call(w, "Call Acme", local(day, 15)))
    await bot.run(
        local("2026-06-17", 8),
        back,
        every=timedelta(minutes=15),
        down=(local("2026-06-17", 8, 30), back),
    )
    digests = [t for t in await bot.texts(MANAGER_TG) if t.startswith("Good morning")]
    assert len(digests) == (1 if sent else 0)
    # The next morning's comes at 09:00 either way.
    await bot.run(local("2026-06-18", 9), local("2026-06-18", 9))
    assert len([t for t in await bot.texts(MANAGER_TG) if t.startswith("Good")]) == (
        2 if sent else 1
    )


async def test_a_digest_queued_before_noon_but_not_sent_by_then_is_dropped(bot: Bot) -> None:
    w = await seed_world(bot.db)
    await add(bot.db, call(w, "Call Acme", local("2026-06-17", 15)))  # something to say
    bot.clock.set(local("2026-06-17", 9))
    await bot.tick(drain=False)  # queued, then the process died
    bot.clock.set(local("2026-06-17", 12, 15))
    await bot.tick()
    assert await bot.texts(MANAGER_TG) == []
    assert [(r.kind, r.status) for r in await outbox(bot.db)] == [("digest", "cancelled")]


async def test_a_fresh_install_looks_one_day_back_only(bot: Bot) -> None:
    """No watermark yet: a task due 3 hours ago is told, one due 3 days ago is not; a quote
    that ended long ago expires without a message, yesterday's is told."""
    w = await seed_world(bot.db)
    now = local("2026-06-17", 11)
    await add(bot.db, task(w, "Recent", now - timedelta(hours=3)))
    await add(bot.db, task(w, "Ancient", now - timedelta(days=3)))
    old = await add(bot.db, quote(w, "Q-OLD", date(2026, 3, 1)))
    await add(bot.db, quote(w, "Q-NEW", date(2026, 6, 16)))
    await bot.run(now, now)
    manager = [t for t in await bot.texts(MANAGER_TG) if not t.startswith("Good morning")]
    assert Counter(manager) == Counter(
        [
            "Task due at 17.06.2026 08:00: Recent",
            "Quote Q-NEW (Acme) has expired: it was valid until 16.06.2026.",
        ]
    )
    async with bot.db.uow(readonly=True) as uow:
        assert await uow.session.scalar(select(m.Quote.status).where(m.Quote.id == old)) == (
            "expired"
        )


async def test_quote_customer_without_a_bound_chat_only_the_manager_is_told(bot: Bot) -> None:
    w = await seed_world(bot.db, chat=None)
    await add(bot.db, quote(w, "Q-2", date(2026, 6, 16)))
    await add(bot.db, quote(w, "Q-DRAFT", date(2026, 6, 16), status="draft"))
    await bot.run(local("2026-06-16", 23), local("2026-06-17", 10), every=timedelta(minutes=30))
    assert [t for t in await bot.texts(MANAGER_TG) if t.startswith("Quote")] == [
        "Quote Q-2 (Acme) has expired: it was valid until 16.06.2026."
    ]
    assert {r.kind for r in await outbox(bot.db)} == {"quote_expired", "digest"}


async def test_the_watermark_only_moves_forward(db: Database) -> None:
    later, earlier = local("2026-06-17", 10), local("2026-06-17", 9)
    for at in (later, earlier):
        async with db.uow() as uow:
            await SqlAlertRepository(uow.session, uow.dialect).set_watermark("job", at)
            await uow.commit()
    async with db.uow(readonly=True) as uow:
        repo = SqlAlertRepository(uow.session, uow.dialect)
        assert await repo.watermark("job") == later
        assert await repo.watermark("other") is None


async def test_a_failed_run_leaves_the_watermark_and_the_next_run_catches_up(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await seed_world(bot.db)
    await add(bot.db, task(w, "Call back", local("2026-06-17", 10)))
    bot.clock.set(local("2026-06-17", 9, 50))
    await bot.jobs.enqueue_alerts()
    original = bot.alerts._tasks

    async def boom(*args: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(bot.alerts, "_tasks", boom)
    bot.clock.set(local("2026-06-17", 10, 1))
    with pytest.raises(RuntimeError):
        await bot.jobs.enqueue_alerts()
    monkeypatch.setattr(bot.alerts, "_tasks", original)
    bot.clock.set(local("2026-06-17", 10, 30))
    await bot.tick()
    assert "Task due at 17.06.2026 10:00: Call back" in await bot.texts(MANAGER_TG)
