"""What the reports read from storage (storage/reports/ implements it). Every method
aggregates in the database (GROUP BY, window functions) and returns rows already summed:
nothing here loops over invoices in Python. `q.owner_id` None is the whole team; money is in
minor units of `q.currency` only; `q.organization_id` None is every organization."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from services.reports.drill import DrillDeal, DrillInvoice
from services.reports.model import Named


class ReportRepository(Protocol):
    # --- common -------------------------------------------------------------------------------
    async def managers(self, user_id: int | None) -> Sequence[Named]:
        """Active staff (admin, head, manager) by name; only `user_id` when given ([] when
        there is no such active staff member)."""
        ...

    async def currencies(self, owner_id: int | None,
                         organization_id: int | None) -> Sequence[str]:
        """Currencies of issued invoices in scope, most invoices first."""
        ...

    async def organizations(self) -> Sequence[Named]: ...

    # --- plans and pushes -----------------------------------------------------------------------
    async def set_plan(self, user_id: int, month: date, currency: str, basis: str,
                       amount_minor: int, set_by: int, at: datetime) -> None: ...

    async def set_optout(self, user_id: int, kind: str, off: bool, at: datetime) -> None: ...

    # --- money reports: sales, payment calendar, plan vs fact (storage/reports/money.py) ------

    # --- work reports: funnel, ABC/XYZ, activity (storage/reports/work.py) --------------------

    # --- drill-down: one manager's deals and invoices (storage/reports/drill.py) --------------
    async def drill_deals(self, owner_id: int, start: datetime, end: datetime,
                          limit: int) -> tuple[Sequence[DrillDeal], int]:
        """Deals of `owner_id` created or closed in [start, end), newest first (at most
        `limit`), and how many there are."""
        ...

    async def drill_invoices(self, owner_id: int, start: datetime, end: datetime,
                             currency: str, limit: int) -> tuple[Sequence[DrillInvoice], int]:
        """Issued invoices of `owner_id` in `currency` issued in [start, end), newest first
        (at most `limit`), and how many there are."""
        ...
