"""Document numbers: gapless series per organization, document kind and year.

Invariants:
- a number is taken only inside the unit of work that issues the document, from the series'
  counter row locked for that transaction (`NumberSeriesRepository.take_next`): the numbers of
  a series are 1, 2, 3 ... with no gap and no repeat; a rollback gives the number back;
- drafts have no number; a cancelled document keeps its number (status cancelled);
- `UNIQUE(series_id, number)` in the database backs the counter.

Patterns are `str.format` templates over `prefix`, `yyyy`, `yy` and `seq` (the only one
required), e.g. ``{prefix}-{yyyy}-{seq:05}`` → ``INV-2026-00001``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Protocol

from services.errors import InvalidInput

DEFAULT_PATTERN: Final = "{prefix}-{yyyy}-{seq:05}"
PATTERN_FIELDS: Final = frozenset({"prefix", "yyyy", "yy", "seq"})
PATTERN_MAX: Final = 64
NUMBER_MAX: Final = 64


@dataclass(frozen=True, slots=True)
class AssignedNumber:
    series_id: int
    number: int
    text: str


def validate_pattern(pattern: str) -> str:
    """The pattern, trimmed, or InvalidInput("bad_number_pattern"): unknown fields, no
    `{seq}`, a bad format spec, or a result longer than the column."""
    pattern = pattern.strip()
    if not pattern or len(pattern) > PATTERN_MAX:
        raise InvalidInput("bad_number_pattern", field="number_pattern")
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        raise InvalidInput("bad_number_pattern", field="number_pattern") from None
    names = [name for _, name, _, _ in parsed if name is not None]
    if "seq" not in names or any(n not in PATTERN_FIELDS for n in names):
        raise InvalidInput("bad_number_pattern", field="number_pattern")
    if any(conv for _, name, _, conv in parsed if name is not None):
        raise InvalidInput("bad_number_pattern", field="number_pattern")
    try:
        sample = format_number(pattern, prefix="X" * 16, year=2026, seq=99_999_999)
    except (ValueError, KeyError, IndexError, TypeError):
        raise InvalidInput("bad_number_pattern", field="number_pattern") from None
    if len(sample) > NUMBER_MAX:
        raise InvalidInput("bad_number_pattern", field="number_pattern")
    return pattern


def format_number(pattern: str, *, prefix: str, year: int, seq: int) -> str:
    return pattern.format(prefix=prefix, yyyy=f"{year:04d}", yy=f"{year % 100:02d}", seq=seq)


class NumberSeriesRepository(Protocol):
    async def take_next(self, organization_id: int, kind: str, year: int,
                        prefix: str) -> tuple[int, int]:
        """(series id, next number): the series' counter row is created if missing, locked
        and incremented in the current transaction (see the invariants above)."""
        ...

    async def last_number(self, organization_id: int, kind: str, year: int) -> int: ...


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    """A document issued from an invoice or a credit note in its own series (the act, the
    UPD, the corrective document): numbered once, on first print; reprints keep the number
    and the date."""

    id: int
    organization_id: int
    subject_type: str  # invoice | credit_note
    subject_id: int
    kind: str  # act | upd | correction
    series_id: int
    number: int
    number_text: str
    issue_date: date


class IssuedDocumentRepository(Protocol):
    """`issued_documents`: one row per subject and kind (UNIQUE), one per series and number."""

    async def get(self, subject_type: str, subject_id: int, kind: str
                  ) -> IssuedDocument | None: ...

    async def add(self, *, organization_id: int, subject_type: str, subject_id: int,
                  kind: str, number: AssignedNumber, issue_date: date,
                  created_by: int | None, now: datetime) -> IssuedDocument:
        """Stores the number taken by `assign_number` in the same transaction."""
        ...


class NumberingUow(Protocol):
    """What numbering needs of the issuing use case's unit of work."""

    @property
    def numbering(self) -> NumberSeriesRepository: ...


async def assign_number(uow: NumberingUow, organization_id: int, kind: str, year: int,
                        prefix: str, pattern: str) -> AssignedNumber:
    """Takes the next number of the series (created on first use) inside `uow`'s
    transaction. Call it last before commit: the counter row stays locked until then."""
    series_id, number = await uow.numbering.take_next(organization_id, kind, year, prefix)
    return AssignedNumber(series_id, number,
                          format_number(pattern, prefix=prefix, year=year, seq=number))
