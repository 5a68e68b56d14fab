"""Companies: the values and pure rules (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.clients import Company, clean_name
from services.errors import InvalidInput
from services.notices import REASSIGNED, notice
from services.organizations import clean_org_field
from services.outbox import NewOutboxMessage
from services.requisites import (
    COUNTRIES,
    Country,
    RequisiteError,
    RequisitesInvalid,
    validate_bic,
    validate_bik,
    validate_iban,
    validate_kpp,
    validate_ogrn,
    validate_requisites,
    validate_ru_corr_account,
    validate_ru_settlement_account,
    validate_tax_id,
)
from services.users import Actor, User

ADDRESS_MAX = 500

LEGAL_FORMS: dict[Country, tuple[str, ...]] = {
    "RU": ("ООО", "АО", "ПАО", "ИП"),
    "BY": ("ООО", "ОАО", "ЗАО", "ЧУП", "ИП"),
    "MD": ("SRL", "SA", "ÎI", "ÎCS"),
    "RO": ("SRL", "SA", "PFA", "II"),
}

# The steps of the requisites flow per country, in order. Optional steps may be skipped; a
# skipped bank id drops the account steps after it.
_STEPS: dict[Country, tuple[str, ...]] = {
    "RU": ("legal_form", "legal_name", "tax_id", "kpp", "ogrn", "legal_address", "bik",
           "settlement_account", "corr_account"),
    "BY": ("legal_form", "legal_name", "tax_id", "legal_address", "iban", "bic"),
    "MD": ("legal_form", "legal_name", "tax_id", "legal_address", "iban", "bic"),
    # Issue 16: a Romanian factură and e-Factura name the buyer's city, county, postal code
    # and trade register number; asked after the address, each optional.
    "RO": ("legal_form", "legal_name", "tax_id", "legal_address", "city", "region",
           "postal_code", "trade_register", "iban", "bic"),
}
#: Asked of Romanian companies after the address (optional), checked as the organization's.
ADDRESS_PARTS = ("city", "region", "postal_code", "trade_register")
OPTIONAL_STEPS = frozenset({"ogrn", "bik", "iban", *ADDRESS_PARTS})
_BANK_FOLLOWERS = {"bik": ("settlement_account", "corr_account"), "iban": ("bic",)}
OPEN_LEAD_EXCLUDED = ("converted", "junk")


@dataclass(frozen=True, slots=True)
class BankAccount:
    account: str
    bik: str | None = None
    bic: str | None = None
    corr_account: str | None = None
    bank_name: str | None = None


@dataclass(frozen=True, slots=True)
class CompanyRequisites:
    company_id: int
    owner_id: int
    name: str
    country: str | None
    legal_form: str | None
    tax_id: str | None
    kpp: str | None
    ogrn: str | None
    vat_payer: bool | None
    legal_address: str | None
    accounts: tuple[BankAccount, ...] = ()
    trade_register: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None

    @property
    def complete(self) -> bool:
        return bool(self.country and self.tax_id and self.legal_address)


@dataclass(frozen=True, slots=True)
class RequisitesUpdate:
    """Requisites that passed every check together, ready to store."""

    country: Country
    legal_form: str | None
    name: str
    tax_id: str
    kpp: str | None
    ogrn: str | None
    vat_payer: bool | None
    legal_address: str
    account: BankAccount | None
    # Given in the flow (None: not asked or skipped, and then left as stored).
    trade_register: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None

    def address_parts(self) -> dict[str, str]:
        """The address parts and register number given, by column."""
        return {k: v for k in ADDRESS_PARTS if (v := getattr(self, k)) is not None}


@dataclass(frozen=True, slots=True)
class TransferCounts:
    contacts: int = 0
    deals: int = 0
    leads: int = 0
    invoices: int = 0


@dataclass(frozen=True, slots=True)
class Reassignment:
    company_id: int
    company: Company
    previous_owner: User | None
    new_owner: User
    moved: TransferCounts
    at: datetime


def reassign_notices(actor: Actor, name: str, company_id: int, target: User,
                     previous: User | None, now: datetime) -> list[NewOutboxMessage]:
    """The new manager is told (with the client's card button); the previous one too, unless
    they did it themselves. Keyed by this reassignment (the company, the new owner, when)."""
    who = actor.full_name or str(actor.telegram_id)
    cause = f"reassign{company_id}:to{target.id}:{now.isoformat()}"
    out = [notice(f"{cause}:chat{target.telegram_id}", REASSIGNED, target.telegram_id, now,
                  target.language, {"to_you": True, "who": who, "company": name,
                                    "company_id": company_id}, recipient_user_id=target.id)]
    if previous is not None and previous.id != actor.id:
        out.append(notice(
            f"{cause}:chat{previous.telegram_id}", REASSIGNED, previous.telegram_id, now,
            previous.language, {"to_you": False, "who": who, "company": name,
                                "owner": target.full_name or str(target.telegram_id)},
            recipient_user_id=previous.id))
    return out


def _country(value: Any) -> Country:
    for code in COUNTRIES:
        if value == code:
            return code
    raise InvalidInput("req_unknown_country", field="country")


def _invalid(err: RequisiteError) -> InvalidInput:
    params: dict[str, Any] = {"field": err.field}
    for key in ("expected", "actual", "bik"):
        if key in err.detail and err.detail[key] is not None:
            value = err.detail[key]
            params[key] = "/".join(map(str, value)) if isinstance(value, list) else str(value)
    return InvalidInput(f"req_{err.code}", **params)


def requisite_steps(country: str, data: Mapping[str, Any]) -> list[str]:
    """The steps that apply given what is known so far: no KPP for a 12-digit INN (an
    entrepreneur); no account steps when the bank was skipped."""
    code = _country(country)
    steps = list(_STEPS[code])
    if code == "RU" and len(str(data.get("tax_id") or "")) == 12:
        steps.remove("kpp")
    for bank, followers in _BANK_FOLLOWERS.items():
        if bank in data and not data[bank]:
            steps = [s for s in steps if s not in followers]
    return steps


def clean_address(text: str) -> str:
    address = " ".join(text.split())
    if not address:
        raise InvalidInput("empty", field="legal_address")
    if len(address) > ADDRESS_MAX:
        raise InvalidInput("too_long", field="legal_address", limit=ADDRESS_MAX)
    return address


def clean_step(country: str, step: str, text: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Checks one typed value of the flow; returns the values to remember (a Romanian CUI
    also gives `vat_payer`, from its "RO" prefix)."""
    code = _country(country)
    try:
        if step == "legal_form":
            form = text.strip()
            if form not in LEGAL_FORMS[code]:
                raise InvalidInput("bad_legal_form", field="legal_form")
            return {"legal_form": form}
        if step == "legal_name":
            return {"legal_name": clean_name(text)}
        if step == "legal_address":
            return {"legal_address": clean_address(text)}
        if step == "tax_id":
            tax = validate_tax_id(code, text)
            return {"tax_id": tax.value, "vat_payer": tax.vat_payer}
        if step == "kpp":
            return {"kpp": validate_kpp(text)}
        if step == "ogrn":
            ogrn = validate_ogrn(text)
            inn = str(data.get("tax_id") or "")
            expected = 13 if len(inn) == 10 else 15
            if inn and len(ogrn) != expected:
                raise RequisiteError("ogrn", "ogrn_kind_mismatch",
                                     {"expected": [expected], "actual": len(ogrn)})
            return {"ogrn": ogrn}
        if step in ADDRESS_PARTS:
            return {step: clean_org_field(step, text, {"country": code})}
        if step == "bik":
            return {"bik": validate_bik(text)}
        if step == "settlement_account":
            return {"settlement_account": validate_ru_settlement_account(
                text, str(data.get("bik") or ""))}
        if step == "corr_account":
            return {"corr_account": validate_ru_corr_account(text, str(data.get("bik") or ""))}
        if step == "iban":
            return {"iban": validate_iban(text)}
        if step == "bic":
            return {"bic": validate_bic(text)}
    except RequisiteError as err:
        raise _invalid(err) from None
    raise InvalidInput("unknown_field", field=step)


def check_requisites(data: Mapping[str, Any]) -> RequisitesUpdate:
    """Every field together (the same rules as the steps, plus the cross-field ones)."""
    code = _country(data.get("country"))
    form = data.get("legal_form")
    if form is not None and form not in LEGAL_FORMS[code]:
        raise InvalidInput("bad_legal_form", field="legal_form")
    name = clean_name(str(data.get("legal_name") or ""))
    address = clean_address(str(data.get("legal_address") or ""))
    tax_field = {"RU": "inn", "BY": "unp", "MD": "idno", "RO": "cui"}[code]
    fields: dict[str, str | None] = {tax_field: data.get("tax_id")}
    ru = ("kpp", "ogrn", "bik", "settlement_account", "corr_account")
    for key in (ru if code == "RU" else ("iban", "bic")):
        fields[key] = data.get(key)
    if code == "RO" and data.get("vat_payer") and fields["cui"]:
        fields["cui"] = "RO" + str(fields["cui"])
    try:
        valid = validate_requisites(code, **fields)
    except RequisitesInvalid as exc:
        raise _invalid(exc.errors[0]) from None
    account: BankAccount | None = None
    if code == "RU" and valid.settlement_account:
        account = BankAccount(account=valid.settlement_account, bik=valid.bik,
                              corr_account=valid.corr_account)
    elif code == "RU" and (valid.bik or valid.corr_account):
        raise InvalidInput("req_required", field="settlement_account")
    elif code != "RU" and valid.iban:
        account = BankAccount(account=valid.iban, bic=valid.bic)
    elif code != "RU" and valid.bic:
        raise InvalidInput("req_required", field="iban")
    parts = {k: clean_org_field(k, str(data[k]), {"country": code})
             for k in ADDRESS_PARTS if data.get(k)}
    return RequisitesUpdate(country=code, legal_form=form, name=name,
                            tax_id=valid.tax_id.value, kpp=valid.kpp, ogrn=valid.ogrn,
                            vat_payer=valid.tax_id.vat_payer, legal_address=address,
                            account=account, **parts)


def requisites_changes(before: CompanyRequisites, after: RequisitesUpdate
                       ) -> list[dict[str, str | None]]:
    """What the requisites flow changed, as an edit's audit records it (old → new)."""
    pairs = {"name": (before.name, after.name), "tax_id": (before.tax_id, after.tax_id),
             "kpp": (before.kpp, after.kpp), "ogrn": (before.ogrn, after.ogrn),
             "legal_address": (before.legal_address, after.legal_address),
             **{k: (getattr(before, k), v) for k, v in after.address_parts().items()}}
    return [{"field": field, "old": old or None, "new": new or None}
            for field, (old, new) in pairs.items() if (old or None) != (new or None)]
