"""The times a manager offers the client for a meeting (TaskService on the in-memory fakes):
typed in the manager's zone, future only, never the meeting's own start, each once, at most
three at once, only on an open meeting reminded to the client, and only by whoever may open
the meeting (another manager finds nothing); each offer and withdrawal is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.errors import Conflict, InvalidInput, NotFound
from services.tasks import SLOTS_MAX, Task, TaskDraft, TaskKind
from tests.unit.services.conftest import World


async def meeting(w: World, remind: bool = True, kind: TaskKind = TaskKind.MEETING) -> Task:
    # 21.11.2026 12:00 UTC (the users of the fakes read and type times in UTC)
    starts = w.clock.now() + timedelta(days=1, hours=3)
    return await w.tasks.create(w.m1, TaskDraft(kind, "Demo", starts, company_id=w.c1,
                                                remind_client=remind))


async def test_times_are_offered_listed_and_taken_back(w: World) -> None:
    demo = await meeting(w)
    for typed in ("22.11 10:00", "21.11 18:00", "23.11 09:30"):
        await w.tasks.offer_time(w.m1, demo.id, typed)
    card = await w.tasks.card(w.m1, demo.id)
    assert [s.starts_at for s in card.slots] == [
        datetime(2026, 11, 21, 18, tzinfo=UTC), datetime(2026, 11, 22, 10, tzinfo=UTC),
        datetime(2026, 11, 23, 9, 30, tzinfo=UTC)]
    assert not card.can_offer and len(card.slots) == SLOTS_MAX
    with pytest.raises(Conflict) as err:
        await w.tasks.offer_time(w.m1, demo.id, "24.11 10:00")
    assert (err.value.code, err.value.params) == ("slots_full", {"limit": 3})
    with pytest.raises(Conflict) as err:
        await w.tasks.check_offer(w.m1, demo.id)
    assert err.value.code == "slots_full"

    await w.tasks.withdraw_time(w.m1, demo.id, card.slots[0].id)
    with pytest.raises(Conflict) as err:
        await w.tasks.withdraw_time(w.m1, demo.id, card.slots[0].id)
    assert err.value.code == "slot_gone"
    card = await w.tasks.card(w.m1, demo.id)
    assert len(card.slots) == 2 and card.can_offer
    actions = [(r["action"], r["data"]) for r in w.db.state.audit if r["entity"] == "task"]
    assert actions[-1] == ("task.slot_withdrawn", {"changes": [
        {"field": "slot", "old": "21.11.2026 18:00", "new": None}]})
    assert [a for a, _ in actions].count("task.slot_offered") == 3

    # A time offered that has passed is no longer listed, nor counted.
    w.clock.set(datetime(2026, 11, 22, 11, tzinfo=UTC))
    assert [s.starts_at for s in (await w.tasks.card(w.m1, demo.id)).slots] == [
        datetime(2026, 11, 23, 9, 30, tzinfo=UTC)]


async def test_bad_times_and_meetings_are_refused(w: World) -> None:
    demo = await meeting(w)
    cases = [("20.11 08:00", InvalidInput, "when_in_past"), ("someday", InvalidInput, "bad_when"),
             ("21.11 12:00", InvalidInput, "slot_is_start")]
    await w.tasks.offer_time(w.m1, demo.id, "22.11 10:00")
    cases.append(("22.11 10:00", Conflict, "slot_offered"))
    for typed, error, code in cases:
        with pytest.raises(error) as err:
            await w.tasks.offer_time(w.m1, demo.id, typed)
        assert err.value.code == code, typed
    for other in (await meeting(w, remind=False), await meeting(w, kind=TaskKind.CALL)):
        with pytest.raises(Conflict) as err:
            await w.tasks.offer_time(w.m1, other.id, "22.11 11:00")
        assert err.value.code == "not_client_meeting"
    await w.tasks.mark(w.m1, demo.id, "cancelled")
    with pytest.raises(Conflict) as err:
        await w.tasks.offer_time(w.m1, demo.id, "22.11 11:00")
    assert err.value.code == "task_closed"
    assert len((await w.tasks.card(w.m1, demo.id)).slots) == 1


async def test_another_manager_finds_nothing_an_admin_may(w: World) -> None:
    demo = await meeting(w)
    slot = await w.tasks.offer_time(w.m1, demo.id, "22.11 10:00")
    for attempt in (w.tasks.offer_time(w.m2, demo.id, "22.11 11:00"),
                    w.tasks.withdraw_time(w.m2, demo.id, slot.id),
                    w.tasks.check_offer(w.m2, demo.id)):
        with pytest.raises(NotFound):
            await attempt
    assert [s.id for s in (await w.tasks.card(w.m1, demo.id)).slots] == [slot.id]
    await w.tasks.offer_time(w.admin, demo.id, "22.11 11:00")  # an admin: any meeting
    assert len((await w.tasks.card(w.m1, demo.id)).slots) == 2
