"""The /invoices filters: status, client, period and overdue, combinable, with paging.

A filter is a value (`InvoiceFilter`) that travels in a button (`pack`/`unpack`, a few bytes);
the service resolves it against the actor's today and scope into an `InvoiceQuery` for the
repository. Invariants: a manager's filtered list holds only their invoices whatever client
the filter names (a client they do not see is NotFound, nothing listed); "this month" and
"last month" are the actor's months (their time zone, else the service's); a period is at most
`MAX_PERIOD_DAYS` long and never ends before it starts; "overdue" is an open invoice whose due
date has passed (the daily job may not have marked it yet).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from services.dateranges import read_range
from services.errors import Forbidden, InvalidInput, NotFound
from services.invoices.model import OPEN_STATUSES, InvoicePage, S
from services.invoices.query import InvoiceQuery
from services.invoices.reading import InvoiceReading
from services.money import from_minor
from services.users import Actor

if TYPE_CHECKING:
    from services.invoices.ports import InvoiceUnitOfWork

MAX_PERIOD_DAYS: Final = 3660
# Status filter codes -> the statuses they list (None: every status; "overdue" is special).
STATUS_FILTERS: Final[dict[str, tuple[str, ...] | None]] = {
    "all": None,
    "draft": (S.DRAFT,),
    "issued": (S.ISSUED, S.SENT, S.VIEWED),
    "open": tuple(sorted(OPEN_STATUSES)),
    "partial": (S.PARTIALLY_PAID,),
    "paid": (S.PAID,),
    "overdue": tuple(sorted(OPEN_STATUSES)),
    "cancelled": (S.CANCELLED,),
}
PERIODS: Final = ("", "this", "last")  # plus "YYYYMMDD-YYYYMMDD"
_CUSTOM: Final = re.compile(r"(\d{8})-(\d{8})")


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    """What the user chose: a status code of STATUS_FILTERS, a client, a period ("" = any,
    "this" / "last" month, or "YYYYMMDD-YYYYMMDD")."""

    status: str = "all"
    company_id: int = 0
    period: str = ""

    @property
    def any(self) -> bool:
        return self != InvoiceFilter()

    def pack(self) -> str:
        """For a button: "paid.12.this" (no ":" - aiogram's separator)."""
        return f"{self.status}.{self.company_id or ''}.{self.period}"

    @classmethod
    def unpack(cls, text: str) -> InvoiceFilter:
        """The filter in a button; anything unreadable is the part's default (an old
        button's "paid" is the status alone)."""
        status, _, rest = text.partition(".")
        company, _, period = rest.partition(".")
        if status not in STATUS_FILTERS:
            status = "all"
        if period not in PERIODS and not _CUSTOM.fullmatch(period):
            period = ""
        return cls(status, int(company) if company.isdigit() else 0, period)

    def but(self, **changes: object) -> InvoiceFilter:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class FilteredPage:
    page: InvoicePage
    filter: InvoiceFilter
    client_name: str | None = None
    start: date | None = None
    end: date | None = None
    clients: Sequence[tuple[int, str]] = field(default_factory=tuple)


def parse_period(text: str) -> str:
    """"01.11.2026–30.11.2026" (any dash, "по", "to"; a year is required) as a filter's period
    code. A date that does not exist is "bad_date_range" here, like any unreadable period."""
    try:
        start, end = read_range(text)
    except InvalidInput as err:
        if err.code != "bad_date":
            raise
        raise InvalidInput("bad_date_range", field="period") from None
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput("period_too_long", field="period", years=MAX_PERIOD_DAYS // 366)
    return f"{start:%Y%m%d}-{end:%Y%m%d}"


def period_bounds(period: str, today: date) -> tuple[date, date] | None:
    """The first and last day of a period code, months as of `today`."""
    if period == "this":
        start = today.replace(day=1)
    elif period == "last":
        start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    elif match := _CUSTOM.fullmatch(period):
        try:
            return (datetime.strptime(match.group(1), "%Y%m%d").date(),
                    datetime.strptime(match.group(2), "%Y%m%d").date())
        except ValueError:
            return None
    else:
        return None
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start, end


class InvoiceFiltering(InvoiceReading):
    """The filtered /invoices list."""

    def _zone(self, actor: Actor) -> ZoneInfo:
        try:
            return ZoneInfo(actor.timezone) if actor.timezone else self._tz
        except (ValueError, KeyError):
            return self._tz

    async def filtered(self, actor: Actor, flt: InvoiceFilter, offset: int = 0,
                       limit: int = 10) -> FilteredPage:
        """The actor's invoices the filter matches, newest first, with the grand totals per
        currency (cancelled ones only when they are asked for)."""
        if not actor.is_staff:
            raise Forbidden()
        zone = self._zone(actor)
        today = self._clock.now().astimezone(zone).date()
        bounds = period_bounds(flt.period, today)
        statuses = STATUS_FILTERS.get(flt.status)
        query = InvoiceQuery(
            statuses=statuses, company_id=flt.company_id or None,
            start=bounds[0] if bounds else None, end=bounds[1] if bounds else None,
            created_from=(datetime.combine(bounds[0], time(), zone).astimezone(UTC)
                          if bounds else None),
            created_to=(datetime.combine(bounds[1] + timedelta(days=1), time(), zone)
                        .astimezone(UTC) if bounds else None),
            due_before=today if flt.status == "overdue" else None)
        offset = max(0, offset)
        scope = actor.owner_scope()
        async with self._uow(readonly=True) as uow:
            name = await self._client_name(uow, flt.company_id, scope)
            items, total = await uow.invoices.list_filtered(scope, query, offset, limit)
            sums_query = query if statuses else replace(
                query, statuses=tuple(s for s in S if s != S.CANCELLED))
            sums = await uow.invoices.sums_filtered(scope, sums_query)
        page = InvoicePage(items, total, offset, limit,
                           {c: from_minor(v, c) for c, v in sorted(sums.items())})
        return FilteredPage(page, flt, name, bounds[0] if bounds else None,
                            bounds[1] if bounds else None)

    async def _client_name(self, uow: InvoiceUnitOfWork, company_id: int,
                           scope: int | None) -> str | None:
        if not company_id:
            return None
        company = await uow.companies.get(company_id, scope)
        if company is None:
            raise NotFound(entity="company", id=company_id)
        return company.name
