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
