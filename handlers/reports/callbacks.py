"""The reports' buttons: the whole choice in one CallbackData, so every button is stateless
(a forged one is re-checked by the service), and the /plan dialog's."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup

# Report kinds and period presets as short codes (64 bytes per button).
KIND_CODES = {"s": "sales", "f": "funnel", "ac": "abc_clients", "ap": "abc_products",
              "c": "calendar", "p": "plan", "a": "activity"}
CODE_OF_KIND = {v: k for k, v in KIND_CODES.items()}
PRESET_CODES = {"t": "today", "tw": "this_week", "lw": "last_week", "tm": "this_month",
                "lm": "last_month", "q": "quarter", "y": "year"}

GO = "g"  # the next step of the choice (or the report when nothing is missing)
TYPE = "t"  # "Type a range…": the period comes as text
DRILL = "d"  # one manager's deals and invoices (`s` the manager's id)


class RepCb(CallbackData, prefix="rp"):
    """`k` report code, `p` period (a preset code or YYYYMMDD-YYYYMMDD), `s` scope ("m" me,
    "t" team, a manager's id), `o` organization (-1 not chosen yet, 0 all), `c` currency; an
    empty field is a step still to ask."""

    a: str = GO
    k: str = ""
    p: str = ""
    s: str = ""
    o: int = -1
    c: str = ""


class PlanCb(CallbackData, prefix="pn"):
    """`a`: "u" a manager chosen (`u`), "m" a month (`m` YYYYMM), "b" a basis (`v`)."""

    a: str
    u: int = 0
    m: int = 0
    v: str = ""
    flow: str = ""


class ReportInput(StatesGroup):
    range = State()


class PlanInput(StatesGroup):
    amount = State()
    basis = State()
