"""The invoice card and list texts."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _

from handlers.i18n import lazy_pgettext, pgettext
from handlers.line_editor.texts import (
    TAX_MODE_NAMES,
    lines_text,
    money,
    price_list_text,
    totals_text,
)
from services.invoices import OPEN_STATUSES, Invoice

#: an invoice's status agrees with «счёт» (masculine) in Russian: «выставлен», «оплачен»
STATUS_NAMES = {
    "draft": lazy_pgettext("invoice status", "draft"),
    "issued": lazy_pgettext("invoice status", "issued"),
    "sent": lazy_pgettext("invoice status", "sent"),
    "viewed": lazy_pgettext("invoice status", "viewed"),
    "partially_paid": lazy_pgettext("invoice status", "partially paid"),
    "paid": lazy_pgettext("invoice status", "paid"),
    "overdue": lazy_pgettext("invoice status", "overdue"),
    "cancelled": lazy_pgettext("invoice status", "cancelled"),
}


def invoice_title(inv: Invoice) -> str:
    if inv.number_text:
        return _("Invoice {number}").format(number=html.escape(inv.number_text))
    return _("Invoice draft #{id}").format(id=inv.id)


def invoice_object(inv: Invoice) -> str:
    """The invoice mid-sentence, lower case: «Аннулировать счёт INV-…?»."""
    if inv.number_text:
        return pgettext("document as an object", "invoice {number}").format(
            number=html.escape(inv.number_text))
    return pgettext("document as an object", "invoice draft #{id}").format(id=inv.id)


def card_text(inv: Invoice) -> str:
    c = inv.currency
    out = [f"<b>{invoice_title(inv)}</b> · {html.escape(inv.buyer_name or '—')}",
           _("Status: {status}").format(status=STATUS_NAMES.get(inv.status, inv.status)),
           _("Currency: {currency} · {mode}").format(
               currency=c, mode=TAX_MODE_NAMES.get(inv.tax_mode, inv.tax_mode))]
    if inv.issue_date:
        out.append(_("Issued on {date}").format(date=inv.issue_date.strftime("%d.%m.%Y")))
    if inv.due_date:
        out.append(_("Due on {date}").format(date=inv.due_date.strftime("%d.%m.%Y")))
    out.extend(market_text(inv))
    out.extend(price_list_text(inv))
    out.append("")
    if not inv.lines:
        out.append(_("No lines yet: add a product or a line."))
        return "\n".join(out)
    out.extend(lines_text(inv))
    out.append("")
    out.extend(totals_text(inv))
    if inv.paid:
        out.append(_("Paid: {amount}").format(amount=money(inv.paid, c)))
    out.extend(corrections_text(inv))
    return "\n".join(out)


def corrections_text(inv: Invoice) -> list[str]:
    """Credit notes, what is left to pay after them, and why the invoice was cancelled."""
    out = []
    for note in inv.credit_notes:
        line = _("Credit note {number} for {amount}").format(
            number=html.escape(note.number_text), amount=money(note.total, inv.currency))
        if note.refunded:
            line += " · " + _("refunded {amount}").format(
                amount=money(note.refunded, inv.currency))
        out.append(line)
    if inv.credited and inv.status in OPEN_STATUSES:
        out.append(_("Left to pay: {amount}").format(amount=money(inv.remaining,
                                                                   inv.currency)))
    if inv.status == "cancelled" and inv.cancel_reason:
        out.append(_("Cancellation reason: {reason}").format(
            reason=html.escape(inv.cancel_reason)))
    return out


def market_text(inv: Invoice) -> list[str]:
    """The market fields (issue 16) when set: delivery date, exchange rate, reverse charge,
    the VAT exemption reason."""
    out = []
    if inv.delivery_date:
        out.append(_("Delivery date: {date}").format(
            date=inv.delivery_date.strftime("%d.%m.%Y")))
    if inv.exchange_rate is not None:
        out.append(_("Exchange rate: 1 {currency} = {rate}").format(
            currency=inv.currency, rate=inv.exchange_rate))
    if inv.reverse_charge:
        out.append(_("Reverse charge (taxare inversă): VAT 0 %, the buyer accounts for it"))
    if inv.vat_exemption_reason:
        out.append(_("VAT exemption reason: {reason}").format(
            reason=html.escape(inv.vat_exemption_reason)))
    return out
