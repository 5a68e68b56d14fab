"""The company card's callback data and the requisites flow's states."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class CompanyAction(StrEnum):
    OPEN = "o"
    REQUISITES = "r"
    REASSIGN = "a"
    MOVE = "m"


class CompanyCb(CallbackData, prefix="co"):
    action: CompanyAction
    id: int
    to: int = 0


class ReqAction(StrEnum):
    COUNTRY = "c"
    FORM = "f"
    KEEP = "k"
    SKIP = "s"
    SAVE = "v"
    RESTART = "r"
    CANCEL = "x"


class ReqCb(CallbackData, prefix="rq"):
    """`flow` ties a button to one run of the flow (see handlers/clients.py)."""

    action: ReqAction
    flow: str
    value: str = ""


class RequisitesFlow(StatesGroup):
    choosing = State()  # country or legal form: buttons
    typing = State()  # the step in data["step"]: text
    confirm = State()

