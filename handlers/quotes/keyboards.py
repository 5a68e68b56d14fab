"""The quote keyboards: pure functions of the quote."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.delivery import send_button
from handlers.line_editor import keyboards as line_keyboards
from handlers.line_editor.keyboards import draft_buttons
from handlers.quotes.callbacks import Qt, cb, quote_cb
from handlers.quotes.texts import FILTER_NAMES, STATUS_NAMES
from services.deals import Deal
from services.quotes import Quote, QuotePage


def card_keyboard(q: Quote) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    rows: list[int] = []
    if q.status == "draft":
        rows += draft_buttons(kb, q, quote_cb, _("Valid until"), Qt.VALID)
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
    if q.status != "draft":
        kb.button(text=_("Repeat"), callback_data=cb(Qt.REPEAT, q.id))
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
    return line_keyboards.list_keyboard(page, flt, quote_cb, Qt.OPEN, Qt.LIST, STATUS_NAMES,
                                        FILTER_NAMES)
