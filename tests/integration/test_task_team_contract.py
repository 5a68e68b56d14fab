"""The contract of the task repositories' team methods (who may see a task, the closed
ones, the cancelled ones left off a day, comments), the same cases on the in-memory fakes,
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.integration import test_repository_contract as contract
from tests.integration.test_repository_contract import T0, H, Uows, people

# The stores the contract runs on (fixtures): the fakes, SQLite, PostgreSQL.
store_url = contract.store_url
uows = contract.uows


async def test_a_task_is_visible_to_its_owner_and_to_who_set_it(uows: Uows) -> None:
    m1, m2, _ = await people(uows)
    async with uows() as uow:
        mine = await uow.tasks.add(m1, {"kind": "task", "title": "Own", "status": "planned",
                                        "due_at": T0, "created_by": m1}, T0)
        given = await uow.tasks.add(m1, {"kind": "task", "title": "Given", "status": "planned",
                                         "due_at": T0, "created_by": m1}, T0)
        await uow.tasks.update(given.id, {"owner_id": m2, "created_by": m1})
        await uow.commit()
    async with uows(readonly=True) as uow:
        assert (await uow.tasks.visible(mine.id, m1)).created_by == m1
        assert await uow.tasks.visible(mine.id, m2) is None
        assert await uow.tasks.get(given.id, m1) is None  # no longer m1's own
        seen = await uow.tasks.visible(given.id, m1)
        assert (seen.owner_id, seen.created_by) == (m2, m1)
        assert (await uow.tasks.visible(given.id, m2)).title == "Given"
        assert (await uow.tasks.visible(given.id, None)).id == given.id
        assert await uow.tasks.visible(given.id + 10, None) is None


async def test_cancelled_ones_leave_the_day_and_closed_lists_the_last_first(uows: Uows
                                                                            ) -> None:
    m1, m2, _ = await people(uows)

    async def add(uow: Any, owner: int, title: str, status: str,
                  done_at: datetime | None = None) -> int:
        task = await uow.tasks.add(owner, {
            "kind": "task", "title": title, "status": status, "due_at": T0 + H,
            "done_at": done_at}, T0)
        return int(task.id)

    async with uows() as uow:
        open_ = await add(uow, m1, "open", "planned")
        cancelled = await add(uow, m1, "cancelled", "cancelled", T0 + 2 * H)
        done = await add(uow, m1, "done", "done", T0 + H)
        await add(uow, m1, "cancelled long ago", "cancelled", T0 - 100 * H)
        await add(uow, m2, "not mine", "done", T0 + 3 * H)
        await uow.commit()
    async with uows(readonly=True) as uow:
        day = await uow.tasks.due_until(m1, T0, T0 + 24 * H)
        closed = await uow.tasks.closed(m1, 2)
    assert [t.id for t in day] == [open_, done]  # open first; the cancelled ones left off
    assert [t.id for t in closed] == [cancelled, done]


async def test_comments_keep_their_author_and_the_last_ones(uows: Uows) -> None:
    m1, m2, _ = await people(uows)
    async with uows() as uow:
        task = await uow.tasks.add(m1, {"kind": "task", "title": "T", "status": "planned",
                                        "due_at": T0}, T0)
        first = await uow.task_comments.add(task.id, m1, "first", T0)
        await uow.task_comments.add(task.id, m2, "second", T0 + H)
        await uow.task_comments.add(task.id, m1, "third", T0 + 2 * H)
        await uow.commit()
    assert (first.author_name, first.text, first.created_at) == ("M1", "first", T0)
    async with uows(readonly=True) as uow:
        last = await uow.task_comments.latest(task.id, 2)
        none = await uow.task_comments.latest(task.id + 1, 2)
    assert [(c.author_name, c.text, c.author_id) for c in last] == [
        ("M2", "second", m2), ("M1", "third", m1)]
    assert [c.created_at for c in last] == [T0 + H, T0 + 2 * H]
    assert none == []
