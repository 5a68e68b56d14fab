"""Requisites and reassignment at the service level, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.companies import CompanyService, clean_step, requisite_steps
from services.errors import Conflict, InvalidInput, NotFound
from services.users import Role, User
from storage import models as m
from storage.uow import Database

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SBER = {"country": "RU", "legal_form": "ПАО", "legal_name": "Сбербанк",
        "tax_id": "7707083893", "kpp": "773601001", "ogrn": "1027700132195",
        "legal_address": "Москва, ул. Вавилова, 19", "bik": "044525225",
        "settlement_account": "40702810938000012345",
        "corr_account": "30101810400000000225"}


async def add_user(db: Database, telegram_id: int, role: Role, name: str) -> User:
    async with db.uow() as uow:
        user = await uow.users.add(telegram_id, role, name, None, "en", None)
        await uow.commit()
    return user


@pytest.fixture
async def people(db: Database) -> dict[str, User]:
    return {"ivan": await add_user(db, 11, Role.MANAGER, "Ivan"),
            "petr": await add_user(db, 12, Role.MANAGER, "Petr"),
            "head": await add_user(db, 13, Role.HEAD, "Olga"),
            "admin": await add_user(db, 14, Role.ADMIN, "Anna")}


@pytest.fixture
def companies(db: Database) -> CompanyService:
    return CompanyService(db.uow, FrozenClock(T0))


async def new_company(db: Database, owner: User, name: str = "Ромашка") -> int:
    company = await ClientService(db.uow, FrozenClock(T0), "RU").create_company(
        owner, CompanyDraft(name=name))
    return company.id


async def rows(db: Database, model: Any, **where: Any) -> list[Any]:
    async with db.uow(readonly=True) as uow:
        q = select(*model.__table__.c)
        for key, value in where.items():
            q = q.where(getattr(model, key) == value)
        return list((await uow.session.execute(q.order_by(model.id))).all())


async def test_requisites_saved_with_an_account(db: Database, people: dict[str, User],
                                                companies: CompanyService) -> None:
    cid = await new_company(db, people["ivan"])
    saved = await companies.save_requisites(people["ivan"], cid, SBER)
    assert (saved.name, saved.legal_form, saved.tax_id, saved.kpp) == (
        "Сбербанк", "ПАО", "7707083893", "773601001")
    (company,) = await rows(db, m.Company, id=cid)
    assert company.name_norm == "сбербанк" and company.legal_address.startswith("Москва")
    (account,) = await rows(db, m.CompanyAccount, company_id=cid)
    assert (account.account, account.bik, account.corr_account) == (
        "40702810938000012345", "044525225", "30101810400000000225")
    # Saving again updates, never duplicates the account.
    await companies.save_requisites(people["ivan"], cid, SBER)
    assert len(await rows(db, m.CompanyAccount, company_id=cid)) == 1
    audit = await rows(db, m.AuditEntry, action="company.requisites")
    assert len(audit) == 2 and audit[0].entity_id == cid


@pytest.mark.parametrize(("field", "value", "code"), [
    ("tax_id", "7707083894", "req_checksum"),
    ("settlement_account", "40702810038000012345", "req_account_key"),
    ("corr_account", "30101810400000000226", "req_account_key"),
    ("kpp", "77360100", "req_length"),
])
async def test_bad_requisites_change_nothing(db: Database, people: dict[str, User],
                                             companies: CompanyService, field: str,
                                             value: str, code: str) -> None:
    cid = await new_company(db, people["ivan"])
    with pytest.raises(InvalidInput) as err:
        await companies.save_requisites(people["ivan"], cid, {**SBER, field: value})
    assert err.value.code == code
    (company,) = await rows(db, m.Company, id=cid)
    assert company.tax_id is None and company.name == "Ромашка"
    assert await rows(db, m.CompanyAccount) == []


async def test_requisites_are_scoped(db: Database, people: dict[str, User],
                                     companies: CompanyService) -> None:
    cid = await new_company(db, people["ivan"])
    with pytest.raises(NotFound):
        await companies.requisites(people["petr"], cid)
    with pytest.raises(NotFound):
        await companies.save_requisites(people["petr"], cid, SBER)
    assert (await companies.requisites(people["head"], cid)).name == "Ромашка"


def test_steps_follow_the_answers() -> None:
    assert "kpp" in requisite_steps("RU", {"tax_id": "7707083893"})
    assert "kpp" not in requisite_steps("RU", {"tax_id": "500100732259"})
    assert requisite_steps("RU", {"bik": None})[-1] == "bik"
    assert requisite_steps("RO", {"iban": None})[-1] == "iban"
    assert clean_step("RO", "tax_id", "RO 18547290", {}) == {"tax_id": "18547290",
                                                              "vat_payer": True}
    assert clean_step("RO", "tax_id", "18547290", {})["vat_payer"] is False
    with pytest.raises(InvalidInput) as err:
        clean_step("RU", "settlement_account", "40702810038000012345", {"bik": "044525225"})
    assert err.value.code == "req_account_key" and err.value.params["bik"] == "044525225"
    with pytest.raises(InvalidInput) as form:
        clean_step("RU", "legal_form", "SRL", {})
    assert form.value.code == "bad_legal_form"


async def seed_company_world(db: Database, owner: User, cid: int) -> None:
    """A contact, an open and a won deal, an open and a converted lead, an unpaid and a paid
    invoice, all on the company."""
    async with db.uow() as uow:
        s = uow.session
        pipeline = m.Pipeline(code="sales", name="Sales", kind="strict")
        org = m.Organization(name="Us", country="RU", currency="RUB")
        s.add_all([pipeline, org])
        await s.flush()
        s.add(m.Contact(owner_id=owner.id, company_id=cid, name="Пётр", name_norm="петр"))
        for status in ("open", "won"):
            s.add(m.Deal(owner_id=owner.id, pipeline_id=pipeline.id, title=status,
                         title_norm=status, company_id=cid, status=status))
        for status in ("new", "converted"):
            s.add(m.Lead(owner_id=owner.id, company_id=cid, status=status))
        for status in ("issued", "paid"):
            s.add(m.Invoice(owner_id=owner.id, organization_id=org.id, company_id=cid,
                            status=status, currency="RUB", issue_date=date(2026, 11, 1)))
        await uow.commit()


async def test_reassign_moves_what_is_open(db: Database, people: dict[str, User],
                                           companies: CompanyService) -> None:
    ivan, petr, head = people["ivan"], people["petr"], people["head"]
    cid = await new_company(db, ivan)
    other = await new_company(db, ivan, "Лютик")
    await seed_company_world(db, ivan, cid)
    company, targets = await companies.reassign_targets(head, cid)
    assert company.owner_id == ivan.id and [u.full_name for u in targets] == ["Petr"]
    moved = await companies.reassign(head, cid, petr.id)
    assert (moved.previous_owner, moved.new_owner) == (ivan, petr)
    assert (moved.moved.contacts, moved.moved.deals, moved.moved.leads,
            moved.moved.invoices) == (1, 1, 1, 1)
    assert [c.owner_id for c in await rows(db, m.Company)] == [petr.id, ivan.id]
    assert {d.status: d.owner_id for d in await rows(db, m.Deal)} == {
        "open": petr.id, "won": ivan.id}
    assert {x.status: x.owner_id for x in await rows(db, m.Lead)} == {
        "new": petr.id, "converted": ivan.id}
    assert {x.status: x.owner_id for x in await rows(db, m.Invoice)} == {
        "issued": petr.id, "paid": ivan.id}
    (audit,) = await rows(db, m.AuditEntry, action="company.reassign")
    assert audit.actor_id == head.id and audit.data["to"] == petr.id
    assert other != cid
    with pytest.raises(Conflict):
        await companies.reassign(head, cid, petr.id)


async def test_reassign_refusals_change_nothing(db: Database, people: dict[str, User],
                                                companies: CompanyService) -> None:
    ivan, petr = people["ivan"], people["petr"]
    cid = await new_company(db, ivan)
    # A manager, even on their own company: not found (forged buttons learn nothing).
    for actor in (ivan, petr):
        with pytest.raises(NotFound):
            await companies.reassign(actor, cid, petr.id)
        with pytest.raises(NotFound):
            await companies.reassign_targets(actor, cid)
    # Not a manager, not active, no such user, no such company.
    async with db.uow() as uow:
        await uow.users.update(petr.id, is_active=False)
        await uow.commit()
    for target in (people["head"].id, petr.id, 999):
        with pytest.raises(NotFound):
            await companies.reassign(people["admin"], cid, target)
    with pytest.raises(NotFound):
        await companies.reassign(people["admin"], cid + 100, ivan.id)
    assert [c.owner_id for c in await rows(db, m.Company)] == [ivan.id]
    async with db.uow(readonly=True) as uow:
        audit = await uow.session.scalar(select(func.count()).select_from(m.AuditEntry)
                                         .where(m.AuditEntry.action == "company.reassign"))
    assert audit == 0
