"""Deals moving through configured pipelines.

Invariants:
- a deal is always in a stage of its own pipeline (none for a pipeline of kind "none");
- strict pipelines move one stage forward at a time; manual ones may jump to any stage; any
  open deal may be lost (with a reason), and won only from a stage where that is allowed;
- a deal enters a stage only when every field that stage requires is filled; otherwise the
  move reports the missing fields and changes nothing;
- every stage change is logged with who and when; closed (won/lost) deals do not move."""

from services.deals.editing import (
    DealService,
)
from services.deals.model import (
    COMPANY_SEARCH_LIMIT,
    EDIT_FIELDS,
    EDITS_SHOWN,
    HISTORY_SHOWN,
    TEXT_MAX,
    TITLE_MAX,
    Advance,
    Deal,
    DealCard,
    DealDraft,
    DealEdit,
    MoveResult,
    StageChange,
    is_filled,
    parse_date,
)
from services.deals.ports import (
    DealMoveUow,
    DealRepository,
    DealUnitOfWork,
)

__all__ = [
    "COMPANY_SEARCH_LIMIT",
    "EDITS_SHOWN",
    "EDIT_FIELDS",
    "HISTORY_SHOWN",
    "TEXT_MAX",
    "TITLE_MAX",
    "Advance",
    "Deal",
    "DealCard",
    "DealDraft",
    "DealEdit",
    "DealMoveUow",
    "DealRepository",
    "DealService",
    "DealUnitOfWork",
    "MoveResult",
    "StageChange",
    "is_filled",
    "parse_date",
]
