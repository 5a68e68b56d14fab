"""The editor's keyboards: pure functions; `make` builds the kind's callback data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.line_editor.kind import LineAction, MakeCb
from handlers.line_editor.texts import TAX_MODE_CODES, TAX_MODE_NAMES, money, vat_label
from services.catalog import Product, vat_code
from services.pricing import VatRate


class NamedLine(Protocol):
    @property
    def position(self) -> int: ...
    @property
    def name(self) -> str: ...


def clients_keyboard(clients: Sequence[tuple[int, str]], make: MakeCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for company_id, name in clients:
        kb.button(text=name[:60], callback_data=make(LineAction.NEW, company_id, 0, ""))
    kb.adjust(1)
    return kb.as_markup()


def products_keyboard(doc_id: int, found: Sequence[Product], currency: str,
                      make: MakeCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for p in found:
        price = p.price(currency)
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


def tax_keyboard(doc_id: int, tax_mode: str, make: MakeCb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for i, code in enumerate(TAX_MODE_CODES):
        mark = "• " if code == tax_mode else ""
        kb.button(text=mark + str(TAX_MODE_NAMES[code]),
                  callback_data=make(LineAction.SET_TAX, doc_id, i, ""))
    kb.adjust(1)
    return kb.as_markup()
