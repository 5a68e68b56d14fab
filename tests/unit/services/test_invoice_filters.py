"""The /invoices filters on the in-memory fakes: the filter in a button, periods typed and
relative to the actor's month (their time zone), overdue, combinations and the scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from services.errors import InvalidInput, NotFound
from services.invoices.filters import (
    InvoiceFilter,
    parse_period,
    period_bounds,
)
from tests.unit.services.conftest import World


def test_a_filter_travels_in_a_button() -> None:
    flt = InvoiceFilter("overdue", 42, "20261101-20261130")
    assert flt.pack() == "overdue.42.20261101-20261130"
    assert len(flt.pack().encode()) <= 40  # with "in:li:0:<offset>:" inside 64 bytes
    assert InvoiceFilter.unpack(flt.pack()) == flt
    assert InvoiceFilter.unpack("paid") == InvoiceFilter("paid")  # an old button
    assert InvoiceFilter.unpack("nonsense.x.yesterday") == InvoiceFilter()
    assert not InvoiceFilter().any and InvoiceFilter(period="this").any


@pytest.mark.parametrize("typed", ["01.11.2026–30.11.2026", "01.11.2026 - 30.11.2026",
                                   "1.11.2026-30.11.2026", "01.11.2026 по 30.11.2026",
                                   "01/11/2026 to 30/11/2026", "01.11.26-30.11.26"])
def test_typed_periods(typed: str) -> None:
    assert parse_period(typed) == "20261101-20261130"


@pytest.mark.parametrize(("typed", "code"), [
    ("вчера", "bad_date_range"), ("31.02.2026–01.03.2026", "bad_date_range"),
    ("01.11.2026", "bad_date_range"), ("30.11.2026–01.11.2026", "period_reversed"),
    ("01.11–30.11", "bad_date_range"),  # /invoices wants the year
    ("01.01.2000–01.01.2020", "period_too_long"),
])
def test_bad_periods(typed: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_period(typed)
    assert err.value.code == code


def test_months() -> None:
    today = date(2026, 3, 31)
    assert period_bounds("this", today) == (date(2026, 3, 1), date(2026, 3, 31))
    assert period_bounds("last", today) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds("last", date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert period_bounds("", today) is None


async def test_filters_combine_and_stay_in_scope(w: World) -> None:
    made = []
    for price in ("100.00", "200.00", "300.00"):
        inv = await w.invoices.create_draft(w.m1, w.c1)
        await w.invoices.add_free_line(w.m1, inv.id, "Работы", D(1), D(price))
        made.append(inv.id)
    await w.invoices.issue(w.m1, made[0])
    await w.invoices.issue(w.m1, made[1])
    other = await w.invoices.create_draft(w.m2, w.c2)
    w.db.state.invoices[made[0]]["due_date"] = date(2026, 11, 1)  # overdue on 20.11.2026

    async def ids(flt: InvoiceFilter, actor: object = None) -> list[int]:
        view = await w.invoices.filtered(actor or w.m1, flt, 0, 10)  # type: ignore[arg-type]
        return [i.id for i in view.page.items]

    assert await ids(InvoiceFilter()) == made[::-1]
    assert await ids(InvoiceFilter("draft")) == [made[2]]
    assert await ids(InvoiceFilter("issued")) == [made[1], made[0]]
    assert await ids(InvoiceFilter("overdue")) == [made[0]]
    assert await ids(InvoiceFilter("overdue", w.c1, "this")) == [made[0]]
    assert await ids(InvoiceFilter("all", w.c1, "last")) == []
    view = await w.invoices.filtered(w.m1, InvoiceFilter("issued", w.c1), 0, 10)
    assert view.client_name == "Ромашка" and view.page.sums == {"RUB": D("366.00")}
    with pytest.raises(NotFound):
        await w.invoices.filtered(w.m1, InvoiceFilter(company_id=w.c2), 0, 10)
    assert await ids(InvoiceFilter(), w.m2) == [other.id]
    assert await ids(InvoiceFilter(company_id=w.c2), w.admin) == [other.id]
    # The actor's own month: 30.11.2026 20:00 UTC is already December in Vladivostok.
    w.clock.set(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert await ids(InvoiceFilter(period="this")) == made[::-1]
    far = replace(w.m1, timezone="Asia/Vladivostok")
    assert await ids(InvoiceFilter(period="this"), far) == []
    assert await ids(InvoiceFilter(period="last"), far) == made[::-1]
