"""Deals: the values and pure rules (no I/O)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.dateranges import parse_date as parse_date
from services.tasks import Task

TITLE_MAX = 300
TEXT_MAX = 500


@dataclass(frozen=True, slots=True)
class Deal:
    id: int
    owner_id: int
    pipeline_code: str
    stage_code: str | None
    title: str
    company_id: int | None
    contact_id: int | None
    amount_minor: int | None
    currency: str | None
    status: str  # open | won | lost
    lost_reason: str | None
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    open_tasks: int = 0

    @property
    def version(self) -> str:
        """A short stamp of what a card shows of the deal: a button carries it, and a card
        drawn before a colleague changed or closed the deal is refused as stale."""
        state = (self.status, self.pipeline_code, self.stage_code, self.title,
                 self.amount_minor, self.currency, self.owner_id,
                 self.fields.get("expected_close"), self.updated_at.isoformat())
        return format(zlib.crc32(repr(state).encode()), "08x")


@dataclass(frozen=True, slots=True)
class DealDraft:
    title: str
    company_id: int | None = None
    contact_id: int | None = None
    amount: Decimal | None = None
    currency: str | None = None
    pipeline_code: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    # The user's action that makes it (an alert's or a card's button): once.
    origin_key: str | None = None


@dataclass(frozen=True, slots=True)
class StageChange:
    from_stage: str | None
    to_stage: str | None
    actor_id: int | None
    actor_name: str
    at: datetime
    note: str | None
    # The pipelines of the two stages (they differ when the deal moved to another pipeline).
    from_pipeline: str | None = None
    to_pipeline: str | None = None


@dataclass(frozen=True, slots=True)
class DealEdit:
    """One audited edit of the deal (the card's "Changes" lines)."""

    at: datetime
    actor_name: str
    changes: tuple[tuple[str, str | None, str | None], ...]  # (field, old, new)


@dataclass(frozen=True, slots=True)
class MoveResult:
    deal: Deal
    moved: bool
    target: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DealCard:
    """Everything the deal card shows: the deal, names of its client, contact and manager,
    the next open task, the last stage changes and where it may move now."""

    deal: Deal
    company_name: str | None
    contact_name: str | None
    owner_name: str
    next_task: Task | None
    history: tuple[StageChange, ...]
    targets: tuple[str, ...]
    next_target: str | None
    edits: tuple[DealEdit, ...] = ()


@dataclass(frozen=True, slots=True)
class Advance:
    """A move attempt and the card as it is afterwards."""

    result: MoveResult
    card: DealCard


HISTORY_SHOWN = 5
EDITS_SHOWN = 3
# The fields of the deal card's Edit menu (pipeline and owner have their own steps).
EDIT_FIELDS = ("title", "amount", "currency", "expected_close", "pipeline", "owner")
COMPANY_SEARCH_LIMIT = 8


def is_filled(deal: Deal, name: str) -> bool:
    if name == "amount":
        return deal.amount_minor is not None
    if name == "company":
        return deal.company_id is not None
    if name == "contact":
        return deal.contact_id is not None
    if name == "next_task":
        return deal.open_tasks > 0
    value = deal.fields.get(name)
    return value not in (None, "")
