"""The reminder buttons' callback data, the client time zone question and the client's
typed wish for another meeting time."""

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


class CustomerCb(CallbackData, prefix="rc"):
    """Pressed by a customer on an invoice reminder in their own chat (they may be no user of
    ours: the service checks the invoice's contact is bound to their Telegram id)."""

    action: CustAction
    id: int


class MeetAction(StrEnum):
    CONFIRM = "c"
    RESCHEDULE = "r"
    CANCEL = "x"
    SLOT = "s"  # a time the manager offered (`slot`)
    OTHER = "o"  # another time: the client types a wish


class MeetingCb(CallbackData, prefix="mc"):
    """Pressed by a client on a meeting reminder (the service checks the meeting's client is
    bound to their Telegram id). `at`: the start the reminder was sent for, in minutes since
    the epoch, so a button of a meeting moved since is refused; `slot`: the time offered."""

    action: MeetAction
    id: int
    at: int
    slot: int = 0


class ClientTzCb(CallbackData, prefix="tz"):
    id: int
    flow: str


class ClientTz(StatesGroup):
    zone = State()


class AlertAction(StrEnum):
    REMIND = "r"  # remind the customer now (overdue invoice, installment)
    CALL = "c"  # a call task for tomorrow (overdue invoice, guarantee letter)
    RENEW = "n"  # a renewal deal (contract ending)
    DONE = "d"  # task due: done
    HOUR = "h"  # task due: +1 hour
    TOMORROW = "t"  # task due: tomorrow


class AlertCb(CallbackData, prefix="al"):
    """A staff alert's button. `id` is the alert's own outbox row (REMIND, CALL, RENEW: the
    row is the cause, its id the action's key) or the task (DONE, HOUR, TOMORROW); `at` is
    the due moment a task alert was for, in universal time as YYYYMMDDTHHMM (a moved task's
    old button does nothing). At most 2 + 2 + 20 + 14 bytes: far below Telegram's 64."""

    action: AlertAction
    id: int
    at: str = ""
class MeetingWish(StatesGroup):
    """The client types another time for a meeting (the meeting and its mark in the data)."""

    text = State()
