"""The staff alerts' buttons as use cases, on SQLite and PostgreSQL with a frozen clock: what
one tap makes is made once even when two taps race (the origin key's unique index), "remind
now" goes as the ladder would (the customer's quiet hours, their bound chat, else nothing),
a head acts on the team's alerts, and a task's "+1 hour" / "tomorrow" follow the moment the
alert was for."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from services.access import AccessService
from services.alert_actions import AlertActionService, call_key
from services.alerts import AlertConfig, AlertService
from services.clock import FrozenClock
from services.contracts import ContractService
from services.deals import DealDraft, DealService
from services.errors import Conflict, NotFound
from services.outbox import NewOutboxMessage
from services.pipelines import load_pipelines
from services.tasks import TaskDraft, TaskKind, TaskService
from services.users import Role, User
from storage import models as m
from storage.deals import sync_pipelines
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")
# Monday 15 June 2026, 10:00 in Chisinau (UTC+3 in summer).
MONDAY_10 = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)
CUSTOMER = 7001


class World:
    def __init__(self, db: Database, clock: FrozenClock, ivan: User, petr: User,
                 head: User) -> None:
        self.db, self.clock, self.ivan, self.petr, self.head = db, clock, ivan, petr, head
        deals = DealService(db.uow, clock, PIPELINES)
        self.tasks = TaskService(db.uow, clock, "Europe/Chisinau")
        self.deals = deals
        self.alerts = AlertService(db.uow, clock, AlertConfig(default_timezone="Europe/Chisinau"))
        self.contracts = ContractService(db.uow, clock, deals)
        self.actions = AlertActionService(self.alerts, self.tasks, self.contracts, clock)

    async def rows(self, stmt: Any) -> list[Any]:
        async with self.db.uow(readonly=True) as uow:
            return list((await uow.session.execute(stmt)).all())

    async def run(self, stmt: Any) -> None:
        async with self.db.uow() as uow:
            await uow.session.execute(stmt)
            await uow.commit()


@pytest.fixture
async def world(db: Database) -> World:
    clock = FrozenClock(MONDAY_10)
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "Europe/Chisinau")
    (admin,) = await access.ensure_admins([1])
    ivan = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                             "Ivan", None, "en")
    petr = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                             "Petr", None, "en")
    head = await access.join(4, (await access.create_invite(admin, Role.HEAD)).token,
                             "Hanna", None, "en")
    return World(db, clock, ivan, petr, head)


async def overdue_alert(w: World, *, bound: bool = True, email: str | None = None) -> int:
    """Ivan's invoice overdue since 10.06 and its alert's outbox row; returns the row id."""
    async with w.db.uow() as uow:
        s = uow.session
        org = m.Organization(name="Seller SRL", country="MD", currency="MDL")
        company = m.Company(owner_id=w.ivan.id, name="Acme", name_norm="acme", email=email)
        s.add_all([org, company])
        await s.flush()
        contact = m.Contact(owner_id=w.ivan.id, company_id=company.id, name="Buyer",
                            name_norm="buyer", telegram_user_id=CUSTOMER if bound else None,
                            timezone="Europe/Chisinau", language="en")
        s.add(contact)
        await s.flush()
        inv = m.Invoice(owner_id=w.ivan.id, organization_id=org.id, company_id=company.id,
                        contact_id=contact.id, currency="MDL", status="overdue",
                        due_date=date(2026, 6, 10), total_minor=99_000, number_text="INV-1",
                        language="en")
        s.add(inv)
        await s.flush()
        await uow.outbox.enqueue([NewOutboxMessage(
            key=f"overdue:{inv.id}", channel="telegram", kind="overdue_alert",
            due_at=w.clock.now(), chat_id=2, recipient_user_id=w.ivan.id,
            payload={"invoice_id": inv.id, "number": "INV-1", "lang": "en"})])
        row = await s.scalar(select(m.OutboxMessage.id).where(
            m.OutboxMessage.idempotency_key == f"overdue:{inv.id}"))
        await uow.commit()
    assert row is not None
    return int(row)


def reminders() -> Any:
    return (select(m.OutboxMessage.kind, m.OutboxMessage.channel, m.OutboxMessage.chat_id,
                   m.OutboxMessage.email, m.OutboxMessage.due_at)
            .where(m.OutboxMessage.idempotency_key.like("alert:%:remind")))


async def test_two_racing_taps_make_one_task_and_one_deal(world: World) -> None:
    w = world
    when = MONDAY_10 + timedelta(days=1)
    draft = TaskDraft(TaskKind.TASK, "Call Acme", when, origin_key="alert:1:call")
    results = await asyncio.gather(w.tasks.create(w.ivan, draft),
                                   w.tasks.create(w.ivan, draft), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Task"]
    assert [r.code for r in results if isinstance(r, Conflict)] == ["already_done"]
    assert len(await w.rows(select(m.Task.id).where(m.Task.origin_key == "alert:1:call"))) == 1

    deal = DealDraft(title="Renewal", origin_key="contract:1:renewal:2026-06-22")
    results = await asyncio.gather(w.deals.create(w.ivan, deal), w.deals.create(w.ivan, deal),
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Deal"]
    assert len(await w.rows(select(m.Deal.id))) == 1
    # Without an origin key nothing is unique: two deals typed alike are two deals.
    await w.deals.create(w.ivan, DealDraft(title="Renewal"))
    await w.deals.create(w.ivan, DealDraft(title="Renewal"))
    assert len(await w.rows(select(m.Deal.id))) == 3


async def test_remind_now_follows_the_customers_quiet_hours_and_reach(world: World) -> None:
    w = world
    row = await overdue_alert(w)
    # 22:30 in Chisinau: the reminder waits for 09:00 the next morning, the customer's day.
    w.clock.set(datetime(2026, 6, 15, 19, 30, tzinfo=UTC))
    at = await w.actions.remind_now(w.ivan, row)
    assert at == datetime(2026, 6, 16, 6, 0, tzinfo=UTC)
    assert await w.rows(reminders()) == [("invoice_overdue", "telegram", CUSTOMER, None, at)]
    # Another manager: not found; a head acts on the team's (the one reminder exists already).
    with pytest.raises(NotFound):
        await w.actions.remind_now(w.petr, row)
    with pytest.raises(Conflict) as err:
        await w.actions.remind_now(w.head, row)
    assert err.value.code == "already_done"
    # A call task for tomorrow 09:00 in the actor's zone, linked to the client; once.
    task = await w.actions.call_task(w.head, row, "Call {company} about invoice {number}")
    assert (task.title, task.owner_id, task.due_at) == (
        "Call Acme about invoice INV-1", w.head.id, datetime(2026, 6, 16, 6, 0, tzinfo=UTC))
    assert task.company_id is not None
    assert await w.rows(select(m.Task.origin_key)) == [(call_key(row),)]
    with pytest.raises(Conflict):
        await w.actions.call_task(w.ivan, row, "Call {company}")


async def test_remind_now_refuses_what_would_not_reach_or_is_stopped(world: World) -> None:
    w = world
    row = await overdue_alert(w, bound=False)
    with pytest.raises(Conflict) as err:
        await w.actions.remind_now(w.ivan, row)
    assert err.value.code == "no_customer_channel"
    await w.run(update(m.Invoice).values(reminders_stopped=True))
    with pytest.raises(Conflict) as err:
        await w.actions.remind_now(w.ivan, row)
    assert err.value.code == "reminders_off"
    await w.run(update(m.Invoice).values(status="cancelled"))
    with pytest.raises(Conflict) as err:
        await w.actions.remind_now(w.ivan, row)
    assert err.value.code == "already_paid"
    assert await w.rows(reminders()) == []
    # A row that is no alert of the kind (or none at all) is not found.
    with pytest.raises(NotFound):
        await w.actions.renewal_deal(w.ivan, row, "Renewal: {title}")
    with pytest.raises(NotFound):
        await w.actions.remind_now(w.ivan, row + 1000)


async def test_remind_now_by_email_when_the_customer_has_no_chat(world: World) -> None:
    w = world
    row = await overdue_alert(w, bound=False, email="buyer@example.com")
    assert await w.actions.remind_now(w.ivan, row) is None  # 10:00 there: at once
    assert await w.rows(reminders()) == [
        ("invoice_overdue", "email", None, "buyer@example.com", MONDAY_10)]


async def test_task_alert_moves_follow_the_alerts_moment(world: World) -> None:
    w = world
    due = MONDAY_10  # 10:00 in Chisinau
    task = await w.tasks.create(w.ivan, TaskDraft(TaskKind.TASK, "Send the offer", due))
    # Pressed 25 minutes late: +1 hour is from now, to the minute.
    w.clock.set(due + timedelta(minutes=25, seconds=40))
    moved = await w.actions.task_later(w.ivan, task.id, due, 0)
    assert moved.due_at == datetime(2026, 6, 15, 8, 25, tzinfo=UTC)
    assert moved.status == "deferred"
    # The alert's button still names the old moment: nothing moves again.
    with pytest.raises(Conflict) as err:
        await w.actions.task_later(w.ivan, task.id, due, 1)
    assert err.value.code == "already_done"
    # "Tomorrow" on the new moment: tomorrow at its own time of day, in the manager's zone.
    later = await w.actions.task_later(w.ivan, task.id, moved.due_at or due, 1)
    assert later.due_at == datetime(2026, 6, 16, 8, 25, tzinfo=UTC)
    with pytest.raises(NotFound):
        await w.actions.task_done(w.petr, task.id)
    assert (await w.actions.task_done(w.head, task.id)).status == "done"
    with pytest.raises(Conflict) as err:
        await w.actions.task_done(w.ivan, task.id)
    assert err.value.code == "already_done"


async def test_the_working_day_starts_at_the_persons_digest_hour(world: World) -> None:
    """Issue 18 follow-up: Ivan's digest comes at 07:00, so his contract alert is due at 07:00
    his time (not 09:00) and "Call task for tomorrow" is due tomorrow at 07:00."""
    w = world
    await w.alerts.set_digest_hour(w.ivan, 7)
    await w.run(update(m.User).where(m.User.id == w.ivan.id).values(timezone="Europe/Chisinau"))
    async with w.db.uow() as uow:
        uow.session.add(m.Contract(owner_id=w.ivan.id, title="Lease", starts_on=date(2025, 1, 1),
                                   ends_on=date(2026, 6, 22)))
        await uow.commit()
    w.clock.set(datetime(2026, 6, 15, 3, 30, tzinfo=UTC))  # 06:30 in Chisinau
    await w.alerts.enqueue_alerts()
    due = await w.rows(select(m.OutboxMessage.due_at)
                       .where(m.OutboxMessage.kind == "contract_alert"))
    assert [d.astimezone(UTC) for (d,) in due] == [datetime(2026, 6, 15, 4, 0, tzinfo=UTC)]

    row = await overdue_alert(w)
    task = await w.actions.call_task(w.ivan, row, "Call {company}")
    assert task.due_at == datetime(2026, 6, 16, 4, 0, tzinfo=UTC)
