"""When reminders go out: payment ladders for invoices and installments, meeting reminders,
quiet hours and the morning digest. Pure functions of dates, time zones and config.

Time rules:

* Every moment handed out is an aware datetime in UTC; local wall time (the reader's
  `zoneinfo` zone) is used only to decide *when* in their day something is sent.
* A local wall time that does not exist (spring forward: 02:30 in Chisinau, 03:30 in Bucharest
  on 2026-03-29) moves forward by the length of the gap (to 03:30 / 04:30 summer time).
  A wall time that happens twice (fall back: 02:30 in Chisinau, 03:30 in Bucharest on
  2026-10-25) means its first occurrence (`fold=0`). So a planned local time always maps to
  exactly one instant: a DST change neither skips nor doubles a reminder.

Ladder config (`Organization.reminder_ladder`, a JSON list) is a list of *day offsets from the
due date*, in any of these spellings: integers (`[-3, 0, 1, 7, 14]`) or strings with an
optional sign and an optional `d` suffix (`["-3d", "0d", "+1d", "+7d", "+14d"]`). Negative
offsets are reminders *before* the due date and are normal. Offsets must be strictly
increasing: a repeated offset (`0` and `-0` count as the same) is "duplicate_step", a step
earlier than the one before it (a negative interval between steps) is "step_order".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.errors import DomainError

DEFAULT_STEPS: tuple[int, ...] = (-3, 0, 1, 7, 14)
MAX_OFFSET_DAYS = 365
MAX_STEPS = 20
DEFAULT_SEND_HOUR = time(10)
DIGEST_HOUR = time(9)
MEETING_OFFSETS: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=2))

# Invoice statuses after which nothing more is asked of the customer.
STOPPED_STATUSES = frozenset({"paid", "cancelled", "draft"})
# Installment statuses that no longer need a reminder.
CLOSED_INSTALLMENT_STATUSES = frozenset({"paid", "cancelled"})

_STEP_RE = re.compile(r"^([+-]?)(\d{1,4})d?$")


class ReminderConfigError(DomainError):
    """A ladder, quiet-hours setting, time zone or meeting that cannot be planned.
    Codes: empty_ladder, too_many_steps, bad_step, duplicate_step, step_order,
    bad_quiet_hours, bad_send_hour, unknown_timezone, meeting_in_past."""

    code = "reminder_config"


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Ladder:
    """Reminder steps as day offsets from the due date, strictly increasing, within ±365."""

    steps: tuple[int, ...] = DEFAULT_STEPS

    def __post_init__(self) -> None:
        if not self.steps:
            raise ReminderConfigError("empty_ladder")
        if len(self.steps) > MAX_STEPS:
            raise ReminderConfigError("too_many_steps", limit=MAX_STEPS)
        seen: set[int] = set()
        previous: int | None = None
        for step in self.steps:
            if isinstance(step, bool) or not isinstance(step, int):
                raise ReminderConfigError("bad_step", step=step)
            if abs(step) > MAX_OFFSET_DAYS:
                raise ReminderConfigError("bad_step", step=step, limit=MAX_OFFSET_DAYS)
            if step in seen:
                raise ReminderConfigError("duplicate_step", step=step)
            if previous is not None and step < previous:
                raise ReminderConfigError("step_order", step=step, previous=previous)
            seen.add(step)
            previous = step

    @classmethod
    def parse(cls, steps: Iterable[object] | None) -> Ladder:
        """A ladder from config: None means the default; see the module doc for spellings."""
        if steps is None:
            return cls()
        if isinstance(steps, (str, bytes)):
            raise ReminderConfigError("bad_step", step=steps)
        return cls(tuple(_parse_step(raw) for raw in steps))

    def to_config(self) -> list[str]:
        """The canonical spelling stored in config: ["-3d", "0d", "+1d", ...]."""
        return [f"{s:+d}d" if s else "0d" for s in self.steps]


def _parse_step(raw: object) -> int:
    if isinstance(raw, bool):
        raise ReminderConfigError("bad_step", step=raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        match = _STEP_RE.match(raw.strip().lower())
        if match:
            value = int(match.group(2))
            return -value if match.group(1) == "-" else value
    # floats ("1.5"), None, lists ...: a reminder is sent on a whole day.
    raise ReminderConfigError("bad_step", step=raw)


@dataclass(frozen=True)
class QuietHours:
    """Local times when nothing is sent to a person: [start, end) every day (wrapping over
    midnight when start > end; none at all when start == end), and all of Saturday and
    Sunday when `weekends` is set. `end` is when the working day's sending starts."""

    start: time = time(21)
    end: time = time(9)
    weekends: bool = True

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ReminderConfigError("bad_quiet_hours")

    def is_quiet(self, local: datetime) -> bool:
        """Whether a local wall time (naive or aware in the reader's zone) is quiet."""
        if self.weekends and local.weekday() >= 5:
            return True
        t = local.time().replace(tzinfo=None, fold=0)
        if self.start == self.end:
            return False
        if self.start > self.end:
            return t >= self.start or t < self.end
        return self.start <= t < self.end


NO_QUIET_HOURS = QuietHours(start=time(0), end=time(0), weekends=False)


def validate_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name ("Europe/Chisinau"); ReminderConfigError("unknown_timezone")
    for anything else (typos, empty strings, paths)."""
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ReminderConfigError("unknown_timezone", timezone=name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ReminderConfigError("unknown_timezone", timezone=name) from None


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else validate_timezone(tz)


def _require_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment.astimezone(UTC)


# --- local time <-> UTC ---------------------------------------------------------------------


def local_to_utc(local: datetime, tz: ZoneInfo | str) -> datetime:
    """The one UTC instant meant by a naive local wall time in `tz` (see the module doc:
    a skipped time moves forward by the gap, a repeated one is its first occurrence)."""
    # fold=0 reads the wall time with the offset in force before any jump: a repeated time is
    # its first occurrence, and a skipped one lands as far past the jump as it was past the
    # jump's start (02:30 in Chisinau on 2026-03-29 -> 03:30 EEST).
    naive = local.replace(tzinfo=None, fold=0)
    return naive.replace(tzinfo=_zone(tz)).astimezone(UTC)


def next_allowed(moment_utc: datetime, tz: ZoneInfo | str, quiet: QuietHours) -> datetime:
    """`moment_utc` if the reader may be messaged then, else the next moment they may: the end
    of the quiet hours (09:00 local) on the next day that is not a quiet weekend day."""
    zone = _zone(tz)
    moment = _require_utc(moment_utc, "moment_utc")
    local = moment.astimezone(zone)
    if not quiet.is_quiet(local):
        return moment
    day = local.date()
    # Sending resumes at `end` local time on some day; a week and a day covers any weekend.
    for offset in range(9):
        candidate_day = day + timedelta(days=offset)
        candidate = local_to_utc(datetime.combine(candidate_day, quiet.end), zone)
        if candidate < moment:
            continue
        if not quiet.is_quiet(candidate.astimezone(zone)):
            return candidate
    raise ReminderConfigError("bad_quiet_hours")  # pragma: no cover - unreachable by design


def morning_digest_time(day: date, tz: ZoneInfo | str, at: time = DIGEST_HOUR) -> datetime:
    """09:00 local on `day`, in UTC (summer or winter offset as in force on that day)."""
    return local_to_utc(datetime.combine(day, at), tz)


# --- planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallmentForReminders:
    installment_id: int
    due_date: date
    status: str = "open"


@dataclass(frozen=True)
class InvoiceForReminders:
    """What the planner needs to know of an invoice. With installments, each open installment
    gets the ladder on its own due date and the invoice's own due date is not used."""

    invoice_id: int
    status: str
    due_date: date | None
    installments: tuple[InstallmentForReminders, ...] = ()
    reminders_paused: bool = False
    reminders_stopped: bool = False


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder to enqueue. `key` is stable for the same invoice, step and due date, so
    planning again (after a restart, an edit, a repeated job) never doubles a message.
    `step`: days from the due date for invoices, minutes from the start for meetings."""

    key: str
    step: int
    due_at_utc: datetime
    kind: str
    installment_id: int | None = None
    payload: dict[str, object] = field(default_factory=dict, compare=False)


def invoice_reminder_key(
    invoice_id: int, offset: int, due_date: date, installment_id: int | None = None
) -> str:
    if installment_id is None:
        return f"inv:{invoice_id}:step:{offset}:{due_date.isoformat()}"
    return f"inv:{invoice_id}:inst:{installment_id}:step:{offset}:{due_date.isoformat()}"


def _invoice_kind(offset: int, installment: bool) -> str:
    prefix = "installment" if installment else "invoice"
    if offset < 0:
        return f"{prefix}_due_soon"
    if offset == 0:
        return f"{prefix}_due_today"
    return f"{prefix}_overdue"


def _collapse(planned: list[PlannedReminder]) -> list[PlannedReminder]:
    """When quiet days push two steps onto the same moment (a Saturday and a Sunday step both
    land on Monday 09:00), only the later step, the more current message, is kept."""
    kept: list[PlannedReminder] = []
    for item in sorted(planned, key=lambda p: (p.due_at_utc, p.step)):
        if kept and kept[-1].due_at_utc >= item.due_at_utc:
            kept.pop()
        kept.append(item)
    return kept


def _ladder_for(
    invoice_id: int,
    due: date,
    ladder: Ladder,
    zone: ZoneInfo,
    quiet: QuietHours,
    send_hour: time,
    installment_id: int | None,
) -> list[PlannedReminder]:
    planned = []
    for offset in ladder.steps:
        local = datetime.combine(due + timedelta(days=offset), send_hour)
        moment = next_allowed(local_to_utc(local, zone), zone, quiet)
        payload: dict[str, object] = {
            "invoice_id": invoice_id,
            "step": offset,
            "due_date": due.isoformat(),
        }
        if installment_id is not None:
            payload["installment_id"] = installment_id
        planned.append(
            PlannedReminder(
                key=invoice_reminder_key(invoice_id, offset, due, installment_id),
                step=offset,
                due_at_utc=moment,
                kind=_invoice_kind(offset, installment_id is not None),
                installment_id=installment_id,
                payload=payload,
            )
        )
    return _collapse(planned)


def plan_invoice_reminders(
    invoice: InvoiceForReminders,
    ladder: Ladder,
    tz: ZoneInfo | str,
    quiet: QuietHours,
    send_hour: time = DEFAULT_SEND_HOUR,
    now: datetime | None = None,
) -> list[PlannedReminder]:
    """The payment reminders of an invoice, ordered by time: each ladder step at `send_hour`
    local time on due date + offset, moved out of quiet hours. Nothing for a draft, paid or
    cancelled invoice or one whose reminders are paused or stopped (the caller then cancels
    what is still pending). With `now`, reminders whose moment has passed are left out, so
    an invoice issued late does not fire stale "due in 3 days" messages at once."""
    zone = _zone(tz)
    if send_hour.tzinfo is not None:
        raise ReminderConfigError("bad_send_hour")
    if invoice.status in STOPPED_STATUSES or invoice.reminders_paused or invoice.reminders_stopped:
        return []
    planned: list[PlannedReminder] = []
    if invoice.installments:
        for inst in invoice.installments:
            if inst.status in CLOSED_INSTALLMENT_STATUSES:
                continue
            planned += _ladder_for(
                invoice.invoice_id,
                inst.due_date,
                ladder,
                zone,
                quiet,
                send_hour,
                inst.installment_id,
            )
    elif invoice.due_date is not None:
        planned = _ladder_for(
            invoice.invoice_id, invoice.due_date, ladder, zone, quiet, send_hour, None
        )
    if now is not None:
        cutoff = _require_utc(now, "now")
        planned = [p for p in planned if p.due_at_utc >= cutoff]
    return sorted(planned, key=lambda p: (p.due_at_utc, p.key))


def plan_meeting_reminders(
    meeting_id: int,
    meeting_start_utc: datetime,
    now: datetime,
    tz: ZoneInfo | str = "UTC",
    quiet: QuietHours | None = None,
    before: Sequence[timedelta] = MEETING_OFFSETS,
) -> list[PlannedReminder]:
    """Reminders 24 h and 2 h before a meeting (`before`), those already past left out.
    A meeting that has already started is refused ("meeting_in_past").

    Quiet hours are off by default: the manager chose the meeting time, and a reminder moved
    past the meeting is worthless. When given, a reminder in quiet hours moves to the next
    allowed moment, or is dropped if that is not before the start. The key holds the start,
    so a rescheduled meeting gets fresh reminders (cancel the old keys with the old start)."""
    start = _require_utc(meeting_start_utc, "meeting_start_utc")
    current = _require_utc(now, "now")
    if start <= current:
        raise ReminderConfigError("meeting_in_past", meeting_id=meeting_id)
    zone = _zone(tz)
    planned = []
    for lead in before:
        if lead <= timedelta(0):
            raise ReminderConfigError("bad_step", step=str(lead))
        moment = start - lead
        if quiet is not None:
            moment = next_allowed(moment, zone, quiet)
            if moment >= start:
                continue
        if moment < current:
            continue
        minutes = int(lead.total_seconds() // 60)
        planned.append(
            PlannedReminder(
                key=f"meet:{meeting_id}:before:{minutes}m:{start.strftime('%Y%m%dT%H%M%SZ')}",
                step=-minutes,
                due_at_utc=moment,
                kind=f"meeting_{minutes // 60}h" if minutes % 60 == 0 else f"meeting_{minutes}m",
                payload={"meeting_id": meeting_id, "starts_at": start.isoformat()},
            )
        )
    return _collapse(planned)
