"""The times a manager offers the client for a meeting ("Offer times" on its card): the
client's Reschedule buttons on a meeting reminder (services/alerts/meeting_answers.py).

Rules: only on an open meeting with "remind the client"; typed like a due time, in the
manager's zone, in the future and not the meeting's own start; at most SLOTS_MAX future times
at once, each once; the same scope as the card (another manager's meeting is NotFound)."""

from __future__ import annotations

from datetime import datetime

from services.errors import Conflict, InvalidInput
from services.tasks.model import (
    SLOTS_MAX,
    MeetingSlot,
    Task,
    TaskKind,
    audit_change,
    local_text,
    parse_when,
)
from services.tasks.team import TeamUseCases
from services.users import Actor


def _offerable(task: Task) -> None:
    if task.kind != TaskKind.MEETING or not task.remind_client:
        raise Conflict("not_client_meeting")
    if not task.is_open:
        raise Conflict("task_closed")


class SlotUseCases(TeamUseCases):
    def read_slot(self, actor: Actor, text: str) -> datetime:
        """A time typed to offer: like a due time, read in the actor's zone, in the future."""
        return parse_when(text, self.zone(actor), self._clock.now())

    async def check_offer(self, actor: Actor, task_id: int) -> Task:
        """The meeting, if more times may be offered on it now (else the reason)."""
        card = await self.card(actor, task_id)
        _offerable(card.task)
        if len(card.slots) >= SLOTS_MAX:
            raise Conflict("slots_full", limit=SLOTS_MAX)
        return card.task

    async def offer_time(self, actor: Actor, task_id: int, text: str) -> MeetingSlot:
        """Stores one more time offered to the client (audited with the meeting)."""
        now = self._clock.now()
        zone = self.zone(actor)
        when = parse_when(text, zone, now)
        async with self._uow() as uow:
            task = await self._visible(uow, actor, task_id)
            _offerable(task)
            if when == task.starts_at:
                raise InvalidInput("slot_is_start", field="due")
            offered = await uow.tasks.slots(task.id, now)
            if any(s.starts_at == when for s in offered):
                raise Conflict("slot_offered")
            if len(offered) >= SLOTS_MAX:
                raise Conflict("slots_full", limit=SLOTS_MAX)
            slot = await uow.tasks.add_slot(task.id, when, now)
            await uow.audit.add(actor.id, "task.slot_offered", "task", task.id,
                                {"changes": [audit_change("slot", None, local_text(when, zone))]},
                                company_id=task.company_id, deal_id=task.deal_id)
            await uow.commit()
        return slot

    async def withdraw_time(self, actor: Actor, task_id: int, slot_id: int) -> Task:
        """A time offered is no longer offered; `slot_gone` when it is not (any more)."""
        zone = self.zone(actor)
        async with self._uow() as uow:
            task = await self._visible(uow, actor, task_id)
            gone = await uow.tasks.remove_slot(task.id, slot_id)
            if gone is None:
                raise Conflict("slot_gone")
            await uow.audit.add(
                actor.id, "task.slot_withdrawn", "task", task.id,
                {"changes": [audit_change("slot", local_text(gone.starts_at, zone), None)]},
                company_id=task.company_id, deal_id=task.deal_id)
            await uow.commit()
        return task
