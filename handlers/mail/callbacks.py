"""The mail buttons' callback data (prefix "ml") and the reply step's state."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class MailAction(StrEnum):
    LEAD = "l"  # make a lead of a stranger's message
    REPLY = "r"  # start typing a reply
    TASK = "t"  # a task to answer it
    CONFIRM = "c"  # an unverified message is really the client's: onto the timeline
    ATTACH = "a"  # choose (or drop) the document beside the reply
    SEND = "s"  # the reply leaves
    CANCEL = "x"


class MailCb(CallbackData, prefix="ml"):
    """`id` the message; `doc` and `of` a document offered beside a reply (its kind's code
    and the invoice's or quote's id)."""

    action: MailAction
    id: int
    doc: str = ""
    of: int = 0


DOC_CODES = {"invoice": "i", "quote": "q", "act": "a"}
DOC_KINDS = {code: kind for kind, code in DOC_CODES.items()}


class MailReplyStep(StatesGroup):
    text = State()
