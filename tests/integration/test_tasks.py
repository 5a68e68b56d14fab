"""Tasks and events on a real database; due times typed in the manager's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.access import AccessService
from services.clock import FrozenClock
from services.deals import DealDraft, DealService
from services.errors import InvalidInput, NotFound
from services.pipelines import load_pipelines
from services.tasks import TaskDraft, TaskKind, TaskService, parse_when
from services.users import Role, User
from storage.deals import sync_pipelines
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")
CHISINAU = ZoneInfo("Europe/Chisinau")


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# 20 Nov 2026 23:30 UTC is already 21 Nov 01:30 in Chisinau (UTC+2 in winter).
LATE_EVENING = utc(2026, 11, 20, 23, 30)


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("25.11 15:00", LATE_EVENING, utc(2026, 11, 25, 13, 0)),
    ("25.11.2026 15:00", LATE_EVENING, utc(2026, 11, 25, 13, 0)),
    # "tomorrow" is the manager's tomorrow: 22 Nov in Chisinau, though it is 20 Nov in UTC.
    ("tomorrow 10:00", LATE_EVENING, utc(2026, 11, 22, 8, 0)),
    ("завтра 10:00", LATE_EVENING, utc(2026, 11, 22, 8, 0)),
    ("Завтра в 10.30", LATE_EVENING, utc(2026, 11, 22, 8, 30)),
    ("mâine 10:00", LATE_EVENING, utc(2026, 11, 22, 8, 0)),
    ("today 18:00", LATE_EVENING, utc(2026, 11, 21, 16, 0)),
    # Summer time (UTC+3) from the last Sunday of March.
    ("15.07 15:00", LATE_EVENING, utc(2027, 7, 15, 12, 0)),
    ("2026-12-01 09:15", LATE_EVENING, utc(2026, 12, 1, 7, 15)),
    ("25.11", LATE_EVENING, utc(2026, 11, 25, 7, 0)),  # no time: 09:00
    # A day without a year that has passed this year means next year.
    ("10.01 12:00", LATE_EVENING, utc(2027, 1, 10, 10, 0)),
    # A bare time that has passed today means tomorrow.
    ("01:00", LATE_EVENING, utc(2026, 11, 21, 23, 0)),
    ("02:00", LATE_EVENING, utc(2026, 11, 21, 0, 0)),
    # Across the spring change: 29 Mar 2026 is the day clocks go forward in Chisinau.
    ("tomorrow 10:00", utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 7, 0)),
])
def test_due_times_are_read_in_the_managers_zone(text: str, now: datetime,
                                                 expected: datetime) -> None:
    result = parse_when(text, CHISINAU, now)
    assert result == expected
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(("text", "code"), [
    ("someday", "bad_when"),
    ("32.11 10:00", "bad_when"),
    ("25.11 25:00", "bad_when"),
    ("yesterday 10:00", "bad_when"),
    ("01.01.2020 10:00", "when_in_past"),
    ("today 00:30", "when_in_past"),
    ("", "empty"),
])
def test_unreadable_or_past_times_are_refused(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_when(text, CHISINAU, LATE_EVENING)
    assert err.value.code == code


@pytest.fixture
async def setup(db: Database) -> tuple[TaskService, DealService, FrozenClock, User, User]:
    clock = FrozenClock(LATE_EVENING)
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "Europe/Chisinau")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M1", None, None)
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M2", None, None)
    return (TaskService(db.uow, clock, "Europe/Moscow"),
            DealService(db.uow, clock, PIPELINES), clock, m1, m2)


async def test_today_done_and_postpone_in_the_managers_day(
    setup: tuple[TaskService, DealService, FrozenClock, User, User],
) -> None:
    tasks, deals, clock, m1, m2 = setup
    assert m1.timezone == "Europe/Chisinau"
    deal = await deals.create(m1, DealDraft(title="Chairs"))
    call = await tasks.create(m1, TaskDraft(TaskKind.TASK, "Call back",
                                            tasks.read_when(m1, "today 15:00"), deal_id=deal.id))
    assert call.due_at == utc(2026, 11, 21, 13, 0) and call.status == "planned"
    meeting = await tasks.create(m1, TaskDraft(TaskKind.MEETING, "Demo",
                                               tasks.read_when(m1, "today 11:00"),
                                               remind_client=True))
    assert meeting.starts_at is not None
    assert meeting.ends_at == meeting.starts_at + timedelta(hours=1)
    assert meeting.remind_client
    await tasks.create(m1, TaskDraft(TaskKind.TASK, "Next week",
                                     tasks.read_when(m1, "28.11 10:00")))
    await tasks.create(m2, TaskDraft(TaskKind.TASK, "Not mine",
                                     tasks.read_when(m2, "today 12:00")))
    today = await tasks.today(m1)
    assert str(today.day) == "2026-11-21"
    assert [t.title for t in today.tasks] == ["Demo", "Call back"]
    # The deal card's next task is the open one on the deal.
    assert (await deals.card(m1, deal.id)).next_task == call

    done = await tasks.complete(m1, meeting.id)
    assert done.status == "held" and done.done_at == clock.now()
    moved = await tasks.postpone(m1, call.id, 1)
    assert moved.due_at == utc(2026, 11, 22, 13, 0) and moved.status == "deferred"
    week = await tasks.postpone(m1, call.id, 7)
    assert week.due_at == utc(2026, 11, 29, 13, 0)
    assert [(t.title, t.status) for t in (await tasks.today(m1)).tasks] == [("Demo", "held")]

    # An overdue task postponed by a day lands tomorrow at its own time of day.
    clock.advance(timedelta(days=10))
    late = await tasks.postpone(m1, call.id, 1)
    assert late.due_at == utc(2026, 12, 2, 13, 0)


async def test_another_managers_task_is_not_found(
    setup: tuple[TaskService, DealService, FrozenClock, User, User],
) -> None:
    tasks, deals, _, m1, m2 = setup
    task = await tasks.create(m1, TaskDraft(TaskKind.CALL, "Ring",
                                            tasks.read_when(m1, "tomorrow 10:00")))
    for call in (tasks.get(m2, task.id), tasks.complete(m2, task.id),
                 tasks.postpone(m2, task.id, 1)):
        with pytest.raises(NotFound):
            await call
    deal = await deals.create(m1, DealDraft(title="Mine"))
    with pytest.raises(NotFound):
        await tasks.create(m2, TaskDraft(TaskKind.TASK, "Sneak",
                                         tasks.read_when(m2, "tomorrow 10:00"),
                                         deal_id=deal.id))
    assert (await tasks.get(m1, task.id)).status == "planned"
