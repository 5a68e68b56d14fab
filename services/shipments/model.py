"""Shipments: the values and pure rules (no I/O)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Final

from services.errors import InvalidInput

KINDS: Final = ("act", "delivery_note")
MAX_PARTS: Final = 24
PRESETS: Final = ("50_30", "3m")


@dataclass(frozen=True, slots=True)
class InstallmentRow:
    id: int
    invoice_id: int
    due_date: date
    amount_minor: int
    paid_minor: int
    status: str

    @property
    def open_minor(self) -> int:
        return max(self.amount_minor - self.paid_minor, 0)


@dataclass(frozen=True, slots=True)
class Share:
    percent: Decimal
    due: date


@dataclass(frozen=True, slots=True)
class ShipInfo:
    invoice_id: int
    number_text: str
    currency: str
    open_amount: Decimal
    shipped: bool


@dataclass(frozen=True, slots=True)
class Shipped:
    shipment_id: int
    invoice_id: int
    number_text: str
    currency: str
    on_credit: bool
    guarantee_until: date | None
    installments: tuple[tuple[date, Decimal], ...]
    deal_won: bool


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    due: date
    amount: Decimal
    paid: Decimal
    status: str  # open | paid | cancelled (an installment's)
    late: bool  # open past its due date


@dataclass(frozen=True, slots=True)
class Schedule:
    """An invoice's payment schedule, as its installment alert opens it."""

    invoice_id: int
    number_text: str
    currency: str
    lines: tuple[ScheduleLine, ...]


# --- pure rules ------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def preset_schedule(code: str, today: date) -> list[Share]:
    """Quick buttons: "50_30" = 50 % now, 50 % in 30 days; "3m" = three equal monthly."""
    if code == "50_30":
        return [Share(Decimal(50), today), Share(Decimal(50), today + timedelta(days=30))]
    if code == "3m":
        third = Decimal(100) / 3
        return [Share(third, today), Share(third, add_months(today, 1)),
                Share(Decimal(100) - 2 * third, add_months(today, 2))]
    raise InvalidInput("schedule_bad", field="text")


_PART: Final = re.compile(r"^\s*(?P<pct>\d{1,3}(?:[.,]\d{1,2})?)\s*%\s*[:\-–]?\s*(?P<when>.+?)"
                          r"\s*$")
_TODAY: Final = frozenset({"today", "now", "сегодня", "сейчас", "azi", "acum"})


def parse_schedule(text: str, today: date) -> list[Share]:
    """"30%: today; 70%: 20.12.2026" (";" or new lines between parts)."""
    parts = [p for p in re.split(r"[;\n]", text) if p.strip()]
    if not parts or len(parts) > MAX_PARTS:
        raise InvalidInput("schedule_bad", field="text")
    shares: list[Share] = []
    for part in parts:
        found = _PART.match(part)
        if found is None:
            raise InvalidInput("schedule_bad", field="text")
        when = found.group("when").strip().lower()
        if when in _TODAY:
            due = today
        else:
            try:
                due = datetime.strptime(when, "%d.%m.%Y").date()
            except ValueError:
                raise InvalidInput("schedule_bad", field="text") from None
        shares.append(Share(Decimal(found.group("pct").replace(",", ".")), due))
    check_schedule(shares, today)
    return shares


def check_schedule(shares: Sequence[Share], today: date) -> None:
    if not shares or any(s.percent <= 0 for s in shares):
        raise InvalidInput("schedule_bad", field="text")
    if abs(sum((s.percent for s in shares), Decimal(0)) - 100) > Decimal("0.01"):
        raise InvalidInput("schedule_bad", field="text")
    if any(s.due < today for s in shares):
        raise InvalidInput("schedule_past", field="text")


def split_minor(total_minor: int, shares: Sequence[Share]) -> list[tuple[date, int]]:
    """Amounts of each share in minor units, rounded down; the last takes the remainder."""
    out: list[tuple[date, int]] = []
    used = 0
    for i, share in enumerate(shares):
        if i == len(shares) - 1:
            amount = total_minor - used
        else:
            amount = int((Decimal(total_minor) * share.percent / 100)
                         .to_integral_value(ROUND_DOWN))
        used += amount
        out.append((share.due, amount))
    return out


def spread_paid(installments: Sequence[InstallmentRow], paid_minor: int
                ) -> list[tuple[InstallmentRow, int]]:
    """Each installment with what is paid on it, oldest due first."""
    left = paid_minor
    out = []
    for row in sorted(installments, key=lambda r: (r.due_date, r.id)):
        take = min(row.amount_minor, max(left, 0))
        left -= take
        out.append((row, take))
    return out


def installment_updates(rows: Sequence[InstallmentRow], total_minor: int, paid_minor: int
                        ) -> list[tuple[int, int, str]]:
    """(installment id, paid, status) for each installment whose paid amount changes when the
    invoice has `paid_minor` paid. The schedule covers what was open at shipment: money paid
    before it is not in the schedule."""
    before = total_minor - sum(r.amount_minor for r in rows)
    out = []
    for row, paid in spread_paid(rows, paid_minor - before):
        status = "paid" if paid >= row.amount_minor else "open"
        if (paid, status) != (row.paid_minor, row.status):
            out.append((row.id, paid, status))
    return out
