"""Parsing what people type into a document: quantities, prices, line names, currencies,
discounts and due dates. Bad input raises InvalidInput."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from services.errors import InvalidInput
from services.invoices.model import DUE_MAX_DAYS, LINE_NAME_MAX
from services.money import (
    AmountError,
    UnknownCurrencyError,
    check_currency,
    parse_amount,
    parse_percent,
    parse_quantity,
)
from services.text import clean_name as clean_typed_name

# --- parsing what people type ---------------------------------------------------------------


def clean_quantity(text: str) -> Decimal:
    try:
        return parse_quantity(text)
    except AmountError as exc:
        code = "quantity_not_positive" if exc.code in ("not_positive", "negative") else (
            f"quantity_{exc.code}")
        raise InvalidInput(code, field="quantity") from None


def clean_price(text: str, currency: str | None = None) -> Decimal:
    try:
        return parse_amount(text, currency)
    except AmountError as exc:
        raise InvalidInput(f"amount_{exc.code}", field="price") from None


def clean_line_name(text: str) -> str:
    """A document line's name as typed, normalized (services.text)."""
    return clean_typed_name(text, LINE_NAME_MAX)


def clean_currency(text: str) -> str:
    try:
        return check_currency(text)
    except UnknownCurrencyError:
        raise InvalidInput("unknown_currency", field="currency") from None


def parse_discount(text: str, currency: str) -> tuple[Decimal | None, Decimal | None]:
    """"10%" → (10, None); "150" / "1 200,50" → (None, amount); "0" → (None, None)."""
    body = text.strip()
    if body.endswith("%"):
        try:
            percent = parse_percent(body)
        except AmountError as exc:
            code = "discount_over_100" if exc.code == "too_large" else f"amount_{exc.code}"
            raise InvalidInput(code, field="discount") from None
        return (percent, None) if percent else (None, None)
    try:
        amount = parse_amount(body, currency)
    except AmountError as exc:
        raise InvalidInput(f"amount_{exc.code}", field="discount") from None
    return (None, amount) if amount else (None, None)


_DATE_RE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")
_DAYS_RE = re.compile(r"\+?\s*(\d{1,4})(?:\s*(?:d|days?|дн\w*|zile|zi))?", re.I)


def parse_due_date(text: str, today: date) -> date:
    """"25.12.2026", "2026-12-25", or a number of days from today ("10", "+10 days")."""
    body = text.strip()
    m = _DATE_RE.fullmatch(body)
    try:
        if m and m.group(1):
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        elif m:
            day = date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        elif (d := _DAYS_RE.fullmatch(body)) is not None:
            day = today + timedelta(days=int(d.group(1)))
        else:
            raise InvalidInput("bad_date", field="due_date")
    except ValueError:
        raise InvalidInput("bad_date", field="due_date") from None
    if day < today:
        raise InvalidInput("due_in_past", field="due_date")
    if day > today + timedelta(days=DUE_MAX_DAYS):
        raise InvalidInput("due_too_far", field="due_date")
    return day
