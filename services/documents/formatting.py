"""Number formatting shared by the labels, the payment purpose and the templates: quantities
without trailing zeros, plain amounts for a payment purpose line."""

from __future__ import annotations

from decimal import Decimal

# --- formatting helpers shared by the templates --------------------------------------------


def format_quantity(value: Decimal, language: str) -> str:
    """A quantity without trailing zeros: "2", "1,5" (ru, ro), "1.5" (en), "1 000" grouped."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"quantity must be Decimal or int, not {type(value).__name__}")
    number = Decimal(value)
    text = f"{number.normalize():f}" if number != number.to_integral() else f"{number:.0f}"
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    group = {"ru": "\u202f", "en": ",", "ro": "."}[language]
    head = len(integer) % 3 or 3
    parts = [integer[:head]] + [integer[i : i + 3] for i in range(head, len(integer), 3)]
    grouped = group.join(parts)
    if not fraction:
        return sign + grouped
    return f"{sign}{grouped}{'.' if language == 'en' else ','}{fraction}"


def _plain_amount(value: Decimal, language: str) -> str:
    # For a payment purpose line: no symbols or special spaces (banks' forms choke on them).
    text = f"{value:.2f}"
    return text if language == "en" else text.replace(".", ",")
