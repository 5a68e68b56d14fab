"""Editing after creation on the in-memory fakes: products (price per list, VAT, unit, name,
archive), organizations; price lists on drafts; repeating an invoice or a quote at today's
prices. Every refusal leaves the state as it was; every change is audited old → new."""

from __future__ import annotations

import copy
from decimal import Decimal as D
from typing import Any

import pytest

from services.catalog import Price, Product, ProductDraft
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.organizations import OrganizationService
from services.quotes import QuoteService
from tests.unit.services.conftest import World


async def chair(w: World, **prices: str) -> Product:
    extra = tuple(Price(code, "RUB", D(v)) for code, v in prices.items())
    return await w.catalog.create(w.admin, ProductDraft(
        name="Стул", vat_code="22", sku="CH-1", unit="шт",
        prices=(Price("base", "RUB", D("2500.00")), *extra)))


def audit(w: World, action: str) -> list[dict[str, Any]]:
    return [e for e in w.db.state.audit if e["action"] == action]


async def test_a_head_edits_a_product_and_every_change_is_audited(w: World) -> None:
    product = await chair(w)
    head = w.admin  # admins and heads edit; managers do not
    with pytest.raises(Forbidden):
        await w.catalog.edit(w.m1, product.id, "name", "Кресло")
    with pytest.raises(Forbidden):
        await w.catalog.set_price(w.m1, product.id, "base", "RUB", "1")
    with pytest.raises(Forbidden):
        await w.catalog.archive(w.m1, product.id)
    edited = await w.catalog.edit(head, product.id, "name", "  Кресло   офисное ")
    edited = await w.catalog.edit(head, product.id, "vat", "10%")
    edited = await w.catalog.edit(head, product.id, "unit", "компл")
    edited = await w.catalog.set_price(head, product.id, "base", "RUB", "2 700,50")
    edited = await w.catalog.set_price(head, product.id, "Опт", "RUB", "2300")
    edited = await w.catalog.set_price(head, product.id, "опт", "RUB", "2300")  # the same
    assert (edited.name, edited.vat_code, edited.unit) == ("Кресло офисное", "10", "компл")
    assert edited.exact_price("RUB", "base") == D("2700.50")
    assert edited.exact_price("RUB", "Опт") == D("2300.00")
    assert [e["data"]["changes"] for e in audit(w, "product.edit")] == [
        [{"field": "name", "old": "Стул", "new": "Кресло офисное"}],
        [{"field": "vat", "old": "22", "new": "10"}],
        [{"field": "unit", "old": "шт", "new": "компл"}],
        [{"field": "price", "price_list": "base", "currency": "RUB", "old": "2500.00",
          "new": "2700.50"}],
        [{"field": "price", "price_list": "Опт", "currency": "RUB", "old": None,
          "new": "2300.00"}]]
    assert await w.catalog.price_lists(w.m1) == ["base", "Опт"]


@pytest.mark.parametrize(("call", "code"), [
    (("set_price", "base", "RUB", "abc"), "amount_not_a_number"),
    (("set_price", "base", "RUB", "-5"), "amount_negative"),
    (("set_price", "base", "RUB", "1,005"), "amount_too_many_decimals"),
    (("set_price", "base", "XXX", "5"), "unknown_currency"),
    (("set_price", "опт:1", "RUB", "5"), "bad_price_list"),
    (("set_price", "x" * 21, "RUB", "5"), "too_long"),
    (("edit", "vat", "7"), "unknown_vat"),
    (("edit", "name", "   "), "empty"),
    (("edit", "unit", "x" * 17), "too_long"),
    (("edit", "sku", "X"), "unknown_field"),
])
async def test_bad_product_input_is_the_creation_refusal_and_changes_nothing(
        w: World, call: tuple[str, ...], code: str) -> None:
    product = await chair(w)
    before = copy.deepcopy((w.db.state.products, w.db.state.product_prices,
                            w.db.state.audit))
    with pytest.raises(InvalidInput) as err:
        await getattr(w.catalog, call[0])(w.admin, product.id, *call[1:])
    assert err.value.code == code
    assert (w.db.state.products, w.db.state.product_prices, w.db.state.audit) == before


async def test_archived_products_leave_the_list_and_the_picker_until_restored(
        w: World) -> None:
    product = await chair(w)
    archived = await w.catalog.archive(w.admin, product.id)
    assert not archived.is_active
    assert (await w.catalog.page(w.m1)).items == ()
    assert [p.id for p in (await w.catalog.page(w.m1, archived=True)).items] == [product.id]
    assert await w.catalog.search(w.m1, "стул") == []
    assert [p.id for p in await w.catalog.search(w.m1, "стул", archived=True)] == [product.id]
    inv = await w.invoices.create_draft(w.m1, w.c1)
    with pytest.raises(NotFound):
        await w.invoices.add_product(w.m1, inv.id, product.id, D(1))
    await w.catalog.restore(w.admin, product.id)
    assert [p.id for p in await w.catalog.search(w.m1, "стул")] == [product.id]
    assert [e["data"]["changes"] for e in w.db.state.audit
            if e["action"] in ("product.archive", "product.restore")] == [
        [{"field": "status", "old": "active", "new": "archived"}],
        [{"field": "status", "old": "archived", "new": "active"}]]


async def test_the_clients_price_list_prices_new_drafts_and_another_can_be_chosen(
        w: World) -> None:
    product = await chair(w, Опт="2300.00")
    other = await w.catalog.create(w.admin, ProductDraft(
        name="Стол", vat_code="22", prices=(Price("base", "RUB", D("9000.00")),)))
    w.db.state.companies[w.c1]["price_list"] = "Опт"
    inv = await w.invoices.create_draft(w.m1, w.c1)
    assert inv.price_list == "Опт"
    inv = await w.invoices.add_product(w.m1, inv.id, product.id, D(2))
    inv = await w.invoices.add_product(w.m1, inv.id, other.id, D(1))  # none in Опт: base
    inv = await w.invoices.add_free_line(w.m1, inv.id, "Монтаж", D(1), D("500.00"))
    assert [x.unit_price for x in inv.lines] == [D("2300.00"), D("9000.00"), D("500.00")]
    done = await w.invoices.set_price_list(w.m1, inv.id, "base")
    assert [x.unit_price for x in done.doc.lines] == [D("2500.00"), D("9000.00"), D("500.00")]
    assert (done.doc.price_list, done.changed, done.fallback) == ("base", 1, 0)
    assert done.doc.grand_total == D("17690.00")
    back = await w.invoices.set_price_list(w.m1, inv.id, "Опт")
    assert (back.changed, back.fallback) == (1, 1)  # the chair again; the table from base
    assert [x.unit_price for x in back.doc.lines] == [D("2300.00"), D("9000.00"), D("500.00")]
    done = await w.invoices.set_price_list(w.m1, inv.id, "base")
    before = copy.deepcopy((w.db.state.invoices, w.db.state.audit))
    with pytest.raises(InvalidInput) as err:
        await w.invoices.set_price_list(w.m1, inv.id, "Розница")
    assert err.value.code == "unknown_price_list"
    with pytest.raises(NotFound):
        await w.invoices.set_price_list(w.m2, inv.id, "Опт")
    assert (w.db.state.invoices, w.db.state.audit) == before
    quotes = QuoteService(w.db.uow, w.clock, w.invoices, "UTC")
    assert (await quotes.create_draft(w.m1, w.c1)).price_list == "Опт"
    assert (await quotes.create_draft(w.m2, w.c2)).price_list == "base"


async def test_repeat_makes_a_draft_like_the_invoice_at_todays_prices(w: World) -> None:
    product = await chair(w)
    inv = await w.invoices.create_draft(w.m1, w.c1)
    inv = await w.invoices.add_product(w.m1, inv.id, product.id, D(2))
    inv = await w.invoices.add_free_line(w.m1, inv.id, "Монтаж", D(1), D("500.00"))
    inv = await w.invoices.set_discount(w.m1, inv.id, D(10), None)
    inv = await w.invoices.issue(w.m1, inv.id)
    a_draft = await w.invoices.create_draft(w.m1, w.c1)
    with pytest.raises(Conflict) as refused:
        await w.invoices.repeat(w.m1, a_draft.id)
    assert refused.value.code == "repeat_draft"
    await w.catalog.set_price(w.admin, product.id, "base", "RUB", "2600")
    before = copy.deepcopy((w.db.state.invoices, w.db.state.audit))
    with pytest.raises(NotFound):
        await w.invoices.repeat(w.m2, inv.id)
    with pytest.raises(NotFound):
        await w.invoices.repeat_last(w.m2, w.c1)
    assert (w.db.state.invoices, w.db.state.audit) == before
    done = await w.invoices.repeat_last(w.m1, w.c1)
    new = done.doc
    assert (new.status, new.company_id, new.owner_id, new.discount_percent) == (
        "draft", w.c1, w.m1.id, D(10))
    assert [(x.name, x.unit_price) for x in new.lines] == [("Стул", D("2600.00")),
                                                           ("Монтаж", D("500.00"))]
    assert (done.price_list, done.changed, done.fallback) == ("base", 1, 0)
    (entry,) = audit(w, "invoice.repeat")
    assert (entry["entity_id"], entry["company_id"], entry["data"]["from"]) == (
        new.id, w.c1, inv.id)
    with pytest.raises(Conflict) as err:
        await w.invoices.repeat_last(w.m2, w.c2)
    assert err.value.code == "no_last_invoice"


async def test_an_admin_edits_the_organization_as_validated_when_added(w: World) -> None:
    orgs = OrganizationService(w.db.uow, w.clock, 5)
    with pytest.raises(Forbidden):
        await orgs.edit(w.m1, w.org.id, "name", "Другая")
    org = await orgs.edit(w.admin, w.org.id, "address", "Москва, ул. Новая, 1")
    org = await orgs.edit(w.admin, w.org.id, "payment_terms_days", "14")
    org = await orgs.edit(w.admin, w.org.id, "director", "Сидоров С. С.")
    assert (org.address, org.payment_terms_days, org.director) == (
        "Москва, ул. Новая, 1", 14, "Сидоров С. С.")
    before = copy.deepcopy((w.db.state.organizations, w.db.state.audit))
    for field, text, code in (("tax_id", "7707083894", "req_checksum"),
                              ("payment_terms_days", "0", "bad_terms_days"),
                              ("bik", "044525974", "req_account_key"),
                              ("invoice_prefix", "СЧ", "bad_prefix"),
                              ("iban", "RO49AAAA1B31007593840000", "unknown_field")):
        with pytest.raises(InvalidInput) as err:
            await orgs.edit(w.admin, w.org.id, field, text)
        assert err.value.code == code, field
    assert (w.db.state.organizations, w.db.state.audit) == before
    assert [e["data"]["changes"][0]["field"] for e in audit(w, "organization.edit")] == [
        "address", "payment_terms_days", "director"]
    assert audit(w, "organization.edit")[1]["data"]["changes"] == [
        {"field": "payment_terms_days", "old": "5", "new": "14"}]
