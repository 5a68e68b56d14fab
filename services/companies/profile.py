"""The client card's editable profile, its contacts, archive and merge: values and pure rules
(no I/O).

Every typed value is checked exactly as at creation: the name by `services.clients`, the
phone and the e-mail by `services.contacts_norm`, the tax ids and the legal address by the
requisites steps (`clean_step`) of the company's country, the time zone as the reminders check
it. A field is stored as text or an integer; an edit is audited as the strings the user saw."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from services.clients import clean_contact_field, clean_name
from services.companies.model import clean_address, clean_step
from services.errors import Conflict, InvalidInput
from services.organizations import clean_org_field
from services.reminders import ReminderConfigError, validate_timezone

COMPANY_FIELDS = ("name", "tax_id", "kpp", "ogrn", "legal_address", "phone", "email",
                  "timezone", "language", "price_list", "payment_terms_days",
                  "trade_register", "city", "region", "postal_code")
#: Issue 16: what a Romanian factură and e-Factura need of the buyer besides its requisites:
#: the trade register number (Nr. Reg. Com.), the city, the county (ISO 3166-2, "RO-CJ") and
#: the postal code. Checked as the organization's own (`clean_org_field`).
MARKET_FIELDS = ("trade_register", "city", "region", "postal_code")
REQUISITE_FIELDS = frozenset({"tax_id", "kpp", "ogrn"})
CONTACT_FIELDS = ("name", "phone", "email", "position")
LANGUAGES = ("ru", "en", "ro")
TERMS_MAX = 365
POSITION_MAX = 120
REASON_MAX = 500
UNPAID_STATUSES = ("issued", "sent", "viewed", "partially_paid", "overdue")


@dataclass(frozen=True, slots=True)
class ContactCard:
    id: int
    company_id: int | None
    owner_id: int
    name: str
    position: str | None
    phone: str | None
    email: str | None
    is_primary: bool
    chat_bound: bool  # a customer's Telegram chat is bound to this contact


@dataclass(frozen=True, slots=True)
class ClientProfile:
    id: int
    owner_id: int
    name: str
    country: str | None
    legal_form: str | None
    tax_id: str | None
    kpp: str | None
    ogrn: str | None
    vat_payer: bool | None
    legal_address: str | None
    phone: str | None
    email: str | None
    timezone: str | None
    language: str | None
    price_list: str | None
    payment_terms_days: int | None
    archived_at: datetime | None
    archive_reason: str | None
    merged_into_id: int | None
    contacts: tuple[ContactCard, ...] = ()
    trade_register: str | None = None
    city: str | None = None
    region: str | None = None  # ISO 3166-2, "RO-CJ"
    postal_code: str | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def shown(self, field: str) -> str | None:
        """A field's value as the user sees it (and as the audit records it)."""
        value = getattr(self, field)
        return None if value is None or value == "" else str(value)

    @property
    def primary(self) -> ContactCard | None:
        """The contact documents and reminders go to: the one marked primary, else the
        first one."""
        for c in self.contacts:
            if c.is_primary:
                return c
        return self.contacts[0] if self.contacts else None


@dataclass(frozen=True, slots=True)
class ClientLoad:
    open_deals: int
    unpaid_invoices: int


@dataclass(frozen=True, slots=True)
class MergeCounts:
    deals: int = 0
    invoices: int = 0
    quotes: int = 0
    payments: int = 0
    contacts: int = 0
    interactions: int = 0
    files: int = 0
    tasks: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class ContactDraft:
    name: str
    phone: str | None = None
    email: str | None = None
    position: str | None = None


def change(field: str, old: str | None, new: str | None) -> dict[str, Any]:
    return {"field": field, "old": old, "new": new}


def clean_position(text: str) -> str:
    position = " ".join(text.split())
    if not position:
        raise InvalidInput("empty", field="position")
    if len(position) > POSITION_MAX:
        raise InvalidInput("too_long", field="position", limit=POSITION_MAX)
    return position


def clean_contact_value(field: str, text: str, region: str) -> str:
    if field == "position":
        return clean_position(text)
    if field in ("name", "phone", "email"):
        return clean_contact_field(field, text, region)
    raise InvalidInput("unknown_field", field=field)


def clean_reason(text: str | None) -> str | None:
    reason = " ".join((text or "").split())
    if len(reason) > REASON_MAX:
        raise InvalidInput("too_long", field="reason", limit=REASON_MAX)
    return reason or None


def requisite_fields(profile: ClientProfile) -> tuple[str, ...]:
    """The requisite fields that apply to this client (none before the country is known: the
    Requisites flow sets it; no KPP for an entrepreneur; KPP and OGRN are Russian)."""
    if not profile.country:
        return ()
    if profile.country != "RU":
        return ("tax_id",)
    if len(profile.tax_id or "") == 12:
        return ("tax_id", "ogrn")
    return ("tax_id", "kpp", "ogrn")


def market_fields(profile: ClientProfile) -> tuple[str, ...]:
    """The register and address-part fields the client card offers: a Romanian client's
    (its factură and e-Factura print them)."""
    return MARKET_FIELDS if profile.country == "RO" else ()


def check_applies(profile: ClientProfile, field: str) -> None:
    """A requisite field that does not apply to this client is refused: a KPP for an
    entrepreneur as the requisites check says it, anything before the country is known (the
    Requisites flow sets it)."""
    if field in REQUISITE_FIELDS and field not in requisite_fields(profile):
        if field == "kpp" and profile.country == "RU":
            raise InvalidInput("req_kpp_not_applicable", field="kpp")
        raise Conflict("requisites_first")


def clean_company_value(profile: ClientProfile, field: str, text: str, region: str,
                        price_lists: tuple[str, ...]) -> dict[str, Any]:
    """The columns to store for one typed (or chosen) value; InvalidInput with the same code
    as at creation when it is wrong."""
    if field == "name":
        return {"name": clean_name(text)}
    if field in ("phone", "email"):
        return {field: clean_contact_field(field, text, region)}
    if field == "legal_address":
        return {"legal_address": clean_address(text)}
    if field in MARKET_FIELDS:
        return {field: clean_org_field(field, text, {"country": profile.country or ""})}
    if field in REQUISITE_FIELDS:
        check_applies(profile, field)
        assert profile.country is not None
        values = clean_step(profile.country, field, text, {"tax_id": profile.tax_id})
        if field == "tax_id" and profile.country == "RU":
            ogrn = profile.ogrn or ""
            if ogrn and len(ogrn) != (13 if len(values["tax_id"]) == 10 else 15):
                raise InvalidInput("req_ogrn_kind_mismatch", field="ogrn")
            if len(values["tax_id"]) == 12 and profile.kpp:
                values["kpp"] = None  # an entrepreneur has no KPP
        return values
    if field == "timezone":
        name = text.strip()
        try:
            validate_timezone(name)
        except ReminderConfigError:
            raise InvalidInput("unknown_timezone", field="timezone") from None
        return {"timezone": name}
    if field == "language":
        if text not in LANGUAGES:
            raise InvalidInput("bad_language", field="language")
        return {"language": text}
    if field == "price_list":
        if text not in price_lists:
            raise InvalidInput("unknown_price_list", field="price_list")
        return {"price_list": text}
    if field == "payment_terms_days":
        digits = text.strip()
        if not digits.isdigit() or not digits.isascii():
            raise InvalidInput("bad_terms", field="payment_terms_days", limit=TERMS_MAX)
        days = int(digits)
        if days > TERMS_MAX:
            raise InvalidInput("bad_terms", field="payment_terms_days", limit=TERMS_MAX)
        return {"payment_terms_days": days}
    raise InvalidInput("unknown_field", field=field)


def merge_fill(survivor: ClientProfile, other: ClientProfile) -> dict[str, Any]:
    """The survivor's empty fields filled from the other client (requisites together, so an
    INN never goes with another company's KPP)."""
    fill: dict[str, Any] = {}
    if not survivor.tax_id and other.tax_id:
        for key in ("country", "legal_form", "tax_id", "kpp", "ogrn", "vat_payer"):
            fill[key] = getattr(other, key)
    for key in ("legal_address", "phone", "email", "timezone", "language", "price_list",
                "payment_terms_days", *MARKET_FIELDS):
        if getattr(survivor, key) in (None, "") and getattr(other, key) not in (None, ""):
            fill[key] = getattr(other, key)
    return fill


def stale(profile: ClientProfile, field: str, seen: str | None) -> bool:
    """The card the user edits from showed `seen`; someone changed the field since."""
    return profile.shown(field) != seen
