"""CatalogService on the in-memory fakes: who may add and import, unique SKUs, search, and a
CSV import that writes the good rows and reports the bad ones by line."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from services.catalog import ImportReport, Price, ProductDraft, RejectedRow
from services.errors import Forbidden, InvalidInput, NotFound
from tests.unit.services.conftest import World


def paper(sku: str | None = "P-1", name: str = "Бумага А4") -> ProductDraft:
    return ProductDraft(name=name, vat_code="22%", sku=sku, unit="пачка",
                        prices=(Price("base", "rub", D("350.00")),))


async def test_admins_add_products_and_managers_find_them(w: World) -> None:
    with pytest.raises(Forbidden):
        await w.catalog.create(w.m1, paper())
    product = await w.catalog.create(w.admin, paper())
    assert (product.vat_code, product.unit, product.price("RUB")) == ("22", "пачка",
                                                                     D("350.00"))
    with pytest.raises(InvalidInput) as err:
        await w.catalog.create(w.admin, paper(name="Другая"))
    assert err.value.code == "sku_taken"
    await w.catalog.create(w.admin, paper(sku=None, name="Бумага А3"))
    await w.catalog.create(w.admin, paper(sku="X-9", name="Ёлка"))
    assert [p.name for p in await w.catalog.search(w.m1, "бумага")] == ["Бумага А3",
                                                                        "Бумага А4"]
    assert [p.name for p in await w.catalog.search(w.m1, "P-1")] == ["Бумага А4"]
    assert [p.name for p in await w.catalog.search(w.m1, "елка")] == ["Ёлка"]
    assert await w.catalog.search(w.m1, "   ") == []
    assert (await w.catalog.get(w.m1, product.id)).sku == "P-1"
    with pytest.raises(NotFound):
        await w.catalog.get(w.m1, product.id + 100)


async def test_a_price_finer_than_the_currency_is_refused_before_writing(w: World) -> None:
    bad = ProductDraft(name="Гвозди", vat_code="22", prices=(Price("base", "RUB",
                                                                   D("1.005")),))
    with pytest.raises(ValueError):
        await w.catalog.create(w.admin, bad)
    assert await w.catalog.search(w.m1, "Гвозди") == []


CSV = """sku;name;unit;vat;price;currency;price_list
P-1;Бумага А4 (новая);пачка;22;360,00;RUB;base
P-1;Бумага А4 (новая);пачка;22;4,50;EUR;base
;Скрепки;шт;10;1,20;RUB;
P-2;;шт;22;5;RUB;
P-3;Ручка;шт;7;5;RUB;
P-4;Карандаш;шт;none;abc;RUB;
P-5;Маркер;шт;без НДС;99;RUB;dealer
"""


async def test_csv_import_updates_by_sku_creates_the_rest_and_reports_bad_rows(
        w: World) -> None:
    existing = await w.catalog.create(w.admin, paper())
    with pytest.raises(Forbidden):
        await w.catalog.import_csv(w.m1, CSV.encode())
    report = await w.catalog.import_csv(w.admin, CSV.encode("cp1251"))
    assert report == ImportReport(created=2, updated=1, rejected=(
        RejectedRow(5, "missing_name"), RejectedRow(6, "unknown_vat"),
        RejectedRow(7, "bad_price")))
    updated = await w.catalog.get(w.m1, existing.id)
    assert updated.name == "Бумага А4 (новая)"
    assert (updated.price("RUB"), updated.price("EUR")) == (D("360.00"), D("4.50"))
    (marker,) = await w.catalog.search(w.m1, "Маркер")
    assert marker.vat_code == "none"
    assert (marker.price("RUB", "dealer"), marker.price("RUB")) == (D("99.00"), None)
    assert [p.name for p in await w.catalog.search(w.m1, "P-3")] == []
