"""Tasks and events (the `tasks` table)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.tasks import CANCELLED, CLOSED_STATUSES, MeetingSlot, Task, TaskComment
from storage import models as m
from storage.origin_keys import flush_once


def to_task(row: m.Task) -> Task:
    return Task(id=row.id, owner_id=row.owner_id, kind=row.kind, title=row.title,
                status=row.status, deal_id=row.deal_id, company_id=row.company_id,
                due_at=row.due_at, starts_at=row.starts_at, ends_at=row.ends_at,
                remind_client=row.remind_client, done_at=row.done_at,
                created_at=row.created_at, created_by=row.created_by,
                contact_id=row.contact_id)


WHEN = func.coalesce(m.Task.due_at, m.Task.starts_at)


class SqlTaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, owner_id: int, values: dict[str, Any], now: datetime) -> Task:
        row = m.Task(owner_id=owner_id, created_at=now, **values)
        self._s.add(row)
        await flush_once(self._s)
        return to_task(row)

    async def by_origin(self, origin_key: str) -> Task | None:
        row = await self._s.scalar(select(m.Task).where(m.Task.origin_key == origin_key))
        return to_task(row) if row else None

    async def get(self, task_id: int, owner_id: int | None) -> Task | None:
        q = select(m.Task).where(m.Task.id == task_id)
        if owner_id is not None:
            q = q.where(m.Task.owner_id == owner_id)
        row = await self._s.scalar(q.execution_options(populate_existing=True))
        return to_task(row) if row else None

    async def visible(self, task_id: int, user_id: int | None) -> Task | None:
        q = select(m.Task).where(m.Task.id == task_id)
        if user_id is not None:
            q = q.where(or_(m.Task.owner_id == user_id, m.Task.created_by == user_id))
        row = await self._s.scalar(q.execution_options(populate_existing=True))
        return to_task(row) if row else None

    async def update(self, task_id: int, values: dict[str, Any]) -> None:
        await self._s.execute(update(m.Task).where(m.Task.id == task_id).values(**values))

    async def due_until(self, owner_id: int, start: datetime, end: datetime) -> Sequence[Task]:
        """The owner's tasks due in [start, end) but the cancelled ones, plus the open ones
        overdue before start, open ones first, each group by time."""
        is_open = m.Task.status.notin_(CLOSED_STATUSES)
        today = and_(WHEN >= start, WHEN < end, m.Task.status != CANCELLED)
        overdue = and_(WHEN < start, is_open)
        rows = await self._s.scalars(
            select(m.Task).where(m.Task.owner_id == owner_id, or_(today, overdue))
            .order_by(case((is_open, 0), else_=1), WHEN, m.Task.id))
        return [to_task(r) for r in rows]

    async def closed(self, owner_id: int, limit: int) -> Sequence[Task]:
        rows = await self._s.scalars(
            select(m.Task).where(m.Task.owner_id == owner_id,
                                 m.Task.status.in_(CLOSED_STATUSES))
            .order_by(m.Task.done_at.desc().nulls_last(), m.Task.id.desc()).limit(limit))
        return [to_task(r) for r in rows]

    async def next_for_deal(self, deal_id: int) -> Task | None:
        row = await self._s.scalar(
            select(m.Task).where(m.Task.deal_id == deal_id,
                                 m.Task.status.notin_(CLOSED_STATUSES))
            .order_by(WHEN.is_(None), WHEN, m.Task.id).limit(1))
        return to_task(row) if row else None


    async def slots(self, task_id: int, after: datetime) -> Sequence[MeetingSlot]:
        s = m.MeetingSlot
        rows = await self._s.scalars(select(s).where(s.task_id == task_id, s.starts_at > after)
                                     .order_by(s.starts_at, s.id))
        return [MeetingSlot(r.id, r.task_id, r.starts_at) for r in rows]

    async def add_slot(self, task_id: int, starts_at: datetime, now: datetime) -> MeetingSlot:
        row = m.MeetingSlot(task_id=task_id, starts_at=starts_at, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return MeetingSlot(row.id, task_id, starts_at)

    async def remove_slot(self, task_id: int, slot_id: int) -> MeetingSlot | None:
        s = m.MeetingSlot
        row = (await self._s.execute(delete(s).where(s.id == slot_id, s.task_id == task_id)
                                     .returning(s.id, s.task_id, s.starts_at))).first()
        return None if row is None else MeetingSlot(row.id, row.task_id, row.starts_at)


class SqlTaskCommentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, task_id: int, author_id: int, text: str, now: datetime
                  ) -> TaskComment:
        row = m.TaskComment(task_id=task_id, author_id=author_id, text=text, created_at=now)
        self._s.add(row)
        await self._s.flush()
        author = await self._s.scalar(select(m.User.full_name).where(m.User.id == author_id))
        return TaskComment(id=row.id, task_id=task_id, author_id=author_id,
                           author_name=author or "", text=text, created_at=now)

    async def latest(self, task_id: int, limit: int) -> Sequence[TaskComment]:
        rows = (await self._s.execute(
            select(m.TaskComment, m.User.full_name)
            .join(m.User, m.User.id == m.TaskComment.author_id)
            .where(m.TaskComment.task_id == task_id)
            .order_by(m.TaskComment.created_at.desc(), m.TaskComment.id.desc())
            .limit(limit))).all()
        return [TaskComment(id=c.id, task_id=c.task_id, author_id=c.author_id,
                            author_name=name or "", text=c.text, created_at=c.created_at)
                for c, name in reversed(rows)]
