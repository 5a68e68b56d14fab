"""The invoice buttons' callback data and the questions the FSM remembers."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class Inv(StrEnum):
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
    DUE = "du"
    CURRENCY = "cu"
    PRICE_LIST = "pl"
    SET_PRICE_LIST = "spl"
    REPEAT = "rp"
    LAST = "la"
    DEAL_LAST = "dl"
    ISSUE_SEND = "ss"
    ISSUE = "is"
    CANCEL = "cx"
    REISSUE = "ri"
    LIST = "li"
    CANCEL_REASON = "cr"  # v: a common reason's code, "" for the one typed
    CANCEL_OK = "ck"
    # issue 16, the market fields (handlers/invoices/market.py)
    DELIVERY = "dv"
    RATE = "xr"
    REVERSE = "rc"  # arg: 1 on, 0 off
    EXEMPT = "ve"


class InvoiceCb(CallbackData, prefix="in"):
    """`id` is the invoice (the company for NEW, the deal for DEAL); ids only, 64 bytes."""

    action: Inv
    id: int = 0
    arg: int = 0
    v: str = ""


class InvoiceInput(StatesGroup):
    product_query = State()
    product_qty = State()
    line_name = State()
    line_qty = State()
    line_price = State()
    line_value = State()
    discount = State()
    due_date = State()
    currency = State()
    cancel_reason = State()
    delivery_date = State()
    exchange_rate = State()
    exemption_reason = State()


def cb(action: Inv, inv_id: int, arg: int = 0, v: str = "") -> InvoiceCb:
    return InvoiceCb(action=action, id=inv_id, arg=arg, v=v)


def invoice_cb(action: str, doc_id: int, arg: int, v: str) -> CallbackData:
    return cb(Inv(action), doc_id, arg, v)


class Cn(StrEnum):
    NEW = "n"  # id: the invoice
    WHOLE = "w"
    LINE = "l"  # arg: the invoice line
    DONE = "d"
    REASON = "r"  # v: a common reason's code
    REFUND = "rf"  # id: the credit note
    REFUND_ALL = "ra"


class CreditCb(CallbackData, prefix="cn"):
    """Credit notes and refunds: `id` is the invoice (the credit note for REFUND*)."""

    action: Cn
    id: int = 0
    arg: int = 0
    v: str = ""


class CreditInput(StatesGroup):
    quantity = State()
    reason = State()
    refund_amount = State()
