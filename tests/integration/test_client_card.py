"""The client card's rules at the service level, on SQLite and PostgreSQL: edits validated as
at creation and audited old → new, stale cards, contacts with exactly one primary, archive
only without open deals or unpaid invoices, merge in one transaction, the timeline's audit
entries, and scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.companies import CompanyService
from services.errors import Conflict, InvalidInput, NotFound
from services.interactions import InteractionService
from services.users import Role, User
from storage import models as m
from storage.uow import Database

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def add_user(db: Database, telegram_id: int, role: Role, name: str) -> User:
    async with db.uow() as uow:
        user = await uow.users.add(telegram_id, role, name, None, "ru", None)
        await uow.commit()
    return user


@pytest.fixture
async def people(db: Database) -> dict[str, User]:
    return {"ivan": await add_user(db, 11, Role.MANAGER, "Иван"),
            "petr": await add_user(db, 12, Role.MANAGER, "Пётр"),
            "head": await add_user(db, 13, Role.HEAD, "Ольга")}


@pytest.fixture
def companies(db: Database) -> CompanyService:
    return CompanyService(db.uow, FrozenClock(T0), "RU")


async def new_company(db: Database, owner: User, name: str, phone: str | None = None) -> int:
    company = await ClientService(db.uow, FrozenClock(T0), "RU").create_company(
        owner, CompanyDraft(name=name, phone=phone))
    return company.id


async def rows(db: Database, model: Any, **where: Any) -> list[Any]:
    async with db.uow(readonly=True) as uow:
        q = select(*model.__table__.c)
        for key, value in where.items():
            q = q.where(getattr(model, key) == value)
        return list((await uow.session.execute(q.order_by(model.id))).all())


async def insert(db: Database, row: Any) -> int:
    async with db.uow() as uow:
        uow.session.add(row)
        await uow.session.flush()
        ident = int(row.id)
        await uow.commit()
    return ident


async def deal_and_invoice(db: Database, owner: User, company_id: int, deal_status: str,
                           invoice_status: str) -> tuple[int, int]:
    pipeline = await insert(db, m.Pipeline(code=f"p{company_id}{deal_status}", name="Продажи",
                                           kind="manual"))
    org = await insert(db, m.Organization(name="Мы", country="RU", currency="RUB"))
    deal = await insert(db, m.Deal(owner_id=owner.id, pipeline_id=pipeline, title="Поставка",
                                   title_norm="поставка", company_id=company_id,
                                   status=deal_status))
    invoice = await insert(db, m.Invoice(owner_id=owner.id, organization_id=org,
                                         company_id=company_id, deal_id=deal,
                                         currency="RUB", status=invoice_status))
    return deal, invoice


async def test_edit_validated_audited_and_stale(db: Database, people: dict[str, User],
                                                companies: CompanyService) -> None:
    ivan = people["ivan"]
    cid = await new_company(db, ivan, "Ромашка", "+7 912 345-67-89")
    saved = await companies.edit_field(ivan, cid, "phone", "8 (912) 000-11-22", "+79123456789")
    assert saved.phone == "+79120001122"
    (entry,) = await rows(db, m.AuditEntry, action="company.edit")
    assert entry.company_id == cid and entry.data == {"changes": [
        {"field": "phone", "old": "+79123456789", "new": "+79120001122"}]}
    # Wrong values: the same codes as at creation, nothing changed.
    for field, text, code in (("phone", "12", "invalid_phone"),
                              ("phone", "позвоните", "not_a_number"),
                              ("email", "not-an-email", "invalid_email"),
                              ("name", "   ", "empty"),
                              ("timezone", "Mars/Olympus", "unknown_timezone"),
                              ("language", "de", "bad_language"),
                              ("price_list", "vip", "unknown_price_list"),
                              ("payment_terms_days", "-3", "bad_terms"),
                              ("payment_terms_days", "400", "bad_terms")):
        seen = (await companies.profile(ivan, cid)).shown(field)
        with pytest.raises(InvalidInput) as err:
            await companies.edit_field(ivan, cid, field, text, seen)
        assert err.value.code == code
    # Requisites before the country is known: the Requisites flow first.
    with pytest.raises(Conflict) as conflict:
        await companies.edit_field(ivan, cid, "tax_id", "7707083893", None)
    assert conflict.value.code == "requisites_first"
    # A stale card: the phone changed since it was shown.
    with pytest.raises(Conflict) as conflict:
        await companies.edit_field(ivan, cid, "phone", "+79125556677", "+79123456789")
    assert conflict.value.code == "client_changed"
    (company,) = await rows(db, m.Company, id=cid)
    assert company.phone == "+79120001122" and company.timezone is None
    assert len(await rows(db, m.AuditEntry, action="company.edit")) == 1
    # Good values of the other fields.
    await companies.edit_field(ivan, cid, "timezone", "Europe/Moscow", None)
    await companies.edit_field(ivan, cid, "language", "ro", None)
    await companies.edit_field(ivan, cid, "payment_terms_days", "14", None)
    await companies.edit_field(ivan, cid, "name", "Ромашка-2", "Ромашка")
    (company,) = await rows(db, m.Company, id=cid)
    assert (company.timezone, company.language, company.payment_terms_days, company.name,
            company.name_norm) == ("Europe/Moscow", "ro", 14, "Ромашка-2", "ромашка-2")


async def test_requisite_fields_checked_like_the_flow(db: Database, people: dict[str, User],
                                                      companies: CompanyService) -> None:
    ivan = people["ivan"]
    cid = await new_company(db, ivan, "Сбер")
    await companies.save_requisites(ivan, cid, {
        "country": "RU", "legal_form": "ПАО", "legal_name": "Сбербанк",
        "tax_id": "7707083893", "kpp": "773601001", "ogrn": "1027700132195",
        "legal_address": "Москва, ул. Вавилова, 19"})
    (saved_req,) = await rows(db, m.AuditEntry, action="company.requisites")
    assert saved_req.company_id == cid and saved_req.data["changes"] == [
        {"field": "name", "old": "Сбер", "new": "Сбербанк"},
        {"field": "tax_id", "old": None, "new": "7707083893"},
        {"field": "kpp", "old": None, "new": "773601001"},
        {"field": "ogrn", "old": None, "new": "1027700132195"},
        {"field": "legal_address", "old": None, "new": "Москва, ул. Вавилова, 19"}]
    with pytest.raises(InvalidInput) as err:
        await companies.edit_field(ivan, cid, "tax_id", "7707083894", "7707083893")
    assert err.value.code == "req_checksum"
    with pytest.raises(InvalidInput) as err:
        await companies.edit_field(ivan, cid, "kpp", "77360100", "773601001")
    assert err.value.code == "req_length"
    saved = await companies.edit_field(ivan, cid, "kpp", "773601002", "773601001")
    assert saved.kpp == "773601002"
    saved = await companies.edit_field(ivan, cid, "legal_address", "Москва, Вавилова 19",
                                       "Москва, ул. Вавилова, 19")
    assert saved.legal_address == "Москва, Вавилова 19"


async def test_contacts_one_primary_detach_keeps_chat(db: Database, people: dict[str, User],
                                                      companies: CompanyService) -> None:
    ivan = people["ivan"]
    cid = await new_company(db, ivan, "Ромашка")
    _p, first = await companies.add_contact(ivan, cid, {"name": "Анна",
                                                         "phone": "+79120000001"})
    profile, second = await companies.add_contact(ivan, cid, {"name": "Борис",
                                                              "position": "Бухгалтер"})
    assert [c.name for c in profile.contacts] == ["Анна", "Борис"]
    assert first.is_primary and not second.is_primary
    with pytest.raises(InvalidInput) as err:
        await companies.add_contact(ivan, cid, {"name": "Вера", "email": "vera@"})
    assert err.value.code == "invalid_email"
    async with db.uow() as uow:  # a customer chat bound to Boris
        await uow.session.execute(m.Contact.__table__.update().where(
            m.Contact.id == second.id).values(telegram_user_id=555))
        await uow.commit()
    profile = await companies.make_primary(ivan, second.id)
    assert [c.name for c in profile.contacts if c.is_primary] == ["Борис"]
    assert [r.is_primary for r in await rows(db, m.Contact, company_id=cid)] == [False, True]
    _p, edited = await companies.edit_contact(ivan, first.id, "phone", "+7 912 000-00-09",
                                              "+79120000001")
    assert edited.phone == "+79120000009"
    profile = await companies.detach_contact(ivan, second.id)
    assert [c.name for c in profile.contacts] == ["Анна"] and profile.contacts[0].is_primary
    (boris,) = await rows(db, m.Contact, id=second.id)
    assert boris.company_id is None and boris.telegram_user_id == 555
    actions = [r.action for r in await rows(db, m.AuditEntry) if r.company_id == cid]
    assert actions == ["company.create", "contact.add", "contact.add", "contact.primary",
                       "contact.edit", "contact.detach"]
    # Another manager: no contact of Ivan's client.
    for call in (companies.make_primary(people["petr"], first.id),
                 companies.detach_contact(people["petr"], first.id),
                 companies.edit_contact(people["petr"], first.id, "name", "X", "Анна"),
                 companies.add_contact(people["petr"], cid, {"name": "Гость"})):
        with pytest.raises(NotFound):
            await call


async def test_archive_refused_with_open_work_then_restored(
        db: Database, people: dict[str, User], companies: CompanyService) -> None:
    ivan = people["ivan"]
    cid = await new_company(db, ivan, "Ромашка")
    await deal_and_invoice(db, ivan, cid, "open", "issued")
    with pytest.raises(Conflict) as err:
        await companies.archive(ivan, cid, "дубль")
    assert (err.value.code, err.value.params) == ("client_busy", {"deals": 1, "invoices": 1})
    async with db.uow() as uow:
        await uow.session.execute(m.Deal.__table__.update().values(status="won"))
        await uow.session.execute(m.Invoice.__table__.update().values(status="paid"))
        await uow.commit()
    with pytest.raises(NotFound):
        await companies.archive(people["petr"], cid, None)
    archived = await companies.archive(ivan, cid, "ушли к конкурентам")
    assert archived.archived and archived.archive_reason == "ушли к конкурентам"
    clients = ClientService(db.uow, FrozenClock(T0), "RU")
    assert (await clients.list_companies(ivan)).total == 0
    assert [c.name for c in (await clients.list_companies(ivan, archived=True)).items] == [
        "Ромашка"]
    with pytest.raises(Conflict):
        await companies.edit_field(ivan, cid, "name", "Новое", "Ромашка")
    restored = await companies.restore(ivan, cid)
    assert not restored.archived
    audit = [(r.action, r.data.get("reason")) for r in await rows(db, m.AuditEntry)
             if r.company_id == cid]
    assert audit == [("company.create", None), ("company.archive", "ушли к конкурентам"),
                     ("company.restore", "ушли к конкурентам")]


async def test_merge_moves_everything_in_one_go(db: Database, people: dict[str, User],
                                                companies: CompanyService) -> None:
    ivan = people["ivan"]
    keep = await new_company(db, ivan, "Ромашка")
    other = await new_company(db, ivan, "Ромашка ООО", "+7 912 345-67-89")
    await companies.add_contact(ivan, keep, {"name": "Анна"})
    _p, moved_contact = await companies.add_contact(ivan, other, {"name": "Борис"})
    deal, invoice = await deal_and_invoice(db, ivan, other, "won", "paid")
    async with db.uow() as uow:
        for account in ("40702810938000012345", "40702810938000099999"):
            uow.session.add(m.CompanyAccount(company_id=other, account=account))
        uow.session.add(m.CompanyAccount(company_id=keep, account="40702810938000012345"))
        await uow.commit()
    with pytest.raises(InvalidInput) as err:
        await companies.merge(ivan, keep, keep)
    assert err.value.code == "merge_self"
    petr_client = await new_company(db, people["petr"], "Ромашка Петра")
    with pytest.raises(NotFound):
        await companies.merge(ivan, keep, petr_client)
    with pytest.raises(NotFound):
        await companies.merge(people["petr"], petr_client, other)
    assert await companies.merge_candidates(ivan, keep, "ром") == [(other, "Ромашка ООО")]
    survivor, merged, counts = await companies.merge(ivan, keep, other)
    assert merged.name == "Ромашка ООО"
    assert survivor.phone == "+79123456789"  # filled from the other
    assert (counts.deals, counts.invoices, counts.contacts) == (1, 1, 1)
    assert [c.name for c in survivor.contacts] == ["Анна", "Борис"]
    assert [c.is_primary for c in survivor.contacts] == [True, False]
    (gone,) = await rows(db, m.Company, id=other)
    assert gone.merged_into_id == keep and gone.archived_at is not None
    assert (await rows(db, m.Deal, id=deal))[0].company_id == keep
    assert (await rows(db, m.Invoice, id=invoice))[0].company_id == keep
    assert (await rows(db, m.Contact, id=moved_contact.id))[0].company_id == keep
    assert sorted(r.account for r in await rows(db, m.CompanyAccount, company_id=keep)) == [
        "40702810938000012345", "40702810938000099999"]
    merges = await rows(db, m.AuditEntry, action="company.merge")
    assert [(r.entity_id, r.company_id) for r in merges] == [(keep, keep), (other, other)]
    assert merges[0].data["changes"] == [{"field": "phone", "old": None,
                                          "new": "+79123456789"}]
    with pytest.raises(Conflict) as conflict:
        await companies.restore(ivan, other)
    assert conflict.value.code == "client_merged"
    # The survivor's timeline shows the entries of both (the merged one's contact.add).
    timeline = await InteractionService(db.uow, FrozenClock(T0)).timeline(ivan, keep, 50)
    actions = [e.audit.action for e in timeline.entries if e.audit is not None]
    assert actions.count("company.merge") == 2 and actions.count("contact.add") == 2
    assert all(e.audit.actor_name == "Иван" for e in timeline.entries if e.audit)


async def test_documents_and_reminders_go_to_the_primary_contact(
        db: Database, people: dict[str, User], companies: CompanyService) -> None:
    """A document without its own contact goes to the company's primary contact (before,
    the latest bound one), its e-mail suggested first."""
    ivan = people["ivan"]
    cid = await new_company(db, ivan, "Ромашка")
    _p, anna = await companies.add_contact(ivan, cid, {"name": "Анна", "email": "anna@r.ru"})
    _p, boris = await companies.add_contact(ivan, cid, {"name": "Борис",
                                                        "email": "boris@r.ru"})
    async with db.uow() as uow:
        for contact, chat in ((anna, 7001), (boris, 7002)):
            await uow.session.execute(m.Contact.__table__.update().where(
                m.Contact.id == contact.id).values(telegram_user_id=chat))
        await uow.commit()

    _deal, invoice = await deal_and_invoice(db, ivan, cid, "won", "issued")

    async def chosen() -> tuple[int | None, str | None, int | None]:
        async with db.uow(readonly=True) as uow:
            bound = await uow.delivery.bound_contact(None, cid)
            target = await uow.alerts.invoice_target(invoice)  # where reminders go
            return (bound.id if bound else None,
                    await uow.delivery.suggested_email(None, cid),
                    target.chat_id if target else None)

    assert await chosen() == (anna.id, "anna@r.ru", 7001)
    await companies.make_primary(ivan, boris.id)
    assert await chosen() == (boris.id, "boris@r.ru", 7002)
