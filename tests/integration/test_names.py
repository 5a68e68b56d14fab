"""Every typed name goes through one normalisation (services.text) before it is stored:
clients, contacts, leads, products, organizations, deals, tasks, contracts and document lines,
on SQLite and PostgreSQL. A name made only of zero-width or bidirectional control characters
is refused like a blank one and writes nothing; zero-width joiners, no-break and doubled
spaces are cleaned away."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from services.catalog import Price, ProductDraft
from services.clients import CompanyDraft
from services.companies import clean_step
from services.contracts import ContractService
from services.deals import DealDraft, DealService
from services.errors import InvalidInput
from services.invoices import Line
from services.leads import (
    ConvertChoice,
    InvalidFields,
    LeadDraft,
    LeadService,
    LeadSettings,
    LeadStatus,
)
from services.organizations import DEMO_ORGANIZATIONS
from services.search import SearchService
from services.tasks import TaskDraft, TaskKind, TaskService
from storage import models as m
from storage.deals import sync_pipelines
from storage.uow import Database
from tests.integration.test_invoices import World, make_world
from tests.integration.test_leads import PIPELINES

# A zero-width space, a left-to-right mark and a right-to-left override: nothing visible.
INVISIBLE = "\u200b\u200e\u202e"
# A zero-width joiner inside a word, doubled and no-break spaces, a trailing byte-order mark.
MESSY = " Ро\u200dга  и\u00a0\u00a0копыта\ufeff"
CLEAN = "Рога и копыта"


@dataclass
class Names:
    w: World
    deals: DealService
    leads: LeadService
    tasks: TaskService
    contracts: ContractService

    async def count(self, model: Any) -> int:
        async with self.w.db.uow(readonly=True) as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)

    async def column(self, column: Any) -> list[Any]:
        async with self.w.db.uow(readonly=True) as uow:
            return list(await uow.session.scalars(select(column).order_by(column)))


@pytest.fixture
async def n(db: Database) -> Names:
    w = await make_world(db)
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    deals = DealService(db.uow, w.clock, PIPELINES, "RUB")
    return Names(w, deals, LeadService(db.uow, w.clock, deals,
                                       LeadSettings(default_region="RU")),
                 TaskService(db.uow, w.clock, "Europe/Moscow"),
                 ContractService(db.uow, w.clock))


def refused_as_empty(err: pytest.ExceptionInfo[InvalidInput], field: str = "name") -> bool:
    return (err.value.code, err.value.params.get("field")) == ("empty", field)


async def test_clients(n: Names) -> None:
    before = await n.column(m.Company.name)
    for typed in ("   ", INVISIBLE):
        with pytest.raises(InvalidInput) as err:
            await n.w.clients.create_company(n.w.m1, CompanyDraft(name=typed))
        assert refused_as_empty(err)
        with pytest.raises(InvalidInput) as err:
            n.w.clients.clean_field("name", typed)
        assert refused_as_empty(err)
    assert await n.column(m.Company.name) == before
    company = await n.w.clients.create_company(n.w.m1, CompanyDraft(name=MESSY))
    assert company.name == CLEAN
    assert sorted(await n.column(m.Company.name)) == sorted([*before, CLEAN])
    # Found by the name as it looks, typed with or without the invisible characters.
    search = SearchService(n.w.db.uow, "RU")
    for query in ("рога и", "ро\u200dга\u00a0и"):
        found = await search.search(n.w.m1, query)
        assert [(h.kind, h.name) for h in found.hits] == [("company", CLEAN)], query
    # The legal name in the requisites flow is a company name too.
    assert clean_step("RU", "legal_name", MESSY, {}) == {"legal_name": CLEAN}
    with pytest.raises(InvalidInput) as err:
        clean_step("RU", "legal_name", INVISIBLE, {})
    assert refused_as_empty(err)


async def test_contacts_typed_on_a_deal_and_from_a_converted_lead(n: Names) -> None:
    deal = await n.deals.create(n.w.m1, DealDraft(title="Chairs"))
    with pytest.raises(InvalidInput) as err:
        await n.deals.set_field(n.w.m1, deal.id, "contact", INVISIBLE)
    assert refused_as_empty(err, "contact")
    assert await n.count(m.Contact) == 0
    await n.deals.set_field(n.w.m1, deal.id, "contact", "Мари\u200dя\u00a0 Соколова\u200f")
    await n.deals.set_field(n.w.m1, deal.id, "company", MESSY)
    assert await n.column(m.Contact.name) == ["Мария Соколова"]
    assert CLEAN in await n.column(m.Company.name)

    lead = await n.leads.create(n.w.m1, LeadDraft(contact_name="Пётр\u200b  Иванов",
                                                  company_name="ООО\u00a0«Вектор»\u2069",
                                                  phone="+7 903 555-12-34"))
    await n.leads.set_status(n.w.m1, lead.id, LeadStatus.QUALIFIED)
    done = await n.leads.convert(n.w.m1, lead.id, ConvertChoice.NEW)
    assert (done.contact_name, done.company_name) == ("Пётр Иванов", "ООО «Вектор»")
    assert "Пётр Иванов" in await n.column(m.Contact.name)


async def test_leads(n: Names) -> None:
    for draft in (LeadDraft(contact_name=INVISIBLE, phone="+7 903 555-12-34"),
                  LeadDraft(contact_name="Ivan", company_name=INVISIBLE)):
        with pytest.raises(InvalidInput) as err:
            await n.leads.create(n.w.m1, draft)
        assert err.value.code == "empty"
    for field in ("contact_name", "company_name", "city"):
        with pytest.raises(InvalidInput) as err:
            n.leads.clean_field(field, INVISIBLE)
        assert refused_as_empty(err, field)
    # The website form: a name of invisible characters is a missing name, as a blank one.
    for typed in ("  ", INVISIBLE):
        with pytest.raises(InvalidFields) as fields:
            await n.leads.create_from_web({"name": typed, "phone": "+79035551234"})
        assert fields.value.params["fields"] == {"name": "missing"}
    assert await n.count(m.Lead) == 0
    lead = await n.leads.create(n.w.m1, LeadDraft(contact_name=MESSY, company_name=MESSY,
                                                  city="Ка\u200bзань\u00a0", phone="+79035551234"))
    assert (lead.contact_name, lead.company_name, lead.city) == (CLEAN, CLEAN, "Казань")
    web = await n.leads.create_from_web({"name": "Web\u200d  Client", "phone": "+79035550000"})
    assert web.lead.contact_name == "Web Client"
    assert sorted(await n.column(m.Lead.contact_name)) == sorted([CLEAN, "Web Client"])


async def test_products_typed_and_imported(n: Names) -> None:
    prices = (Price("base", "RUB", Decimal("10.00")),)
    with pytest.raises(InvalidInput) as err:
        await n.w.catalog.create(n.w.admin, ProductDraft(name=INVISIBLE, vat_code="22",
                                                         prices=prices))
    assert refused_as_empty(err)
    with pytest.raises(InvalidInput) as err:
        n.w.catalog.clean_field("name", INVISIBLE)
    assert refused_as_empty(err)
    product = await n.w.catalog.create(n.w.admin, ProductDraft(name=MESSY, vat_code="22",
                                                               unit="\u200bшт\u00a0",
                                                               prices=prices))
    assert (product.name, product.unit) == (CLEAN, "шт")
    csv = (f"sku;name;vat;price;currency\nA-1;{INVISIBLE};22;10;RUB\n;   ;22;10;RUB\n"
           "B-2;Стол\u200d  письменный;22;10;RUB\n")
    report = await n.w.catalog.import_csv(n.w.admin, csv.encode())
    assert [(r.line, r.reason) for r in report.rejected] == [(2, "missing_name"),
                                                             (3, "missing_name")]
    assert await n.column(m.Product.name) == [CLEAN, "Стол письменный"]
    assert [p.name for p in await n.w.catalog.search(n.w.m1, "сто\u200bл")] == [
        "Стол письменный"]


async def test_organizations(n: Names) -> None:
    with pytest.raises(InvalidInput) as err:
        n.w.orgs.clean_field("name", INVISIBLE)
    assert refused_as_empty(err)
    before = await n.count(m.Organization)
    with pytest.raises(InvalidInput) as err:
        await n.w.orgs.create(n.w.admin, replace(DEMO_ORGANIZATIONS["RO"], name=INVISIBLE))
    assert refused_as_empty(err)
    assert await n.count(m.Organization) == before
    org = await n.w.orgs.create(n.w.admin, replace(
        DEMO_ORGANIZATIONS["RO"], name=MESSY, legal_name="Demo\u200b  SRL\u202c",
        bank_name="Banca\u00a0\u00a0Exemplu", director="Ion\u2066 Popescu\u2069"))
    assert org.default_account is not None
    assert (org.name, org.legal_name, org.default_account.bank_name, org.director) == (
        CLEAN, "Demo SRL", "Banca Exemplu", "Ion Popescu")


async def test_deals(n: Names) -> None:
    with pytest.raises(InvalidInput) as err:
        await n.deals.create(n.w.m1, DealDraft(title=INVISIBLE))
    assert refused_as_empty(err, "title")
    with pytest.raises(InvalidInput) as err:
        n.deals.clean_title(INVISIBLE)
    assert refused_as_empty(err, "title")
    assert await n.count(m.Deal) == 0
    deal = await n.deals.create(n.w.m1, DealDraft(title=MESSY))
    assert deal.title == CLEAN
    assert n.deals.clean_title("Офисная\u00a0 мебель\u200b") == "Офисная мебель"
    assert await n.column(m.Deal.title) == [CLEAN]


async def test_tasks_and_contracts(n: Names) -> None:
    when = datetime(2026, 12, 1, 10, tzinfo=UTC)
    with pytest.raises(InvalidInput) as err:
        await n.tasks.create(n.w.m1, TaskDraft(TaskKind.TASK, INVISIBLE, when))
    assert refused_as_empty(err, "title")
    task = await n.tasks.create(n.w.m1, TaskDraft(TaskKind.TASK, MESSY, when))
    assert task.title == CLEAN
    start, end = date(2026, 12, 1), date(2027, 11, 30)
    with pytest.raises(InvalidInput) as err:
        await n.contracts.create(n.w.m1, INVISIBLE, start, end)
    assert refused_as_empty(err, "title")
    assert await n.count(m.Contract) == 0
    contract = await n.contracts.create(n.w.m1, MESSY, start, end)
    assert contract.title == CLEAN


async def test_invoice_and_quote_lines(n: Names) -> None:
    line = Line(name=INVISIBLE, quantity=Decimal(1), unit_price=Decimal("10.00"),
                vat_rate=Decimal(22))
    invoice = await n.w.invoices.create_draft(n.w.m1, n.w.company)
    quote = await n.w.quotes.create_draft(n.w.m1, n.w.company)
    for service, doc in ((n.w.invoices, invoice), (n.w.quotes, quote)):
        with pytest.raises(InvalidInput) as err:
            await service.add_line(n.w.m1, doc.id, line)
        assert refused_as_empty(err)
        edited = await service.add_line(n.w.m1, doc.id, replace(line, name=MESSY))
        assert [x.name for x in edited.lines] == [CLEAN]
        with pytest.raises(InvalidInput) as err:
            await service.update_line(n.w.m1, doc.id, 1, name=INVISIBLE)
        assert refused_as_empty(err)
    assert await n.column(m.DocumentLine.name) == [CLEAN, CLEAN]
