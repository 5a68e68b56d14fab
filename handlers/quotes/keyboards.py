"""The quote keyboards: pure functions of the quote."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.delivery import send_button
from handlers.line_editor.texts import money
from handlers.quotes.callbacks import Qt, cb
from handlers.quotes.texts import FILTER_NAMES, STATUS_NAMES
from services.deals import Deal
from services.quotes import Quote, QuotePage


def card_keyboard(q: Quote) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    rows: list[int] = []
    if q.status == "draft":
        kb.button(text=_("Add product"), callback_data=cb(Qt.ADD_PRODUCT, q.id))
        kb.button(text=_("Add line"), callback_data=cb(Qt.ADD_LINE, q.id))
        kb.button(text=_("Shipping"), callback_data=cb(Qt.SHIPPING, q.id))
        kb.button(text=_("Other charge"), callback_data=cb(Qt.CHARGE, q.id))
        rows += [2, 2]
        if q.lines:
            kb.button(text=_("Edit/remove line"), callback_data=cb(Qt.LINES, q.id))
        kb.button(text=_("Discount"), callback_data=cb(Qt.DISCOUNT, q.id))
        rows.append(2 if q.lines else 1)
        kb.button(text=_("Tax mode"), callback_data=cb(Qt.TAX, q.id))
        kb.button(text=_("Valid until"), callback_data=cb(Qt.VALID, q.id))
        kb.button(text=_("Currency"), callback_data=cb(Qt.CURRENCY, q.id))
        rows.append(3)
        if q.lines:  # the delivery module sends (and numbers) a draft on the first send
            kb.add(send_button("quote", q.id))
            rows.append(1)
    elif q.status == "sent":
        kb.add(send_button("quote", q.id))
        rows.append(1)
    elif q.status in ("changes_requested", "expired"):
        kb.button(text=_("Edit again"), callback_data=cb(Qt.REOPEN, q.id))
        rows.append(1)
    elif q.status == "accepted":
        kb.button(text=_("Make invoice"), callback_data=cb(Qt.INVOICE, q.id))
        rows.append(1)
    if rows:
        kb.adjust(*rows)
    return kb.as_markup()


def quote_button(deal_id: int) -> InlineKeyboardButton:
    """The "Quote" button for a deal card."""
    return InlineKeyboardButton(text=_("Quote"), callback_data=cb(Qt.DEAL, deal_id).pack())


def deal_card_buttons(deal: Deal) -> list[InlineKeyboardButton]:
    """The deal card's row from quotes: "Quote" while the deal is open."""
    return [quote_button(deal.id)] if deal.status == "open" else []


def list_keyboard(page: QuotePage, flt: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for q in page.items:
        label = q.number_text or _("draft #{id}").format(id=q.id)
        kb.button(text=f"{label} · {q.buyer_name[:24]} · {money(q.grand_total, q.currency)}"
                  f" · {STATUS_NAMES.get(q.status, q.status)}",
                  callback_data=cb(Qt.OPEN, q.id))
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(text=text, callback_data=cb(Qt.LIST, 0, offset, flt))
    for code, name in FILTER_NAMES.items():
        mark = "• " if code == flt else ""
        kb.button(text=mark + str(name), callback_data=cb(Qt.LIST, 0, 0, code))
    kb.adjust(*([1] * len(page.items)), *([len(nav)] if nav else []), 3, 3)
    return kb.as_markup()
