"""A range of days typed by a person: "01.10–31.10", "1.10 — 31.10.2026", "01.10.26-31.10.26",
"01.11.2026 по 30.11.2026", "01/11/2026 to 30/11/2026".

Shared by the /invoices period filter (`services.invoices.filters`) and the reports' period
(`services.reports.periods`); each caller sets its own length limit. Rules:

* two dates joined by a hyphen, an en or em dash (any of U+2010–U+2015, U+2212), "по", "to"
  or "până la", spaces around allowed; a date is day.month[.year] ("." or "/" between);
* a year is 4 digits or 2 (`26` is 2026); a date without one takes `today`'s year, and when
  there is no `today` a year is required;
* unreadable text is InvalidInput "bad_date_range"; a date that does not exist (31.02) is
  "bad_date" with `text` the date as typed; an end before the start is "period_reversed".
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from services.errors import InvalidInput

_DATE: Final = r"(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?"
_RANGE: Final = re.compile(
    rf"\s*{_DATE}\s*(?:[-\u2010-\u2015\u2212]|по|to|până\s+la)\s*{_DATE}\s*", re.IGNORECASE)


def _day(day: str, month: str, year: str | None, today: date | None) -> date:
    if year is None:
        if today is None:
            raise InvalidInput("bad_date_range", field="period")
        full = today.year
    else:
        full = 2000 + int(year) if len(year) == 2 else int(year)
    try:
        return date(full, int(month), int(day))
    except ValueError:
        typed = f"{day}.{month}" + (f".{year}" if year is not None else "")
        raise InvalidInput("bad_date", field="period", text=typed) from None


def read_range(text: str, today: date | None = None) -> tuple[date, date]:
    """The first and last day (both inclusive) of a typed range; see the module's rules."""
    match = _RANGE.fullmatch(text)
    if match is None:
        raise InvalidInput("bad_date_range", field="period")
    d1, m1, y1, d2, m2, y2 = match.groups()
    start, end = _day(d1, m1, y1, today), _day(d2, m2, y2, today)
    if end < start:
        raise InvalidInput("period_reversed", field="period")
    return start, end


def parse_date(text: str) -> date:
    """One typed day: «15.01.2026», «15/01/2026», «15-01-2026» or «2026-01-15»; else
    InvalidInput("bad_date")."""
    text = text.strip()
    for pattern, order in ((r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", "dmy"),
                           (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd")):
        m = re.fullmatch(pattern, text)
        if m:
            a, b, c = (int(x) for x in m.groups())
            d, mth, y = (a, b, c) if order == "dmy" else (c, b, a)
            try:
                return date(y, mth, d)
            except ValueError:
                raise InvalidInput("bad_date", field="date") from None
    raise InvalidInput("bad_date", field="date")
