"""The contract of the invoice, product and lead repositories, the same cases on the
in-memory fakes (tests/fakes), SQLite and PostgreSQL (fixtures shared with
test_repository_contract.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from services.catalog import Price, ProductDraft
from services.clients import CompanyDraft
from services.invoices import Line, line_to_row, price_document
from services.leads import LeadDraft, NewCompany, NewContact
from services.pricing import NO_VAT
from tests.integration.test_repository_contract import T0, Uows, people, store_url, uows

__all__ = ["store_url", "uows"]  # the fixtures, imported for pytest
H = timedelta(hours=1)


async def test_a_draft_is_saved_whole_and_issued_once(uows: Uows) -> None:
    m1, m2, org = await people(uows)
    lines, totals = price_document([Line("Бумага", D(2), D("10.00"), D(22)),
                                    Line("Доставка", D(1), D("5.00"), NO_VAT, "shipping")],
                                   "RUB", "per_line", D(10), None)
    async with uows() as uow:
        company = (await uow.companies.add(m1, CompanyDraft(name="Ромашка"), T0)).id
        doc_id = await uow.invoices.add({"owner_id": m1, "organization_id": org,
                                         "company_id": company, "currency": "RUB",
                                         "status": "draft", "created_at": T0})
        other = await uow.invoices.add({"owner_id": m2, "organization_id": org,
                                        "currency": "EUR", "status": "issued",
                                        "created_at": T0 + H})
        await uow.invoices.save_draft(doc_id, [line_to_row(x, "RUB") for x in lines], totals,
                                      {"discount_percent": D(10), "tax_mode": "per_line"})
        await uow.commit()
    async with uows() as uow:
        assert await uow.invoices.get(doc_id, m2) is None
        doc = await uow.invoices.get(doc_id, m1)
        assert doc is not None
        assert (doc.buyer_name, doc.status, doc.discount_percent) == ("Ромашка", "draft", D(10))
        assert [(x.position, x.name, x.kind, x.quantity, x.vat_rate, x.total)
                for x in doc.lines] == [(1, "Бумага", "item", D(2), D(22), D("21.96")),
                                        (2, "Доставка", "shipping", D(1), NO_VAT, D("5.00"))]
        assert (doc.subtotal, doc.discount_total, doc.vat_total, doc.grand_total) == (
            D("25.00"), D("2.00"), D("3.96"), D("26.96"))
        assert not await uow.invoices.update(doc_id, {"status": "paid"}, expected=["issued"])
        assert await uow.invoices.update(doc_id, {"status": "issued", "number": 1,
                                                  "number_text": "INV-1"}, expected=["draft"])
        assert not await uow.invoices.update(doc_id, {"status": "issued"}, expected=["draft"])
        await uow.commit()
    async with uows(readonly=True) as uow:
        page, total = await uow.invoices.list(None, None, 0, 10)
        mine, mine_total = await uow.invoices.list(m1, ["issued"], 0, 10)
        sums = await uow.invoices.sums_by_currency(None, ["issued", "draft"])
        buyer = await uow.invoices.company_requisites(company)
    assert ([d.id for d in page], total) == ([other, doc_id], 2)  # newest first
    assert page[1].lines == () and page[1].number_text == "INV-1"
    assert ([d.id for d in mine], mine_total) == ([doc_id], 1)
    assert sums == {"RUB": 2696, "EUR": 0}
    assert buyer is not None and (buyer.name, buyer.owner_id, buyer.bank_name) == (
        "Ромашка", m1, None)


async def test_products_are_found_by_sku_or_name_prefix(uows: Uows) -> None:
    await people(uows)

    def draft(name: str, sku: str | None, *prices: Price) -> ProductDraft:
        return ProductDraft(name=name, vat_code="22", sku=sku, prices=prices)

    rub, eur = Price("base", "RUB", D("10.00")), Price("base", "EUR", D("1.50"))
    async with uows() as uow:
        paper = await uow.products.add(draft("Бумага  А4", "P-1", rub, eur))
        await uow.products.add(draft("Ёлочные игрушки", "T_1", rub))
        await uow.products.add(draft("бумага А3", None, rub))
        assert paper.prices == (rub, eur)
        await uow.products.set_prices(paper.id, [Price("base", "RUB", D("12.00")),
                                                 Price("dealer", "RUB", D("9.00"))])
        updated = await uow.products.update(paper.id, draft("Бумага А4+", None))
        await uow.commit()
    assert updated.sku == "P-1"  # no SKU given: the old one stays
    assert sorted((p.price_list, p.currency, p.amount) for p in updated.prices) == [
        ("base", "EUR", D("1.50")), ("base", "RUB", D("12.00")), ("dealer", "RUB", D("9.00"))]
    async with uows(readonly=True) as uow:
        found = [p.name for p in await uow.products.search("БУМАГА", 10)]
        by_sku = [p.name for p in await uow.products.search("P-1", 10)]
        wildcard = await uow.products.search("T%", 10)
        tree = [p.name for p in await uow.products.search("елоч", 10)]
        by_name = await uow.products.by_name("  бумага   а3 ")
        missing = await uow.products.by_sku("P-9")
    assert found == ["бумага А3", "Бумага А4+"]
    assert by_sku == ["Бумага А4+"] and wildcard == [] and tree == ["Ёлочные игрушки"]
    assert by_name is not None and by_name.sku is None and missing is None


async def test_leads_and_the_clients_their_conversion_finds(uows: Uows) -> None:
    m1, m2, _ = await people(uows)
    phone, email = "+79161234567", "anna@example.com"
    async with uows() as uow:
        first = await uow.leads.add(m1, LeadDraft(contact_name="Анна", phone=phone), T0)
        await uow.leads.add(m1, LeadDraft(contact_name="", company_name="ООО Лес",
                                          email=email), T0 + H)
        await uow.leads.add(m2, LeadDraft(contact_name="Пётр", phone=phone), T0 + 2 * H)
        await uow.leads.update(first.id, {"status": "qualified", "contact_name": None}, T0 + H)
        ro = await uow.leads.add_company(m1, NewCompany(name="Firma", tax_id="RO18547290",
                                                        country="RO"), T0)
        ru = await uow.leads.add_company(m1, NewCompany(name="Лес", phone=phone,
                                                        email=email), T0)
        await uow.leads.add_company(m2, NewCompany(name="Чужая", phone=phone), T0)
        contact = await uow.leads.add_contact(m1, NewContact(name="Анна", company_id=ru,
                                                             email=email), T0)
        await uow.leads.fill_contact(contact, {"phone": phone})
        await uow.audit.add(None, "lead.web", "lead", first.id, {"owner_id": m2})
        await uow.commit()
    async with uows(readonly=True) as uow:
        page, total = await uow.leads.list(m1, None, 0, 10)
        qualified, _ = await uow.leads.list(None, "qualified", 0, 10)
        recent = await uow.leads.recent_by_contact(phone, None, T0 + H)
        none = await uow.leads.recent_by_contact(None, None, T0)
        by_tax = await uow.leads.find_companies(m1, None, None, "RO", "18547290")
        by_phone = await uow.leads.find_companies(None, phone, email, None, None)
        contacts = await uow.leads.find_contacts(m1, phone, None)
        last = await uow.leads.last_web_owner()
    assert [x.contact_name for x in page] == ["", ""] and total == 2
    assert [x.id for x in qualified] == [first.id]
    assert recent is not None and recent.owner_id == m2
    assert none is None and last == m2
    assert [(c.id, c.matched_by) for c in by_tax] == [(ro, ("tax_id",))]
    assert [(c.name, c.matched_by) for c in by_phone] == [("Лес", ("phone", "email")),
                                                          ("Чужая", ("phone",))]
    assert [(c.kind, c.id, c.company_id, c.matched_by) for c in contacts] == [
        ("contact", contact, ru, ("phone",))]
