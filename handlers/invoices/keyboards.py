"""The invoice keyboards: pure functions of the invoice. The card's keyboard is composed here,
explicitly, from the rows the other features offer for an invoice (delivery's Send…,
shipments' Ship, manual payments' 💰 Payment), each function deciding from the invoice."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import delivery, manual_payments, shipments
from handlers.invoices.callbacks import Inv, cb, invoice_cb
from handlers.line_editor.keyboards import draft_buttons
from services.deals import Deal
from services.invoices import Invoice

CARD_ROWS = (delivery.invoice_card_buttons, shipments.invoice_card_buttons,
             manual_payments.invoice_card_buttons)


def card_keyboard(inv: Invoice) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    rows: list[int] = []
    if inv.status == "draft":
        rows += draft_buttons(kb, inv, invoice_cb, _("Due date"), Inv.DUE)
        kb.button(text=_("Issue ✅"), callback_data=cb(Inv.ISSUE, inv.id))
        kb.button(text=_("Cancel draft"), callback_data=cb(Inv.CANCEL, inv.id))
        rows.append(2)
    else:
        actions = []
        if inv.status in ("issued", "sent", "viewed", "overdue"):
            actions.append((_("Cancel invoice"), Inv.CANCEL))
        if inv.status in ("issued", "sent", "viewed", "overdue", "cancelled"):
            actions.append((_("Reissue"), Inv.REISSUE))
        for text, action in actions:
            kb.button(text=text, callback_data=cb(action, inv.id))
        if actions:
            rows.append(len(actions))
    for buttons in CARD_ROWS:
        row = buttons(inv)
        if row:
            kb.add(*row)
            rows.append(len(row))
    if rows:
        kb.adjust(*rows)
    return kb.as_markup()


def invoice_button(deal_id: int) -> InlineKeyboardButton:
    """The "Invoice" button for a deal card."""
    return InlineKeyboardButton(text=_("Invoice"),
                                callback_data=cb(Inv.DEAL, deal_id).pack())


def deal_card_buttons(deal: Deal) -> list[InlineKeyboardButton]:
    """The deal card's row from invoices: "Invoice" unless the deal is lost."""
    return [invoice_button(deal.id)] if deal.status != "lost" else []
