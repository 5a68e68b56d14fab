"""TaskService in a team, on the in-memory fakes: statuses with their audit rows, cancel as
archive and restore, deferring to a typed date, assigning to a colleague (told through the
outbox in the same transaction), comments, the week, and the scope of each of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.errors import Conflict, InvalidInput, NotFound
from services.notices import TASK_ASSIGNED, TASK_COMMENT
from services.tasks import Task, TaskDraft, TaskKind
from services.users import Role
from tests.unit.services.conftest import World


def moscow(w: World) -> World:
    w.m1 = replace(w.m1, timezone="Europe/Moscow")
    return w


async def new_task(w: World, title: str = "Call Anna", hours: float = 3,
                   deal_id: int | None = None, company_id: int | None = None,
                   kind: TaskKind = TaskKind.TASK) -> Task:
    return await w.tasks.create(w.m1, TaskDraft(kind, title, w.clock.now()
                                                + timedelta(hours=hours), deal_id=deal_id,
                                                company_id=company_id))


def audit(w: World, action: str | None = None) -> list[dict[str, Any]]:
    rows = [r for r in w.db.state.audit if r["entity"] == "task"]
    return [r for r in rows if action is None or r["action"] == action]


def outbox(w: World) -> list[Any]:
    return [r.message for r in w.db.state.outbox.rows.values()]


async def test_each_status_is_audited_with_its_client_old_and_new(w: World) -> None:
    moscow(w)
    task = await new_task(w, company_id=w.c1)
    assert task.created_by == w.m1.id
    moved = await w.tasks.mark(w.m1, task.id, "in_progress")
    assert moved.status == "in_progress"
    with pytest.raises(Conflict) as err:
        await w.tasks.mark(w.m1, task.id, "in_progress")
    assert err.value.code == "task_same_status"
    await w.tasks.mark(w.m1, task.id, "waiting")
    with pytest.raises(InvalidInput):
        await w.tasks.mark(w.m1, task.id, "held")  # not a task's button
    rows = audit(w)
    assert [r["action"] for r in rows] == ["task.create", "task.in_progress", "task.waiting"]
    assert all(r["company_id"] == w.c1 and r["deal_id"] is None for r in rows)
    assert rows[1]["data"] == {"changes": [{"field": "status", "old": "planned",
                                            "new": "in_progress"}]}
    assert rows[2]["data"] == {"changes": [{"field": "status", "old": "in_progress",
                                            "new": "waiting"}]}
    done = await w.tasks.complete(w.m1, task.id)
    assert (done.status, done.done_at) == ("done", w.clock.now())
    with pytest.raises(Conflict) as err:
        await w.tasks.complete(w.m1, task.id)
    assert err.value.code == "task_closed"
    assert audit(w)[-1]["action"] == "task.done"


async def test_cancel_archives_and_restore_reopens(w: World) -> None:
    moscow(w)
    task = await new_task(w)
    other = await new_task(w, "Stays", hours=4)
    cancelled = await w.tasks.mark(w.m1, task.id, "cancelled")
    assert cancelled.status == "cancelled" and not cancelled.is_open
    # Archived: gone from today and the week; shown by the closed filter.
    assert [t.id for t in (await w.tasks.today(w.m1)).tasks] == [other.id]
    week = await w.tasks.week(w.m1)
    assert [t.id for _, ts in week.days for t in ts] == [other.id]
    assert [t.id for t in await w.tasks.closed(w.m1)] == [task.id]
    with pytest.raises(Conflict):
        await w.tasks.postpone(w.m1, task.id, 1)
    with pytest.raises(Conflict) as err:
        await w.tasks.restore(w.m1, other.id)
    assert err.value.code == "task_open"
    restored = await w.tasks.restore(w.m1, task.id)
    assert (restored.status, restored.done_at) == ("planned", None)
    assert [r["action"] for r in audit(w)][-2:] == ["task.cancelled", "task.restore"]
    assert audit(w)[-1]["data"] == {"changes": [{"field": "status", "old": "cancelled",
                                                 "new": "planned"}]}
    assert {t.id for t in (await w.tasks.today(w.m1)).tasks} == {task.id, other.id}
    assert await w.tasks.closed(w.m1) == []


async def test_defer_to_a_typed_date_in_the_managers_zone(w: World) -> None:
    moscow(w)  # now 20.11 12:00 in Moscow
    task = await new_task(w)
    before = len(audit(w))
    for text, code in (("someday", "bad_when"), ("19.11.2026", "when_in_past"),
                       ("сегодня 08:00", "when_in_past")):
        with pytest.raises(InvalidInput) as err:
            await w.tasks.defer(w.m1, task.id, text)
        assert err.value.code == code
    assert len(audit(w)) == before
    assert (await w.tasks.get(w.m1, task.id)).status == "planned"
    deferred = await w.tasks.defer(w.m1, task.id, "25.11 15:00")
    assert deferred.due_at == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert deferred.status == "deferred"
    row = audit(w)[-1]
    assert row["action"] == "task.deferred"
    assert row["data"] == {"changes": [
        {"field": "status", "old": "planned", "new": "deferred"},
        {"field": "due", "old": "20.11.2026 15:00", "new": "25.11.2026 15:00"}]}
    meeting = await new_task(w, "Meet", kind=TaskKind.MEETING)
    moved = await w.tasks.defer(w.m1, meeting.id, "завтра 10:00")
    assert (moved.starts_at, moved.ends_at, moved.status) == (
        datetime(2026, 11, 21, 7, tzinfo=UTC), datetime(2026, 11, 21, 8, tzinfo=UTC), "planned")


async def test_assign_hands_the_task_over_and_tells_the_colleague(w: World) -> None:
    moscow(w)
    deal_task = await new_task(w, company_id=w.c1)
    task, targets = await w.tasks.assign_targets(w.m1, deal_task.id)
    assert [u.id for u in targets] == [w.m2.id]  # active managers and heads, not the owner
    assigned, target = await w.tasks.assign(w.m1, task.id, w.m2.id)
    assert (assigned.owner_id, assigned.created_by, target.id) == (w.m2.id, w.m1.id, w.m2.id)
    row = audit(w, "task.assign")[0]
    assert row["company_id"] == w.c1 and row["actor_id"] == w.m1.id
    assert row["data"]["changes"] == [{"field": "owner", "old": "M1", "new": "M2"}]
    (message,) = outbox(w)
    assert (message.kind, message.chat_id, message.recipient_user_id) == (
        TASK_ASSIGNED, w.m2.telegram_id, w.m2.id)
    assert message.payload["lang"] == "ru"  # the assignee's language
    assert message.payload["task_id"] == task.id and message.payload["who"] == "M1"
    # Now it is M2's: on their day, not M1's; M1 (who set it) still opens it.
    assert [t.id for t in (await w.tasks.today(w.m2)).tasks] == [task.id]
    assert (await w.tasks.today(w.m1)).tasks == []
    card = await w.tasks.card(w.m1, task.id)
    assert (card.owner_name, card.creator_name) == ("M2", "M1")
    with pytest.raises(Conflict):
        await w.tasks.assign(w.m1, task.id, w.m2.id)


async def test_assign_refuses_a_customer_an_inactive_user_and_a_stranger(w: World) -> None:
    task = await new_task(w)
    async with w.db.uow() as uow:
        customer = await uow.users.add(777, Role.CUSTOMER, "Client", None, "ru", None)
        await uow.commit()
    await w.access.deactivate(w.admin, w.m2.id)
    for user_id in (customer.id, w.m2.id, 9999):
        with pytest.raises(InvalidInput) as err:
            await w.tasks.assign(w.m1, task.id, user_id)
        assert err.value.code == "bad_assignee"
    assert (await w.tasks.get(w.m1, task.id)).owner_id == w.m1.id
    assert audit(w, "task.assign") == [] and outbox(w) == []
    _, targets = await w.tasks.assign_targets(w.m1, task.id)
    assert targets == []


async def test_comments_are_kept_and_the_other_party_is_told(w: World) -> None:
    task = await new_task(w)
    with pytest.raises(InvalidInput) as err:
        await w.tasks.comment(w.m1, task.id, "  \n ")
    assert (err.value.code, err.value.params["field"]) == ("empty", "text")
    with pytest.raises(InvalidInput) as err:
        await w.tasks.comment(w.m1, task.id, "x" * 2001)
    assert err.value.code == "too_long"
    await w.tasks.comment(w.m1, task.id, "My own note")  # nobody else to tell
    assert outbox(w) == []
    await w.tasks.assign(w.m1, task.id, w.m2.id)
    saved = await w.tasks.comment(w.m2, task.id, "Called, no answer")
    assert (saved.author_id, saved.created_at) == (w.m2.id, w.clock.now())
    told = [m for m in outbox(w) if m.kind == TASK_COMMENT]
    assert [(m.chat_id, m.payload["lang"], m.payload["text"]) for m in told] == [
        (w.m1.telegram_id, "en", "Called, no answer")]
    card = await w.tasks.card(w.m2, task.id)
    assert [(c.author_name, c.text) for c in card.comments] == [
        ("M1", "My own note"), ("M2", "Called, no answer")]
    rows = audit(w, "task.comment")
    assert [r["data"]["text"] for r in rows] == ["My own note", "Called, no answer"]


async def test_another_managers_task_is_not_found_for_every_action(w: World) -> None:
    task = await new_task(w, company_id=w.c1)
    before = (len(audit(w)), len(outbox(w)))
    calls = [
        w.tasks.get(w.m2, task.id), w.tasks.card(w.m2, task.id),
        w.tasks.mark(w.m2, task.id, "in_progress"), w.tasks.mark(w.m2, task.id, "cancelled"),
        w.tasks.complete(w.m2, task.id), w.tasks.postpone(w.m2, task.id, 1),
        w.tasks.defer(w.m2, task.id, "25.11 10:00"), w.tasks.restore(w.m2, task.id),
        w.tasks.assign_targets(w.m2, task.id), w.tasks.assign(w.m2, task.id, w.m2.id),
        w.tasks.comment(w.m2, task.id, "mine now?"),
    ]
    for call in calls:
        with pytest.raises(NotFound) as err:
            await call
        assert err.value.params == {"entity": "task", "id": task.id}
    assert (len(audit(w)), len(outbox(w))) == before
    assert (await w.tasks.get(w.m1, task.id)).status == "planned"
    # The admin may do it all.
    assert (await w.tasks.mark(w.admin, task.id, "in_progress")).status == "in_progress"
    assigned, _ = await w.tasks.assign(w.admin, task.id, w.m2.id)
    assert (assigned.owner_id, assigned.created_by) == (w.m2.id, w.m1.id)


async def test_week_groups_by_day_in_the_managers_zone(w: World) -> None:
    moscow(w)  # 20.11 12:00 Moscow, a Friday
    now = w.clock.now()
    old = await w.tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Old", now - timedelta(days=3)))
    late_tonight = await w.tasks.create(w.m1, TaskDraft(
        TaskKind.TASK, "Late", datetime(2026, 11, 20, 21, 30, tzinfo=UTC)))  # 21.11 00:30 MSK
    today = await new_task(w, "Today", hours=2)
    meeting = await new_task(w, "Meet", hours=24 * 6, kind=TaskKind.MEETING)  # 26.11
    await new_task(w, "Too far", hours=24 * 7)  # 27.11: out of the week
    await w.tasks.create(w.m2, TaskDraft(TaskKind.TASK, "Not mine", now + timedelta(hours=1)))
    week = await w.tasks.week(w.m1)
    assert (week.start.isoformat(), week.zone) == ("2026-11-20", "Europe/Moscow")
    assert [t.id for t in week.overdue] == [old.id]
    assert [(d.isoformat(), [t.id for t in ts]) for d, ts in week.days] == [
        ("2026-11-20", [today.id]), ("2026-11-21", [late_tonight.id]),
        ("2026-11-26", [meeting.id])]
    assert week.count == 4
