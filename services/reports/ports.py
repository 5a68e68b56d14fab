"""What the reports read from storage (storage/reports/ implements it). Every method
aggregates in the database (GROUP BY, window functions) and returns rows already summed:
nothing here loops over invoices in Python. `q.owner_id` None is the whole team; money is in
minor units of `q.currency` only; `q.organization_id` None is every organization."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from services.reports.model import Named, ReportQuery


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

    async def closed_deals(self, pipeline: str, owner_ids: Sequence[int], start: datetime,
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
