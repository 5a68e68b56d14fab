"""Meetings with "remind the client": their reminders 24 h and 2 h before, planned in the
transaction that creates, moves, closes or relinks a meeting (`replan_meeting`, called by the
tasks feature and by the client's own move), and picked up by the minute job (`_meetings`)
too, so a reminder is never missed whichever path saw the meeting first (the keys make it
once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.alerts.base import AlertServiceBase
from services.alerts.model import MEETING_KINDS_PREFIX, TASK_LOOKAHEAD, MeetingTarget
from services.alerts.ports import AlertUnitOfWork
from services.outbox import NewOutboxMessage, reminder_messages
from services.reminders import (
    MEETING_OFFSETS,
    PlannedReminder,
    ReminderConfigError,
    plan_meeting_reminders,
)


def meeting_lead(kind: str) -> timedelta | None:
    """The lead of a meeting reminder from its kind ("meeting_24h", "meeting_90m")."""
    rest = kind.removeprefix(MEETING_KINDS_PREFIX)
    try:
        if rest.endswith("h"):
            return timedelta(hours=int(rest[:-1]))
        if rest.endswith("m"):
            return timedelta(minutes=int(rest[:-1]))
    except ValueError:
        return None
    return None


def meeting_messages(planned: list[PlannedReminder], meet: MeetingTarget, tz: str
                     ) -> list[NewOutboxMessage]:
    """A meeting's planned reminders as outbox rows into the client's chat (none without one),
    rendered in the client's language and zone."""
    if meet.chat_id is None:
        return []
    return reminder_messages(planned, "telegram", chat_id=meet.chat_id,
                             payload={"lang": meet.language, "tz": tz, "task_id": meet.task_id})


class MeetingReminders(AlertServiceBase):
    """The client reminders of meetings."""

    async def _meetings(
        self, uow: AlertUnitOfWork, since: datetime, now: datetime
    ) -> list[NewOutboxMessage]:
        """Client reminders of meetings not yet started whose moment (24 h / 2 h before) is
        since the watermark or within the look-ahead."""
        out: list[NewOutboxMessage] = []
        horizon = now + TASK_LOOKAHEAD
        found = await uow.alerts.meetings_between(
            max(now, since + min(MEETING_OFFSETS)), horizon + max(MEETING_OFFSETS)
        )
        for meet in found:
            if meet.chat_id is None:
                continue
            tz = self._tz(meet.timezone)
            try:
                planned = plan_meeting_reminders(meet.task_id, meet.starts_at, since, tz)
            except ReminderConfigError:
                continue
            out += meeting_messages([p for p in planned if p.due_at_utc <= horizon], meet, tz)
        return out

    async def replan_meeting(self, uow: AlertUnitOfWork, task_id: int, now: datetime) -> int:
        """Makes the meeting's pending client reminders what it is now, in the caller's unit
        of work: those of its start and client still to come are stored, any other pending
        one (an old start, a client no longer linked, a meeting closed or no longer reminded)
        is cancelled. Safe to repeat. Returns how many new rows were stored."""
        meet = await uow.alerts.meeting(task_id)
        every: list[NewOutboxMessage] = []
        if meet is not None and meet.status == "planned" and meet.starts_at > now:
            tz = self._tz(meet.timezone)
            # All of this start's reminders, past ones too: a late one the minute job stored
            # is kept, not cancelled; only those still to come are stored here.
            since = meet.starts_at - max(MEETING_OFFSETS)
            every = meeting_messages(
                plan_meeting_reminders(task_id, meet.starts_at, since, tz), meet, tz)
        fresh = [m for m in every if m.due_at >= now]
        stored = await uow.outbox.enqueue(fresh)
        # Moved back to a start (or a client) it had before: its cancelled ones come back.
        await uow.alerts.revive([m.key for m in fresh], now)
        await uow.alerts.cancel_meeting_reminders(task_id, except_keys=[m.key for m in every])
        return stored
