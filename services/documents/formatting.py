"""Number formatting shared by the labels, the payment purpose and the templates (Babel's
CLDR number symbols): quantities without trailing zeros, plain amounts for a payment purpose
line. Money itself is ``services.money.format_money``, as the chat shows it."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from babel.numbers import format_decimal

# CLDR groups Russian thousands with a no-break space (U+00A0); documents and the chat
# (``format_money``) have always used the narrow one (U+202F), as Russian typography does.
_RU_GROUP: Final = ("\u00a0", "\u202f")

# --- formatting helpers shared by the templates --------------------------------------------


def format_quantity(value: Decimal, language: str) -> str:
    """A quantity without trailing zeros: "2", "1,5" (ru, ro), "1.5" (en), "1 000" grouped."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"quantity must be Decimal or int, not {type(value).__name__}")
    # Every decimal the value has, none it does not ("1.50" -> 1,5; "1.2345" stays whole).
    text = format_decimal(Decimal(value), "#,##0.###", locale=language,
                          decimal_quantization=False)
    return text.replace(*_RU_GROUP) if language == "ru" else text


def _plain_amount(value: Decimal, language: str) -> str:
    # For a payment purpose line: no symbols or special spaces (banks' forms choke on them).
    return format_decimal(value, "0.00", locale=language)


def format_rate(value: Decimal, language: str) -> str:
    """An exchange rate as central banks publish it: at least 4 decimals, every one it has
    ("4,9750", "90,1234567" kept whole), grouped as a quantity."""
    text = format_decimal(Decimal(value), "#,##0.0000###", locale=language,
                          decimal_quantization=False)
    return text.replace(*_RU_GROUP) if language == "ru" else text


def format_amount(value: Decimal, language: str) -> str:
    """An amount without a currency sign, grouped, at 2 places: "1 200,00" (ru, ro),
    "1,200.00" (en): the columns of a form that names its currency once (the UPD)."""
    text = format_decimal(value, "#,##0.00", locale=language)
    return text.replace(*_RU_GROUP) if language == "ru" else text
