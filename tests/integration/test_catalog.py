"""The catalog: search, add, CSV import with a report of rejected rows (SQLite, PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.catalog import Price, ProductDraft, parse_vat_code
from services.errors import Forbidden, InvalidInput
from storage import models as m
from storage.uow import Database
from tests.integration.test_invoices import World, make_world

CSV = """sku;name;unit;vat;price;currency;price_list
CH-1;Стул офисный;шт;22;2 500,00;RUB;base
CH-1;Стул офисный;шт;22;25,00;EUR;base
T-9;Стол;шт;10%;1.200,50;RUB;base
;;шт;22;10;RUB;base
B-1;Bad price;pcs;22;12,345;RUB;base
B-2;Bad currency;pcs;22;10;XYZ;base
B-3;Bad VAT;pcs;18;10;RUB;base
CONS;Консультация;ч;без НДС;3000;RUB;base
CH-1;Стул офисный;шт;22;25,00;EUR;base
"""


@pytest.fixture
async def w(db: Database) -> World:
    return await make_world(db)


async def products(db: Database) -> list[tuple[str | None, str, str]]:
    async with db.uow(readonly=True) as uow:
        rows = await uow.session.execute(select(m.Product.sku, m.Product.name,
                                                m.Product.vat_rate).order_by(m.Product.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_csv_import_reports_rejected_rows(w: World) -> None:
    report = await w.catalog.import_csv(w.admin, CSV.encode("utf-8-sig"))
    assert (report.created, report.updated) == (3, 0)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (5, "missing_name"), (6, "bad_price"), (7, "unknown_currency"), (8, "unknown_vat"),
        (10, "duplicate")]
    assert await products(w.db) == [("CH-1", "Стул офисный", "22"), ("T-9", "Стол", "10"),
                                    ("CONS", "Консультация", "none")]
    (chair,) = await w.catalog.search(w.m1, "CH-1")
    assert chair.price("RUB") == Decimal("2500.00") and chair.price("EUR") == Decimal("25.00")
    assert [p.name for p in await w.catalog.search(w.m1, "ст")] == ["Стол", "Стул офисный"]
    assert [p.name for p in await w.catalog.search(w.m1, "СТО")] == ["Стол"]
    # Importing again updates by SKU; Windows-1251 with commas works too.
    again = "sku,name,vat,price,currency\nT-9,Стол большой,22,\"1500,00\",RUB\n"
    report = await w.catalog.import_csv(w.admin, again.encode("cp1251"))
    assert (report.created, report.updated, report.rejected) == (0, 1, ())
    (table,) = await w.catalog.search(w.m1, "T-9")
    assert (table.name, table.vat_code, table.price("RUB")) == ("Стол большой", "22",
                                                                 Decimal("1500.00"))


async def test_import_rights_and_bad_files(w: World) -> None:
    with pytest.raises(Forbidden):
        await w.catalog.import_csv(w.m1, CSV.encode())
    with pytest.raises(InvalidInput) as err:
        await w.catalog.import_csv(w.admin, b"just,some,words\n1,2,3\n")
    assert err.value.code == "csv_no_header"
    async with w.db.uow(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(m.Product)) == 0


async def test_add_product_rules(w: World) -> None:
    draft = ProductDraft(name="  Кресло  ", vat_code="22", sku="K-1",
                         prices=(Price("base", "RUB", Decimal("9990.00")),))
    with pytest.raises(Forbidden):
        await w.catalog.create(w.m1, draft)
    p = await w.catalog.create(w.admin, draft)
    assert (p.name, p.vat_rate, p.price("RUB", "vip")) == ("Кресло", Decimal(22),
                                                           Decimal("9990.00"))
    with pytest.raises(InvalidInput) as err:
        await w.catalog.create(w.admin, draft)
    assert err.value.code == "sku_taken"
    assert await w.catalog.search(w.m1, "%") == []


@pytest.mark.parametrize(("text", "code"), [("22", "22"), ("22 %", "22"), ("0", "0"),
                                            ("Без НДС", "none"), ("none", "none"),
                                            ("10.0", "10"), ("21", "21")])
def test_vat_codes(text: str, code: str) -> None:
    assert parse_vat_code(text) == code


@pytest.mark.parametrize("text", ["18", "abc", "", "22.5", "-5"])
def test_unknown_vat_codes(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_vat_code(text)
