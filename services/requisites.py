"""Validation of company requisites (tax ids, bank ids, accounts) for RU, BY, MD and RO.

Every validator returns the normalized value (separators removed, upper-cased where letters are
allowed) or raises `RequisiteError(field, code, detail)`. `code` is machine-readable so the bot
can translate it; `str()` of the error is plain English for logs and never contains the value
itself (a 12-digit INN belongs to a person). `detail` always carries the normalized `value` the
check was run on when there was one, plus code-specific keys:

* `length`: `expected` (list of allowed lengths) and `actual`.
* `iban_country`: `expected` (required country or None) and `actual` (the IBAN's prefix).
* `ogrn_kind_mismatch`: `inn_kind`, `expected` and `actual` lengths.
* `account_key`, `corr_account_bik`: `bik`.

python-stdnum does the INN, UNP, IDNO, CUI, IBAN and BIC arithmetic. KPP, BIK, the OGRN/OGRNIP
check digit and the Russian account control key are ours: stdnum has no KPP/BIK/account key, and
its OGRNIP check compares with `% 13` instead of `% 13 % 10`, rejecting valid numbers whose
remainder is 10-12.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass
from dataclasses import field as dc_field
from functools import partial
from typing import Any, Literal

from stdnum import bic as std_bic
from stdnum import iban as std_iban
from stdnum import numdb
from stdnum.by import unp as std_unp
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.iso7064 import mod_97_10
from stdnum.md import idno as std_idno
from stdnum.ro import cui as std_cui
from stdnum.ru import inn as std_inn

Country = Literal["RU", "BY", "MD", "RO"]
TaxIdKind = Literal["inn", "unp", "idno", "cui"]
InnKind = Literal["legal", "individual"]

COUNTRIES: tuple[Country, ...] = ("RU", "BY", "MD", "RO")

_MESSAGES: dict[str, str] = {
    "required": "a value is required",
    "digits": "must contain digits only",
    "length": "has the wrong length",
    "checksum": "check digit does not match",
    "kpp_format": "must be 4 digits, 2 digits or capital Latin letters, then 3 digits",
    "kpp_not_applicable": "an individual entrepreneur (12-digit INN) has no KPP",
    "ogrn_format": "an OGRN starts with 1 or 5, an OGRNIP with 3",
    "ogrn_kind_mismatch": "OGRN/OGRNIP does not match the INN kind",
    "bik_format": "a Russian BIK starts with 04",
    "account_key": "account control key does not match the BIK",
    "corr_account_bik": "correspondent account does not end with the BIK's last 3 digits",
    "unp_format": "must be 9 characters: 2 digits or letters, then 7 digits",
    "cui_format": "a CUI does not start with 0",
    "iban_format": "IBAN structure is wrong for its country",
    "iban_country": "IBAN country is unknown or not the one required",
    "iban_checksum": "IBAN check digits do not match",
    "bic_format": "BIC structure or country code is wrong",
    "unknown_country": "country is not supported",
}


def _exception_setattr(self: BaseException, name: str, value: object) -> None:
    # The interpreter assigns dunders on exceptions from Python code: contextlib sets
    # __traceback__ when an error leaves a @contextmanager, add_note() sets __notes__. A plain
    # frozen dataclass turns both into FrozenInstanceError, hiding the real error.
    if name.startswith("__") and name.endswith("__"):
        object.__setattr__(self, name, value)
        return
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


@dataclass(frozen=True, eq=False)
class RequisiteError(ValueError):
    """One failed check: `field` is the input's name, `code` the check (see _MESSAGES)."""

    field: str
    code: str
    detail: dict[str, Any] = dc_field(default_factory=dict)

    def __post_init__(self) -> None:
        BaseException.__init__(self, self.field, self.code, self.detail)

    def __str__(self) -> str:
        message = _MESSAGES.get(self.code, self.code)
        extras = ", ".join(f"{k}={v!r}" for k, v in self.detail.items() if k != "value")
        return f"{self.field}: {message} [{self.code}]" + (f" ({extras})" if extras else "")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.code, dict(self.detail)))


@dataclass(frozen=True, eq=False)
class RequisitesInvalid(ValueError):
    """Every check that failed in `validate_requisites`, in field order."""

    errors: list[RequisiteError]

    def __post_init__(self) -> None:
        BaseException.__init__(self, self.errors)

    def __str__(self) -> str:
        return "; ".join(str(e) for e in self.errors)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self.errors),))


setattr(RequisiteError, "__setattr__", _exception_setattr)  # noqa: B010 (mypy: method-assign)
setattr(RequisitesInvalid, "__setattr__", _exception_setattr)  # noqa: B010


@dataclass(frozen=True)
class TaxId:
    """A checksum-valid tax id. `vat_payer` is only known in Romania (the "RO" prefix)."""

    country: Country
    kind: TaxIdKind
    value: str
    vat_payer: bool | None = None


@dataclass(frozen=True)
class Requisites:
    """Requisites that passed every check together; absent fields are None."""

    country: Country
    tax_id: TaxId
    kpp: str | None = None
    ogrn: str | None = None
    bik: str | None = None
    settlement_account: str | None = None
    corr_account: str | None = None
    iban: str | None = None
    bic: str | None = None


# Spaces (any Unicode), hyphens/dashes and dots: accounts are often written "40702.810.9...".
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _label_re(*labels: str) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    return re.compile(rf"^\s*(?:{alternatives})(?![A-Za-zА-Яа-яЁё])\s*[:№#]?\s*", re.I)


_INN_LABEL = _label_re("ИНН", "INN")
_KPP_LABEL = _label_re("КПП", "KPP")
_OGRN_LABEL = _label_re("ОГРН", "ОГРНИП", "OGRN", "OGRNIP")
_BIK_LABEL = _label_re("БИК", "BIK")
_UNP_LABEL = _label_re("УНП", "UNP")
_IDNO_LABEL = _label_re("IDNO", "cod fiscal")
_CUI_LABEL = _label_re("CUI", "CIF", "C.U.I.", "C.I.F.", "cod fiscal")
_IBAN_LABEL = _label_re("IBAN")
_BIC_LABEL = _label_re("BIC", "SWIFT", "SWIFT/BIC", "BIC/SWIFT")


def _prepare(value: str, name: str, label: re.Pattern[str] | None = None) -> str:
    if label is not None:
        value = label.sub("", value, count=1)
    compact = _SEPARATORS.sub("", value).upper()
    if not compact:
        raise RequisiteError(name, "required")
    return compact


def _require_digits(value: str, name: str, lengths: tuple[int, ...]) -> None:
    if not _ASCII_DIGITS.fullmatch(value):
        raise RequisiteError(name, "digits", {"value": value})
    _require_length(value, name, lengths)


def _require_length(value: str, name: str, lengths: tuple[int, ...]) -> None:
    if len(value) not in lengths:
        raise RequisiteError(
            name, "length", {"value": value, "expected": list(lengths), "actual": len(value)}
        )


# --- Russia ---------------------------------------------------------------------------------


def validate_inn(value: str) -> str:
    """RU INN: 10 digits (legal entity) or 12 digits (individual / entrepreneur)."""
    inn = _prepare(value, "inn", _INN_LABEL)
    _require_digits(inn, "inn", (10, 12))
    try:
        return std_inn.validate(inn)
    except ValidationError:
        raise RequisiteError("inn", "checksum", {"value": inn}) from None


def inn_kind(inn: str) -> InnKind:
    """Kind of a RU INN (validated first): 10 digits "legal", 12 digits "individual"."""
    return "legal" if len(validate_inn(inn)) == 10 else "individual"


_KPP_RE = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")


def validate_kpp(value: str) -> str:
    """RU KPP: 4 digits (tax office), 2 digits or A-Z (reason), 3 digits."""
    kpp = _prepare(value, "kpp", _KPP_LABEL)
    _require_length(kpp, "kpp", (9,))
    if not _KPP_RE.fullmatch(kpp):
        raise RequisiteError("kpp", "kpp_format", {"value": kpp})
    return kpp


def _ogrn_check_digit(body: str) -> str:
    # 13 digits: first 12 mod 11; 15 digits (OGRNIP): first 14 mod 13; then mod 10 for both.
    modulus = 11 if len(body) == 12 else 13
    return str(int(body) % modulus % 10)


def validate_ogrn(value: str) -> str:
    """RU OGRN (13 digits, starts with 1 or 5) or OGRNIP (15 digits, starts with 3)."""
    ogrn = _prepare(value, "ogrn", _OGRN_LABEL)
    _require_digits(ogrn, "ogrn", (13, 15))
    if ogrn[0] not in ("15" if len(ogrn) == 13 else "3"):
        raise RequisiteError("ogrn", "ogrn_format", {"value": ogrn})
    if _ogrn_check_digit(ogrn[:-1]) != ogrn[-1]:
        raise RequisiteError("ogrn", "checksum", {"value": ogrn})
    return ogrn


def validate_bik(value: str) -> str:
    """RU BIK: 9 digits starting with the country code 04.

    Treasury (TOFK) BIKs starting with 00/01/02 are rejected by this rule.
    """
    bik = _prepare(value, "bik", _BIK_LABEL)
    _require_digits(bik, "bik", (9,))
    if not bik.startswith("04"):
        raise RequisiteError("bik", "bik_format", {"value": bik})
    return bik


_ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]  # 3 BIK-derived digits + 20 account digits


def _account_key_ok(prefix: str, account: str) -> bool:
    digits = prefix + account
    return sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


def validate_ru_account(account: str, bik: str, *, corr: bool = False) -> str:
    """RU 20-digit account checked with its bank's BIK (control key, weights 7,1,3).

    A settlement account is keyed with the BIK's last 3 digits, a correspondent account with
    "0" + BIK digits 5-6, and must also end with the BIK's last 3 digits when it is a bank's
    account at the Bank of Russia (30101...). BIK errors are raised with field "bik".
    """
    name = "corr_account" if corr else "settlement_account"
    number = _prepare(account, name)
    _require_digits(number, name, (20,))
    bank = validate_bik(bik)
    prefix = "0" + bank[4:6] if corr else bank[-3:]
    if not _account_key_ok(prefix, number):
        raise RequisiteError(name, "account_key", {"value": number, "bik": bank})
    if corr and number.startswith("30101") and number[-3:] != bank[-3:]:
        raise RequisiteError(name, "corr_account_bik", {"value": number, "bik": bank})
    return number


def validate_ru_settlement_account(account: str, bik: str) -> str:
    """RU settlement account (расчётный счёт) against its bank's BIK."""
    return validate_ru_account(account, bik, corr=False)


def validate_ru_corr_account(account: str, bik: str) -> str:
    """RU correspondent account (корр. счёт) against its bank's BIK."""
    return validate_ru_account(account, bik, corr=True)


# --- Belarus, Moldova, Romania --------------------------------------------------------------


def validate_unp(value: str) -> str:
    """BY UNP: 9 characters; companies are all digits, some individuals have 2 letters first."""
    unp = std_unp.compact(_prepare(value, "unp", _UNP_LABEL))  # maps Cyrillic letters
    _require_length(unp, "unp", (9,))
    try:
        return std_unp.validate(unp)
    except InvalidChecksum:
        raise RequisiteError("unp", "checksum", {"value": unp}) from None
    except ValidationError:
        raise RequisiteError("unp", "unp_format", {"value": unp}) from None


def validate_idno(value: str) -> str:
    """MD IDNO: 13 digits with a 7,3,1 weighted check digit."""
    idno = _prepare(value, "idno", _IDNO_LABEL)
    _require_digits(idno, "idno", (13,))
    try:
        return std_idno.validate(idno)
    except ValidationError:
        raise RequisiteError("idno", "checksum", {"value": idno}) from None


_CUI_LENGTHS = tuple(range(2, 11))


def validate_cui(value: str) -> tuple[str, bool]:
    """RO CUI/CIF, 2-10 digits, optionally prefixed "RO" (a VAT payer).

    Returns (digits without "RO", vat_payer). A 13-digit CNP (a person's number, which stdnum's
    ro.cf also accepts as a CIF) is rejected: requisites here belong to companies.
    """
    cui = _prepare(value, "cui", _CUI_LABEL)
    vat_payer = cui.startswith("RO")
    digits = cui[2:] if vat_payer else cui
    if not digits:
        raise RequisiteError("cui", "required")
    _require_digits(digits, "cui", _CUI_LENGTHS)
    if digits[0] == "0":
        raise RequisiteError("cui", "cui_format", {"value": digits})
    try:
        return std_cui.validate(digits), vat_payer
    except ValidationError:
        raise RequisiteError("cui", "checksum", {"value": digits}) from None


# --- IBAN, BIC ------------------------------------------------------------------------------

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_IBAN_DB = numdb.get("iban")
_BBAN_PART = re.compile(r"([0-9]+)!")


def _iban_length(country: str) -> int | None:
    info = _IBAN_DB.info(country)[0][1]
    if not info.get("bban"):
        return None
    return 4 + sum(int(n) for n in _BBAN_PART.findall(info["bban"]))


def validate_iban(value: str, country: str | None = None) -> str:
    """IBAN (ISO 13616); with `country` the IBAN must belong to that country."""
    iban = _prepare(value, "iban", _IBAN_LABEL)
    if not _IBAN_SHAPE.fullmatch(iban):
        raise RequisiteError("iban", "iban_format", {"value": iban})
    expected = country.upper() if country else None
    length = _iban_length(iban[:2])
    if length is None or (expected and iban[:2] != expected):
        detail = {"value": iban, "expected": expected, "actual": iban[:2]}
        raise RequisiteError("iban", "iban_country", detail)
    _require_length(iban, "iban", (length,))
    if not mod_97_10.is_valid(iban[4:] + iban[:4]):
        raise RequisiteError("iban", "iban_checksum", {"value": iban})
    try:
        return std_iban.validate(iban)
    except InvalidChecksum:  # a national check digit inside the BBAN
        raise RequisiteError("iban", "iban_checksum", {"value": iban}) from None
    except InvalidComponent:
        detail = {"value": iban, "expected": expected, "actual": iban[:2]}
        raise RequisiteError("iban", "iban_country", detail) from None
    except ValidationError:
        raise RequisiteError("iban", "iban_format", {"value": iban}) from None


def validate_bic(value: str) -> str:
    """SWIFT BIC: 8 or 11 characters, letters 5-6 are an ISO country code."""
    code = _prepare(value, "bic", _BIC_LABEL)
    _require_length(code, "bic", (8, 11))
    try:
        return std_bic.validate(code)
    except ValidationError:
        raise RequisiteError("bic", "bic_format", {"value": code}) from None


# --- Tax ids across countries ---------------------------------------------------------------


def _ro_tax_id(value: str) -> TaxId:
    digits, vat_payer = validate_cui(value)
    return TaxId("RO", "cui", digits, vat_payer)


_TAX_ID_VALIDATORS: dict[Country, Callable[[str], TaxId]] = {
    "RU": lambda v: TaxId("RU", "inn", validate_inn(v)),
    "BY": lambda v: TaxId("BY", "unp", validate_unp(v)),
    "MD": lambda v: TaxId("MD", "idno", validate_idno(v)),
    "RO": _ro_tax_id,
}
TAX_ID_FIELD: dict[Country, TaxIdKind] = {"RU": "inn", "BY": "unp", "MD": "idno", "RO": "cui"}


def _country(country: str) -> Country:
    code = country.strip().upper()
    for known in COUNTRIES:
        if code == known:
            return known
    raise RequisiteError("country", "unknown_country", {"value": country})


def validate_tax_id(country: str, value: str) -> TaxId:
    """The country's company tax id: RU INN, BY UNP, MD IDNO, RO CUI."""
    return _TAX_ID_VALIDATORS[_country(country)](value)


# A label in front of a bare number narrows the countries; "RO" glued or spaced before digits
# is both a label and the VAT marker, so it stays in the text given to validate_cui.
_DETECT_LABELS: tuple[tuple[re.Pattern[str], tuple[Country, ...]], ...] = (
    (_INN_LABEL, ("RU",)),
    (_UNP_LABEL, ("BY",)),
    (_label_re("IDNO"), ("MD",)),
    (_label_re("cod fiscal"), ("MD", "RO")),
    (_label_re("CUI", "CIF", "C.U.I.", "C.I.F."), ("RO",)),
)
_RO_PREFIX = re.compile(r"^\s*RO\s*(?=[0-9])", re.I)
_UNP_LETTERS = re.compile(r"[A-ZА-ЯЁ]{2}[0-9]{7}")
# Unlabelled, a Romanian CUI is only guessed from 6 digits up: shorter ones exist, but a bare
# "15" is far more likely a quantity than a company.
_MIN_BARE_CUI = 6
_BARE_TAX_ID_LENGTHS = (8, 9, 10, 12, 13)


def _split_label(text: str) -> tuple[tuple[Country, ...], str, bool]:
    for pattern, countries in _DETECT_LABELS:
        match = pattern.match(text)
        if match:
            return countries, text[match.end() :], True
    if _RO_PREFIX.match(text):
        return ("RO",), text, True
    return COUNTRIES, text, False


def detect_tax_id(text: str) -> list[TaxId]:
    """Every country where `text` (a bare id, maybe labelled: "ИНН 7707083893", "RO 18547290")
    is a checksum-valid company tax id, in the order RU, BY, MD, RO. Empty if none."""
    countries, body, labelled = _split_label(text)
    compact = _SEPARATORS.sub("", body).upper()
    if not compact:
        return []
    found: list[TaxId] = []
    for country in countries:
        if country == "RO" and not labelled and len(compact) < _MIN_BARE_CUI:
            continue
        try:
            found.append(validate_tax_id(country, body))
        except RequisiteError:
            continue
    return found


def looks_like_tax_id(text: str) -> bool:
    """Whether a message is shaped like a tax id, so a failed check is worth reporting rather
    than ignoring: a label ("ИНН", "УНП", "IDNO", "CUI", "RO") before digits, or a bare run of
    8, 9, 10, 12 or 13 digits (a leading 0 only for 10/12, a Russian region code)."""
    if text.strip().startswith("+"):  # a phone number
        return False
    if detect_tax_id(text):
        return True
    _, body, labelled = _split_label(text)
    compact = _SEPARATORS.sub("", body).upper()
    if labelled:
        return any(c.isdigit() for c in compact)
    if _UNP_LETTERS.fullmatch(compact):
        return True
    if not _ASCII_DIGITS.fullmatch(compact) or len(compact) not in _BARE_TAX_ID_LENGTHS:
        return False
    return compact[0] != "0" or len(compact) in (10, 12)


# --- Everything together --------------------------------------------------------------------

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
