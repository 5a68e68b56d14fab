"""The reminder buttons' callback data and the client time zone question."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class RemAction(StrEnum):
    SNOOZE = "z"
    SKIP = "s"
    STOP = "x"
    RESUME = "r"


class ReminderCb(CallbackData, prefix="rm"):
    action: RemAction
    id: int


class CustAction(StrEnum):
    PAID = "p"
    CONFIRM = "c"
    RESCHEDULE = "r"


class CustomerCb(CallbackData, prefix="rc"):
    """Pressed by a customer on a reminder in their own chat (they may be no user of ours:
    the service checks the invoice's or meeting's contact is bound to their Telegram id)."""

    action: CustAction
    id: int


class ClientTzCb(CallbackData, prefix="tz"):
    id: int
    flow: str


class ClientTz(StatesGroup):
    zone = State()
