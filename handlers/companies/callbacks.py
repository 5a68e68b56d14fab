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



class CardAction(StrEnum):
    """The client card's edit, contacts, archive and merge buttons ("ce")."""

    EDIT = "e"  # the fields menu (id = company)
    FIELD = "f"  # one field (id = company, code = field)
    CONTACTS = "k"  # the contacts (id = company)
    ADD_CONTACT = "a"  # (id = company)
    CONTACT = "t"  # one contact (id = contact)
    CONTACT_FIELD = "g"  # (id = contact, code = field)
    PRIMARY = "p"  # (id = contact)
    DETACH = "d"  # asks (id = contact)
    DETACH_YES = "y"  # (id = contact)
    ARCHIVE = "r"  # asks the reason (id = company)
    RESTORE = "s"  # (id = company)
    MERGE = "m"  # asks the other client's name (id = company)
    MERGE_PICK = "h"  # the other one chosen (id = company, to = other)
    MERGE_KEEP = "i"  # the survivor chosen (id = survivor, to = merged)
    MERGE_DO = "j"  # confirmed (id = survivor, to = merged)


class CardCb(CallbackData, prefix="ce"):
    action: CardAction
    id: int
    to: int = 0
    code: str = ""


class CardFlowAction(StrEnum):
    CHOOSE = "c"  # a value from buttons (language, price list)
    SKIP = "s"  # an optional value left out (contact fields, the archive reason)
    CANCEL = "x"


class CardFlowCb(CallbackData, prefix="cf"):
    """`flow` ties a button to one run of an edit (see handlers/clients.py)."""

    action: CardFlowAction
    flow: str
    value: str = ""


class CardFlow(StatesGroup):
    value = State()  # a company or contact field: data["kind"], ["id"], ["field"], ["seen"]
    contact = State()  # a new contact, field by field: data["step"]
    reason = State()  # the archive reason
    merge_name = State()  # the other client's name
