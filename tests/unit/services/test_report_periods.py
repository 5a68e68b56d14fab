"""The reports' period: presets around week, month, quarter and year edges (leap year
included), every typed spelling of a range, and every bad input with its code."""

from __future__ import annotations

from datetime import date

import pytest

from services.errors import InvalidInput
from services.reports.periods import MAX_YEARS, PRESETS, Period, parse_range, preset

D = date
MONDAY = D(2026, 12, 7)  # a Monday
SUNDAY = D(2026, 12, 13)


def p(a: date, b: date) -> Period:
    return Period(a, b)


@pytest.mark.parametrize(("name", "today", "expected"), [
    ("today", MONDAY, p(MONDAY, MONDAY)),
    ("today", D(2028, 2, 29), p(D(2028, 2, 29), D(2028, 2, 29))),
    # weeks: Monday to Sunday, from either end; across a year end
    ("this_week", MONDAY, p(D(2026, 12, 7), D(2026, 12, 13))),
    ("this_week", SUNDAY, p(D(2026, 12, 7), D(2026, 12, 13))),
    ("last_week", MONDAY, p(D(2026, 11, 30), D(2026, 12, 6))),
    ("last_week", SUNDAY, p(D(2026, 11, 30), D(2026, 12, 6))),
    ("this_week", D(2027, 1, 1), p(D(2026, 12, 28), D(2027, 1, 3))),  # a Friday
    ("last_week", D(2027, 1, 4), p(D(2026, 12, 28), D(2027, 1, 3))),  # a Monday
    ("this_week", D(2028, 2, 29), p(D(2028, 2, 28), D(2028, 3, 5))),  # a Tuesday
    # months: first and last days, February of a leap year, across a year end
    ("this_month", D(2026, 12, 1), p(D(2026, 12, 1), D(2026, 12, 31))),
    ("this_month", D(2026, 12, 31), p(D(2026, 12, 1), D(2026, 12, 31))),
    ("this_month", D(2028, 2, 29), p(D(2028, 2, 1), D(2028, 2, 29))),
    ("this_month", D(2027, 2, 1), p(D(2027, 2, 1), D(2027, 2, 28))),
    ("last_month", D(2028, 3, 1), p(D(2028, 2, 1), D(2028, 2, 29))),
    ("last_month", D(2027, 1, 31), p(D(2026, 12, 1), D(2026, 12, 31))),
    ("last_month", D(2026, 12, 31), p(D(2026, 11, 1), D(2026, 11, 30))),
    # quarters: each edge
    ("quarter", D(2026, 1, 1), p(D(2026, 1, 1), D(2026, 3, 31))),
    ("quarter", D(2026, 3, 31), p(D(2026, 1, 1), D(2026, 3, 31))),
    ("quarter", D(2026, 4, 1), p(D(2026, 4, 1), D(2026, 6, 30))),
    ("quarter", D(2026, 9, 30), p(D(2026, 7, 1), D(2026, 9, 30))),
    ("quarter", D(2026, 10, 1), p(D(2026, 10, 1), D(2026, 12, 31))),
    ("quarter", D(2026, 12, 31), p(D(2026, 10, 1), D(2026, 12, 31))),
    ("quarter", D(2028, 2, 29), p(D(2028, 1, 1), D(2028, 3, 31))),
    # years
    ("year", D(2026, 1, 1), p(D(2026, 1, 1), D(2026, 12, 31))),
    ("year", D(2026, 12, 31), p(D(2026, 1, 1), D(2026, 12, 31))),
    ("year", D(2028, 2, 29), p(D(2028, 1, 1), D(2028, 12, 31))),
])
def test_presets(name: str, today: date, expected: Period) -> None:
    assert preset(name, today) == expected


def test_every_preset_holds_today_but_the_last_ones_end_before_it() -> None:
    for name in PRESETS:
        period = preset(name, MONDAY)
        if name in ("last_week", "last_month"):
            assert period.end < MONDAY
        else:
            assert MONDAY in period


def test_week_starting_on_sunday() -> None:
    assert preset("this_week", SUNDAY, week_start=6) == p(D(2026, 12, 13), D(2026, 12, 19))
    assert preset("this_week", D(2026, 12, 12), week_start=6) == p(D(2026, 12, 6),
                                                                   D(2026, 12, 12))
    assert preset("last_week", SUNDAY, week_start=6) == p(D(2026, 12, 6), D(2026, 12, 12))
    with pytest.raises(ValueError):
        preset("this_week", SUNDAY, week_start=7)


def test_days_and_previous() -> None:
    week = preset("last_week", MONDAY)
    assert week.days == 7
    assert week.previous() == p(D(2026, 11, 23), D(2026, 11, 29))  # the week before
    assert preset("today", D(2028, 3, 1)).previous() == p(D(2028, 2, 29), D(2028, 2, 29))
    feb = preset("this_month", D(2028, 2, 10))
    assert feb.days == 29
    assert feb.previous() == p(D(2028, 1, 3), D(2028, 1, 31))  # the same 29 days before
    assert preset("year", D(2028, 5, 5)).days == 366
    assert preset("year", D(2027, 5, 5)).days == 365
    assert preset("quarter", D(2028, 2, 29)).days == 91
    assert "2026-12-07" not in week  # only dates are in a period


@pytest.mark.parametrize("typed", [
    "01.10–31.10", "01.10-31.10", "1.10 — 31.10", "01.10.2026–31.10.2026",
    "01.10.26-31.10.26", " 01.10 – 31.10 ", "01.10 - 31.10", "1.10—31.10", "01.10−31.10",
    "01.10 по 31.10", "01/10/2026 to 31/10/2026", "01.10 până la 31.10", "01.10–31.10.2026",
    "01.10.2026 - 31.10",
])
def test_typed_ranges(typed: str) -> None:
    assert parse_range(typed, MONDAY) == p(D(2026, 10, 1), D(2026, 10, 31))


def test_typed_ranges_edges() -> None:
    # without a year: today's year, even for a range still to come
    assert parse_range("01.12–31.12", D(2027, 1, 2)) == p(D(2027, 12, 1), D(2027, 12, 31))
    assert parse_range("29.02.28–29.02.28", MONDAY) == p(D(2028, 2, 29), D(2028, 2, 29))
    assert parse_range("01.02–29.02", D(2028, 1, 1)).days == 29
    # at most five years: up to the day before the start's day five years later
    assert parse_range("01.01.2021–31.12.2025", MONDAY).days == 1826
    assert parse_range("29.02.2028–28.02.2033", MONDAY).end == D(2033, 2, 28)


@pytest.mark.parametrize(("typed", "code", "params"), [
    ("вчера", "bad_date_range", {}),
    ("", "bad_date_range", {}),
    ("01.10", "bad_date_range", {}),
    ("01.10–", "bad_date_range", {}),
    ("01.10 31.10", "bad_date_range", {}),
    ("01.10.202–31.10.2026", "bad_date_range", {}),
    ("31.02–01.03", "bad_date", {"text": "31.02"}),
    ("29.02–01.03", "bad_date", {"text": "29.02"}),  # 2026 has no 29 February
    ("01.10.2026–31.02.2026", "bad_date", {"text": "31.02.2026"}),
    ("1.13-2.13", "bad_date", {"text": "1.13"}),
    ("00.10-31.10", "bad_date", {"text": "00.10"}),
    ("31.10–01.10", "period_reversed", {}),
    ("01.10.2026–30.09.2026", "period_reversed", {}),
    ("01.01.27–31.12.26", "period_reversed", {}),
    ("01.01.2021–01.01.2026", "period_too_long", {"years": MAX_YEARS}),
    ("29.02.2028–01.03.2033", "period_too_long", {"years": 5}),
    ("01.01.2000–31.12.2026", "period_too_long", {"years": 5}),
])
def test_bad_ranges(typed: str, code: str, params: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_range(typed, MONDAY)
    assert err.value.code == code
    assert err.value.params == {"field": "period", **params}


def test_bad_preset_and_reversed_period() -> None:
    with pytest.raises(InvalidInput) as err:
        preset("yesterday", MONDAY)
    assert err.value.code == "bad_period"
    with pytest.raises(InvalidInput) as err:
        Period(D(2026, 12, 2), D(2026, 12, 1))
    assert err.value.code == "period_reversed"
