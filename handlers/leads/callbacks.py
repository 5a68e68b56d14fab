"""The lead buttons' callback data and the questions the FSM remembers."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class LeadAction(StrEnum):
    OPEN = "o"
    LIST = "l"
    STATUS = "s"
    JUNK = "j"
    EDIT = "e"
    FIELD = "f"
    SOURCE = "r"
    CONVERT = "c"
    USE = "u"
    MERGE = "m"
    NEW = "n"


class LeadCb(CallbackData, prefix="ld"):
    action: LeadAction
    id: int = 0
    arg: str = ""  # a status filter, a new status, a field, a source or a client ref
    offset: int = 0


class LeadFlowAction(StrEnum):
    SKIP = "k"
    SOURCE = "r"
    SAVE = "s"
    SAVE_MISSING = "m"
    EDIT = "e"
    CANCEL = "x"


class LeadFlowCb(CallbackData, prefix="lf"):
    """`flow` ties a button to the run of the flow that drew it (see NewClientCb)."""

    action: LeadFlowAction
    flow: str
    arg: str = ""


class LeadFlow(StatesGroup):
    contact_name = State()
    company_name = State()
    phone = State()
    email = State()
    city = State()
    topic = State()
    source = State()
    confirm = State()


class LeadInput(StatesGroup):
    junk_reason = State()
    field = State()



# The /lead flow's question for each field (services.leads.LEAD_FIELDS, in its order).
STATE_OF = {
    "contact_name": LeadFlow.contact_name,
    "company_name": LeadFlow.company_name,
    "phone": LeadFlow.phone,
    "email": LeadFlow.email,
    "city": LeadFlow.city,
    "topic": LeadFlow.topic,
    "source": LeadFlow.source,
}
TEXT_STEPS = [state for name, state in STATE_OF.items() if name != "source"]
