"""Tasks in a team: the card, assigning a task to a colleague, comments, the week and the
closed ones (TaskService inherits these use cases).

Who may do what (the scope of every read and write here):
- a manager opens, changes, assigns and comments on the tasks they own and the tasks they
  set for a colleague (`created_by`); another manager's task is NotFound, as if absent;
- heads and admins may do it to any task;
- assigning hands the task over: its owner becomes the colleague (an active manager or head),
  who is told through the outbox in the same transaction; the one who set it keeps it in
  reach (the card, comments) but it leaves their /today and /week;
- a comment on a task between two people (owner and creator) tells the other one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.errors import Conflict, InvalidInput, NotFound
from services.kernel import UowFactory
from services.outbox import NewOutboxMessage
from services.tasks.model import (
    LAST_COMMENTS,
    WEEK_DAYS,
    Task,
    TaskCard,
    TaskComment,
    TaskKind,
    Week,
    _at,
    audit_change,
    clean_comment,
    zone_of,
)
from services.tasks.notices import assigned_notice, comment_notice
from services.tasks.ports import TaskUnitOfWork
from services.users import Actor, Role, User

ASSIGNEE_ROLES = frozenset({Role.MANAGER, Role.HEAD})
CLOSED_LIST = 20


def _name(user: User | None) -> str:
    if user is None:
        return "—"
    return user.full_name or (f"@{user.username}" if user.username else str(user.telegram_id))


async def _client_name(uow: TaskUnitOfWork, task: Task) -> str:
    """"Company · person" of the task's client, as far as it has one ("" for none)."""
    company = (await uow.companies.get(task.company_id, None)
               if task.company_id is not None else None)
    contact = (await uow.profiles.contact(task.contact_id)
               if task.contact_id is not None else None)
    return " · ".join(n for n in (company.name if company else "",
                                  contact.name if contact else "") if n)


class TeamUseCases:
    _uow: UowFactory[TaskUnitOfWork]
    _clock: Clock
    _tz: str

    def zone(self, actor: Actor) -> ZoneInfo:
        """The time zone the actor reads and types times in."""
        return zone_of(actor.timezone, self._tz)

    async def _visible(self, uow: TaskUnitOfWork, actor: Actor, task_id: int) -> Task:
        task = await uow.tasks.visible(task_id, actor.owner_scope())
        if task is None:
            raise NotFound(entity="task", id=task_id)
        return task

    async def card(self, actor: Actor, task_id: int) -> TaskCard:
        async with self._uow(readonly=True) as uow:
            task = await self._visible(uow, actor, task_id)
            owner = await uow.users.get(task.owner_id)
            creator = (await uow.users.get(task.created_by)
                       if task.created_by is not None and task.created_by != task.owner_id
                       else None)
            comments = await uow.task_comments.latest(task.id, LAST_COMMENTS)
            slots = (await uow.tasks.slots(task.id, self._clock.now())
                     if task.kind == TaskKind.MEETING else ())
            client = await _client_name(uow, task)
        return TaskCard(task=task, owner_name=_name(owner),
                        creator_name=_name(creator) if creator else None, comments=comments,
                        slots=slots, client=client)

    async def assign_targets(self, actor: Actor, task_id: int) -> tuple[Task, list[User]]:
        """The task and the colleagues it may go to: active managers and heads, not its
        current owner."""
        async with self._uow(readonly=True) as uow:
            task = await self._visible(uow, actor, task_id)
            staff = await uow.users.staff(active_only=True)
        if not task.is_open:
            raise Conflict("task_closed")
        return task, [u for u in staff if u.is_active and u.role in ASSIGNEE_ROLES
                      and u.id != task.owner_id]

    async def assign(self, actor: Actor, task_id: int, user_id: int) -> tuple[Task, User]:
        """The task becomes `user_id`'s; they are told (unless they did it themselves)."""
        now = self._clock.now()
        async with self._uow() as uow:
            task = await self._visible(uow, actor, task_id)
            if not task.is_open:
                raise Conflict("task_closed")
            target = await uow.users.get(user_id)
            if target is None or not target.is_active or target.role not in ASSIGNEE_ROLES:
                raise InvalidInput("bad_assignee", field="assignee")
            if target.id == task.owner_id:
                raise Conflict("already_assignee")
            previous = await uow.users.get(task.owner_id)
            await uow.tasks.update(task.id, {"owner_id": target.id,
                                             "created_by": task.created_by or task.owner_id})
            await uow.audit.add(
                actor.id, "task.assign", "task", task.id,
                {"changes": [audit_change("owner", _name(previous), _name(target))],
                 "from": task.owner_id, "to": target.id},
                company_id=task.company_id, deal_id=task.deal_id)
            updated = await uow.tasks.get(task.id, None)
            assert updated is not None
            if target.id != actor.id:
                await uow.outbox.enqueue([assigned_notice(actor, updated, target, now,
                                                          self._tz)])
            await uow.commit()
        return updated, target

    def read_comment(self, text: str) -> str:
        return clean_comment(text)

    async def comment(self, actor: Actor, task_id: int, text: str) -> TaskComment:
        """Stores a comment; the task's other party (its owner, the one who set it) is told."""
        body = clean_comment(text)
        now = self._clock.now()
        async with self._uow() as uow:
            task = await self._visible(uow, actor, task_id)
            saved = await uow.task_comments.add(task.id, actor.id, body, now)
            await uow.audit.add(actor.id, "task.comment", "task", task.id,
                                {"comment_id": saved.id, "text": body},
                                company_id=task.company_id, deal_id=task.deal_id)
            notices: list[NewOutboxMessage] = []
            parties = {task.owner_id, task.created_by or task.owner_id} - {actor.id}
            for party in sorted(parties):
                user = await uow.users.get(party)
                if user is not None and user.is_active:
                    notices.append(comment_notice(actor, task, saved.id, body, user, now))
            if notices:
                await uow.outbox.enqueue(notices)
            await uow.commit()
        return saved

    async def week(self, actor: Actor) -> Week:
        """The actor's own tasks and events of today and the next six days (their zone),
        grouped by day, the open overdue ones apart; the cancelled ones are left out."""
        zone = self.zone(actor)
        now = self._clock.now()
        day = now.astimezone(zone).date()
        start = _at(day, time(0, 0), zone)
        end = _at(day + timedelta(days=WEEK_DAYS), time(0, 0), zone)
        async with self._uow(readonly=True) as uow:
            tasks = await uow.tasks.due_until(actor.id, start, end)
        overdue = [t for t in tasks if t.when is not None and t.when < start]
        by_day: dict[date, list[Task]] = {}
        for t in tasks:  # by time within each group already
            if t.when is not None and t.when >= start:
                by_day.setdefault(t.when.astimezone(zone).date(), []).append(t)
        days: list[tuple[date, Sequence[Task]]] = []
        for offset in range(WEEK_DAYS):
            d = day + timedelta(days=offset)
            if d in by_day:
                # open and done ones of a day, by time
                days.append((d, sorted(by_day[d], key=lambda t: (t.when or start, t.id))))
        return Week(start=day, zone=zone.key, overdue=overdue, days=days)

    async def closed(self, actor: Actor) -> Sequence[Task]:
        """The actor's own done and cancelled ones, the last closed first (the filter that
        shows the archived tasks; each opens with Restore)."""
        async with self._uow(readonly=True) as uow:
            return await uow.tasks.closed(actor.id, CLOSED_LIST)
