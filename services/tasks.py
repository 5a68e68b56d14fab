"""Tasks (a to-do with a due time) and events (a meeting or a call with a start and an end).

Invariants:
- times are stored in UTC; what a manager types ("25.11 15:00", "tomorrow 10:00",
  "завтра 10:00") is read in the manager's own time zone (users.timezone, else the default);
- a task's status is one of TASK_STATUSES, an event's one of EVENT_STATUSES;
- every read and write is scoped by the actor: another manager's task is NotFound;
- a task created on a deal belongs to a deal the actor may see (else NotFound).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.clients import CompanyRepository
from services.clock import Clock
from services.errors import Conflict, InvalidInput, NotFound
from services.kernel import AuditedUnitOfWork, UowFactory
from services.text import clean_name
from services.users import Actor

TITLE_MAX = 300
DEFAULT_HOUR = time(9, 0)
DEFAULT_EVENT_LENGTH = timedelta(hours=1)


class TaskKind(StrEnum):
    TASK = "task"
    MEETING = "meeting"
    CALL = "call"


TASK_STATUSES = ("planned", "not_started", "waiting", "deferred", "in_progress", "done")
EVENT_STATUSES = ("planned", "held", "not_held")
CLOSED_STATUSES = frozenset({"done", "held", "not_held", "cancelled"})


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    owner_id: int
    kind: str
    title: str
    status: str
    deal_id: int | None
    company_id: int | None
    due_at: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None
    remind_client: bool
    done_at: datetime | None
    created_at: datetime

    @property
    def is_event(self) -> bool:
        return self.kind != TaskKind.TASK

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def when(self) -> datetime | None:
        """The moment it is due: the due time of a task, the start of an event."""
        return self.starts_at if self.is_event else self.due_at


@dataclass(frozen=True, slots=True)
class TaskDraft:
    kind: TaskKind
    title: str
    when: datetime  # due time of a task, start of an event (aware)
    ends_at: datetime | None = None
    deal_id: int | None = None
    company_id: int | None = None
    remind_client: bool = False


@dataclass(frozen=True, slots=True)
class Today:
    tasks: Sequence[Task]
    day: date
    zone: str


# --- reading times people type -------------------------------------------------------------

DAY_WORDS = {
    "today": 0, "сегодня": 0, "azi": 0, "astăzi": 0, "astazi": 0,
    "tomorrow": 1, "завтра": 1, "mâine": 1, "maine": 1,
    "послезавтра": 2, "poimâine": 2, "poimaine": 2,
}
_TIME = r"(\d{1,2})[:.](\d{2})"
_WORD_RE = re.compile(rf"([^\d\s]+)(?:\s+(?:в\s+|at\s+|la\s+)?{_TIME})?")
_DATE_RE = re.compile(rf"(\d{{1,2}})[./](\d{{1,2}})(?:[./](\d{{2}}|\d{{4}}))?(?:\s+{_TIME})?")
_ISO_RE = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})(?:[ T]{_TIME})?")
# Alone, "25.11" is a date: a bare clock time needs a colon.
_TIME_ONLY_RE = re.compile(r"(\d{1,2}):(\d{2})")


def zone_of(name: str | None, default: str) -> ZoneInfo:
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _clock_time(hh: str | None, mm: str | None) -> time:
    if hh is None or mm is None:
        return DEFAULT_HOUR
    h, m = int(hh), int(mm)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise InvalidInput("bad_when", field="due")
    return time(h, m)


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    # fold=0: in the autumn hour that happens twice, the first one (the summer-time one).
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A moment typed by a person, read in `zone`, returned in UTC.

    Accepted: "25.11 15:00", "25.11.2026 15:00", "25.11" (at 09:00), "2026-11-25 15:00",
    "tomorrow 10:00" / "завтра 10:00" / "mâine 10:00", "today 18:00", "15:00" (today, or
    tomorrow when that time has passed). A day and month without a year that already passed
    this year mean next year. An explicit moment in the past is refused ("when_in_past").
    """
    body = " ".join(text.strip().casefold().split())
    local_now = now.astimezone(zone)
    if not body:
        raise InvalidInput("empty", field="due")
    if m := _TIME_ONLY_RE.fullmatch(body):
        moment = _clock_time(*m.groups())
        result = _at(local_now.date(), moment, zone)
        if result <= now:
            result = _at(local_now.date() + timedelta(days=1), moment, zone)
        return result
    if m := _WORD_RE.fullmatch(body):
        word, hh, mm = m.groups()
        if word not in DAY_WORDS:
            raise InvalidInput("bad_when", field="due")
        day = local_now.date() + timedelta(days=DAY_WORDS[word])
        result = _at(day, _clock_time(hh, mm), zone)
    elif m := _DATE_RE.fullmatch(body):
        d, mo, y, hh, mm = m.groups()
        year = local_now.year if y is None else int(y) + (2000 if len(y) == 2 else 0)
        try:
            day = date(year, int(mo), int(d))
        except ValueError:
            raise InvalidInput("bad_when", field="due") from None
        result = _at(day, _clock_time(hh, mm), zone)
        if y is None and result < now - timedelta(days=1):
            try:
                result = _at(date(year + 1, int(mo), int(d)), _clock_time(hh, mm), zone)
            except ValueError:  # 29.02
                raise InvalidInput("bad_when", field="due") from None
    elif m := _ISO_RE.fullmatch(body):
        y, mo, d, hh, mm = m.groups()
        try:
            day = date(int(y), int(mo), int(d))
        except ValueError:
            raise InvalidInput("bad_when", field="due") from None
        result = _at(day, _clock_time(hh, mm), zone)
    else:
        raise InvalidInput("bad_when", field="due")
    if result < now - timedelta(minutes=1):
        raise InvalidInput("when_in_past", field="due")
    return result


def parse_end(text: str, start: datetime, zone: ZoneInfo) -> datetime:
    """The end of an event: a clock time on the start's day ("16:30"), or a full moment."""
    body = " ".join(text.strip().split())
    if m := _TIME_ONLY_RE.fullmatch(body):
        local_start = start.astimezone(zone)
        end = _at(local_start.date(), _clock_time(*m.groups()), zone)
    else:
        end = parse_when(body, zone, start)
    if end <= start:
        raise InvalidInput("end_before_start", field="end")
    return end


def clean_title(text: str) -> str:
    return clean_name(text, TITLE_MAX, field="title")


# --- ports ----------------------------------------------------------------------------------


class TaskRepository(Protocol):
    async def add(self, owner_id: int, values: dict[str, Any], now: datetime) -> Task: ...
    async def get(self, task_id: int, owner_id: int | None) -> Task | None:
        """None when absent or not owned by `owner_id` (None = any owner)."""
        ...

    async def update(self, task_id: int, values: dict[str, Any]) -> None: ...
    async def due_until(self, owner_id: int, start: datetime, end: datetime
                        ) -> Sequence[Task]: ...
    async def next_for_deal(self, deal_id: int) -> Task | None: ...


class TaskDeal(Protocol):
    """What a task needs of the deal it is added to (deals build on tasks, not back)."""

    @property
    def status(self) -> str: ...
    @property
    def company_id(self) -> int | None: ...


class TaskDeals(Protocol):
    async def get(self, deal_id: int, owner_id: int | None) -> TaskDeal | None: ...


class TaskUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def tasks(self) -> TaskRepository: ...
    @property
    def deals(self) -> TaskDeals: ...
    @property
    def companies(self) -> CompanyRepository: ...


class TaskService:
    """Tasks and events of managers; see the module docstring for the invariants."""

    def __init__(self, uow: UowFactory[TaskUnitOfWork], clock: Clock,
                 default_timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self._tz = default_timezone

    def zone(self, actor: Actor) -> ZoneInfo:
        """The time zone the actor reads and types times in."""
        return zone_of(actor.timezone, self._tz)

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
            company_id = draft.company_id
            if draft.deal_id is not None:
                deal = await uow.deals.get(draft.deal_id, actor.owner_scope())
                if deal is None:
                    raise NotFound(entity="deal", id=draft.deal_id)
                if deal.status != "open":
                    raise Conflict("deal_closed")
                company_id = company_id or deal.company_id
            elif company_id is not None:
                if await uow.companies.get(company_id, actor.owner_scope()) is None:
                    raise NotFound(entity="company", id=company_id)
            values: dict[str, Any] = {
                "kind": kind.value, "title": title, "status": "planned",
                "deal_id": draft.deal_id, "company_id": company_id,
                "remind_client": bool(draft.remind_client and kind == TaskKind.MEETING),
            }
            if kind == TaskKind.TASK:
                values["due_at"] = when
            else:
                values["starts_at"], values["ends_at"] = when, ends
            task = await uow.tasks.add(actor.id, values, now)
            await uow.audit.add(actor.id, "task.create", "task", task.id)
            await uow.commit()
        return task

    async def get(self, actor: Actor, task_id: int) -> Task:
        async with self._uow(readonly=True) as uow:
            task = await uow.tasks.get(task_id, actor.owner_scope())
        if task is None:
            raise NotFound(entity="task", id=task_id)
        return task

    async def today(self, actor: Actor) -> Today:
        """The actor's own open tasks and events due today (in their zone), the overdue ones
        first, then today's done ones."""
        zone = self.zone(actor)
        now = self._clock.now()
        day = now.astimezone(zone).date()
        start = _at(day, time(0, 0), zone)
        end = _at(day + timedelta(days=1), time(0, 0), zone)
        async with self._uow(readonly=True) as uow:
            tasks = await uow.tasks.due_until(actor.id, start, end)
        return Today(tasks=tasks, day=day, zone=zone.key)

    async def complete(self, actor: Actor, task_id: int) -> Task:
        """A task becomes done; an event becomes held."""
        return await self._change(actor, task_id, lambda t, now: {
            "status": "held" if t.is_event else "done", "done_at": now})

    async def set_status(self, actor: Actor, task_id: int, status: str) -> Task:
        def change(task: Task, now: datetime) -> dict[str, Any]:
            allowed = EVENT_STATUSES if task.is_event else TASK_STATUSES
            if status not in allowed:
                raise InvalidInput("bad_task_status", field="status")
            closed = status in CLOSED_STATUSES
            return {"status": status, "done_at": now if closed else None}

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
            new = _at(day + timedelta(days=days), local.time(), zone)
            if not task.is_event:
                return {"due_at": new, "status": "deferred"}
            length = (task.ends_at - task.starts_at) if task.ends_at and task.starts_at \
                else DEFAULT_EVENT_LENGTH
            return {"starts_at": new, "ends_at": new + length}

        return await self._change(actor, task_id, change)

    async def _change(self, actor: Actor, task_id: int, change: Any) -> Task:
        now = self._clock.now()
        async with self._uow() as uow:
            task = await uow.tasks.get(task_id, actor.owner_scope())
            if task is None:
                raise NotFound(entity="task", id=task_id)
            values = change(task, now)
            await uow.tasks.update(task.id, values)
            await uow.audit.add(actor.id, "task.update", "task", task.id,
                                {k: str(v) for k, v in values.items()})
            updated = await uow.tasks.get(task.id, None)
            await uow.commit()
        assert updated is not None
        return updated
