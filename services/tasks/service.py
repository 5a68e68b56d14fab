"""Tasks and events: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.errors import Conflict, InvalidInput, NotFound
from services.kernel import UowFactory
from services.tasks.model import (
    CLOSED_STATUSES,
    DEFAULT_EVENT_LENGTH,
    EVENT_MARKS,
    EVENT_STATUSES,
    TASK_MARKS,
    TASK_STATUSES,
    Task,
    TaskDraft,
    TaskKind,
    Today,
    _at,
    audit_change,
    clean_title,
    local_text,
    parse_end,
    parse_when,
)
from services.tasks.ports import MeetingPlans, TaskUnitOfWork
from services.tasks.slots import SlotUseCases
from services.users import Actor


class TaskService(SlotUseCases):
    """Tasks and events of managers; see the module docstring for the invariants."""

    # Wired by `bot/` (the alerts feature plans the client reminders); None: the minute job
    # alone plans them.
    meetings: MeetingPlans | None = None

    def __init__(self, uow: UowFactory[TaskUnitOfWork], clock: Clock,
                 default_timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self._tz = default_timezone

    def read_when(self, actor: Actor, text: str) -> datetime:
        """Validates a typed due time / start (the flows check it before the last step)."""
        return parse_when(text, self.zone(actor), self._clock.now())

    def read_end(self, actor: Actor, text: str, start: datetime) -> datetime:
        return parse_end(text, start, self.zone(actor))

    async def create(self, actor: Actor, draft: TaskDraft) -> Task:
        title = clean_title(draft.title)
        kind = TaskKind(draft.kind)
        if draft.when.tzinfo is None:
            raise InvalidInput("bad_when", field="due")
        when = draft.when.astimezone(UTC)
        ends = None
        if kind != TaskKind.TASK:
            ends = (draft.ends_at or when + DEFAULT_EVENT_LENGTH).astimezone(UTC)
            if ends <= when:
                raise InvalidInput("end_before_start", field="end")
        now = self._clock.now()
        async with self._uow() as uow:
            if draft.origin_key is not None and await uow.tasks.by_origin(draft.origin_key):
                raise Conflict("already_done")
            company_id, contact_id = await _own_client(uow, actor, draft.company_id,
                                                       draft.contact_id)
            if draft.deal_id is not None:
                deal = await uow.deals.get(draft.deal_id, actor.owner_scope())
                if deal is None:
                    raise NotFound(entity="deal", id=draft.deal_id)
                if deal.status != "open":
                    raise Conflict("deal_closed")
                company_id = company_id or deal.company_id
                # The deal's person: a meeting's client reminders reach their Telegram.
                contact_id = contact_id or deal.contact_id
            values: dict[str, Any] = {
                "kind": kind.value, "title": title, "status": "planned",
                "deal_id": draft.deal_id, "company_id": company_id, "contact_id": contact_id,
                "created_by": actor.id,
                "remind_client": bool(draft.remind_client and kind == TaskKind.MEETING),
            }
            if draft.origin_key is not None:
                values["origin_key"] = draft.origin_key
            if kind == TaskKind.TASK:
                values["due_at"] = when
            else:
                values["starts_at"], values["ends_at"] = when, ends
            task = await uow.tasks.add(actor.id, values, now)
            await uow.audit.add(actor.id, "task.create", "task", task.id,
                                company_id=company_id, deal_id=draft.deal_id)
            await self._replan(uow, task, now)
            await uow.commit()
        return task

    async def set_client(self, actor: Actor, task_id: int, company_id: int | None = None,
                         contact_id: int | None = None) -> Task:
        """Links an open event to a client of the actor's own: a company (its contact bound
        to Telegram gets the client reminders) or a contact (with its company). Another
        manager's client is NotFound, as is a task the actor may not see."""
        if company_id is None and contact_id is None:
            raise InvalidInput("empty", field="client")
        now = self._clock.now()
        async with self._uow() as uow:
            task = await uow.tasks.visible(task_id, actor.owner_scope())
            if task is None:
                raise NotFound(entity="task", id=task_id)
            if not task.is_event:
                raise InvalidInput("not_an_event", field="client")
            if not task.is_open:
                raise Conflict("task_closed")
            company_id, contact_id = await _own_client(uow, actor, company_id, contact_id)
            await uow.tasks.update(task.id, {"company_id": company_id, "contact_id": contact_id})
            await uow.audit.add(actor.id, "task.client", "task", task.id,
                                company_id=company_id, deal_id=task.deal_id)
            updated = await uow.tasks.get(task.id, None)
            assert updated is not None
            await self._replan(uow, updated, now)
            await uow.commit()
        return updated

    async def _replan(self, uow: TaskUnitOfWork, task: Task, now: datetime) -> None:
        """A meeting reminded to the client gets its reminders planned (or replanned, or
        stopped) in the transaction that created, moved, closed or relinked it."""
        if self.meetings is not None and task.kind == TaskKind.MEETING and task.remind_client:
            await self.meetings.replan_meeting(uow, task.id, now)

    async def get(self, actor: Actor, task_id: int) -> Task:
        """A task the actor may open: their own or one they set (heads and admins: any)."""
        async with self._uow(readonly=True) as uow:
            task = await uow.tasks.visible(task_id, actor.owner_scope())
        if task is None:
            raise NotFound(entity="task", id=task_id)
        return task

    async def today(self, actor: Actor) -> Today:
        """The actor's own open tasks and events due today (in their zone), the overdue ones
        first, then today's done ones; the cancelled ones are left out."""
        zone = self.zone(actor)
        now = self._clock.now()
        day = now.astimezone(zone).date()
        start = _at(day, time(0, 0), zone)
        end = _at(day + timedelta(days=1), time(0, 0), zone)
        async with self._uow(readonly=True) as uow:
            tasks = await uow.tasks.due_until(actor.id, start, end)
        overdue = [t for t in tasks if t.is_open and t.when is not None and t.when < start]
        return Today(tasks=tasks, day=day, zone=zone.key, overdue=overdue)

    async def complete(self, actor: Actor, task_id: int) -> Task:
        """A task becomes done; an event becomes held."""
        def change(task: Task, now: datetime) -> dict[str, Any]:
            if not task.is_open:
                raise Conflict("task_closed")
            return {"status": "held" if task.is_event else "done", "done_at": now}

        return await self._change(actor, task_id, change)

    async def set_status(self, actor: Actor, task_id: int, status: str) -> Task:
        def change(task: Task, now: datetime) -> dict[str, Any]:
            allowed = EVENT_STATUSES if task.is_event else TASK_STATUSES
            if status not in allowed:
                raise InvalidInput("bad_task_status", field="status")
            closed = status in CLOSED_STATUSES
            return {"status": status, "done_at": now if closed else None}

        return await self._change(actor, task_id, change)

    async def mark(self, actor: Actor, task_id: int, status: str) -> Task:
        """An open task's button: in progress, waiting (tasks only) or cancelled (archived)."""
        def change(task: Task, now: datetime) -> dict[str, Any]:
            if status not in (EVENT_MARKS if task.is_event else TASK_MARKS):
                raise InvalidInput("bad_task_status", field="status")
            if not task.is_open:
                raise Conflict("task_closed")
            if task.status == status:
                raise Conflict("task_same_status")
            return {"status": status, "done_at": now if status in CLOSED_STATUSES else None}

        return await self._change(actor, task_id, change)

    async def restore(self, actor: Actor, task_id: int) -> Task:
        """A done or cancelled one is open again ("planned")."""
        def change(task: Task, now: datetime) -> dict[str, Any]:
            if task.is_open:
                raise Conflict("task_open")
            return {"status": "planned", "done_at": None}

        return await self._change(actor, task_id, change, action="task.restore")

    def read_defer(self, actor: Actor, text: str) -> datetime:
        """The date (and time) a task is deferred to, typed like a due time; in the future."""
        return parse_when(text, self.zone(actor), self._clock.now())

    async def defer(self, actor: Actor, task_id: int, text: str) -> Task:
        """A task is "deferred" to the moment typed (its due time moves); an event moves
        there with its length."""
        when = self.read_defer(actor, text)

        def change(task: Task, now: datetime) -> dict[str, Any]:
            if not task.is_open:
                raise Conflict("task_closed")
            return _moved(task, when)

        return await self._change(actor, task_id, change)

    async def postpone(self, actor: Actor, task_id: int, days: int) -> Task:
        """Moves the due time (or the event) by `days`. An overdue one is moved from today
        at its own time of day, so "+1 day" on last week's task means tomorrow."""
        if days not in (1, 7):
            raise InvalidInput("bad_postpone", field="due")
        zone = self.zone(actor)

        def change(task: Task, now: datetime) -> dict[str, Any]:
            if not task.is_open:
                raise Conflict("task_closed")
            base = task.when or now
            local = base.astimezone(zone)
            day = local.date() if base >= now else now.astimezone(zone).date()
            # The wall-clock time is kept across a change of summer time.
            return _moved(task, _at(day + timedelta(days=days), local.time(), zone))

        return await self._change(actor, task_id, change)

    async def move_alerted(self, actor: Actor, task_id: int, due: datetime,
                           step: timedelta) -> Task:
        """A task alert's "+1 hour" (`step` of an hour: from its due time, or from now when that
        has passed) or "tomorrow" (a day: tomorrow at its own time of day, as `postpone`).
        Only while the task is open and still due at `due`, the moment the alert was for;
        otherwise (done, moved since, a button pressed twice) Conflict("already_done") and
        nothing changes."""
        if step not in (timedelta(hours=1), timedelta(days=1)):
            raise InvalidInput("bad_postpone", field="due")
        zone = self.zone(actor)

        def change(task: Task, now: datetime) -> dict[str, Any]:
            # To the minute, as the alert's button carries it.
            if not task.is_open or task.is_event or task.due_at is None \
                    or task.due_at.replace(second=0, microsecond=0) != due:
                raise Conflict("already_done")
            if step == timedelta(days=1):
                local = due.astimezone(zone)
                day = max(local.date(), now.astimezone(zone).date())
                return _moved(task, _at(day + step, local.time(), zone))
            return _moved(task, (max(due, now) + step).replace(second=0, microsecond=0))

        return await self._change(actor, task_id, change)

    async def _change(self, actor: Actor, task_id: int, change: Any,
                      action: str | None = None) -> Task:
        now = self._clock.now()
        zone = self.zone(actor)
        async with self._uow() as uow:
            task = await uow.tasks.visible(task_id, actor.owner_scope())
            if task is None:
                raise NotFound(entity="task", id=task_id)
            values = change(task, now)
            await uow.tasks.update(task.id, values)
            changes = _changes(task, values, zone)
            status = values.get("status", task.status)
            await uow.audit.add(
                actor.id, action or f"task.{status if status != task.status else 'deferred'}",
                "task", task.id, {"changes": changes},
                company_id=task.company_id, deal_id=task.deal_id)
            updated = await uow.tasks.get(task.id, None)
            assert updated is not None
            await self._replan(uow, updated, now)
            await uow.commit()
        return updated


async def _own_client(uow: TaskUnitOfWork, actor: Actor, company_id: int | None,
                      contact_id: int | None) -> tuple[int | None, int | None]:
    """(company, contact) of a client the actor may link: their own (heads and admins: any),
    else NotFound; a contact brings its company."""
    scope = actor.owner_scope()
    if contact_id is not None:
        contact = await uow.profiles.contact(contact_id)
        if contact is None or scope not in (None, contact.owner_id):
            raise NotFound(entity="contact", id=contact_id)
        return contact.company_id, contact_id
    if company_id is not None and await uow.companies.get(company_id, scope) is None:
        raise NotFound(entity="company", id=company_id)
    return company_id, None


def _moved(task: Task, when: datetime) -> dict[str, Any]:
    """A task deferred to `when`; an event moved there with its length."""
    if not task.is_event:
        return {"due_at": when, "status": "deferred"}
    length = (task.ends_at - task.starts_at) if task.ends_at and task.starts_at \
        else DEFAULT_EVENT_LENGTH
    return {"starts_at": when, "ends_at": when + length}


def _changes(task: Task, values: dict[str, Any], zone: ZoneInfo) -> list[dict[str, str | None]]:
    """The audit's old → new of a change: the status code, the times as the card shows them."""
    out = []
    if "status" in values and values["status"] != task.status:
        out.append(audit_change("status", task.status, values["status"]))
    for column, field in (("due_at", "due"), ("starts_at", "starts")):
        if column in values:
            out.append(audit_change(field, local_text(getattr(task, column), zone),
                              local_text(values[column], zone)))
    return out
