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
    CANCEL = "x"
    SLOT = "s"  # a time the manager offered (`slot`)
    OTHER = "o"  # another time: the client types a wish


MEETING_ACTIONS = frozenset({CustAction.CONFIRM, CustAction.RESCHEDULE, CustAction.CANCEL,
                             CustAction.SLOT, CustAction.OTHER})


class CustomerCb(CallbackData, prefix="rc"):
    """Pressed by a customer on a reminder in their own chat (they may be no user of ours:
    the service checks the invoice's or meeting's contact is bound to their Telegram id).
    A meeting's buttons carry the start they were sent for (`at`, minutes since the epoch:
    a button of a meeting moved since is refused) and the time offered (`slot`)."""

    action: CustAction
    id: int
    at: int = 0
    slot: int = 0


class ClientTzCb(CallbackData, prefix="tz"):
    id: int
    flow: str


class ClientTz(StatesGroup):
    zone = State()


class MeetingWish(StatesGroup):
    """The client types another time for a meeting (the meeting and its mark in the data)."""

    text = State()
