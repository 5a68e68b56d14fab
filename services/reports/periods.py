"""The period a report covers: a named preset relative to the reader's today, or a typed range.

A `Period` is a run of whole days, `start` and `end` both inclusive. Presets are whole calendar
units containing `today` (or the one before): "this_week" ends on the week's last day even when
that is after today, like "this_month", "quarter" and "year". Typed ranges follow
`services.dateranges` (a date without a year is in today's year) and are at most
`MAX_YEARS` years long.

Errors (InvalidInput, `field="period"`): an unknown preset name is "bad_period"; unreadable text
"bad_date_range"; a date that does not exist (31.02) "bad_date" with `text` the date as typed;
an end before the start "period_reversed"; a range longer than MAX_YEARS "period_too_long" with
`years` the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from services.dateranges import read_range
from services.errors import InvalidInput

MAX_YEARS: Final = 5
MONDAY: Final = 0  # date.weekday() numbering: Monday 0 ... Sunday 6
PRESETS: Final = ("today", "this_week", "last_week", "this_month", "last_month", "quarter",
                  "year")


@dataclass(frozen=True, slots=True)
class Period:
    """Days from `start` to `end`, both inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("period_reversed", field="period")

    @property
    def days(self) -> int:
        """How many days the period holds (1 for a single day)."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same number of days that ends the day before this one starts
        (last week -> the week before; a 31-day month -> the 31 days before it)."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _month_start(day: date, shift: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def _months(first: date, count: int) -> Period:
    return Period(first, _month_start(first, count) - timedelta(days=1))


def preset(name: str, today: date, week_start: int = MONDAY) -> Period:
    """The period a preset names, as of the reader's `today`. A week starts on `week_start`
    (0 Monday ... 6 Sunday); a quarter is January–March, April–June, and so on."""
    if not 0 <= week_start <= 6:
        raise ValueError(f"week_start must be 0..6, not {week_start}")
    if name == "today":
        return Period(today, today)
    if name in ("this_week", "last_week"):
        start = today - timedelta(days=(today.weekday() - week_start) % 7)
        if name == "last_week":
            start -= timedelta(days=7)
        return Period(start, start + timedelta(days=6))
    if name == "this_month":
        return _months(today.replace(day=1), 1)
    if name == "last_month":
        return _months(_month_start(today, -1), 1)
    if name == "quarter":
        return _months(date(today.year, (today.month - 1) // 3 * 3 + 1, 1), 3)
    if name == "year":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31))
    raise InvalidInput("bad_period", field="period")


def _years_later(day: date, years: int) -> date:
    """The same day `years` later; 29.02 goes to 01.03 in a year without one."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def parse_range(text: str, today: date) -> Period:
    """A typed range ("01.10–31.10", "1.10 — 31.10", "01.10.2026–31.10.2026",
    "01.10.26-31.10.26") as a Period; at most MAX_YEARS years: the end must fall before the
    start's day MAX_YEARS years later (01.01.2021–31.12.2025 is allowed, –01.01.2026 is not)."""
    start, end = read_range(text, today)
    if end >= _years_later(start, MAX_YEARS):
        raise InvalidInput("period_too_long", field="period", years=MAX_YEARS)
    return Period(start, end)
