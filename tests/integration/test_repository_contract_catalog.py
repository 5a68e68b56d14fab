"""The contract of what editing the catalog and organizations, price lists and repeat need
from the product, organization and invoice repositories: the same cases on the in-memory
fakes, SQLite and PostgreSQL (fixtures shared with test_repository_contract.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from services.catalog import Price, ProductDraft
from services.clients import CompanyDraft
from tests.integration.test_repository_contract import T0, Uows, people, store_url, uows

__all__ = ["store_url", "uows"]  # the fixtures, imported for pytest
H = timedelta(hours=1)


async def test_products_are_edited_archived_and_paged_by_name(uows: Uows) -> None:
    await people(uows)

    def draft(name: str, *prices: Price) -> ProductDraft:
        return ProductDraft(name=name, vat_code="22", prices=prices)

    async with uows() as uow:
        chair = await uow.products.add(draft("Стул", Price("base", "RUB", D("10.00"))))
        table = await uow.products.add(draft("Стол", Price("Опт", "RUB", D("90.00")),
                                             Price("base", "RUB", D("99.00"))))
        await uow.products.add(draft("Абажур", Price("dealer", "EUR", D("5.00"))))
        await uow.products.set_fields(chair.id, {"name": "Кресло", "unit": "компл",
                                                 "vat_rate": "10"})
        await uow.products.set_fields(table.id, {"is_active": False})
        await uow.commit()
    async with uows(readonly=True) as uow:
        edited = await uow.products.get(chair.id)
        active, total = await uow.products.page(False, 0, 10)
        second, _ = await uow.products.page(False, 1, 1)
        archived, archived_total = await uow.products.page(True, 0, 10)
        found = [p.name for p in await uow.products.search("крес", 10)]
        hidden = await uow.products.search("стол", 10)
        shown = [p.name for p in await uow.products.search("стол", 10, archived=True)]
        lists = list(await uow.products.price_lists())
    assert edited is not None
    assert (edited.name, edited.unit, edited.vat_code, edited.is_active) == (
        "Кресло", "компл", "10", True)
    assert ([p.name for p in active], total) == (["Абажур", "Кресло"], 2)
    assert [p.name for p in second] == ["Кресло"]
    assert ([p.name for p in archived], archived_total) == (["Стол"], 1)
    assert archived[0].exact_price("RUB", "Опт") == D("90.00")
    assert (found, hidden, shown) == (["Кресло"], [], ["Стол"])
    assert lists == ["base", "dealer", "Опт"]


async def test_the_latest_issued_invoice_of_a_client_within_scope(uows: Uows) -> None:
    m1, m2, org = await people(uows)
    async with uows() as uow:
        company = (await uow.companies.add(m1, CompanyDraft(name="Ромашка"), T0)).id
        other = (await uow.companies.add(m1, CompanyDraft(name="Василёк"), T0)).id
        ids = {}
        for key, owner, status, at, client in (
                ("old", m1, "paid", T0, company), ("new", m1, "sent", T0 + H, company),
                ("draft", m1, "draft", None, company),
                ("cancelled", m1, "cancelled", T0 + 3 * H, company),
                ("m2", m2, "issued", T0 + 2 * H, company), ("other", m1, "issued", T0, other)):
            ids[key] = await uow.invoices.add({
                "owner_id": owner, "organization_id": org, "company_id": client,
                "currency": "RUB", "status": status, "created_at": T0, "issued_at": at})
        await uow.commit()
    async with uows(readonly=True) as uow:
        mine = await uow.invoices.last_issued(company, m1)
        anyone = await uow.invoices.last_issued(company, None)
        none = await uow.invoices.last_issued(company + other + 100, None)
        price_list = await uow.products.company_price_list(company)
        doc = await uow.invoices.get(ids["new"], None)
    assert (mine, anyone, none) == (ids["new"], ids["m2"], None)
    assert price_list is None and doc is not None and doc.price_list == "base"


async def test_an_organization_and_its_account_are_updated(uows: Uows) -> None:
    _m1, _m2, org_id = await people(uows)
    async with uows() as uow:
        org = await uow.organizations.get(org_id)
        assert org is not None and org.default_account is not None
        await uow.organizations.update(org_id, {"address": "Москва, ул. Новая, 1",
                                                "payment_terms_days": 14})
        await uow.organizations.update_account(org.default_account.id,
                                               {"bank_name": "АО Банк"})
        await uow.commit()
    async with uows(readonly=True) as uow:
        fresh = await uow.organizations.get(org_id)
    assert fresh is not None and fresh.default_account is not None
    assert (fresh.address, fresh.payment_terms_days, fresh.default_account.bank_name,
            fresh.default_account.account) == (
        "Москва, ул. Новая, 1", 14, "АО Банк", org.default_account.account)
