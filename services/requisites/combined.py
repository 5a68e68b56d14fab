"""Everything together: one company's requisites checked field by field and as a whole."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from services.requisites.banking import validate_bic, validate_iban
from services.requisites.model import (
    Country,
    InnKind,
    RequisiteError,
    Requisites,
    RequisitesInvalid,
    TaxId,
)
from services.requisites.normalize import _prepare, _require_digits
from services.requisites.russia import (
    validate_bik,
    validate_kpp,
    validate_ogrn,
    validate_ru_account,
)
from services.requisites.tax_ids import TAX_ID_FIELD, _country, validate_tax_id

_FIELDS: dict[Country, tuple[str, ...]] = {
    "RU": ("inn", "kpp", "ogrn", "bik", "settlement_account", "corr_account"),
    "BY": ("unp", "iban", "bic"),
    "MD": ("idno", "iban", "bic"),
    "RO": ("cui", "iban", "bic"),
}


def validate_requisites(country: str, **fields: str | None) -> Requisites:
    """Check every given field of one company's requisites and all of them together.

    Fields: RU inn, kpp, ogrn (13-digit OGRN or 15-digit OGRNIP), bik, settlement_account,
    corr_account; BY unp, MD idno, RO cui, each with iban, bic. None or blank means absent.
    The tax id is required; a KPP only belongs with a 10-digit INN; a 13-digit OGRN with a
    10-digit INN and a 15-digit OGRNIP with a 12-digit one; accounts need the BIK. An IBAN is
    not required to be domestic (a company may bank abroad). Raises RequisitesInvalid with
    every error found; an unknown field name is a programming error (TypeError).
    """
    try:
        code = _country(country)
    except RequisiteError as exc:
        raise RequisitesInvalid([exc]) from None
    unknown = sorted(set(fields) - set(_FIELDS[code]))
    if unknown:
        raise TypeError(f"fields not used for {code}: {', '.join(unknown)}")
    given = {k: v for k, v in fields.items() if v is not None and v.strip()}
    errors: list[RequisiteError] = []

    def check(name: str, validator: Callable[[str], str]) -> str | None:
        if name not in given:
            return None
        try:
            return validator(given[name])
        except RequisiteError as exc:
            errors.append(exc)
            return None

    tax_field = TAX_ID_FIELD[code]
    tax_id: TaxId | None = None
    if tax_field not in given:
        errors.append(RequisiteError(tax_field, "required"))
    else:
        try:
            tax_id = validate_tax_id(code, given[tax_field])
        except RequisiteError as exc:
            errors.append(exc)

    result: dict[str, str | None] = {}
    if code == "RU":
        _check_ru(given, tax_id, check, errors, result)
    else:
        result["iban"] = check("iban", validate_iban)
        result["bic"] = check("bic", validate_bic)

    if errors or tax_id is None:
        raise RequisitesInvalid(errors)
    return Requisites(country=code, tax_id=tax_id, **result)


def _check_ru(
    given: dict[str, str],
    tax_id: TaxId | None,
    check: Callable[[str, Callable[[str], str]], str | None],
    errors: list[RequisiteError],
    result: dict[str, str | None],
) -> None:
    kind: InnKind | None = None
    if tax_id is not None:
        kind = "legal" if len(tax_id.value) == 10 else "individual"

    kpp = check("kpp", validate_kpp)
    if kpp is not None and kind == "individual":
        errors.append(RequisiteError("kpp", "kpp_not_applicable", {"value": kpp}))

    ogrn = check("ogrn", validate_ogrn)
    if ogrn is not None and kind is not None:
        expected = 13 if kind == "legal" else 15
        if len(ogrn) != expected:
            detail = {"value": ogrn, "inn_kind": kind, "expected": expected, "actual": len(ogrn)}
            errors.append(RequisiteError("ogrn", "ogrn_kind_mismatch", detail))

    bik = check("bik", validate_bik)
    bank = bik or ""
    accounts = [name for name in ("settlement_account", "corr_account") if name in given]
    if accounts and "bik" not in given:
        errors.append(RequisiteError("bik", "required"))
    for name in accounts:
        corr = name == "corr_account"
        if bik is None:  # no key without a valid BIK, but the shape can still be wrong
            result[name] = check(name, partial(_account_shape, name=name))
        else:
            result[name] = check(name, partial(validate_ru_account, bik=bank, corr=corr))
    result.update(kpp=kpp, ogrn=ogrn, bik=bik)


def _account_shape(value: str, name: str) -> str:
    number = _prepare(value, name)
    _require_digits(number, name, (20,))
    return number
