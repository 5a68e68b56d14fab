"""Reminder keyboards: the customer's buttons on a reminder, the team's /reminders rows."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.reminders.callbacks import CustAction, CustomerCb, RemAction, ReminderCb
from services.alerts import Upcoming


def paid_keyboard(invoice_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("I've paid"), callback_data=CustomerCb(action=CustAction.PAID, id=invoice_id))
    return kb.as_markup()


def meeting_keyboard(task_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Confirm"), callback_data=CustomerCb(action=CustAction.CONFIRM, id=task_id))
    kb.button(
        text=_("Reschedule"), callback_data=CustomerCb(action=CustAction.RESCHEDULE, id=task_id)
    )
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
