"""ABC / XYZ analysis of clients or products (issue 14, report c). Pure: plain values in, plain
values out. All amounts are integer minor units of ONE currency (the caller never mixes
currencies); no float anywhere: the classes come from exact integer comparisons, the shown
figures are Decimals.

ABC, by revenue share (A 80 %, B 15 %, C 5 %):
  * items are sorted by revenue, largest first; equal revenues by name, then id;
  * `total` is the sum of the positive revenues; an item's cumulative share is the revenue of
    the items before it plus its own, over `total`;
  * an item is A if its cumulative share is at most 80 %, and so is the first item that
    crosses 80 % (so there is always an A when anything sold): exactly, A when the cumulative
    share BEFORE it is below 80 %;
  * likewise B when the cumulative share before it is below 95 % (80 + 15);
  * the rest are C, as is any item with no positive revenue (it adds nothing to the total).

XYZ, by the coefficient of variation of monthly purchases over N months (6 or 12; a month
with no purchase is a 0 in the series):
  * mean = S / N, population standard deviation = sqrt(sum((x - mean)^2) / N)
    = sqrt(N*Q - S^2) / N, where S = sum(x), Q = sum(x^2);
  * CV = deviation / mean; X when CV <= 10 %, Y when CV <= 25 %, Z otherwise;
  * an item whose mean is 0 (or below) is Z and has no CV;
  * the test CV <= t is done exactly as 100^2 * (N*Q - S^2) <= t^2 * S^2 (t in percent).

The matrix: for each of the nine cells AX ... CZ, how many items and how much revenue.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import isqrt
from typing import Final, Protocol

ABC_A: Final = 80  # percent of revenue, cumulative
ABC_B: Final = 95  # 80 + 15
XYZ_X: Final = 10  # CV, percent
XYZ_Y: Final = 25
ABC_CLASSES: Final = ("A", "B", "C")
XYZ_CLASSES: Final = ("X", "Y", "Z")
CELLS: Final = tuple(a + x for a in ABC_CLASSES for x in XYZ_CLASSES)


@dataclass(frozen=True, slots=True)
class Item:
    """A client or a product: its revenue in the report's period and its purchases in each of
    the last N months (oldest first), all in minor units of one currency."""

    id: int
    name: str
    revenue_minor: int
    monthly_minor: tuple[int, ...] = ()


class Priced(Protocol):
    """What `analyse` reads of an item: an `Item`, or any object with the same attributes
    (the report passes the repository's rows as they are, not a copy of each)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def revenue_minor(self) -> int: ...
    @property
    def monthly_minor(self) -> tuple[int, ...]: ...


@dataclass(frozen=True, slots=True)
class Row:
    """One item classified. `share`/`cumulative` are percent of the total revenue, `mean` and
    `deviation` minor units per month, `cv` percent (None when the mean is 0); all rounded
    half-up to 0.01 for showing (the classes come from exact arithmetic)."""

    id: int
    name: str
    revenue_minor: int
    share: Decimal
    cumulative: Decimal
    abc: str
    mean: Decimal
    deviation: Decimal
    cv: Decimal | None
    xyz: str

    @property
    def cell(self) -> str:
        return self.abc + self.xyz


@dataclass(frozen=True, slots=True)
class Cell:
    code: str  # "AX" ... "CZ"
    count: int
    revenue_minor: int


@dataclass(frozen=True, slots=True)
class Analysis:
    """Rows in ABC order (revenue descending, then name, then id), the total revenue and the
    nine cells in the order AX, AY, AZ, BX, ... CZ (empty cells included)."""

    rows: tuple[Row, ...]
    total_minor: int
    cells: tuple[Cell, ...]

    def cell(self, code: str) -> Cell:
        return self.cells[CELLS.index(code)]


def _cents(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator rounded half up to 0.01 (denominator > 0), exactly."""
    if numerator >= 0:
        return Decimal((numerator * 200 + denominator) // (2 * denominator)).scaleb(-2)
    return -_cents(-numerator, denominator)


def _percent(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal("0.00")
    return _cents(part * 100, whole)


def abc_order(items: Iterable[Priced]) -> list[Priced]:
    """Revenue descending; equal revenues by name, then id (a stable, repeatable order)."""
    return sorted(items, key=lambda i: (-i.revenue_minor, i.name, i.id))


def abc_class(before_minor: int, revenue_minor: int, total_minor: int) -> str:
    """The ABC class of an item given the revenue of the items before it in `abc_order`."""
    if revenue_minor <= 0 or total_minor <= 0:
        return "C"
    if before_minor * 100 < ABC_A * total_minor:
        return "A"
    if before_minor * 100 < ABC_B * total_minor:
        return "B"
    return "C"


@dataclass(frozen=True, slots=True)
class Variation:
    mean: Decimal
    deviation: Decimal
    cv: Decimal | None
    xyz: str


def _root_cents(radicand: int, divisor: int) -> Decimal:
    """sqrt(radicand) / divisor rounded half up to 0.01 (radicand >= 0, divisor > 0), exactly:
    floor((2·100·sqrt(r) + d) / 2d) = floor((floor(2·100·sqrt(r)) + d) / 2d) for whole d."""
    return Decimal((isqrt(radicand * 40_000) + divisor) // (2 * divisor)).scaleb(-2)


def variation(monthly_minor: Sequence[int]) -> Variation:
    """Mean, population deviation, CV and XYZ class of a monthly series (see the module).
    Integer arithmetic throughout (the report classifies tens of thousands of items)."""
    n = len(monthly_minor)
    if n == 0:
        raise ValueError("a monthly series needs at least one month")
    s = sum(monthly_minor)
    q = sum(x * x for x in monthly_minor)
    spread = n * q - s * s  # n^2 * variance, an exact integer >= 0
    mean = _cents(s, n)
    deviation = _root_cents(spread, n)  # sqrt(spread) / n
    cv = _root_cents(spread * 10_000, s) if s > 0 else None  # 100 · sqrt(spread) / s
    if s <= 0:
        xyz = "Z"
    elif 100 * 100 * spread <= XYZ_X * XYZ_X * s * s:
        xyz = "X"
    elif 100 * 100 * spread <= XYZ_Y * XYZ_Y * s * s:
        xyz = "Y"
    else:
        xyz = "Z"
    return Variation(mean, deviation, cv, xyz)


# Building a frozen slotted Row through its __init__ costs an object.__setattr__ call per field
# (~5 µs a row); the report classifies tens of thousands of items, so `analyse` fills the slots
# through their descriptors directly (the same effect, the instance stays frozen afterwards).
(_set_id, _set_name, _set_revenue, _set_share, _set_cumulative, _set_abc, _set_mean,
 _set_deviation, _set_cv, _set_xyz) = (
    getattr(Row, name).__set__ for name in ("id", "name", "revenue_minor", "share", "cumulative",
                                            "abc", "mean", "deviation", "cv", "xyz"))
_new_row = object.__new__


def _row(id: int, name: str, revenue_minor: int, share: Decimal, cumulative: Decimal,
         abc: str, mean: Decimal, deviation: Decimal, cv: Decimal | None, xyz: str) -> Row:
    row = _new_row(Row)
    _set_id(row, id)
    _set_name(row, name)
    _set_revenue(row, revenue_minor)
    _set_share(row, share)
    _set_cumulative(row, cumulative)
    _set_abc(row, abc)
    _set_mean(row, mean)
    _set_deviation(row, deviation)
    _set_cv(row, cv)
    _set_xyz(row, xyz)
    return row


def analyse(items: Iterable[Priced]) -> Analysis:
    """ABC and XYZ of every item, and the matrix. Every item must carry the same number of
    months (at least one); otherwise ValueError (a caller's bug, not a user's input).
    The same arithmetic as `abc_class`, `_percent` and `variation`, inlined: the figures are
    identical, only the Decimals of equal values are shared (they are immutable)."""
    ordered = abc_order(items)
    lengths = {len(i.monthly_minor) for i in ordered}
    if len(lengths) > 1 or 0 in lengths:
        raise ValueError(f"every item needs the same, non-zero number of months: {lengths}")
    total = sum(i.revenue_minor for i in ordered if i.revenue_minor > 0)
    n = lengths.pop() if lengths else 1
    cents: dict[int, Decimal] = {}

    def dec(value: int) -> Decimal:
        found = cents.get(value)
        if found is None:
            found = cents[value] = Decimal(value).scaleb(-2)
        return found

    def ratio(numerator: int, denominator: int) -> Decimal:  # _cents, shared Decimals
        if numerator >= 0:
            return dec((numerator * 200 + denominator) // (2 * denominator))
        return -dec((-numerator * 200 + denominator) // (2 * denominator))

    zero = Decimal("0.00")
    a_bound, b_bound = ABC_A * total, ABC_B * total
    x_bound, y_bound = XYZ_X * XYZ_X, XYZ_Y * XYZ_Y
    rows: list[Row] = []
    counts = dict.fromkeys(CELLS, 0)
    sums = dict.fromkeys(CELLS, 0)
    before = 0
    for item in ordered:
        revenue = item.revenue_minor
        counted = revenue if revenue > 0 else 0
        if total > 0:
            share = dec((counted * 20_000 + total) // (2 * total))
            cumulative = dec(((before + counted) * 20_000 + total) // (2 * total))
        else:
            share = cumulative = zero
        if revenue <= 0 or total <= 0:
            abc = "C"
        elif before * 100 < a_bound:
            abc = "A"
        elif before * 100 < b_bound:
            abc = "B"
        else:
            abc = "C"
        s = q = 0
        for x in item.monthly_minor:
            s += x
            q += x * x
        spread = n * q - s * s
        mean = ratio(s, n)
        deviation = dec((isqrt(spread * 40_000) + n) // (2 * n))
        if s > 0:
            cv: Decimal | None = dec((isqrt(spread * 400_000_000) + s) // (2 * s))
            scaled = 10_000 * spread
            ss = s * s
            xyz = "X" if scaled <= x_bound * ss else "Y" if scaled <= y_bound * ss else "Z"
        else:
            cv, xyz = None, "Z"
        rows.append(_row(item.id, item.name, revenue, share, cumulative, abc, mean, deviation,
                         cv, xyz))
        cell = abc + xyz
        counts[cell] += 1
        sums[cell] += revenue
        before += counted
    cells = tuple(Cell(code, counts[code], sums[code]) for code in CELLS)
    return Analysis(tuple(rows), total, cells)
