"""Leads on a real database: capture rules, qualification, scoped reads, conversion."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.deals import DealService
from services.errors import Conflict, InvalidInput, NotFound
from services.leads import ConvertChoice, LeadDraft, LeadService, LeadSettings
from services.money import UnknownCurrencyError
from services.pipelines import load_pipelines
from services.users import Role, User
from storage import models as m
from storage.deals import sync_pipelines
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")


class Team:
    def __init__(
        self,
        leads: LeadService,
        clients: ClientService,
        admin: User,
        m1: User,
        m2: User,
        db: Database,
    ) -> None:
        self.leads, self.clients, self.admin, self.m1, self.m2, self.db = (
            leads,
            clients,
            admin,
            m1,
            m2,
            db,
        )

    async def count(self, model: Any) -> int:
        async with self.db.uow(readonly=True) as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)

    async def row(self, model: Any, row_id: int | None) -> SimpleNamespace:
        async with self.db.uow(readonly=True) as uow:
            row = await uow.session.get(model, row_id)
            assert row is not None
            return SimpleNamespace(**{c.key: getattr(row, c.key) for c in model.__table__.c})


def lead_service(db: Database, clock: FrozenClock, currency: str = "RUB") -> LeadService:
    return LeadService(
        db.uow,
        clock,
        DealService(db.uow, clock, PIPELINES, currency),
        LeadSettings(default_region="RU"),
    )


@pytest.fixture
async def team(db: Database) -> Team:
    clock = FrozenClock(datetime(2026, 11, 20, 9, tzinfo=UTC))
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(
        2, (await access.create_invite(admin, Role.MANAGER)).token, "M1", None, "en"
    )
    m2 = await access.join(
        3, (await access.create_invite(admin, Role.MANAGER)).token, "M2", None, "en"
    )
    return Team(lead_service(db, clock), ClientService(db.uow, clock, "RU"), admin, m1, m2, db)


async def qualified(team: Team, actor: User, **fields: Any) -> int:
    lead = await team.leads.create(actor, LeadDraft(**fields), allow_missing=("phone",))
    await team.leads.set_status(actor, lead.id, "qualified")
    return lead.id


def test_field_checks_name_the_problem(team: Team) -> None:
    leads = team.leads
    assert leads.clean_field("phone", "8 (912) 345-67-89") == "+79123456789"
    with pytest.raises(InvalidInput) as err:
        leads.clean_field("phone", "call me")
    assert err.value.code == "not_a_number"
    with pytest.raises(InvalidInput) as err:
        leads.clean_field("phone", "0721 234 567")  # Romanian, typed without +40
    assert (err.value.code, err.value.params["dial"]) == ("phone_foreign", "+40")
    with pytest.raises(InvalidInput) as err:
        leads.clean_field("phone", "+7 912 345")
    assert err.value.code == "invalid_phone"
    with pytest.raises(InvalidInput) as err:
        leads.clean_field("email", "ivan@@mail")
    assert err.value.code == "invalid_email"
    assert leads.clean_field("email", "Ivan@Mail.RU") == "ivan@mail.ru"
    with pytest.raises(InvalidInput):
        leads.clean_field("source", "pigeon")


def test_tax_id_shortcut_validates_checksums(team: Team) -> None:
    draft = team.leads.draft_from_tax_id("7707083893")
    assert (draft.country, draft.tax_id) == ("RU", "7707083893")
    ro = team.leads.draft_from_tax_id("RO 18547290")
    assert (ro.country, ro.tax_id, ro.vat_payer) == ("RO", "18547290", True)
    with pytest.raises(InvalidInput) as err:
        team.leads.draft_from_tax_id("7707083894")
    assert (err.value.code, err.value.params["kind"]) == ("tax_id_checksum", "INN")
    with pytest.raises(InvalidInput) as err:
        team.leads.draft_from_tax_id("УНП 100000001")
    assert err.value.params["kind"] == "UNP"


async def test_required_fields_unless_explicitly_skipped(team: Team) -> None:
    with pytest.raises(InvalidInput) as err:
        await team.leads.create(team.m1, LeadDraft(contact_name="Ivan"))
    assert (err.value.code, err.value.params["field"]) == ("lead_missing", "phone")
    assert await team.count(m.Lead) == 0
    lead = await team.leads.create(
        team.m1, LeadDraft(contact_name="Ivan"), allow_missing=("phone",)
    )
    assert lead.phone is None and lead.status == "new"
    with pytest.raises(InvalidInput):  # a lead with nothing to call it by
        await team.leads.create(team.m1, LeadDraft(phone="+79123456789"))


async def test_forwarded_message_is_the_first_interaction(team: Team) -> None:
    draft = team.leads.draft_from_forward(
        "Olga Petrova", "olga_p", 555, False, "Hello, how much is delivery to Chisinau?"
    )
    lead = await team.leads.create(team.m1, draft, allow_missing=("phone",))
    assert (lead.telegram_user_id, lead.telegram_username) == (555, "olga_p")
    async with team.db.uow(readonly=True) as uow:
        rows = (
            await uow.session.execute(
                select(m.Interaction.kind, m.Interaction.lead_id, m.Interaction.text)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("message", lead.id, "Hello, how much is delivery to Chisinau?")
    ]


async def test_statuses_and_scope(team: Team) -> None:
    lead_id = await qualified(team, team.m1, contact_name="Ivan")
    with pytest.raises(NotFound):
        await team.leads.get(team.m2, lead_id)
    with pytest.raises(NotFound):
        await team.leads.set_status(team.m2, lead_id, "junk", "spam")
    assert (await team.leads.get(team.admin, lead_id)).status == "qualified"
    with pytest.raises(InvalidInput):  # junk needs a reason
        await team.leads.set_status(team.m1, lead_id, "junk")
    junk = await team.leads.set_status(team.m1, lead_id, "junk", "  wrong number ")
    assert (junk.status, junk.junk_reason) == ("junk", "wrong number")
    with pytest.raises(Conflict):
        await team.leads.set_status(team.m1, lead_id, "qualified")
    page = await team.leads.list_leads(team.m1, "junk")
    assert [x.id for x in page.items] == [lead_id]
    assert (await team.leads.list_leads(team.m2, "junk")).total == 0
    # Junk leaves the list; its filter shows it (to the admin too).
    assert (await team.leads.list_leads(team.admin)).total == 0
    assert (await team.leads.list_leads(team.admin, "junk")).total == 1


async def test_conversion_needs_a_qualified_lead(team: Team) -> None:
    lead = await team.leads.create(
        team.m1, LeadDraft(contact_name="Ivan"), allow_missing=("phone",)
    )
    with pytest.raises(Conflict) as err:
        await team.leads.convert(team.m1, lead.id)
    assert err.value.code == "lead_not_qualified"


async def test_individual_becomes_contact_and_deal(team: Team) -> None:
    lead_id = await qualified(
        team,
        team.m1,
        contact_name="Ivan Petrov",
        phone="+79123456789",
        topic="Paper for the office",
    )
    conv = await team.leads.convert(team.m1, lead_id)
    assert conv.duplicates == () and conv.deal is not None
    assert conv.company_id is None and conv.created_contact
    assert conv.deal.title == "Paper for the office" and conv.deal.contact_id == conv.contact_id
    lead = await team.leads.get(team.m1, lead_id)
    assert (lead.status, lead.contact_id, lead.deal_id) == (
        "converted",
        conv.contact_id,
        conv.deal.id,
    )
    contact = await team.row(m.Contact, conv.contact_id)
    assert (contact.name, contact.phone, contact.owner_id) == (
        "Ivan Petrov",
        "+79123456789",
        team.m1.id,
    )
    with pytest.raises(Conflict):
        await team.leads.convert(team.m1, lead_id)


async def test_legal_entity_duplicate_by_phone_in_another_format(team: Team) -> None:
    existing = await team.clients.create_company(
        team.m1, CompanyDraft(name="Romashka LLC", phone="+7 912 3456789")
    )
    # Same name, different phone: never a duplicate by name alone.
    await team.clients.create_company(team.m1, CompanyDraft(name="Acme", phone="+79001112233"))
    lead_id = await qualified(
        team,
        team.m1,
        contact_name="Anna",
        company_name="Acme",
        phone="8 (912) 345-67-89",
        email="anna@acme.example",
    )
    conv = await team.leads.convert(team.m1, lead_id)
    assert [(d.kind, d.id, d.matched_by) for d in conv.duplicates] == [
        ("company", existing.id, ("phone",))
    ]
    assert await team.count(m.Deal) == 0  # nothing written while the manager chooses
    merged = await team.leads.convert(team.m1, lead_id, ConvertChoice.MERGE, f"co{existing.id}")
    assert merged.company_id == existing.id and not merged.created_company
    assert merged.carried_over == ("email",)
    company = await team.row(m.Company, existing.id)
    assert (company.email, company.phone) == ("anna@acme.example", "+79123456789")
    contact = await team.row(m.Contact, merged.contact_id)
    assert contact.company_id == existing.id
    assert contact.is_primary  # the company's first contact: documents go to them
    assert merged.deal is not None and merged.deal.company_id == existing.id


async def test_duplicates_only_among_visible_clients(team: Team) -> None:
    await team.clients.create_company(team.m2, CompanyDraft(name="Theirs", phone="+79123456789"))
    lead_id = await qualified(team, team.m1, contact_name="Anna", phone="+79123456789")
    conv = await team.leads.convert(team.m1, lead_id)
    assert conv.duplicates == () and conv.deal is not None
    # A forged target outside the duplicates is NotFound, never used.
    other = await qualified(team, team.m1, contact_name="Boris", phone="+79123456780")
    theirs = await team.clients.list_companies(team.m2)
    with pytest.raises(NotFound):
        await team.leads.convert(team.m1, other, ConvertChoice.USE, f"co{theirs.items[0].id}")


async def test_use_existing_and_create_new_anyway(team: Team) -> None:
    existing = await team.clients.create_company(
        team.m1, CompanyDraft(name="Old Name", email="info@acme.example")
    )
    lead_id = await qualified(
        team, team.m1, contact_name="Anna", company_name="Acme", email="INFO@acme.example"
    )
    use = await team.leads.convert(team.m1, lead_id, ConvertChoice.USE, f"co{existing.id}")
    assert use.company_id == existing.id and use.carried_over == ()
    second = await qualified(
        team, team.m1, contact_name="Olga", company_name="Acme 2", email="info@acme.example"
    )
    new = await team.leads.convert(team.m1, second, ConvertChoice.NEW)
    assert new.created_company and new.company_id != existing.id
    assert await team.count(m.Company) == 2 and await team.count(m.Deal) == 2


async def test_tax_id_lead_converts_to_a_company_with_vat_payer(team: Team) -> None:
    draft = team.leads.draft_from_tax_id("RO18547290")
    lead = await team.leads.create(team.m1, draft, allow_missing=("contact_name", "phone"))
    await team.leads.set_status(team.m1, lead.id, "qualified")
    conv = await team.leads.convert(team.m1, lead.id)
    company = await team.row(m.Company, conv.company_id)
    assert (company.name, company.tax_id, company.country, company.vat_payer) == (
        "CUI 18547290",
        "18547290",
        "RO",
        True,
    )
    assert conv.contact_id is None and conv.deal is not None


async def test_conversion_is_one_transaction(team: Team, db: Database) -> None:
    lead_id = await qualified(
        team, team.m1, contact_name="Anna", company_name="Acme", phone="+79123456789"
    )
    clock = FrozenClock(datetime(2026, 11, 20, 9, tzinfo=UTC))
    broken = lead_service(db, clock, currency="XXX!")  # the deal step fails
    with pytest.raises(UnknownCurrencyError):
        await broken.convert(team.m1, lead_id)
    assert await team.count(m.Company) == 0 and await team.count(m.Contact) == 0
    assert (await team.leads.get(team.m1, lead_id)).status == "qualified"
