"""Organizations: the values and pure rules (no I/O)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from services.dateranges import parse_date
from services.errors import InvalidInput
from services.money import UnknownCurrencyError, check_currency
from services.numbering import DEFAULT_PATTERN, validate_pattern
from services.requisites import (
    COUNTRIES,
    RequisiteError,
    validate_bic,
    validate_bik,
    validate_iban,
    validate_kpp,
    validate_ogrn,
    validate_ru_corr_account,
    validate_ru_settlement_account,
    validate_tax_id,
)
from services.text import normalize_typed

DEFAULT_CURRENCY: Final = {"RU": "RUB", "BY": "BYN", "MD": "MDL", "RO": "RON"}
DEFAULT_LANGUAGE: Final = {"RU": "ru", "BY": "ru", "MD": "ro", "RO": "ro"}
# Russia, Belarus and Moldova print VAT per line; Romanian invoices (EN 16931, e-Factura)
# compute VAT per rate on the sum of the line nets.
DEFAULT_TAX_MODE: Final = {"RU": "per_line", "BY": "per_line", "MD": "per_line",
                           "RO": "on_total"}
TAX_ID_LABEL: Final = {"RU": "ИНН", "BY": "УНП", "MD": "IDNO", "RO": "CUI"}
NAME_MAX: Final = 200
ADDRESS_MAX: Final = 500
PREFIX_MAX: Final = 16
TERMS_MAX_DAYS: Final = 365
# What an admin edits on an organization (the /org flow's fields and the printed ones), and
# on its default bank account (Russian or IBAN).
ORG_EDIT_FIELDS: Final = ("name", "legal_name", "tax_id", "kpp", "ogrn", "trade_register",
                          "address", "city", "region", "postal_code", "director",
                          "director_position", "accountant", "signer_name", "signer_position",
                          "signer_poa_number", "signer_poa_date", "vat_on_collection",
                          "currency", "invoice_prefix", "payment_terms_days")
# Fields only some countries print: KPP and OGRN (Russia), the trade register number and
# «TVA la încasare» (Romania, Moldova's IDNO is the register number itself).
COUNTRY_FIELDS: Final = {"kpp": ("RU",), "ogrn": ("RU",), "trade_register": ("RO",),
                         "vat_on_collection": ("RO",)}
SHORT_MAX: Final = 100
REGION_MAX: Final = 16
POSTAL_MAX: Final = 16
POA_MAX: Final = 64
TRADE_REGISTER_MAX: Final = 32
YES_WORDS: Final = frozenset({"yes", "y", "da", "да", "1", "+", "on", "true"})
NO_WORDS: Final = frozenset({"no", "n", "nu", "нет", "0", "-", "off", "false"})
RU_BANK_FIELDS: Final = ("bank_name", "bik", "account", "corr_account")
IBAN_BANK_FIELDS: Final = ("bank_name", "iban", "bic")


@dataclass(frozen=True, slots=True)
class BankAccount:
    id: int
    organization_id: int
    bank_name: str
    bik: str | None  # Russia
    bic: str | None  # elsewhere (SWIFT)
    account: str  # RU settlement account, else the IBAN
    corr_account: str | None
    currency: str
    is_default: bool

    @property
    def iban(self) -> str | None:
        return None if self.bik else self.account


@dataclass(frozen=True, slots=True)
class Organization:
    id: int
    name: str
    legal_name: str
    country: str
    tax_id: str | None
    kpp: str | None
    vat_payer: bool
    address: str
    director: str
    accountant: str
    currency: str
    language: str
    invoice_prefix: str
    number_pattern: str
    payment_terms_days: int
    accounts: tuple[BankAccount, ...] = ()
    # Issue 16: what the market's documents print (see storage.models.Organization).
    ogrn: str | None = None
    trade_register: str = ""
    city: str = ""
    region: str = ""  # ISO 3166-2, e.g. "RO-B"
    postal_code: str = ""
    director_position: str = ""
    signer_name: str = ""  # signs instead of the director, on a power of attorney
    signer_position: str = ""
    signer_poa_number: str = ""
    signer_poa_date: date | None = None
    vat_on_collection: bool = False  # RO «TVA la încasare»

    @property
    def default_account(self) -> BankAccount | None:
        for acc in self.accounts:
            if acc.is_default:
                return acc
        return self.accounts[0] if self.accounts else None

    @property
    def tax_id_label(self) -> str:
        return TAX_ID_LABEL.get(self.country, "VAT ID")

    @property
    def default_tax_mode(self) -> str:
        return DEFAULT_TAX_MODE.get(self.country, "per_line")


@dataclass(frozen=True, slots=True)
class OrganizationDraft:
    """What the admin typed, already cleaned by `OrganizationService.clean_field`."""

    name: str
    country: str
    tax_id: str
    address: str
    currency: str
    invoice_prefix: str
    kpp: str | None = None
    legal_name: str = ""
    bank_name: str = ""
    bik: str | None = None
    account: str | None = None  # RU settlement account
    corr_account: str | None = None
    iban: str | None = None
    bic: str | None = None
    director: str = ""
    accountant: str = ""
    language: str | None = None
    number_pattern: str = DEFAULT_PATTERN
    payment_terms_days: int | None = None
    vat_payer: bool = True
    ogrn: str | None = None
    trade_register: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    director_position: str = ""
    vat_on_collection: bool = False


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    text = normalize_typed(value)
    if required and not text:
        raise InvalidInput("empty", field=field)
    if len(text) > limit:
        raise InvalidInput("too_long", field=field, limit=limit)
    return text


def _requisite(field: str, check: Callable[[], Any]) -> Any:
    """Runs a `services.requisites` check; a failure becomes InvalidInput("req_<check>")
    with the details the message shows (expected/actual lengths, the BIK)."""
    try:
        return check()
    except RequisiteError as err:
        params: dict[str, Any] = {"field": field}
        for key in ("expected", "actual", "bik"):
            value = err.detail.get(key)
            if value is not None:
                params[key] = "/".join(map(str, value)) if isinstance(value, list) else str(
                    value)
        raise InvalidInput(f"req_{err.code}", **params) from None


def clean_org_field(field: str, text: str, data: Mapping[str, Any] | None = None) -> str:
    """Validates one typed value of the organization flow. `data` holds the values given
    before (the country for the tax id, the BIK for the accounts)."""
    data = data or {}
    country = str(data.get("country") or "")
    if field == "name":
        return _text(text, "name", NAME_MAX)
    if field == "country":
        code = text.strip().upper()
        if code not in COUNTRIES:
            raise InvalidInput("unknown_country", field="country")
        return code
    if field == "tax_id":
        return str(_requisite("tax_id", lambda: validate_tax_id(country, text).value))
    if field == "kpp":
        return str(_requisite("kpp", lambda: validate_kpp(text)))
    if field == "address":
        return _text(text, "address", ADDRESS_MAX)
    if field == "currency":
        try:
            return check_currency(text)
        except UnknownCurrencyError:
            raise InvalidInput("unknown_currency", field="currency") from None
    if field == "invoice_prefix":
        prefix = text.strip().upper()
        if not prefix or len(prefix) > PREFIX_MAX or not all(
                c.isascii() and (c.isalnum() or c in "-_/") for c in prefix):
            raise InvalidInput("bad_prefix", field="invoice_prefix", limit=PREFIX_MAX)
        return prefix
    if field == "bank_name":
        return _text(text, "bank_name", NAME_MAX)
    if field == "bik":
        return str(_requisite("bik", lambda: validate_bik(text)))
    if field == "account":
        bik = str(data.get("bik") or "")
        return str(_requisite("account", lambda: validate_ru_settlement_account(text, bik)))
    if field == "corr_account":
        bik = str(data.get("bik") or "")
        return str(_requisite("corr_account", lambda: validate_ru_corr_account(text, bik)))
    if field == "iban":
        return str(_requisite("iban", lambda: validate_iban(text, country or None)))
    if field == "bic":
        return str(_requisite("bic", lambda: validate_bic(text)))
    if field == "number_pattern":
        return validate_pattern(text)
    if field == "legal_name":
        return _text(text, "legal_name", NAME_MAX)
    if field in ("director", "accountant", "signer_name"):
        return _text(text, field, NAME_MAX)
    if field in ("city", "director_position", "signer_position"):
        return _text(text, field, SHORT_MAX)
    if field == "ogrn":
        return str(_requisite("ogrn", lambda: validate_ogrn(text)))
    if field == "trade_register":
        # «J40/1234/2020» or the 2024 form «J2020001234401»: letters, digits and «/».
        value = re.sub(r"\s+", "", normalize_typed(text)).upper()
        if not value or len(value) > TRADE_REGISTER_MAX or not re.fullmatch(
                r"[A-Z][A-Z0-9/.-]*", value):
            raise InvalidInput("bad_trade_register", field=field)
        return value
    if field == "region":
        value = normalize_typed(text).upper().replace(" ", "")
        if country and value and not value.startswith(f"{country}-") and len(value) <= 3:
            value = f"{country}-{value}"  # "B" → "RO-B", "CJ" → "RO-CJ"
        if not re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", value):
            raise InvalidInput("bad_region", field=field)
        return value
    if field == "postal_code":
        value = normalize_typed(text)
        if not value or len(value) > POSTAL_MAX or not re.fullmatch(r"[A-Za-z0-9 -]+", value):
            raise InvalidInput("bad_postal_code", field=field)
        return value
    if field == "signer_poa_number":
        return _text(text, field, POA_MAX)
    if field == "signer_poa_date":
        return parse_date(text).isoformat()
    if field == "vat_on_collection":
        word = normalize_typed(text).lower()
        if word in YES_WORDS:
            return "yes"
        if word in NO_WORDS:
            return "no"
        raise InvalidInput("bad_yes_no", field=field)
    if field == "payment_terms_days":
        days = text.strip()
        if not days.isdigit() or not 0 < int(days) <= TERMS_MAX_DAYS:
            raise InvalidInput("bad_terms_days", field=field, limit=TERMS_MAX_DAYS)
        return str(int(days))
    raise InvalidInput("unknown_field", field=field)


def stored_value(field: str, value: str) -> Any:
    """A cleaned value (`clean_org_field`) as the organizations table holds it."""
    if field == "payment_terms_days":
        return int(value)
    if field == "signer_poa_date":
        return date.fromisoformat(value)
    if field == "vat_on_collection":
        return value == "yes"
    return value


def editable_fields(org: Organization) -> tuple[str, ...]:
    """The fields an admin may edit on `org` (KPP, OGRN and the Russian bank details only in
    Russia; the trade register and «TVA la încasare» in Romania)."""
    own = tuple(f for f in ORG_EDIT_FIELDS
                if org.country in COUNTRY_FIELDS.get(f, (org.country,)))
    acc = org.default_account
    if acc is None:
        return own
    return own + (RU_BANK_FIELDS if acc.bik else IBAN_BANK_FIELDS)


def org_value(org: Organization, field: str) -> str | None:
    """The current value of an editable field, as text."""
    acc = org.default_account
    if field in ("iban", "account") and acc is not None:
        return acc.account
    if field in ("bank_name", "bik", "bic", "corr_account"):
        value = getattr(acc, field) if acc is not None else None
        return str(value) if value else None
    value = getattr(org, field)
    if field == "vat_on_collection":
        return "yes" if value else "no"
    if field == "signer_poa_date":
        return value.isoformat() if value else None
    return None if value is None or value == "" else str(value)


def check_draft(draft: OrganizationDraft) -> OrganizationDraft:
    """Every field checked together (the flow checks them one by one; seeds and imports here)."""
    data: dict[str, Any] = {"country": clean_org_field("country", draft.country)}
    values: dict[str, Any] = {
        "name": clean_org_field("name", draft.name),
        "country": data["country"],
        "tax_id": clean_org_field("tax_id", draft.tax_id, data),
        "address": clean_org_field("address", draft.address),
        "currency": clean_org_field("currency", draft.currency),
        "invoice_prefix": clean_org_field("invoice_prefix", draft.invoice_prefix),
        "number_pattern": clean_org_field("number_pattern", draft.number_pattern),
    }
    if data["country"] == "RU":
        if draft.kpp:
            values["kpp"] = clean_org_field("kpp", draft.kpp)
        if not (draft.bik and draft.account and draft.corr_account):
            raise InvalidInput("empty", field="account")
        data["bik"] = values["bik"] = clean_org_field("bik", draft.bik)
        values["account"] = clean_org_field("account", draft.account, data)
        values["corr_account"] = clean_org_field("corr_account", draft.corr_account, data)
        values["iban"] = values["bic"] = None
    else:
        if not (draft.iban and draft.bic):
            raise InvalidInput("empty", field="iban")
        values["iban"] = clean_org_field("iban", draft.iban, data)
        values["bic"] = clean_org_field("bic", draft.bic)
        values["kpp"] = values["bik"] = values["account"] = values["corr_account"] = None
    return OrganizationDraft(
        **values,
        legal_name=_text(draft.legal_name, "name", NAME_MAX, required=False),
        bank_name=_text(draft.bank_name, "bank_name", NAME_MAX, required=False),
        director=_text(draft.director, "name", NAME_MAX, required=False),
        accountant=_text(draft.accountant, "name", NAME_MAX, required=False),
        language=draft.language or DEFAULT_LANGUAGE[data["country"]],
        payment_terms_days=draft.payment_terms_days,
        vat_payer=draft.vat_payer,
        **_optional(draft, data),
    )


def _optional(draft: OrganizationDraft, data: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's optional printed fields, each cleaned when given."""
    out: dict[str, Any] = {"vat_on_collection": draft.vat_on_collection}
    for field in ("ogrn", "trade_register", "city", "region", "postal_code",
                  "director_position"):
        value = getattr(draft, field)
        if value:
            out[field] = clean_org_field(field, value, data)
    return out


DEMO_ORGANIZATIONS: Final[dict[str, OrganizationDraft]] = {
    "RU": OrganizationDraft(
        name="Demo LLC", legal_name="ООО «Демо»", country="RU", tax_id="7707083893",
        kpp="773601001", address="117997, г. Москва, ул. Вавилова, д. 19", currency="RUB",
        invoice_prefix="INV", bank_name="ПАО Сбербанк", bik="044525225",
        account="40702810938000000001", corr_account="30101810400000000225",
        director="Иванов И. И.", accountant="Петрова А. А.", ogrn="1027700132195",
        city="Москва", postal_code="117997", director_position="Генеральный директор"),
    "RO": OrganizationDraft(
        name="Demo SRL", legal_name="Demo SRL", country="RO", tax_id="RO18547290",
        address="Str. Exemplu 1", currency="RON", invoice_prefix="DMO",
        bank_name="Banca Exemplu", iban="RO49AAAA1B31007593840000", bic="RZBRROBU",
        trade_register="J40/1234/2020", city="Sector 1", region="RO-B",
        postal_code="010011", director="Popescu Ion", director_position="Administrator"),
}
