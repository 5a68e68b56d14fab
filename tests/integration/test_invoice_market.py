"""The invoice's market fields on a real database (SQLite and PostgreSQL, issue 16): stored as
set, refused when wrong with nothing changed, required at issue, carried by a reissue and
(the tax treatment only) by a repeat."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import Line
from storage.uow import Database
from tests.integration.test_invoices import World, make_world

D = Decimal


@pytest.fixture
async def ro(db: Database) -> World:
    return await make_world(db, "RO")


async def draft_with(w: World, *rates: Decimal, currency: str | None = None) -> int:
    doc = await w.invoices.create_draft(w.m1, w.company, currency=currency)
    for i, rate in enumerate(rates):
        await w.invoices.add_line(w.m1, doc.id, Line(f"Servicii {i}", D(1), D("100"), rate))
    return doc.id


async def test_fields_are_stored_and_refused_when_wrong(ro: World) -> None:
    w = ro
    inv_id = await draft_with(w, D(21), currency="EUR")
    day = w.invoices.today() - timedelta(days=3)
    await w.invoices.set_delivery_date(w.m1, inv_id, day)
    await w.invoices.set_exchange_rate(w.m1, inv_id, D("4.9771"))
    await w.invoices.set_exemption_reason(w.m1, inv_id, "art. 292 alin. (2)")
    before = await w.invoices.get(w.m1, inv_id)
    assert (before.delivery_date, before.exchange_rate, before.vat_exemption_reason) == (
        day, D("4.9771"), "art. 292 alin. (2)")
    with pytest.raises(InvalidInput) as err:
        await w.invoices.set_delivery_date(w.m1, inv_id, day - timedelta(days=400))
    assert err.value.code == "delivery_too_far"
    with pytest.raises(InvalidInput):
        await w.invoices.set_exchange_rate(w.m1, inv_id, D("-1"))
    with pytest.raises(InvalidInput):
        await w.invoices.set_exemption_reason(w.m1, inv_id, " ")
    assert await w.invoices.get(w.m1, inv_id) == before
    # A rate on an invoice in the organization's own currency means nothing: refused.
    own = await draft_with(w, D(21))
    with pytest.raises(Conflict) as conflict:
        await w.invoices.set_exchange_rate(w.m1, own, D("1"))
    assert conflict.value.code == "exchange_rate_not_needed"
    # Another currency drops the rate (it was the rate of EUR).
    fresh = await draft_with(w, currency="EUR")
    await w.invoices.set_exchange_rate(w.m1, fresh, D("4.97"))
    assert (await w.invoices.set_currency(w.m1, fresh, "USD")).exchange_rate is None
    # Another manager's draft is not found.
    with pytest.raises(NotFound):
        await w.invoices.set_exchange_rate(w.m2, inv_id, D("5"))
    assert await w.invoices.get(w.m1, inv_id) == before


async def test_issue_requires_the_rate_and_the_reason_and_a_reissue_keeps_them(
        ro: World) -> None:
    w = ro
    inv_id = await draft_with(w, D(21), D(0), currency="EUR")
    with pytest.raises(InvalidInput) as err:
        await w.invoices.issue(w.m1, inv_id)
    assert (err.value.code, err.value.params) == (
        "exchange_rate_required", {"field": "exchange_rate", "currency": "EUR",
                                   "local": "RON"})
    await w.invoices.set_exchange_rate(w.m1, inv_id, D("4.9771"))
    with pytest.raises(InvalidInput) as err:
        await w.invoices.issue(w.m1, inv_id)
    assert err.value.code == "vat_exemption_reason_required"
    draft = await w.invoices.get(w.m1, inv_id)
    assert (draft.status, draft.number_text) == ("draft", None)
    await w.invoices.set_exemption_reason(w.m1, inv_id, "art. 292 alin. (2) lit. a)")
    issued = await w.invoices.issue(w.m1, inv_id)
    assert issued.status == "issued" and issued.number_text
    again = await w.invoices.reissue(w.m1, inv_id)
    assert (again.status, again.exchange_rate, again.vat_exemption_reason) == (
        "draft", D("4.9771"), "art. 292 alin. (2) lit. a)")


async def test_reverse_charge_needs_no_reason_and_a_repeat_keeps_it(ro: World) -> None:
    w = ro
    inv_id = await draft_with(w, D(21), D(11))
    on = await w.invoices.set_reverse_charge(w.m1, inv_id, True)
    assert [x.vat_rate for x in on.lines] == [D(0), D(0)] and on.vat_total == 0
    issued = await w.invoices.issue(w.m1, inv_id)
    assert issued.reverse_charge and issued.grand_total == D("200.00")
    repeated = (await w.invoices.repeat(w.m1, inv_id)).doc
    assert repeated.reverse_charge and repeated.vat_total == 0
    off = await w.invoices.set_reverse_charge(w.m1, repeated.id, False)
    assert [x.vat_rate for x in off.lines] == [D(21), D(21)]  # typed: the standard rate
    assert off.vat_total == D("42.00")


async def test_a_russian_organization_needs_no_exemption_reason(db: Database) -> None:
    w = await make_world(db)
    inv_id = await draft_with(w, D(0))
    assert (await w.invoices.issue(w.m1, inv_id)).status == "issued"


async def test_a_russian_invoice_in_usd_needs_no_rate(db: Database) -> None:
    """In Russia a foreign-currency invoice is paid at the bank's rate of the payment day:
    issuing asks no rate there (Romania and Moldova do, above)."""
    w = await make_world(db)
    inv_id = await draft_with(w, D(22), currency="USD")
    issued = await w.invoices.issue(w.m1, inv_id)
    assert (issued.status, issued.currency, issued.exchange_rate) == ("issued", "USD", None)
