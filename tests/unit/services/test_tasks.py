"""TaskService on the in-memory fakes: times typed in the manager's zone, today's list and its
order, completing and postponing, and the scope of every read and write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.deals import DealDraft
from services.errors import Conflict, InvalidInput, NotFound
from services.tasks import TaskDraft, TaskKind
from tests.unit.services.conftest import World


def moscow(w: World) -> World:
    """m1 reads and types times in Moscow (UTC+3)."""
    w.m1 = replace(w.m1, timezone="Europe/Moscow")
    return w


async def test_a_typed_time_is_read_in_the_managers_zone(w: World) -> None:
    moscow(w)
    when = w.tasks.read_when(w.m1, "завтра 10:00")  # 09:00 UTC now = 12:00 in Moscow
    assert when == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    task = await w.tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Call Anna", when))
    assert (task.due_at, task.status, task.starts_at) == (when, "planned", None)
    with pytest.raises(InvalidInput) as err:
        w.tasks.read_when(w.m1, "вчера 10:00")
    assert err.value.code == "bad_when"


async def test_today_lists_overdue_then_today_then_done(w: World) -> None:
    moscow(w)
    now = w.clock.now()

    async def task(title: str, when: datetime) -> int:
        return (await w.tasks.create(w.m1, TaskDraft(TaskKind.TASK, title, when))).id

    old = await task("Overdue", now - timedelta(days=2))  # created back then, still open
    late = await task("Tonight", now + timedelta(hours=8))  # 20:00 Moscow
    early = await task("Soon", now + timedelta(hours=1))
    done = await task("Done already", now + timedelta(hours=2))
    await task("Tomorrow", now + timedelta(days=1))
    meeting = await w.tasks.create(w.m1, TaskDraft(TaskKind.MEETING, "Meet", now
                                                   + timedelta(hours=3)))
    await w.tasks.complete(w.m1, done)
    await w.tasks.create(w.m2, TaskDraft(TaskKind.TASK, "Not mine", now + timedelta(hours=1)))
    today = await w.tasks.today(w.m1)
    assert (today.day.isoformat(), today.zone) == ("2026-11-20", "Europe/Moscow")
    assert [t.id for t in today.tasks] == [old, early, meeting.id, late, done]
    assert meeting.ends_at == meeting.starts_at + timedelta(hours=1)


async def test_complete_postpone_and_statuses(w: World) -> None:
    now = w.clock.now()
    task = await w.tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Send offer",
                                                now - timedelta(days=3, hours=1)))
    moved = await w.tasks.postpone(w.m1, task.id, 1)
    # Overdue: from today, at its own time of day.
    assert moved.due_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert moved.status == "deferred"
    with pytest.raises(InvalidInput):
        await w.tasks.postpone(w.m1, task.id, 3)
    with pytest.raises(InvalidInput) as err:
        await w.tasks.set_status(w.m1, task.id, "held")  # an event's status
    assert err.value.code == "bad_task_status"
    done = await w.tasks.complete(w.m1, task.id)
    assert (done.status, done.done_at) == ("done", now)
    with pytest.raises(Conflict) as conflict:
        await w.tasks.postpone(w.m1, task.id, 1)
    assert conflict.value.code == "task_closed"
    call = await w.tasks.create(w.m1, TaskDraft(TaskKind.CALL, "Call", now + timedelta(hours=1),
                                                ends_at=now + timedelta(hours=2)))
    assert (await w.tasks.complete(w.m1, call.id)).status == "held"
    reopened = await w.tasks.set_status(w.m1, call.id, "planned")
    assert (reopened.status, reopened.done_at) == ("planned", None)


async def test_tasks_on_deals_and_clients_follow_their_scope(w: World) -> None:
    now = w.clock.now()
    deal = await w.deals.create(w.m1, DealDraft(title="Paper", company_id=w.c1))
    task = await w.tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Call", now
                                                + timedelta(hours=1), deal_id=deal.id))
    assert task.company_id == w.c1  # the deal's client
    with pytest.raises(NotFound) as err:
        await w.tasks.create(w.m2, TaskDraft(TaskKind.TASK, "Mine?", now, deal_id=deal.id))
    assert err.value.params == {"entity": "deal", "id": deal.id}
    with pytest.raises(NotFound) as err:
        await w.tasks.create(w.m2, TaskDraft(TaskKind.TASK, "Mine?", now, company_id=w.c1))
    assert err.value.params == {"entity": "company", "id": w.c1}
    for call in (w.tasks.get, w.tasks.complete):
        with pytest.raises(NotFound) as err:
            await call(w.m2, task.id)
        assert err.value.params == {"entity": "task", "id": task.id}
    assert (await w.tasks.get(w.m1, task.id)).status == "planned"  # refused: unchanged
    assert (await w.tasks.get(w.admin, task.id)).title == "Call"
    await w.deals.move(w.m1, deal.id, "lost", note="No budget")
    with pytest.raises(Conflict) as conflict:
        await w.tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Late", now, deal_id=deal.id))
    assert conflict.value.code == "deal_closed"


async def test_an_event_cannot_end_before_it_starts(w: World) -> None:
    now = w.clock.now() + timedelta(hours=1)
    with pytest.raises(InvalidInput) as err:
        await w.tasks.create(w.m1, TaskDraft(TaskKind.MEETING, "Meet", now, ends_at=now))
    assert err.value.code == "end_before_start"
    assert (await w.tasks.today(w.m1)).tasks == []
