"""The invoice keyboards: pure functions of the invoice. The card's keyboard is composed here,
explicitly, from the rows the other features offer for an invoice (delivery's Send…,
shipments' Ship, manual payments' 💰 Payment), each function deciding from the invoice."""

from __future__ import annotations

from decimal import Decimal

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import delivery, manual_payments, shipments
from handlers.invoices.callbacks import Cn, CreditCb, Inv, cb, invoice_cb
from handlers.invoices.repeat_buttons import repeat_card_buttons
from handlers.line_editor.keyboards import draft_buttons
from services.credit_notes import CREDITABLE
from services.deals import Deal
from services.invoices import Invoice

CARD_ROWS = (delivery.invoice_card_buttons, shipments.invoice_card_buttons,
             manual_payments.invoice_card_buttons, repeat_card_buttons)


def card_keyboard(inv: Invoice) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    rows: list[int] = []
    if inv.status == "draft":
        rows += draft_buttons(kb, inv, invoice_cb, _("Due date"), Inv.DUE)
        kb.add(*market_buttons(inv))
        rows += [2, 2]
        kb.button(text=_("Issue ✅"), callback_data=cb(Inv.ISSUE, inv.id))
        kb.button(text=_("Cancel draft"), callback_data=cb(Inv.CANCEL, inv.id))
        rows.append(2)
    else:
        actions = []
        # Paid ones too: the answer says what to do with the payments first.
        if inv.status in ("issued", "sent", "viewed", "overdue", "partially_paid", "paid") \
                and not inv.credit_notes:
            actions.append((_("Cancel invoice"), Inv.CANCEL))
        if inv.status in ("issued", "sent", "viewed", "overdue", "cancelled") \
                and not inv.credit_notes:
            actions.append((_("Reissue"), Inv.REISSUE))
        for text, action in actions:
            kb.button(text=text, callback_data=cb(action, inv.id))
        if actions:
            rows.append(len(actions))
    for buttons in (*CARD_ROWS, credit_buttons):
        row = buttons(inv)
        if row:
            kb.add(*row)
            rows.append(len(row))
    documents = credit_note_documents(inv)
    for i in range(0, len(documents), 2):  # two per row: the numbers are long
        kb.add(*documents[i:i + 2])
        rows.append(len(documents[i:i + 2]))
    if rows:
        kb.adjust(*rows)
    return kb.as_markup()


def credit_buttons(inv: Invoice) -> list[InlineKeyboardButton]:
    """"Credit note" while something is left to credit; "Refund" per credit note that has
    money to pay back (the service says how much)."""
    row = []
    if inv.status in CREDITABLE and inv.credited < inv.grand_total:
        row.append(InlineKeyboardButton(text=_("Credit note"), callback_data=CreditCb(
            action=Cn.NEW, id=inv.id).pack()))
    overpaid = inv.paid + inv.credited - inv.grand_total \
        - sum((n.refunded for n in inv.credit_notes), Decimal(0))
    if overpaid > 0:
        row += [InlineKeyboardButton(
            text=_("Refund {number}").format(number=n.number_text),
            callback_data=CreditCb(action=Cn.REFUND, id=n.id).pack())
            for n in inv.credit_notes if n.refunded < n.total]
    return row


def credit_note_documents(inv: Invoice) -> list[InlineKeyboardButton]:
    """"📄 КН-2026-00001" per credit note: its document (PDF, the customer's chat, e-mail)."""
    return [delivery.credit_note_button(n.id, n.number_text) for n in inv.credit_notes]


def invoice_button(deal_id: int) -> InlineKeyboardButton:
    """The "Invoice" button for a deal card."""
    return InlineKeyboardButton(text=_("Invoice"),
                                callback_data=cb(Inv.DEAL, deal_id).pack())


def deal_card_buttons(deal: Deal) -> list[InlineKeyboardButton]:
    """The deal card's row from invoices: "Invoice" unless the deal is lost."""
    return [invoice_button(deal.id)] if deal.status != "lost" else []


def market_buttons(inv: Invoice) -> list[InlineKeyboardButton]:
    """A draft's market buttons (two rows of two, see `card_keyboard`)."""
    if inv.status != "draft":
        return []
    reverse = _("Reverse charge: on") if inv.reverse_charge else _("Reverse charge: off")
    return [
        InlineKeyboardButton(text=_("Delivery date"), callback_data=cb(Inv.DELIVERY,
                                                                       inv.id).pack()),
        InlineKeyboardButton(text=_("Exchange rate"), callback_data=cb(Inv.RATE,
                                                                       inv.id).pack()),
        InlineKeyboardButton(text=reverse, callback_data=cb(
            Inv.REVERSE, inv.id, 0 if inv.reverse_charge else 1).pack()),
        InlineKeyboardButton(text=_("VAT exemption reason"), callback_data=cb(
            Inv.EXEMPT, inv.id).pack()),
    ]
