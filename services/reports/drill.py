"""Drill-down (issue 14): one manager's deals and invoices of a report's period, a short list
whose rows open the deal card and the invoice card.

Scope is the service's (`ReportService.drill`): a manager may only drill into their own
figures, a head or an admin into anyone's. Invoices are the issued ones (not drafts, not
cancelled) of the period and currency, newest first; deals are those created or closed in the
period. Lists are cut at `LIMIT` rows; the counts say how many there are in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from services.reports.model import Named
from services.reports.periods import Period

LIMIT: Final = 10


@dataclass(frozen=True, slots=True)
class DrillDeal:
    id: int
    title: str
    status: str  # open | won | lost
    amount_minor: int | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class DrillInvoice:
    id: int
    number: str
    client: str
    issue_date: date | None
    total_minor: int
    paid_minor: int
    status: str


@dataclass(frozen=True, slots=True)
class Drill:
    manager: Named
    period: Period
    currency: str
    deals: tuple[DrillDeal, ...]
    deals_count: int
    invoices: tuple[DrillInvoice, ...]
    invoices_count: int

    @property
    def empty(self) -> bool:
        return not self.deals_count and not self.invoices_count
