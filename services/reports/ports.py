"""What the reports read from storage (storage/reports/ implements it). Every method
aggregates in the database (GROUP BY, window functions) and returns rows already summed:
nothing here loops over invoices in Python. `q.owner_id` None is the whole team; money is in
minor units of `q.currency` only; `q.organization_id` None is every organization."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from services.reports.drill import DrillDeal, DrillInvoice
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

    async def overdue_by_client(self, q: ReportQuery, today: date, limit: int
                                ) -> tuple[Sequence[SalesRow], int, int]:
        """The `limit` largest overdue debtors, and how many clients and invoices have
        something overdue in all."""
        ...

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
    async def pipeline_stages(self, pipeline: str) -> Sequence[PipelineStage]:
        """The pipeline's stages in position order ([] for an unknown code)."""
        ...

    async def funnel_owners(self, pipeline: str) -> Sequence[int]:
        """Owners of the pipeline's deals (any status, any time)."""
        ...

    async def stage_flow(self, pipeline: str, owner_ids: Sequence[int], start: datetime,
                         end: datetime, currency: str,
                         next_stage: Mapping[int, int]) -> Sequence[StageFlow]:
        """Per owner and stage: distinct deals that entered the stage in [start, end), the
        sum of their current amounts in `currency`, and how many of them entered
        `next_stage[stage]` at or after their first entry in the window."""
        ...

    async def stage_stays(self, pipeline: str, owner_ids: Sequence[int], start: datetime,
                          end: datetime) -> Sequence[StageStay]:
        """Per owner and stage: stays that began in [start, end) and have ended (the next
        logged change of the deal), their count and total seconds."""
        ...

    async def stuck_deals(self, pipeline: str, owner_ids: Sequence[int],
                          before: datetime) -> Sequence[OwnerCount]:
        """Per owner and current stage (`key` = stage id): open deals whose last stage change
        is older than `before`."""
        ...

    async def funnel_closed(self, pipeline: str, owner_ids: Sequence[int], start: datetime,
                            end: datetime) -> Sequence[OwnerCount]:
        """Per owner and status (`key` = "won" | "lost"): deals closed in [start, end)."""
        ...

    async def abc_items(self, q: ReportQuery, subject: str,
                        months: Sequence[date]) -> Sequence[ItemRevenue]:
        """Per client ("clients") or product ("products") with invoices issued in the
        period: its revenue there, and its sums in each calendar month starting on the
        `months` days (first days, oldest first); largest revenue first."""
        ...

    async def lead_contacts(self, owner_ids: Sequence[int], start: datetime,
                            end: datetime) -> Sequence[LeadContacts]:
        """Per owner: leads created in [start, end), how many have a first contact and the
        total seconds to it."""
        ...

    async def activity_counts(self, q: ReportQuery, owner_ids: Sequence[int], start: datetime,
                              end: datetime, now: datetime) -> Sequence[OwnerCount]:
        """Per owner and figure (`key`: "interactions", "tasks_done", "tasks_overdue",
        "invoices_issued"): the counts of the activity report."""
        ...


# --- work reports' rows -------------------------------------------------------------------------

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



@dataclass(frozen=True, slots=True)
class PipelineStage:
    id: int
    code: str
    outcome: str | None


@dataclass(frozen=True, slots=True)
class StageFlow:
    owner_id: int
    stage_id: int
    count: int
    amount_minor: int
    converted: int


@dataclass(frozen=True, slots=True)
class StageStay:
    owner_id: int
    stage_id: int
    stays: int
    seconds: int


@dataclass(frozen=True, slots=True)
class OwnerCount:
    owner_id: int
    key: str | int
    count: int


@dataclass(frozen=True, slots=True)
class ItemRevenue:
    id: int
    name: str
    revenue_minor: int
    monthly_minor: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LeadContacts:
    owner_id: int
    leads: int
    contacted: int
    seconds: int
