"""Money: parsing what people type, minor units, formatting.

Invariants:

* Money is never a float. In code an amount is a ``Decimal``; in the database it is an integer
  number of minor units plus an ISO 4217 code (``to_minor`` / ``from_minor``).
* Only the currencies in ``CURRENCIES`` exist for the product. All of them have exponent 2.
* ``to_minor`` never rounds: an amount with more decimals than the currency allows is a bug in
  the caller (round first with ``round_money``, which is ROUND_HALF_UP).
* Parsers raise ``AmountError`` with a stable ``code`` that handlers turn into a user message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

# ISO 4217 code -> exponent (number of digits in the minor unit).
CURRENCIES: Final[dict[str, int]] = {
    "RUB": 2,
    "BYN": 2,
    "MDL": 2,
    "RON": 2,
    "EUR": 2,
    "USD": 2,
}

Lang = Literal["ru", "en", "ro"]

# Upper bounds of what a person may type. They keep minor units far inside a signed 64-bit
# column (9.2e18) and the arithmetic far inside Decimal's default 28 digits.
MAX_AMOUNT: Final = Decimal("999999999999.99")
MAX_QUANTITY: Final = Decimal("999999999.999")
MAX_PERCENT: Final = Decimal("100")

AmountErrorCode = Literal[
    "not_a_number", "too_many_decimals", "negative", "too_large", "not_positive"
]


class MoneyError(ValueError):
    """Base class of the errors of this module."""


class AmountError(MoneyError):
    """Text that is not an acceptable amount, quantity or percent; ``code`` says why."""

    def __init__(self, code: AmountErrorCode, text: str = "") -> None:
        super().__init__(f"{code}: {text!r}")
        self.code: AmountErrorCode = code
        self.text = text


class UnknownCurrencyError(MoneyError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown currency: {code!r}")
        self.code = code


class CurrencyMismatchError(MoneyError):
    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"currency mismatch: {left} vs {right}")


def check_currency(code: str) -> str:
    """Return the ISO 4217 code (upper-cased, trimmed) or raise ``UnknownCurrencyError``."""
    if not isinstance(code, str):
        raise UnknownCurrencyError(repr(code))
    normalized = code.strip().upper()
    if normalized not in CURRENCIES:
        raise UnknownCurrencyError(code)
    return normalized


def exponent(currency: str) -> int:
    return CURRENCIES[check_currency(currency)]


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def _require_decimal(value: object, what: str) -> Decimal:
    # bool is an int subclass; float would smuggle binary rounding in. Both are refused.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be Decimal or int, not {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{what} must be finite: {value!r}")
    return result


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, ROUND_HALF_UP (0.005 -> 0.01, -0.005 -> -0.01)."""
    return _require_decimal(amount, "amount").quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion to integer minor units: ``Decimal("12.30"), "RUB" -> 1230``.

    Raises ``ValueError`` when the amount has more decimals than the currency allows: rounding
    is a business decision that belongs to the caller, not to the storage conversion.
    """
    value = _require_decimal(amount, "amount")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more decimals than {currency} allows")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """``1230, "RUB" -> Decimal("12.30")`` (always with the currency's number of decimals)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"minor units must be int, not {type(minor).__name__}")
    exp = exponent(currency)
    return Decimal(minor).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def open_minor(total_minor: int, paid_minor: int, credited_minor: int) -> int:
    """What a client still owes on an invoice, in minor units: its total less the money paid
    and the credit notes issued against it, never below zero. THE one place this is computed
    (receivables, reminders, alerts, matching and the invoice card all read it from here;
    storage's SQL twin is `storage.amounts.open_minor_sql`)."""
    return max(total_minor - paid_minor - credited_minor, 0)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency, always at the currency's minor-unit precision.

    Construction refuses floats, unknown currencies and amounts with too many decimals;
    ``Money(Decimal("1.5"), "rub")`` is stored as ``Money(Decimal("1.50"), "RUB")``.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        currency = check_currency(self.currency)
        amount = _require_decimal(self.amount, "amount")
        quantized = amount.quantize(_quantum(currency))
        if quantized != amount:
            raise ValueError(f"{amount} has more decimals than {currency} allows")
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "amount", quantized)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(from_minor(minor, currency), currency)

    def to_minor(self) -> int:
        return to_minor(self.amount, self.currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def format(self, lang: Lang) -> str:
        return format_money(self.amount, self.currency, lang)


# --- parsing -------------------------------------------------------------------------------

# Every kind of space a phone keyboard or a copy-paste from a bank app produces.
_SPACES: Final = re.compile(r"[ \u00a0\u202f\u2009\u2007\t]+")
_MINUSES: Final = ("-", "\u2212", "\u2013")
_GROUPED: Final = re.compile(r"\d{1,3}(?:[ ]\d{3})*|\d+")


def _split_number(body: str, original: str) -> tuple[str, str]:
    """Return (integer digits, fraction digits) of ``body`` (no sign, spaces as ' ')."""
    if not re.fullmatch(r"[\d ,.]+", body) or not re.search(r"\d", body):
        raise AmountError("not_a_number", original)
    commas, dots = body.count(","), body.count(".")
    decimal_sep: str | None = None
    if commas and dots:
        # "1.200,50" and "1,200.50": the last separator is the decimal one, the other groups.
        decimal_sep = "," if body.rfind(",") > body.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        if body.count(decimal_sep) != 1:
            raise AmountError("not_a_number", original)
        integer, fraction = body.split(decimal_sep)
        integer = _ungroup(integer, group_sep, original)
    elif commas > 1 or dots > 1:
        # "1,200,000" / "1.200.000": the only reading is thousands groups.
        integer, fraction = _ungroup(body, "," if commas else ".", original), ""
    elif commas or dots:
        # A single separator is always the decimal one ("12,5", "1200.50", and also "1,005").
        decimal_sep = "," if commas else "."
        integer, fraction = body.split(decimal_sep)
    else:
        integer, fraction = body, ""
    if integer and not _GROUPED.fullmatch(integer):
        raise AmountError("not_a_number", original)
    if decimal_sep is not None and not fraction.isdigit():
        raise AmountError("not_a_number", original)
    return integer.replace(" ", "") or "0", fraction


def _ungroup(text: str, sep: str, original: str) -> str:
    groups = text.split(sep)
    if not re.fullmatch(r"\d{1,3}", groups[0]) or any(
        not re.fullmatch(r"\d{3}", group) for group in groups[1:]
    ):
        raise AmountError("not_a_number", original)
    return "".join(groups)


def _parse_number(
    text: str, *, max_decimals: int, allow_negative: bool, limit: Decimal
) -> Decimal:
    if not isinstance(text, str):
        raise AmountError("not_a_number", repr(text))
    body = _SPACES.sub(" ", text).strip()
    negative = False
    if body.startswith(_MINUSES):
        negative, body = True, body[1:].lstrip()
    elif body.startswith("+"):
        body = body[1:].lstrip()
    integer, fraction = _split_number(body, text)
    if len(fraction) > max_decimals:
        raise AmountError("too_many_decimals", text)
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    if negative and value != 0:
        if not allow_negative:
            raise AmountError("negative", text)
        value = -value
    if abs(value) > limit:
        raise AmountError("too_large", text)
    return value


def parse_amount(
    text: str, currency: str | None = None, *, allow_negative: bool = False
) -> Decimal:
    """Parse a money amount as typed on a phone; return it at minor-unit precision.

    Accepted: ``"1200"``, ``"1 200,50"``, ``"1 200.50"``, ``"1\\u00a0200,50"`` (any space kind
    as a thousands separator, in groups of three), ``"1.200,50"``, ``"1,200.50"`` (when both
    separators occur the last one is the decimal separator), ``"1,200,000"``, ``"12,5"``,
    ``",5"``, a leading ``+`` or minus sign.

    Ambiguity rule: a separator that occurs exactly once and alone is ALWAYS the decimal
    separator. So ``"1,005"`` and ``"1.200"`` mean 1.005 and 1.200 and are refused for money
    with ``too_many_decimals`` instead of being guessed as 1005 / 1200: a thousandfold error on
    an invoice costs more than asking the user to retype ``1005`` or ``1 005``.

    Errors (``AmountError.code``): ``not_a_number``, ``too_many_decimals`` (more than the
    currency's exponent, 2 for all supported currencies), ``negative`` (unless
    ``allow_negative``), ``too_large`` (above ``MAX_AMOUNT``).
    """
    decimals = exponent(currency) if currency is not None else 2
    value = _parse_number(
        text, max_decimals=decimals, allow_negative=allow_negative, limit=MAX_AMOUNT
    )
    return value.quantize(Decimal(1).scaleb(-decimals))


def parse_quantity(text: str) -> Decimal:
    """Parse a quantity: same syntax as ``parse_amount``, up to 3 decimals, strictly positive.

    ``"1,005"`` is 1.005 here (one separator is the decimal one). Zero and negatives raise
    ``AmountError("not_positive")``; above ``MAX_QUANTITY`` raises ``too_large``.
    The result keeps the typed precision (``"2,50"`` -> ``Decimal("2.50")``).
    """
    value = _parse_number(text, max_decimals=3, allow_negative=True, limit=MAX_QUANTITY)
    if value <= 0:
        raise AmountError("not_positive", text)
    return value


def parse_percent(text: str) -> Decimal:
    """Parse a percent (discount, VAT): 0..100, up to 2 decimals, an optional trailing ``%``.

    Errors: ``not_a_number``, ``too_many_decimals``, ``negative``, ``too_large`` (> 100).
    """
    if not isinstance(text, str):
        raise AmountError("not_a_number", repr(text))
    body = text.strip()
    if body.endswith("%"):
        body = body[:-1]
    return _parse_number(body, max_decimals=2, allow_negative=False, limit=MAX_PERCENT)


# --- formatting ----------------------------------------------------------------------------

NARROW_NBSP: Final = "\u202f"
NBSP: Final = "\u00a0"

_RU_SYMBOLS: Final = {"RUB": "₽", "BYN": "Br", "EUR": "€", "USD": "$"}
_RO_SYMBOLS: Final = {"RON": "lei"}


def _group(integer: str, sep: str) -> str:
    head = len(integer) % 3 or 3
    parts = [integer[:head]] + [integer[i : i + 3] for i in range(head, len(integer), 3)]
    return sep.join(parts)


def format_money(amount: Decimal, currency: str, lang: Lang) -> str:
    """Format for people; rounds HALF_UP to the minor unit first.

    * ru: ``"1 200,50 ₽"``: narrow no-break space (U+202F) between thousands, a comma, then a
      no-break space and the symbol (₽, Br, €, $; the ISO code for MDL and RON).
    * en: ``"RUB 1,200.50"``: the ISO code first (unambiguous on international documents), a
      no-break space, comma thousands, dot decimals.
    * ro: ``"1.200,50 lei"`` for RON, ``"1.200,50 EUR"`` (ISO code) for the others; MDL is
      written ``MDL`` so it is never confused with Romanian lei.

    Negative amounts get a leading ``-``.
    """
    currency = check_currency(currency)
    value = round_money(amount, currency)
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    if lang == "ru":
        number = f"{_group(integer, NARROW_NBSP)},{fraction}"
        return f"{sign}{number}{NBSP}{_RU_SYMBOLS.get(currency, currency)}"
    if lang == "en":
        return f"{sign}{currency}{NBSP}{_group(integer, ',')}.{fraction}"
    if lang == "ro":
        number = f"{_group(integer, '.')},{fraction}"
        return f"{sign}{number}{NBSP}{_RO_SYMBOLS.get(currency, currency)}"
    raise ValueError(f"unsupported language: {lang!r}")
