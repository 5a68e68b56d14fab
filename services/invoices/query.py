"""What the filtered invoice list asks the repository for (`services.invoices.filters`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class InvoiceQuery:
    """A filter resolved for the repository. `start`/`end` (inclusive) bound the issue date;
    a draft (no issue date) counts by its creation, `created_from`/`created_to` (UTC, end
    exclusive)."""

    statuses: tuple[str, ...] | None = None
    company_id: int | None = None
    start: date | None = None
    end: date | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    due_before: date | None = None  # overdue: due date earlier than this
