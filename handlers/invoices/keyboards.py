"""The invoice keyboards: pure functions of the invoice. The card's keyboard is composed here,
explicitly, from the rows the other features offer for an invoice (delivery's Send…,
shipments' Ship, manual payments' 💰 Payment), each function deciding from the invoice."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import delivery, manual_payments, shipments
from handlers.invoices.callbacks import Inv, cb
from handlers.invoices.texts import FILTER_NAMES, STATUS_NAMES
from handlers.line_editor.texts import money
from services.deals import Deal
from services.invoices import Invoice, InvoicePage

CARD_ROWS = (delivery.invoice_card_buttons, shipments.invoice_card_buttons,
             manual_payments.invoice_card_buttons)


def card_keyboard(inv: Invoice) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    rows: list[int] = []
    if inv.status == "draft":
        kb.button(text=_("Add product"), callback_data=cb(Inv.ADD_PRODUCT, inv.id))
        kb.button(text=_("Add line"), callback_data=cb(Inv.ADD_LINE, inv.id))
        kb.button(text=_("Shipping"), callback_data=cb(Inv.SHIPPING, inv.id))
        kb.button(text=_("Other charge"), callback_data=cb(Inv.CHARGE, inv.id))
        rows += [2, 2]
        if inv.lines:
            kb.button(text=_("Edit/remove line"), callback_data=cb(Inv.LINES, inv.id))
        kb.button(text=_("Discount"), callback_data=cb(Inv.DISCOUNT, inv.id))
        rows.append(2 if inv.lines else 1)
        kb.button(text=_("Tax mode"), callback_data=cb(Inv.TAX, inv.id))
        kb.button(text=_("Due date"), callback_data=cb(Inv.DUE, inv.id))
        kb.button(text=_("Currency"), callback_data=cb(Inv.CURRENCY, inv.id))
        rows.append(3)
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


def list_keyboard(page: InvoicePage, flt: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for inv in page.items:
        label = inv.number_text or _("draft #{id}").format(id=inv.id)
        kb.button(text=f"{label} · {inv.buyer_name[:24]} · {money(inv.grand_total, inv.currency)}"
                  f" · {STATUS_NAMES.get(inv.status, inv.status)}",
                  callback_data=cb(Inv.OPEN, inv.id))
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(text=text, callback_data=cb(Inv.LIST, 0, offset, flt))
    for code, name in FILTER_NAMES.items():
        mark = "• " if code == flt else ""
        kb.button(text=mark + str(name), callback_data=cb(Inv.LIST, 0, 0, code))
    kb.adjust(*([1] * len(page.items)), *([len(nav)] if nav else []), 3, 3)
    return kb.as_markup()
