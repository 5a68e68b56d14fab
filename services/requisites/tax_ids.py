"""Tax ids across countries: validate one country's, detect which countries a bare number fits,
and whether a message is shaped like a tax id at all."""

from __future__ import annotations

import re
from collections.abc import Callable

from services.requisites.by_md_ro import validate_cui, validate_idno, validate_unp
from services.requisites.model import COUNTRIES, Country, RequisiteError, TaxId, TaxIdKind
from services.requisites.normalize import (
    _ASCII_DIGITS,
    _INN_LABEL,
    _SEPARATORS,
    _UNP_LABEL,
    _label_re,
)
from services.requisites.russia import validate_inn


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
