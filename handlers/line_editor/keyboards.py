"""The editor's keyboards: pure functions; `make` builds the kind's callback data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.line_editor.kind import LineAction, MakeCb
from handlers.line_editor.texts import (
    TAX_MODE_CODES,
    TAX_MODE_NAMES,
    money,
    price_list_name,
    vat_label,
)
from services.catalog import Product, vat_code
from services.invoices import CommercialDoc
from services.pricing import VatRate


class NamedLine(Protocol):
    @property
    def position(self) -> int: ...
    @property
    def name(self) -> str: ...


class DocPage(Protocol):
    """A page of documents of either kind (InvoicePage, QuotePage)."""

    @property
    def items(self) -> Sequence[CommercialDoc]: ...
    @property
    def offset(self) -> int: ...
    @property
    def limit(self) -> int: ...
    @property
    def total(self) -> int: ...


def draft_buttons(kb: InlineKeyboardBuilder, doc: CommercialDoc, make: MakeCb,
                  date_text: str, date_action: str) -> list[int]:
    """A draft's editing buttons, the same for both kinds but for the kind's date (an
    invoice's due date, a quote's validity); returns the sizes of the rows added."""
    def button(text: str, action: str) -> None:
        kb.button(text=text, callback_data=make(action, doc.id, 0, ""))

    button(_("Add product"), LineAction.ADD_PRODUCT)
    button(_("Add line"), LineAction.ADD_LINE)
    button(_("Shipping"), LineAction.SHIPPING)
    button(_("Other charge"), LineAction.CHARGE)
    if doc.lines:
        button(_("Edit/remove line"), LineAction.LINES)
    button(_("Discount"), LineAction.DISCOUNT)
    button(_("Tax mode"), LineAction.TAX)
    button(date_text, date_action)
    button(_("Currency"), LineAction.CURRENCY)
    button(_("Price list"), LineAction.PRICE_LIST)
    return [2, 2, 2 if doc.lines else 1, 2, 2]


def list_keyboard(page: DocPage, flt: str, make: MakeCb, open_action: str, list_action: str,
                  statuses: Mapping[str, Any], filters: Mapping[str, Any]
                  ) -> InlineKeyboardMarkup:
    """A page of documents (number or draft, buyer, total, status), ◀ ▶ and the filters."""
    kb = InlineKeyboardBuilder()
    for doc in page.items:
        label = doc.number_text or _("draft #{id}").format(id=doc.id)
        kb.button(text=f"{label} · {doc.buyer_name[:24]} · {money(doc.grand_total, doc.currency)}"
                  f" · {statuses.get(doc.status, doc.status)}",
                  callback_data=make(open_action, doc.id, 0, ""))
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(text=text, callback_data=make(list_action, 0, offset, flt))
    for code, name in filters.items():
        mark = "• " if code == flt else ""
        kb.button(text=mark + str(name), callback_data=make(list_action, 0, 0, code))
    kb.adjust(*([1] * len(page.items)), *([len(nav)] if nav else []), 3, 3)
    return kb.as_markup()


def clients_keyboard(clients: Sequence[tuple[int, str]], make: MakeCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for company_id, name in clients:
        kb.button(text=name[:60], callback_data=make(LineAction.NEW, company_id, 0, ""))
    kb.adjust(1)
    return kb.as_markup()


def products_keyboard(doc_id: int, found: Sequence[Product], currency: str,
                      make: MakeCb, price_list: str = "base") -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for p in found:
        price = p.price(currency, price_list)
        if price is not None:
            label = f"{p.name[:40]} · {money(price, currency)}"
        else:
            label = p.name[:40] + " · " + _("no price in {currency}").format(currency=currency)
        kb.button(text=label, callback_data=make(LineAction.PICK, doc_id, p.id, ""))
    kb.adjust(1)
    return kb.as_markup()


def lines_keyboard(doc_id: int, lines: Sequence[NamedLine], make: MakeCb
                   ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for line in lines[:50]:
        kb.button(text=f"{line.position}. {line.name[:40]}",
                  callback_data=make(LineAction.LINE, doc_id, line.position, ""))
    kb.adjust(1)
    return kb.as_markup()


def line_keyboard(doc_id: int, position: int, make: MakeCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for text, action in ((_("Quantity"), LineAction.LINE_QTY),
                         (_("Price"), LineAction.LINE_PRICE),
                         (_("Discount"), LineAction.LINE_DISCOUNT),
                         (_("VAT rate"), LineAction.LINE_VAT),
                         (_("Remove line"), LineAction.LINE_REMOVE)):
        kb.button(text=text, callback_data=make(action, doc_id, position, ""))
    kb.button(text=_("Back"), callback_data=make(LineAction.OPEN, doc_id, 0, ""))
    kb.adjust(2, 2, 2)
    return kb.as_markup()


def vat_keyboard(doc_id: int, position: int, rates: Sequence[VatRate],
                 make: MakeCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for rate in rates:
        kb.button(text=vat_label(rate), callback_data=make(LineAction.SET_VAT, doc_id, position,
                                                          vat_code(rate)))
    kb.adjust(2)
    return kb.as_markup()


def price_lists_keyboard(doc_id: int, current: str, lists: Sequence[str], make: MakeCb
                         ) -> InlineKeyboardMarkup:
    """The price lists a draft may be priced from (the current one marked); a list whose name
    does not fit in callback data is left out."""
    kb = InlineKeyboardBuilder()
    for code in lists:
        data = make(LineAction.SET_PRICE_LIST, doc_id, 0, code)
        if len(data.pack().encode()) > 64:
            continue
        mark = "• " if code == current else ""
        kb.button(text=mark + price_list_name(code), callback_data=data)
    kb.adjust(2)
    return kb.as_markup()


def tax_keyboard(doc_id: int, tax_mode: str, make: MakeCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for i, code in enumerate(TAX_MODE_CODES):
        mark = "• " if code == tax_mode else ""
        kb.button(text=mark + str(TAX_MODE_NAMES[code]),
                  callback_data=make(LineAction.SET_TAX, doc_id, i, ""))
    kb.adjust(1)
    return kb.as_markup()
