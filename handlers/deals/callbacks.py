"""The deal buttons' callback data and the questions the FSM remembers."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class DealAction(StrEnum):
    OPEN = "o"
    PAGE = "p"
    NEXT = "n"
    CHOOSE = "c"
    STAGE = "s"
    WON = "w"
    LOST = "l"
    TASK = "t"
    NOTE = "a"
    AMOUNT = "m"
    BACK = "b"
    EDIT = "e"  # to: the card's version
    FIELD = "f"  # to: "<field>.<version>"
    CURRENCY = "y"  # to: "<currency>.<version>"
    PIPELINE = "g"  # to: "<pipeline>.<version>"
    RELOCATE = "h"  # to: "<pipeline>/<stage>.<version>"
    OWNER = "u"  # to: "<user id>.<version>"
    REASON = "r"  # to: "<lost reason code>.<version>"
    RESTORE = "x"  # to: the card's version


class DealCb(CallbackData, prefix="dl"):
    action: DealAction
    id: int
    to: str = ""


class FlowAction(StrEnum):
    SKIP = "skip"
    COMPANY = "co"
    PIPELINE = "pl"
    YES = "yes"
    NO = "no"
    KIND = "kind"


class FlowCb(CallbackData, prefix="df"):
    """`flow` ties a button to the run of the flow that drew it (see handlers/clients.py)."""

    action: FlowAction
    flow: str
    id: int = 0
    code: str = ""


class ClientAction(StrEnum):
    TIMELINE = "t"
    NOTE = "n"


class ClientExtraCb(CallbackData, prefix="cx"):
    action: ClientAction
    id: int


class NewDeal(StatesGroup):
    title = State()
    client = State()
    amount = State()
    pipeline = State()


class DealInput(StatesGroup):
    field = State()  # a required field, asked in place before a move
    lost_reason = State()
    amount = State()
    note = State()
    edit = State()  # a field of the card's Edit menu, typed


def split_arg(to: str) -> tuple[str, str]:
    """ "<value>.<version>" → (value, version); a bare value has no version."""
    value, _, version = to.rpartition(".")
    return (value, version) if value else (to, "")

