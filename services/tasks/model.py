"""Tasks and events: the values and pure rules (no I/O)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.errors import InvalidInput
from services.text import clean_name

TITLE_MAX = 300
DEFAULT_HOUR = time(9, 0)
DEFAULT_EVENT_LENGTH = timedelta(hours=1)


class TaskKind(StrEnum):
    TASK = "task"
    MEETING = "meeting"
    CALL = "call"


TASK_STATUSES = ("planned", "not_started", "waiting", "deferred", "in_progress", "done",
                 "cancelled")
EVENT_STATUSES = ("planned", "held", "not_held", "cancelled")
CLOSED_STATUSES = frozenset({"done", "held", "not_held", "cancelled"})
# A cancelled task is archived: it leaves /today, /week and the deal card; "Restore" reopens it.
CANCELLED = "cancelled"
# What a manager sets from a card's buttons (deferring goes through `defer`, done through
# `complete`); the events have no "in progress" or "waiting".
TASK_MARKS = frozenset({"in_progress", "waiting", "cancelled"})
EVENT_MARKS = frozenset({"cancelled"})
COMMENT_MAX = 2000
LAST_COMMENTS = 3
WEEK_DAYS = 7
# Other times a manager may offer the client for a meeting (the client's Reschedule buttons).
SLOTS_MAX = 3


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
    created_by: int | None = None  # who set it (an assigned task keeps its creator)
    contact_id: int | None = None  # the client's person (a meeting's reminders go to them)

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
    contact_id: int | None = None  # the client's person (their company's when not given)
    # The user's action that makes it (an alert's button): a second press finds it, once.
    origin_key: str | None = None


@dataclass(frozen=True, slots=True)
class Today:
    tasks: Sequence[Task]
    day: date
    zone: str
    # Open ones due before `day` (they come first in `tasks`).
    overdue: Sequence[Task] = ()


@dataclass(frozen=True, slots=True)
class TaskComment:
    id: int
    task_id: int
    author_id: int
    author_name: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MeetingSlot:
    """A time the manager offers the client to move a meeting to (`meeting_slots`)."""

    id: int
    task_id: int
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class TaskCard:
    """A task with the names of its people and its last comments (newest last); a meeting
    with "remind the client" also with the times still offered to the client (future ones,
    earliest first)."""

    task: Task
    owner_name: str
    creator_name: str | None  # only when someone else set it
    comments: Sequence[TaskComment]
    slots: Sequence[MeetingSlot] = ()
    client: str = ""  # the client's company and person, as the card names them

    @property
    def can_offer(self) -> bool:
        """Whether "Offer times" applies: an open meeting reminded to the client, fewer than
        SLOTS_MAX times offered."""
        task = self.task
        return (task.kind == TaskKind.MEETING and task.remind_client and task.is_open
                and len(self.slots) < SLOTS_MAX)


@dataclass(frozen=True, slots=True)
class Week:
    """Seven days from today in the actor's zone: the overdue open ones, then each day's."""

    start: date
    zone: str
    overdue: Sequence[Task]
    days: Sequence[tuple[date, Sequence[Task]]]

    @property
    def count(self) -> int:
        return len(self.overdue) + sum(len(tasks) for _, tasks in self.days)


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


def next_work_day_at(now: datetime, zone: ZoneInfo, moment: time = DEFAULT_HOUR) -> datetime:
    """Tomorrow in `zone` at `moment` (the working hour by default), in UTC."""
    return _at(now.astimezone(zone).date() + timedelta(days=1), moment, zone)


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


def clean_comment(text: str) -> str:
    """A comment: what was typed, trimmed, at most COMMENT_MAX characters; never empty."""
    body = "\n".join(line.rstrip() for line in text.strip().splitlines()).strip()
    if not body:
        raise InvalidInput("empty", field="text")
    if len(body) > COMMENT_MAX:
        raise InvalidInput("too_long", field="text", limit=COMMENT_MAX)
    return body


def local_text(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """A moment as a person saw it on the card (audit values are shown in the timeline)."""
    return None if moment is None else moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def audit_change(field: str, old: str | None, new: str | None) -> dict[str, str | None]:
    return {"field": field, "old": old, "new": new}
