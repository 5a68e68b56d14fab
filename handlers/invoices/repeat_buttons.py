"""The repeat buttons of invoices: "Repeat" on an invoice card, "Issue and send to the client"
on a draft, "Invoice like the last one" on a deal card and a client card; pure functions."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.invoices.callbacks import Inv, cb
from services.deals import Deal
from services.invoices import Invoice


def repeat_card_buttons(inv: Invoice) -> list[InlineKeyboardButton]:
    """A draft with lines and a client: "Issue and send to the client" (into their bound
    chat); any other invoice: "Repeat"."""
    if inv.status == "draft":
        if inv.lines and inv.company_id is not None:
            return [InlineKeyboardButton(text=_("Issue and send to the client"),
                                         callback_data=cb(Inv.ISSUE_SEND, inv.id).pack())]
        return []
    return [InlineKeyboardButton(text=_("Repeat"), callback_data=cb(Inv.REPEAT, inv.id).pack())]


def deal_repeat_buttons(deal: Deal) -> list[InlineKeyboardButton]:
    """The deal card's "Invoice like the last one" (the client's latest issued invoice again,
    for this deal) unless the deal is lost."""
    if deal.company_id is None or deal.status == "lost":
        return []
    return [InlineKeyboardButton(text=_("Invoice like the last one"),
                                 callback_data=cb(Inv.DEAL_LAST, deal.id).pack())]


def with_repeat(markup: InlineKeyboardMarkup, company_id: int) -> InlineKeyboardMarkup:
    """A client card's keyboard with "Invoice like the last one" added."""
    button = InlineKeyboardButton(text=_("Invoice like the last one"),
                                  callback_data=cb(Inv.LAST, company_id).pack())
    return InlineKeyboardMarkup(inline_keyboard=[*markup.inline_keyboard, [button]])
