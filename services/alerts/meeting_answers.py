"""What a client answers to a meeting reminder: Confirm, Cancel, or Reschedule (to one of the
times the manager offered, or a wish for another time typed in the chat).

Invariants:
- the client is the meeting's contact (or its company's contact bound to Telegram) whose
  Telegram id pressed: anybody else, and a meeting not reminded to the client, is NotFound;
- a button belongs to the reminder of one start (`meeting_mark`): once the meeting moved,
  was cancelled, held or began, or the time offered was taken back, the answer is refused
  ("meeting_changed" / "slot_gone") and nothing changes;
- every answer tells the manager through the outbox in the same transaction, keyed by the
  client's action (the meeting's start the button was for, the time chosen, the message
  typed), so a double press or a re-delivered update tells once;
- a move keeps the meeting's length, takes the time off the offered ones and replans the
  client reminders for the new start (the old ones still pending are cancelled); a cancel
  stops them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from services.alerts.meetings import MeetingReminders
from services.alerts.model import WISH_MAX, CustomerAnswer, MeetingTarget, StaffMember
from services.alerts.ports import AlertUnitOfWork
from services.errors import Conflict, InvalidInput, NotFound
from services.notices import MEETING_ANSWER, notice
from services.outbox import NewOutboxMessage
from services.text import clean_message


def meeting_mark(starts_at: datetime) -> int:
    """The start a reminder's buttons are for, short enough for callback data (minutes since
    the epoch)."""
    return int(starts_at.timestamp()) // 60


def clean_wish(text: str) -> str:
    """The client's wish as typed, trimmed; never empty, at most WISH_MAX characters."""
    return clean_message(text, WISH_MAX)


class MeetingAnswers(MeetingReminders):
    """The client's buttons on a meeting reminder (see the module's invariants)."""

    async def _client_meeting(self, uow: AlertUnitOfWork, telegram_id: int, task_id: int,
                              mark: int) -> MeetingTarget:
        meet = await uow.alerts.meeting(task_id)
        if meet is None or meet.chat_id is None or meet.chat_id != telegram_id:
            raise NotFound()
        if (meet.status != "planned" or meet.starts_at <= self._clock.now()
                or meeting_mark(meet.starts_at) != mark):
            raise Conflict("meeting_changed")
        return meet

    async def _tell(self, uow: AlertUnitOfWork, meet: MeetingTarget, cause: str, answer: str,
                    customer: str, **extra: Any) -> StaffMember:
        manager = await uow.alerts.user(meet.owner_id)
        if manager is None:
            raise NotFound()
        await uow.alerts.audit(None, f"meeting.{answer}", "task", meet.task_id,
                               {"telegram_user_id": meet.chat_id, **extra})
        await uow.outbox.enqueue([_meeting_notice(
            cause, manager, meet, answer, customer, self._clock.now(),
            self._tz(manager.timezone), when=meet.starts_at.isoformat(), **extra)])
        return manager

    async def meeting_answer(self, telegram_id: int, task_id: int, answer: str, mark: int,
                             customer_name: str = "") -> CustomerAnswer:
        """Confirm (nothing changes but the manager knows) or Cancel (the meeting is
        cancelled and its reminders stop)."""
        if answer not in ("confirm", "cancel"):
            raise InvalidInput("unknown_answer")
        async with self._uow() as uow:
            meet = await self._client_meeting(uow, telegram_id, task_id, mark)
            if answer == "cancel":  # closed: `replan_meeting` stops its reminders
                now = self._clock.now()
                await uow.alerts.close_meeting(task_id, "cancelled", now)
                await self.replan_meeting(uow, task_id, now)
            manager = await self._tell(uow, meet, f"meeting:{task_id}:{mark}:{answer}",
                                       answer, customer_name)
            await uow.commit()
        return CustomerAnswer(manager, task_id, meet.title, answer)

    async def meeting_options(self, telegram_id: int, task_id: int, mark: int
                              ) -> MeetingTarget:
        """The meeting with the times the manager offers (future ones) for the client's
        Reschedule; nothing changes."""
        async with self._uow(readonly=True) as uow:
            meet = await self._client_meeting(uow, telegram_id, task_id, mark)
            slots = await uow.alerts.meeting_slots(task_id, self._clock.now())
        return replace(meet, slots=tuple(s for s in slots if s[1] != meet.starts_at))

    async def meeting_to_slot(self, telegram_id: int, task_id: int, mark: int, slot_id: int,
                              customer_name: str = "") -> MeetingTarget:
        """The client moves the meeting to a time offered: the meeting as it is now."""
        now = self._clock.now()
        async with self._uow() as uow:
            meet = await self._client_meeting(uow, telegram_id, task_id, mark)
            slot = next((s for s in await uow.alerts.meeting_slots(task_id, now)
                         if s[0] == slot_id), None)
            if slot is None:
                raise Conflict("slot_gone")
            starts = slot[1]
            ends = starts + (meet.ends_at - meet.starts_at) if meet.ends_at else None
            await uow.alerts.move_meeting(task_id, starts, ends, slot_id)
            await self.replan_meeting(uow, task_id, now)
            moved = replace(meet, starts_at=starts, ends_at=ends)
            await self._tell(uow, moved, f"meeting:{task_id}:{mark}:slot{slot_id}", "moved",
                             customer_name, was=meet.starts_at.isoformat())
            await uow.commit()
        return moved

    async def meeting_wish(self, telegram_id: int, task_id: int, mark: int, text: str,
                           action: str, customer_name: str = "") -> CustomerAnswer:
        """The client's wish for another time reaches the manager (`action`: the client's
        message, so one message is told once)."""
        wish = clean_wish(text)
        async with self._uow() as uow:
            meet = await self._client_meeting(uow, telegram_id, task_id, mark)
            manager = await self._tell(uow, meet, f"meeting:{task_id}:wish:{action}", "wish",
                                       customer_name, text=wish)
            await uow.commit()
        return CustomerAnswer(manager, task_id, meet.title, "wish")

    async def client_language(self, telegram_id: int, task_id: int) -> str | None:
        """The language stored for the meeting's client (their reminders' language), when
        `telegram_id` is that client; None otherwise (the chat's own language applies)."""
        async with self._uow(readonly=True) as uow:
            meet = await uow.alerts.meeting(task_id)
        if meet is None or meet.chat_id != telegram_id:
            return None
        return meet.language

    def client_zone(self, meet: MeetingTarget) -> str:
        """The zone the client reads the meeting's times in."""
        return self._tz(meet.timezone)


def _meeting_notice(cause: str, manager: StaffMember, meet: MeetingTarget, answer: str,
                    customer: str, now: datetime, tz: str, **extra: Any) -> NewOutboxMessage:
    """The manager told what the client answered, with a button to open the meeting; its
    times in the manager's zone `tz`."""
    return notice(f"{cause}:chat{manager.telegram_id}", MEETING_ANSWER, manager.telegram_id,
                  now, manager.language,
                  {"task_id": meet.task_id, "title": meet.title, "customer": customer,
                   "answer": answer, "tz": tz, **extra},
                  recipient_user_id=manager.id)
