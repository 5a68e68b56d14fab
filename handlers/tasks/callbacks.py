"""The tasks feature's buttons and steps: "tk" (a /today line: Done, +1 day, +1 week), "tc"
(the task card and the lists that open it) and "tf" (the /task flow's buttons)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class TaskAction(StrEnum):
    DONE = "d"
    DAY = "p1"
    WEEK = "p7"


POSTPONE_DAYS = {TaskAction.DAY: 1, TaskAction.WEEK: 7}


class TaskCb(CallbackData, prefix="tk"):
    action: TaskAction
    id: int


class Card(StrEnum):
    OPEN = "o"
    DONE = "d"
    DAY = "p1"
    WEEK = "p7"
    PROGRESS = "ip"
    WAITING = "w"
    CANCEL = "x"
    RESTORE = "r"
    DEFER = "df"
    ASSIGN = "a"
    ASSIGN_TO = "at"
    COMMENT = "c"
    CLOSED = "cl"  # the list of done and cancelled ones (id 0)
    OFFER = "of"  # a meeting: offer the client another time
    UNOFFER = "uo"  # a meeting: take back the time offered `to` (its id)
    CLIENT = "ck"  # an event: link it to a client (typed search)
    COMPANY_TO = "kc"  # ... to the company `to`
    CONTACT_TO = "kp"  # ... to the contact `to`


CARD_POSTPONE = {Card.DAY: 1, Card.WEEK: 7}
CARD_MARKS = {Card.PROGRESS: "in_progress", Card.WAITING: "waiting", Card.CANCEL: "cancelled"}


class TaskCardCb(CallbackData, prefix="tc"):
    action: Card
    id: int
    to: int = 0  # the colleague of ASSIGN_TO, the time offered of UNOFFER, the client


class TaskFlowAction(StrEnum):
    KIND = "k"
    SKIP = "s"
    YES = "y"
    NO = "n"
    CLIENT = "c"  # the meeting's client chosen: `kind` a ClientKind, `id` its id


class ClientKind(StrEnum):
    COMPANY = "co"
    CONTACT = "ct"


class TaskFlowCb(CallbackData, prefix="tf"):
    action: TaskFlowAction
    flow: str
    kind: str = ""
    id: int = 0


class NewTask(StatesGroup):
    kind = State()
    title = State()
    when = State()
    end = State()
    remind = State()
    client = State()


class TaskStep(StatesGroup):
    """A card's typed step: the date to defer to, a comment, a time offered to the client,
    the search for its client (the task id in the FSM data)."""

    defer = State()
    comment = State()
    offer = State()
    client = State()
