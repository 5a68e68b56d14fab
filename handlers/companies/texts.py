"""Company texts: the requisites questions and lines, the card, a reassignment."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from aiogram.utils.i18n import gettext as _

from services.clients import Company
from services.companies import CompanyRequisites, Reassignment

COUNTRY_NAMES: dict[str, Callable[[], str]] = {
    "RU": lambda: _("Russia"), "BY": lambda: _("Belarus"), "MD": lambda: _("Moldova"),
    "RO": lambda: _("Romania"),
}
TAX_ID_NAMES = {"RU": "INN", "BY": "UNP", "MD": "IDNO", "RO": "CUI"}


def question(step: str, country: str) -> str:
    if step == "tax_id":
        return {
            "RU": _("INN? 10 digits for a company, 12 for an entrepreneur."),
            "BY": _("UNP? 9 digits."),
            "MD": _("IDNO? 13 digits."),
            "RO": _("CUI? Put RO in front if the company is a VAT payer."),
        }[country]
    questions: dict[str, Callable[[], str]] = {
        "legal_name": lambda: _("Legal name, without the legal form?"),
        "kpp": lambda: _("KPP? 9 characters."),
        "ogrn": lambda: _("OGRN (13 digits) or OGRNIP (15 digits)? Or Skip."),
        "legal_address": lambda: _("Legal address?"),
        "bik": lambda: _("Bank BIK? 9 digits. Or Skip to leave out the bank account."),
        "settlement_account": lambda: _("Settlement account? 20 digits."),
        "corr_account": lambda: _("Correspondent account? 20 digits."),
        "iban": lambda: _("IBAN? Or Skip to leave out the bank account."),
        "bic": lambda: _("Bank BIC (SWIFT)?"),
    }
    return questions[step]()


def requisites_lines(data: dict[str, Any] | CompanyRequisites) -> list[str]:
    """Requisites as escaped lines, from the flow's data or from a stored company."""
    if isinstance(data, CompanyRequisites):
        values: dict[str, Any] = {
            "country": data.country, "legal_form": data.legal_form, "legal_name": data.name,
            "tax_id": data.tax_id, "vat_payer": data.vat_payer, "kpp": data.kpp,
            "ogrn": data.ogrn, "legal_address": data.legal_address}
        if data.accounts:
            acc = data.accounts[-1]
            values.update(bik=acc.bik, settlement_account=acc.account if acc.bik else None,
                          corr_account=acc.corr_account,
                          iban=None if acc.bik else acc.account, bic=acc.bic)
    else:
        values = data
    country = str(values.get("country") or "")
    esc = html.escape
    lines = []
    if country:
        lines.append(_("Country: {v}").format(v=COUNTRY_NAMES[country]()))
    name = " ".join(str(values[k]) for k in ("legal_form", "legal_name") if values.get(k))
    if name:
        lines.append(_("Legal name: {v}").format(v=esc(name)))
    if values.get("tax_id"):
        tax = f"{TAX_ID_NAMES.get(country, '')}: {esc(str(values['tax_id']))}"
        if country == "RO":
            tax += " · " + (_("VAT payer") if values.get("vat_payer") else _("not a VAT payer"))
        lines.append(tax)
    labels = {"kpp": "KPP", "ogrn": "OGRN", "bik": "BIK"}
    for key, label in labels.items():
        if values.get(key):
            lines.append(f"{label}: {esc(str(values[key]))}")
    if values.get("legal_address"):
        lines.append(_("Legal address: {v}").format(v=esc(str(values["legal_address"]))))
    if values.get("settlement_account"):
        lines.append(_("Account: {v}").format(v=esc(str(values["settlement_account"]))))
    if values.get("corr_account"):
        lines.append(_("Correspondent account: {v}").format(v=esc(str(values["corr_account"]))))
    if values.get("iban"):
        lines.append(f"IBAN: {esc(str(values['iban']))}")
    if values.get("bic"):
        lines.append(f"BIC: {esc(str(values['bic']))}")
    return lines


def company_text(company: Company) -> str:
    lines = [f"🏢 <b>{html.escape(company.name)}</b>"]
    if company.phone:
        lines.append(_("Phone: {phone}").format(phone=company.phone))
    if company.email:
        lines.append(_("E-mail: {email}").format(email=html.escape(company.email)))
    return "\n".join(lines)


def reassigned_text(moved: Reassignment) -> str:
    return _("«{name}» now belongs to {owner}. Moved with it: {contacts} contacts, {deals} "
             "open deals, {leads} leads, {invoices} unpaid invoices.").format(
        name=html.escape(moved.company.name),
        owner=html.escape(moved.new_owner.full_name or str(moved.new_owner.telegram_id)),
        contacts=moved.moved.contacts, deals=moved.moved.deals, leads=moved.moved.leads,
        invoices=moved.moved.invoices)
