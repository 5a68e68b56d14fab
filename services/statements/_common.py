"""Small helpers the format parsers share: amounts, dates, currencies."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from services.statements.model import StatementError

_AMOUNT_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_CENT = Decimal("0.01")

# Russian account numbers (20 digits) carry the currency in digits 6-8; 810 is the pre-1998
# rouble code that accounts still use.
_NUMERIC_CURRENCIES = {
    "810": "RUB",
    "643": "RUB",
    "840": "USD",
    "978": "EUR",
    "156": "CNY",
    "933": "BYN",
    "498": "MDL",
    "946": "RON",
    "398": "KZT",
    "826": "GBP",
    "756": "CHF",
    "949": "TRY",
    "051": "AMD",
    "860": "UZS",
    "417": "KGS",
    "944": "AZN",
    "981": "GEL",
}
_IBAN_CURRENCIES = {"BY": "BYN", "MD": "MDL", "RO": "RON", "RU": "RUB"}


def parse_amount(
    value: str, line: int | None, field_name: str, *, signed: bool = False
) -> Decimal:
    """Parse "1500", "1500.00", "1500,00", "1 500.00" -> Decimal. More than two meaningful decimals
    or garbage -> bad_amount; a minus where only positive amounts make sense -> negative_amount.
    """
    cleaned = value.strip().replace(" ", "").replace("\u00a0", "")
    if not _AMOUNT_RE.fullmatch(cleaned):
        raise StatementError("bad_amount", line, f"{field_name}={value.strip()}")
    try:
        amount = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise StatementError("bad_amount", line, f"{field_name}={value.strip()}") from exc
    if amount != amount.quantize(_CENT):
        raise StatementError("bad_amount", line, f"{field_name}={value.strip()}")
    if amount < 0 and not signed:
        raise StatementError("negative_amount", line, f"{field_name}={value.strip()}")
    return amount.quantize(_CENT)


def make_date(year: int, month: int, day: int, line: int | None, what: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise StatementError("bad_date", line, what) from exc


def currency_for_account(account: str, default: str = "RUB") -> str:
    account = account.strip().replace(" ", "")
    if len(account) == 20 and account.isdigit():
        return _NUMERIC_CURRENCIES.get(account[5:8], default)
    if len(account) > 2 and account[:2].isalpha():
        return _IBAN_CURRENCIES.get(account[:2].upper(), default)
    return default
