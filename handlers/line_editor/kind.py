"""What the line editor needs to know of a document kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State
from aiogram.types import Message

from services.invoices import CommercialDoc
from services.pricing import VatRate
from services.users import User

# The editor's callback from an action code (Inv and Qt use the same codes), the document id,
# an argument and v.
MakeCb = Callable[[str, int, int, str], CallbackData]


class LineAction(StrEnum):
    """The codes of the editor's buttons, the same in every kind's action enum."""

    NEW = "n"
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
    CURRENCY = "cu"
    PRICE_LIST = "pl"
    SET_PRICE_LIST = "spl"


class DraftEditing(Protocol):
    """The service calls the editor makes (InvoiceService and QuoteService both have them)."""

    async def get(self, actor: User, doc_id: int) -> Any: ...
    async def add_product(self, actor: User, doc_id: int, product_id: int,
                          quantity: Decimal) -> Any: ...
    async def add_free_line(self, actor: User, doc_id: int, name: str, quantity: Decimal,
                            unit_price: Decimal, kind: str = "item") -> Any: ...
    async def update_line(self, actor: User, doc_id: int, position: int,
                          **changes: Any) -> Any: ...
    async def remove_line(self, actor: User, doc_id: int, position: int) -> Any: ...
    async def line_vat_rates(self, actor: User, doc_id: int) -> Sequence[VatRate]: ...
    async def set_discount(self, actor: User, doc_id: int, percent: Decimal | None,
                           amount: Decimal | None) -> Any: ...
    async def set_tax_mode(self, actor: User, doc_id: int, mode: str) -> Any: ...
    async def set_currency(self, actor: User, doc_id: int, currency: str) -> Any: ...
    async def set_price_list(self, actor: User, doc_id: int, price_list: str) -> Any: ...


@dataclass(frozen=True)
class LineStates:
    """The editor's questions, states of the kind's own StatesGroup (their names stay the
    kind's: InvoiceInput:line_name, QuoteInput:line_name)."""

    product_query: State
    product_qty: State
    line_name: State
    line_qty: State
    line_price: State
    line_value: State
    discount: State
    currency: State


Show = Callable[[Message, User, Any, str], Awaitable[None]]


@dataclass(frozen=True)
class DocumentKind:
    name: str  # "invoice", "quote": the router's name
    callback: type[CallbackData]  # the kind's CallbackData (its prefix), for filters
    make: MakeCb
    key: str  # the FSM data key of the document's id ("inv", "q")
    service_key: str  # the handler argument holding the kind's service ("invoices", ...)
    states: LineStates
    # The document as its card's buttons see it (a quote is read through its card).
    load: Callable[[Any, User, int], Awaitable[CommercialDoc]]
    show: Show  # answer with the document's card (and a prefix line)

    def service(self, data: dict[str, Any]) -> DraftEditing:
        service: DraftEditing = data[self.service_key]
        return service
