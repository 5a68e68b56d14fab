"""The lead texts: questions, labels, the draft and lead cards, conversion, duplicates."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from aiogram.utils.i18n import gettext as _

from handlers.texts import tax_id_kind
from services.leads import (
    LEAD_FIELDS,
    ClientMatch,
    Conversion,
    Lead,
    LeadDraft,
    LeadPage,
)

DASH = "—"


QUESTIONS: dict[str, Callable[[], str]] = {
    "contact_name": lambda: _("Contact person's name?"),
    "company_name": lambda: _("Company name?"),
    "phone": lambda: _("Phone number?"),
    "email": lambda: _("E-mail?"),
    "city": lambda: _("City?"),
    "topic": lambda: _("What are they interested in?"),
    "source": lambda: _("Where did the lead come from?"),
    "tax_id": lambda: _("Tax id (INN, UNP, IDNO or CUI)?"),
}
FIELD_LABELS: dict[str, Callable[[], str]] = {
    "contact_name": lambda: _("Name"),
    "company_name": lambda: _("Company"),
    "phone": lambda: _("Phone"),
    "email": lambda: _("E-mail"),
    "city": lambda: _("City"),
    "topic": lambda: _("Topic"),
    "source": lambda: _("Source"),
}
EDIT_LABELS: dict[str, Callable[[], str]] = {
    "contact_name": lambda: _("Edit name"),
    "company_name": lambda: _("Edit company"),
    "phone": lambda: _("Edit phone"),
    "email": lambda: _("Edit e-mail"),
    "city": lambda: _("Edit city"),
    "topic": lambda: _("Edit topic"),
    "source": lambda: _("Edit source"),
    "tax_id": lambda: _("Edit tax id"),
}
JUNK_REASON_NAMES: dict[str, Callable[[], str]] = {
    "spam": lambda: _("Spam"),
    "duplicate": lambda: _("Duplicate"),
    "not_target": lambda: _("Not our customer"),
    "no_contact": lambda: _("Cannot be reached"),
}
SOURCE_NAMES: dict[str, Callable[[], str]] = {
    "website": lambda: _("Website"),
    "call": lambda: _("Call"),
    "referral": lambda: _("Referral"),
    "exhibition": lambda: _("Exhibition"),
    "advertising": lambda: _("Advertising"),
    "telegram": lambda: _("Telegram"),
    "email": lambda: _("E-mail"),
}
STATUS_NAMES: dict[str, Callable[[], str]] = {
    "new": lambda: _("new"),
    "in_progress": lambda: _("in progress"),
    "qualified": lambda: _("qualified"),
    "converted": lambda: _("converted"),
    "junk": lambda: _("junk"),
}
STATUS_BUTTONS: dict[str, Callable[[], str]] = {
    "new": lambda: _("New"),
    "in_progress": lambda: _("In progress"),
    "qualified": lambda: _("Qualified"),
    "converted": lambda: _("Converted"),
    "junk": lambda: _("Junk"),
}
MATCH_NAMES: dict[str, Callable[[], str]] = {
    "phone": lambda: _("phone"),
    "email": lambda: _("e-mail"),
    "tax_id": lambda: _("tax id"),
}


def source_name(code: str | None) -> str:
    if not code:
        return DASH
    name = SOURCE_NAMES.get(code)
    return name() if name else html.escape(code)


def junk_reason_name(reason: str) -> str:
    """A reason chosen with a button in the reader's language; a typed one as typed."""
    name = JUNK_REASON_NAMES.get(reason)
    return name() if name else html.escape(reason)


def status_name(code: str) -> str:
    name = STATUS_NAMES.get(code)
    return name() if name else html.escape(code)


def _value(name: str, value: Any) -> str:
    if name == "source":
        return source_name(value)
    return html.escape(str(value)) if value else DASH


def field_lines(values: dict[str, Any]) -> list[str]:
    lines = [f"{FIELD_LABELS[n]()}: {_value(n, values.get(n))}" for n in LEAD_FIELDS]
    if values.get("tax_id"):
        vat = values.get("vat_payer")
        lines.insert(
            2,
            _("Tax id: {id}").format(id=f"{tax_id_kind(values.get('country'))} "
                                     f"{html.escape(str(values['tax_id']))}")
            + (
                " · " + _("VAT payer")
                if vat
                else " · " + _("not a VAT payer")
                if vat is False
                else ""
            ),
        )
    if values.get("telegram_username"):
        lines.append(
            _("Telegram: @{username}").format(username=html.escape(values["telegram_username"]))
        )
    elif values.get("telegram_user_id"):
        lines.append(_("Telegram: linked account"))
    return lines


def draft_card(draft: LeadDraft, missing: Sequence[str], header: str | None = None) -> str:
    lines = [header or _("New lead:")]
    lines += field_lines(draft.as_dict())
    if draft.hidden_sender:
        lines.append(_("The sender's account is hidden, so the lead has no Telegram link."))
    if draft.first_message:
        text = draft.first_message
        text = text if len(text) <= 300 else text[:300] + "…"
        lines.append(_("First message: {text}").format(text=html.escape(text)))
    if missing:
        lines.append(
            _("Missing: {fields}").format(fields=", ".join(FIELD_LABELS[f]() for f in missing))
        )
    lines.append(_("Save?"))
    return "\n".join(lines)


def lead_card(lead: Lead) -> str:
    lines = [_("<b>Lead #{id}</b> · {status}").format(id=lead.id, status=status_name(lead.status))]
    values = {
        n: getattr(lead, n)
        for n in (
            *LEAD_FIELDS,
            "country",
            "tax_id",
            "vat_payer",
            "telegram_username",
            "telegram_user_id",
        )
    }
    lines += field_lines(values)
    if lead.junk_reason:
        lines.append(_("Junk because: {reason}").format(reason=junk_reason_name(lead.junk_reason)))
    if lead.deal_id:
        lines.append(_("Converted into deal #{id}.").format(id=lead.deal_id))
    return "\n".join(lines)


def web_push_text(name: str, company: str | None, phone: str | None, email: str | None,
                  topic: str | None) -> str:
    """The push a manager gets for a website lead assigned to them."""
    lines = [_("New lead from the website: {name}").format(name=html.escape(name))]
    if company:
        lines.append(_("Company: {v}").format(v=html.escape(company)))
    if phone:
        lines.append(_("Phone: {phone}").format(phone=phone))
    if email:
        lines.append(_("E-mail: {email}").format(email=html.escape(email)))
    if topic:
        lines.append(_("Topic: {v}").format(v=html.escape(topic[:500])))
    return "\n".join(lines)


def conversion_text(conv: Conversion) -> str:
    lines = [_("Lead converted.")]
    if conv.company_id:
        made = _("new") if conv.created_company else _("existing")
        lines.append(
            _("Company: {name} ({made})").format(
                name=html.escape(conv.company_name or ""), made=made
            )
        )
    if conv.contact_id:
        made = _("new") if conv.created_contact else _("existing")
        lines.append(
            _("Contact: {name} ({made})").format(
                name=html.escape(conv.contact_name or ""), made=made
            )
        )
    if conv.deal:
        lines.append(
            _("Deal #{id}: {title}").format(id=conv.deal.id, title=html.escape(conv.deal.title))
        )
    if conv.carried_over:
        lines.append(
            _("Carried over: {fields}").format(
                fields=", ".join(FIELD_LABELS.get(f, lambda f=f: f)() for f in conv.carried_over)
            )
        )
    return "\n".join(lines)


def duplicates_text(matches: Sequence[ClientMatch]) -> str:
    lines = [_("This lead may already be a client:")]
    for m in matches:
        kind = _("Company") if m.kind == "company" else _("Contact")
        by = ", ".join(MATCH_NAMES[b]() for b in m.matched_by)
        lines.append(
            _("• {kind} «{name}», same {by}").format(kind=kind, name=html.escape(m.name), by=by)
        )
    lines.append(_("Use the existing client, merge the lead into it, or create a new one?"))
    return "\n".join(lines)

def list_text(page: LeadPage) -> str:
    if page.status:
        return _("Leads ({status}): {total}").format(
            status=status_name(page.status), total=page.total
        )
    return _("Leads: {total}").format(total=page.total)

