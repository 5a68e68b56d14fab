"""The quote buttons' callback data and the questions the FSM remembers."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class Qt(StrEnum):
    NEW = "n"
    DEAL = "d"
    OPEN = "o"
    ADD_PRODUCT = "ap"
    PICK = "pk"
    ADD_LINE = "al"
    SHIPPING = "sh"
    CHARGE = "ch"
    LINES = "ls"
    LINE = "l"
    LINE_QTY = "lq"
    LINE_PRICE = "lp"
    LINE_DISCOUNT = "ld"
    LINE_VAT = "lv"
    SET_VAT = "sv"
    LINE_REMOVE = "lx"
    DISCOUNT = "ds"
    TAX = "tx"
    SET_TAX = "st"
    VALID = "vu"
    CURRENCY = "cu"
    PRICE_LIST = "pl"
    SET_PRICE_LIST = "spl"
    REPEAT = "rp"
    REOPEN = "re"
    INVOICE = "mi"
    LIST = "li"


class QuoteCb(CallbackData, prefix="qt"):
    """`id` is the quote (the company for NEW, the deal for DEAL); ids only, 64 bytes."""

    action: Qt
    id: int = 0
    arg: int = 0
    v: str = ""


class QuoteInput(StatesGroup):
    product_query = State()
    product_qty = State()
    line_name = State()
    line_qty = State()
    line_price = State()
    line_value = State()
    discount = State()
    valid_until = State()
    currency = State()


def cb(action: Qt, quote_id: int, arg: int = 0, v: str = "") -> QuoteCb:
    return QuoteCb(action=action, id=quote_id, arg=arg, v=v)


def quote_cb(action: str, doc_id: int, arg: int, v: str) -> CallbackData:
    return cb(Qt(action), doc_id, arg, v)
