"""What the reports read from storage (storage/reports/ implements it). Every method
aggregates in the database (GROUP BY, window functions) and returns rows already summed:
nothing here loops over invoices in Python. `q.owner_id` None is the whole team; money is in
minor units of `q.currency` only; `q.organization_id` None is every organization."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from services.reports.model import Named, ReportQuery, SalesRow


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
    # "The report's invoices": issued (numbered, not cancelled), of q.currency, issued within
    # q.period, of q.owner_id / q.organization_id when set. "Received": live allocations of
    # incoming payments that are money (not reversed, ignored or a twin) received in the days
    # given, on the scope's issued invoices of the currency (any issue date).
    async def sales_rows(self, q: ReportQuery, by: str) -> Sequence[SalesRow]:
        """The report's invoices summed: by "total" (one row), "manager" (by name) or
        "client" (largest invoiced first, then name; no client = Named(None, ""))."""
        ...

    async def sales_products(self, q: ReportQuery) -> Sequence[SalesRow]:
        """Their lines by product (free-text lines by name, id None), largest first."""
        ...

    async def invoiced_by_day(self, q: ReportQuery) -> Sequence[tuple[date, int]]: ...

    async def received_by_day(self, q: ReportQuery, start: date, end: date
                              ) -> Sequence[tuple[date, int]]: ...

    async def closed_deals(self, q: ReportQuery, start: datetime, end: datetime
                           ) -> Sequence[tuple[str, str | None, int, int, int]]:
        """Won / lost deals closed in [start, end) in scope, of the currency or without an
        amount: (status, lost_reason, count, count priced in the currency, Σ their amount)."""
        ...

    async def open_by_due(self, q: ReportQuery) -> Sequence[tuple[date | None, int]]:
        """Open parts of the scope's open invoices summed per due date, split as /debts
        (installments paid oldest first; a guarantee letter's date replaces the invoice's)."""
        ...

    async def overdue_by_client(self, q: ReportQuery, today: date) -> Sequence[SalesRow]: ...

    async def plan_rows(self, month: date, currency: str, owner_id: int | None
                        ) -> Sequence[tuple[Named, str | None, int | None]]:
        """Active staff in scope that are managers or have a plan: (who, basis, plan)."""
        ...

    async def invoiced_by_owner(self, q: ReportQuery, start: date, end: date
                                ) -> dict[int, int]:
        """Σ (total − credited) of invoices issued in the days, per owner."""
        ...

    async def received_by_owner(self, q: ReportQuery, start: date, end: date
                                ) -> dict[int, int]: ...

    # --- work reports: funnel, ABC/XYZ, activity (storage/reports/work.py) --------------------
