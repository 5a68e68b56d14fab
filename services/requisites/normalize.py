"""Shared input handling for every validator: labels stripped, separators removed, length and
digit checks raising RequisiteError."""

from __future__ import annotations

import re

from services.requisites.model import RequisiteError

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
