"""IBAN (ISO 13616) and SWIFT BIC."""

from __future__ import annotations

import re

from stdnum import bic as std_bic
from stdnum import iban as std_iban
from stdnum import numdb
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.iso7064 import mod_97_10

from services.requisites.model import RequisiteError
from services.requisites.normalize import _BIC_LABEL, _IBAN_LABEL, _prepare, _require_length

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
