"""Belarus, Moldova and Romania company tax ids: UNP, IDNO, CUI/CIF."""

from __future__ import annotations

from stdnum.by import unp as std_unp
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.md import idno as std_idno
from stdnum.ro import cui as std_cui

from services.requisites.model import RequisiteError
from services.requisites.normalize import (
    _CUI_LABEL,
    _IDNO_LABEL,
    _UNP_LABEL,
    _prepare,
    _require_digits,
    _require_length,
)


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
