"""Meetings with "remind the client": their reminders 24 h and 2 h before, planned when a
meeting is created or moved (`plan_meeting`) and picked up by the minute job (`_meetings`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.alerts.base import AlertServiceBase
from services.alerts.model import MEETING_KINDS_PREFIX, TASK_LOOKAHEAD, MeetingTarget
from services.alerts.ports import AlertUnitOfWork
from services.errors import NotFound
from services.outbox import NewOutboxMessage, reminder_messages
from services.reminders import (
    MEETING_OFFSETS,
    PlannedReminder,
    ReminderConfigError,
    plan_meeting_reminders,
)
from services.users import Actor


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

    async def plan_meeting(self, actor: Actor, task_id: int) -> int:
        """Plans a meeting's client reminders now (after it is created or moved); a
        meeting in the past is refused ("meeting_in_past")."""
        now = self._clock.now()
        async with self._uow() as uow:
            meet = await uow.alerts.meeting(task_id)
            if meet is None or (actor.owner_scope() not in (None, meet.owner_id)):
                raise NotFound()
            tz = self._tz(meet.timezone)
            planned = plan_meeting_reminders(meet.task_id, meet.starts_at, now, tz)
            if meet.chat_id is None:
                return 0
            count = await uow.outbox.enqueue(meeting_messages(planned, meet, tz))
            await uow.commit()
        return count
