"""Quotes: the values and pure rules (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from services.invoices import (
    CommercialDoc,
)

VALID_DAYS: Final = 14
CHANGE_REQUEST_MAX: Final = 2000

DRAFT, SENT, ACCEPTED, CHANGES, EXPIRED = ("draft", "sent", "accepted", "changes_requested",
                                           "expired")
QUOTE_TRANSITIONS: Final[Mapping[str, frozenset[str]]] = {
    DRAFT: frozenset({SENT}),
    SENT: frozenset({ACCEPTED, CHANGES, EXPIRED}),
    CHANGES: frozenset({DRAFT}),
    EXPIRED: frozenset({DRAFT}),
    ACCEPTED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Quote(CommercialDoc):
    valid_until: date | None
    accepted_by_telegram_id: int | None
    accepted_at: datetime | None
    change_request: str | None


@dataclass(frozen=True, slots=True)
class QuoteCard:
    """A quote as its card shows it: who accepted it by name (the customer's account)."""

    quote: Quote
    accepted_by: str | None


@dataclass(frozen=True, slots=True)
class QuotePage:
    items: list[Quote]
    total: int
    offset: int
    limit: int
