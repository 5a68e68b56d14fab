"""Quotes (commercial offers): the same line editing as invoices, a validity date, and the
customer's answer.

Invariants:
- statuses: draft → sent → accepted | changes_requested | expired; a quote with changes
  requested (or expired) goes back to draft to be edited and sent again;
- a quote gets its number (series "quote" of the organization) when first sent and keeps it;
- `accept_quote` records the customer's Telegram user id and the time; a quote past its
  validity date cannot be accepted (it becomes expired);
- `invoice_from_quote` turns an accepted quote into an invoice draft with the same lines,
  client, currency, tax mode and discount, in one transaction (optionally issued at once)."""

from services.quotes.model import (
    ACCEPTED,
    CHANGE_REQUEST_MAX,
    CHANGES,
    DRAFT,
    EXPIRED,
    QUOTE_TRANSITIONS,
    SENT,
    VALID_DAYS,
    Quote,
    QuoteCard,
    QuotePage,
)
from services.quotes.ports import (
    QuoteUnitOfWork,
)
from services.quotes.service import (
    QuoteService,
)

__all__ = [
    "ACCEPTED",
    "CHANGES",
    "CHANGE_REQUEST_MAX",
    "DRAFT",
    "EXPIRED",
    "QUOTE_TRANSITIONS",
    "SENT",
    "VALID_DAYS",
    "Quote",
    "QuoteCard",
    "QuotePage",
    "QuoteService",
    "QuoteUnitOfWork",
]
