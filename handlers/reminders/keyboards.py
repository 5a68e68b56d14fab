"""Reminder keyboards: the customer's buttons on a reminder, the team's /reminders rows."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.reminders.callbacks import (
    CustAction,
    CustomerCb,
    MeetAction,
    MeetingCb,
    RemAction,
    ReminderCb,
)
from services.alerts import MeetingTarget, Upcoming, meeting_mark


def paid_keyboard(invoice_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("I've paid"), callback_data=CustomerCb(action=CustAction.PAID, id=invoice_id))
    return kb.as_markup()


def meeting_keyboard(meet: MeetingTarget) -> InlineKeyboardMarkup:
    """Confirm / Reschedule / Cancel under a meeting reminder, for the start it tells."""
    kb = InlineKeyboardBuilder()
    at = meeting_mark(meet.starts_at)
    for text, action in ((_("Confirm"), MeetAction.CONFIRM),
                         (_("Reschedule"), MeetAction.RESCHEDULE),
                         (_("Cancel the meeting"), MeetAction.CANCEL)):
        kb.button(text=text, callback_data=MeetingCb(action=action, id=meet.task_id, at=at))
    kb.adjust(2, 1)
    return kb.as_markup()


def slots_keyboard(meet: MeetingTarget, tz: str) -> InlineKeyboardMarkup:
    """The times the manager offers (the client's local time), then "Another time"."""
    kb = InlineKeyboardBuilder()
    at = meeting_mark(meet.starts_at)
    for slot_id, starts in meet.slots:
        kb.button(text=starts.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M"),
                  callback_data=MeetingCb(action=MeetAction.SLOT, id=meet.task_id, at=at,
                                          slot=slot_id))
    kb.button(text=_("Another time"),
              callback_data=MeetingCb(action=MeetAction.OTHER, id=meet.task_id, at=at))
    kb.adjust(1)
    return kb.as_markup()


def upcoming_keyboard(items: list[Upcoming]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for n, it in enumerate(items, 1):
        kb.button(
            text=_("{n}: snooze 1 day").format(n=n),
            callback_data=ReminderCb(action=RemAction.SNOOZE, id=it.outbox_id),
        )
        kb.button(
            text=_("{n}: skip").format(n=n),
            callback_data=ReminderCb(action=RemAction.SKIP, id=it.outbox_id),
        )
        kb.button(
            text=_("{n}: stop invoice").format(n=n),
            callback_data=ReminderCb(action=RemAction.STOP, id=it.invoice_id),
        )
    kb.adjust(3)
    return kb.as_markup()
