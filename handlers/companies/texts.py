"""Company texts: the requisites questions and lines, the card, a reassignment."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from aiogram.utils.i18n import gettext as _

from handlers.texts import FIELD_NAMES
from services.companies import (
    ClientLoad,
    ClientProfile,
    CompanyRequisites,
    ContactCard,
    MergeCounts,
    Reassignment,
)
from services.documents import county_name

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
        "city": lambda: _("City? Example: Cluj-Napoca. Or Skip."),
        "region": lambda: _("County code? Example: CJ for Cluj, B for Bucharest. Or Skip."),
        "postal_code": lambda: _("Postal code? Example: 400114. Or Skip."),
        "trade_register": lambda: _("Trade register number (Nr. Reg. Com.)? Example: "
                                    "J40/1234/2020. Or Skip."),
    }
    return questions[step]()


def requisites_lines(data: dict[str, Any] | CompanyRequisites) -> list[str]:
    """Requisites as escaped lines, from the flow's data or from a stored company."""
    if isinstance(data, CompanyRequisites):
        values: dict[str, Any] = {
            "country": data.country, "legal_form": data.legal_form, "legal_name": data.name,
            "tax_id": data.tax_id, "vat_payer": data.vat_payer, "kpp": data.kpp,
            "ogrn": data.ogrn, "legal_address": data.legal_address,
            "city": data.city, "region": data.region, "postal_code": data.postal_code,
            "trade_register": data.trade_register}
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
    for key in ("city", "region", "postal_code", "trade_register"):
        if values.get(key):
            lines.append(f"{field_button(key, country)}: {shown_value(key, str(values[key]))}")
    if values.get("settlement_account"):
        lines.append(_("Account: {v}").format(v=esc(str(values["settlement_account"]))))
    if values.get("corr_account"):
        lines.append(_("Correspondent account: {v}").format(v=esc(str(values["corr_account"]))))
    if values.get("iban"):
        lines.append(f"IBAN: {esc(str(values['iban']))}")
    if values.get("bic"):
        lines.append(f"BIC: {esc(str(values['bic']))}")
    return lines


def reassigned_text(moved: Reassignment) -> str:
    return _("«{name}» now belongs to {owner}. Moved with it: {contacts} contacts, {deals} "
             "open deals, {leads} leads, {invoices} unpaid invoices.").format(
        name=html.escape(moved.company.name),
        owner=html.escape(moved.new_owner.full_name or str(moved.new_owner.telegram_id)),
        contacts=moved.moved.contacts, deals=moved.moved.deals, leads=moved.moved.leads,
        invoices=moved.moved.invoices)


# --- the client card: profile, edits, contacts, archive, merge ------------------------------

TAX_FIELDS = {"RU": "inn", "BY": "unp", "MD": "idno", "RO": "cui"}
LANGUAGE_NAMES = {"ru": "Русский", "en": "English", "ro": "Română"}
DATE = "%d.%m.%Y"


def field_button(field: str, country: str | None, contact: bool = False) -> str:
    """A field's name on its edit button and in its question (a company's or a contact's)."""
    if field == "name" and not contact:
        return _("Company name")
    if field == "tax_id":
        kind = TAX_FIELDS.get(country or "")
        return str(FIELD_NAMES[kind]) if kind else _("Tax id")
    labels: dict[str, Callable[[], str]] = {
        "name": lambda: _("Name"), "kpp": lambda: str(FIELD_NAMES["kpp"]),
        "ogrn": lambda: str(FIELD_NAMES["ogrn"]),
        "legal_address": lambda: _("Legal address"), "phone": lambda: _("Phone"),
        "email": lambda: _("E-mail"), "timezone": lambda: _("Time zone"),
        "language": lambda: _("Language"), "price_list": lambda: _("Price list"),
        "payment_terms_days": lambda: _("Payment terms"), "position": lambda: _("Position"),
        "trade_register": lambda: _("Trade register No."), "city": lambda: _("City"),
        "region": lambda: _("County"), "postal_code": lambda: _("Postal code"),
    }
    return labels[field]() if field in labels else _("Field")


def shown_value(field: str, value: str | None) -> str:
    if value is None:
        return "—"
    if field == "language":
        return LANGUAGE_NAMES.get(value, value)
    if field == "payment_terms_days":
        return _("{days} days").format(days=value)
    if field == "region":  # «Cluj (RO-CJ)»
        name = county_name(value)
        return html.escape(f"{name} ({value})" if name != value else value)
    return html.escape(value)


def profile_text(p: ClientProfile, zone: tzinfo) -> str:
    """The client card: the company's fields, its contacts and, when archived, why."""
    head = f"🏢 <b>{html.escape(p.name)}</b>"
    if p.merged_into_id is not None:
        head += " · " + _("merged into another client")
    elif p.archived:
        head += " · " + _("archived")
    lines = [head]
    if p.phone:
        lines.append(_("Phone: {phone}").format(phone=p.phone))
    if p.email:
        lines.append(_("E-mail: {email}").format(email=html.escape(p.email)))
    for key in ("tax_id", "kpp", "ogrn"):
        value = getattr(p, key)
        if value:
            lines.append(f"{field_button(key, p.country)}: {html.escape(value)}")
    if p.legal_address:
        lines.append(_("Legal address: {v}").format(v=html.escape(p.legal_address)))
    for field in ("trade_register", "city", "region", "postal_code", "timezone", "language",
                  "price_list", "payment_terms_days"):
        value = p.shown(field)
        if value is not None:
            lines.append(f"{field_button(field, p.country)}: {shown_value(field, value)}")
    if p.contacts:
        primary = p.primary
        lines.append(_("Contacts: {count}; primary: {name}").format(
            count=len(p.contacts), name=html.escape(primary.name) if primary else "—"))
    if p.archived_at is not None:
        lines.append(_("Archived on {date}").format(
            date=p.archived_at.astimezone(zone).strftime(DATE))
            + (f": {html.escape(p.archive_reason)}" if p.archive_reason else ""))
    return "\n".join(lines)


def edit_question(p: ClientProfile, field: str) -> str:
    now = _("Now: {value}").format(value=shown_value(field, p.shown(field)))
    if field in ("tax_id", "kpp", "ogrn", "legal_address") and p.country:
        ask = question(field, p.country)
    else:
        asks: dict[str, Callable[[], str]] = {
            "name": lambda: _("New name?"),
            "phone": lambda: _("New phone number?"),
            "email": lambda: _("New e-mail?"),
            "legal_address": lambda: _("Legal address?"),
            "timezone": lambda: _("Time zone? For example Europe/Moscow, Europe/Chisinau or "
                                  "Europe/Bucharest."),
            "language": lambda: _("The client's language?"),
            "price_list": lambda: _("The client's price list?"),
            "payment_terms_days": lambda: _("Payment terms in days? A number from 0 to 365."),
            "trade_register": lambda: _("Trade register number (Nr. Reg. Com.)? Example: "
                                        "J40/1234/2020."),
            "city": lambda: _("City? Example: Cluj-Napoca."),
            "region": lambda: _("County code? Example: CJ for Cluj, B for Bucharest."),
            "postal_code": lambda: _("Postal code? Example: 400114."),
        }
        ask = asks[field]() if field in asks else ""
    return "\n".join([f"«{html.escape(p.name)}» · {field_button(field, p.country)}", now, ask])


def contact_line(c: ContactCard) -> str:
    parts = [("⭐ " if c.is_primary else "👤 ") + html.escape(c.name)]
    for value in (c.position, c.phone, c.email):
        if value:
            parts.append(html.escape(value))
    if c.chat_bound:
        parts.append(_("Telegram chat bound"))
    return " · ".join(parts)


def contacts_text(p: ClientProfile) -> str:
    lines = [_("Contacts of «{name}»:").format(name=html.escape(p.name))]
    lines.extend(contact_line(c) for c in p.contacts)
    if not p.contacts:
        lines.append(_("No contacts yet."))
    return "\n".join(lines)


def contact_text(p: ClientProfile, c: ContactCard) -> str:
    dash = "—"
    lines = [f"👤 <b>{html.escape(c.name)}</b> · «{html.escape(p.name)}»"]
    if c.is_primary:
        lines.append(_("Primary contact: documents and reminders go to them."))
    lines.append(_("Position: {v}").format(v=html.escape(c.position or dash)))
    lines.append(_("Phone: {phone}").format(phone=c.phone or dash))
    lines.append(_("E-mail: {email}").format(email=html.escape(c.email or dash)))
    if c.chat_bound:
        lines.append(_("Telegram chat bound"))
    return "\n".join(lines)


def contact_question(c: ContactCard | None, field: str) -> str:
    asks: dict[str, Callable[[], str]] = {
        "name": lambda: _("Contact's name?"),
        "phone": lambda: _("Contact's phone?"),
        "email": lambda: _("Contact's e-mail?"),
        "position": lambda: _("Contact's position?"),
    }
    ask = asks[field]()
    if c is None:
        return ask
    value = getattr(c, field)
    return "\n".join([
        f"«{html.escape(c.name)}» · {field_button(field, None, contact=True)}",
        _("Now: {value}").format(value=html.escape(value) if value else "—"),
        ask])


def busy_text(load: ClientLoad) -> str:
    return _("The client has open deals: {deals} and unpaid invoices: {invoices}. Close them "
             "first; the client was not archived.").format(deals=load.open_deals,
                                                           invoices=load.unpaid_invoices)


def merged_text(p: ClientProfile, other: str, moved: MergeCounts) -> str:
    return _("«{other}» is merged into «{name}». Moved: {deals} deals, {invoices} invoices, "
             "{quotes} quotes, {payments} payments, {contacts} contacts, {interactions} "
             "timeline entries, {files} files, {tasks} tasks.").format(
        other=html.escape(other), name=html.escape(p.name), deals=moved.deals,
        invoices=moved.invoices, quotes=moved.quotes, payments=moved.payments,
        contacts=moved.contacts, interactions=moved.interactions, files=moved.files,
        tasks=moved.tasks)
