"""The texts invoice and quote cards share: money, quantities, a line, the totals."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any, Final

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from services.catalog import vat_code
from services.invoices import CommercialDoc, Line
from services.money import format_money
from services.pricing import VatRate

TEXT_BUDGET: Final = 3500  # Telegram's limit is 4096; totals and headers need the rest

TAX_MODE_NAMES = {
    "per_line": __("VAT on each line"),
    "on_total": __("VAT on the total"),
    "included": __("prices include VAT"),
}
TAX_MODE_CODES: Final = ("per_line", "on_total", "included")

ASK = {
    "qty": __("Quantity? For example 2 or 1,5."),
    "price": __("Price per unit in {currency}? For example 1 200,50."),
    "discount": __("Discount: a percent (10%) or an amount in {currency} (500). 0 removes it."),
}


def lang() -> Any:
    code = get_i18n().current_locale
    return code if code in ("ru", "en", "ro") else "en"


def money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, lang())


def qty_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if lang() != "en" else text


def vat_label(rate: VatRate) -> str:
    return _("without VAT") if isinstance(rate, str) else _("VAT {rate}%").format(
        rate=vat_code(rate))


def line_text(line: Line, currency: str, tax_mode: str) -> str:
    text = f"{line.position}. {html.escape(line.name)} — {qty_text(line.quantity)} × " \
           f"{money(line.unit_price, currency)}"
    if line.discount_percent:
        text += " " + _("−{value}%").format(value=qty_text(line.discount_percent))
    elif line.discount_amount:
        text += " −" + money(line.discount_amount, currency)
    shown = line.total if tax_mode == "included" else line.net
    return f"{text} = {money(shown, currency)} · {vat_label(line.vat_rate)}"


def lines_text(doc: CommercialDoc) -> list[str]:
    """The lines, cut to the text budget."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(doc.lines):
        text = line_text(line, doc.currency, doc.tax_mode)
        used += len(text)
        if used > TEXT_BUDGET:
            out.append(_("… and {count} more lines").format(count=len(doc.lines) - i))
            break
        out.append(text)
    return out


def totals_text(doc: CommercialDoc) -> list[str]:
    c = doc.currency
    out = [_("Subtotal: {amount}").format(amount=money(doc.subtotal, c))]
    if doc.discount_total:
        label = _("Discount: {amount}").format(amount=money(doc.discount_total, c))
        if doc.discount_percent:
            label += " " + _("(incl. {value}% on the total)").format(
                value=qty_text(doc.discount_percent))
        out.append(label)
    if doc.tax_mode != "included":
        out.append(_("Net: {amount}").format(amount=money(doc.net_total, c)))
    for group in doc.vat_breakdown:
        if isinstance(group.rate, str):
            out.append(_("Without VAT: {amount}").format(amount=money(group.net, c)))
        else:
            key = (_("incl. VAT {rate}%: {amount}") if doc.tax_mode == "included"
                   else _("VAT {rate}%: {amount}"))
            out.append(key.format(rate=vat_code(group.rate), amount=money(group.vat, c)))
    out.append("<b>" + _("Total: {amount}").format(amount=money(doc.grand_total, c)) + "</b>")
    return out


def price_list_name(code: str) -> str:
    """A price list as people see it: the base list by name, the others by their code."""
    return _("Base") if code == "base" else code


def price_list_text(doc: CommercialDoc) -> list[str]:
    """The draft card's price list line (a draft's catalog lines are priced from it)."""
    if doc.status != "draft":
        return []
    return [_("Price list: {name}").format(name=html.escape(price_list_name(doc.price_list)))]


def repriced_text(price_list: str, changed: int, fallback: int) -> str:
    """What re-pricing a draft did (a repeat, another price list chosen)."""
    name = price_list_name(price_list)
    out = [_("Prices updated from the price list «{name}» as of today; lines changed: "
             "{count}.").format(name=html.escape(name), count=changed)]
    if fallback:
        out.append(_("Lines without a price in «{name}», priced from the base list: {count}.")
                   .format(count=fallback, name=html.escape(name)))
    return " ".join(out)
