"""Russian requisites: INN, KPP, OGRN/OGRNIP, BIK and the 20-digit accounts keyed with the BIK."""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError
from stdnum.ru import inn as std_inn

from services.requisites.model import InnKind, RequisiteError
from services.requisites.normalize import (
    _BIK_LABEL,
    _INN_LABEL,
    _KPP_LABEL,
    _OGRN_LABEL,
    _prepare,
    _require_digits,
    _require_length,
)


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
