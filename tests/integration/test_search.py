"""Search at the service level on a real database (SQLite and PostgreSQL): every reading of a
query, the actor's scope, and that name prefixes are served by an index."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text, update

from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.errors import Forbidden, InvalidInput
from services.search import HitKind, SearchService, search_keys
from services.users import Role, User
from storage import models as m
from storage.search import next_prefix, search_statement
from storage.uow import Database

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def add_user(db: Database, telegram_id: int, role: Role, name: str) -> User:
    async with db.uow() as uow:
        user = await uow.users.add(telegram_id, role, name, None, "en", None)
        await uow.commit()
    return user


@pytest.fixture
async def world(db: Database) -> dict[str, User]:
    """Two managers and a head; Ivan owns «Ёлка» (with a contact, a lead and a deal), Petr
    owns «Елисей» and «Ștefan Trans»."""
    ivan = await add_user(db, 11, Role.MANAGER, "Ivan")
    petr = await add_user(db, 12, Role.MANAGER, "Petr")
    head = await add_user(db, 13, Role.HEAD, "Olga")
    customer = await add_user(db, 14, Role.CUSTOMER, "Buyer")
    clients = ClientService(db.uow, FrozenClock(T0), "RU")
    elka = await clients.create_company(ivan, CompanyDraft(
        name="Ёлка", phone="+7 912 345-67-89", email="Sales@Elka.ru"))
    await clients.create_company(petr, CompanyDraft(name="Елисей", phone="+79001112233"))
    await clients.create_company(petr, CompanyDraft(name="Ștefan Trans", phone="+40721234567"))
    async with db.uow() as uow:
        await uow.session.execute(
            update(m.Company).where(m.Company.id == elka.id).values(
                tax_id="7707083893", country="RU"))
        uow.session.add(m.Contact(owner_id=ivan.id, company_id=elka.id, name="Ёжиков Пётр",
                                  name_norm="ежиков петр", phone="+79161234567",
                                  email="petr@elka.ru"))
        uow.session.add(m.Lead(owner_id=ivan.id, contact_name="Елена", name_norm="елена",
                               phone="+79123456789", tax_id="500100732259"))
        pipeline = m.Pipeline(code="sales", name="Sales", kind="strict")
        uow.session.add(pipeline)
        await uow.session.flush()
        uow.session.add(m.Deal(owner_id=ivan.id, pipeline_id=pipeline.id, title="Ёлки к НГ",
                               title_norm="елки к нг", company_id=elka.id))
        await uow.commit()
    return {"ivan": ivan, "petr": petr, "head": head, "customer": customer}


@pytest.fixture
def search(db: Database) -> SearchService:
    return SearchService(db.uow, "RU")


def names(result: object) -> list[tuple[str, str]]:
    return [(h.kind.value, h.name) for h in result.hits]  # type: ignore[attr-defined]


async def test_phone_in_any_format(search: SearchService, world: dict[str, User]) -> None:
    for typed in ("8 (912) 345-67-89", "+7 912 345 67 89", "89123456789", "+7-912-345-6789"):
        result = await search.search(world["ivan"], typed)
        assert result.keys.phone == "+79123456789"
        assert names(result) == [("company", "Ёлка"), ("lead", "Елена")], typed


async def test_name_prefix_any_case_and_yo(search: SearchService,
                                           world: dict[str, User]) -> None:
    assert names(await search.search(world["ivan"], "ЁЛ")) == [
        ("company", "Ёлка"), ("lead", "Елена"), ("deal", "Ёлки к НГ")]
    assert names(await search.search(world["ivan"], "елк")) == [
        ("company", "Ёлка"), ("deal", "Ёлки к НГ")]
    assert names(await search.search(world["ivan"], "ЕЖИК")) == [("contact", "Ёжиков Пётр")]
    contact = (await search.search(world["ivan"], "ежик")).hits[0]
    assert contact.company_name == "Ёлка"
    assert names(await search.search(world["petr"], "stef")) == [("company", "Ștefan Trans")]
    assert names(await search.search(world["petr"], "ȘTEFAN t")) == [
        ("company", "Ștefan Trans")]


async def test_tax_id_and_email(search: SearchService, world: dict[str, User]) -> None:
    for typed in ("7707083893", "ИНН 7707083893", "770 708 3893"):
        assert names(await search.search(world["ivan"], typed)) == [("company", "Ёлка")]
    assert names(await search.search(world["ivan"], "500100732259")) == [("lead", "Елена")]
    assert names(await search.search(world["ivan"], " SALES@elka.RU ")) == [
        ("company", "Ёлка")]
    assert names(await search.search(world["ivan"], "petr@elka.ru")) == [
        ("contact", "Ёжиков Пётр")]


async def test_manager_sees_only_own_head_sees_all(search: SearchService,
                                                    world: dict[str, User]) -> None:
    assert names(await search.search(world["petr"], "ел")) == [("company", "Елисей")]
    assert names(await search.search(world["petr"], "+7 912 345-67-89")) == []
    assert names(await search.search(world["petr"], "7707083893")) == []
    assert names(await search.search(world["ivan"], "+7 900 111-22-33")) == []
    everything = await search.search(world["head"], "ел")
    assert [n for k, n in names(everything) if k == "company"] == ["Елисей", "Ёлка"]
    mine = await search.search(world["petr"], "ел")
    assert mine.hits and {h.owner_id for h in mine.hits} == {world["petr"].id}


async def test_bad_queries_and_customers(search: SearchService, world: dict[str, User]) -> None:
    with pytest.raises(InvalidInput) as short:
        await search.search(world["ivan"], " ё ")
    assert short.value.code == "query_too_short"
    with pytest.raises(InvalidInput) as unreadable:
        await search.search(world["ivan"], "12-34")
    assert unreadable.value.code == "query_unreadable"
    with pytest.raises(Forbidden):
        await search.search(world["customer"], "Ёлка")
    # LIKE wildcards are plain characters in a prefix range.
    assert names(await search.search(world["head"], "%ел")) == []
    assert names(await search.search(world["head"], "е_")) == []


def test_keys_and_bounds() -> None:
    keys = search_keys("RO 18547290", "RO")
    assert "18547290" in keys.tax_ids and keys.phone is None and keys.name_prefix is None
    assert search_keys("ИНН 7707083893", "RU").name_prefix is None
    assert search_keys("Romashka", "RU").name_prefix == "romashka"
    assert search_keys("Инна", "RU").name_prefix == "инна"
    assert search_keys("Мария", "RU").name_prefix == "мария"
    assert next_prefix("ab") == "ac"
    assert next_prefix("a\U0010ffff") == "b"
    assert next_prefix("\ud7ff") == "\ue000"


async def plan(db: Database, query: str, owner_id: int | None) -> str:
    stmt = search_statement(search_keys(query, "RU"), owner_id, 10, db.dialect)
    assert stmt is not None
    async with db.uow() as uow:
        conn = await uow.session.connection()
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        if db.dialect == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            return "\n".join(str(r[-1]) for r in rows)
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = await conn.execute(text(f"EXPLAIN {compiled}"))
        return "\n".join(str(r[0]) for r in rows)


FILLER = 2000


async def fill_and_analyze(db: Database, owner_id: int) -> None:
    """PostgreSQL plans a table as its statistics describe it: on the world's 3-row tables,
    with statistics left by an earlier test in this worker's database, any index will do.
    A table of a real size (other clients' rows), analysed, gets the plan a real one gets."""
    async with db.uow() as uow:
        s = uow.session
        pipeline = (await s.execute(text("SELECT id FROM pipelines LIMIT 1"))).scalar_one()
        for n in range(FILLER):
            name = f"filler {n:05d}"
            s.add(m.Company(owner_id=owner_id, name=name, name_norm=name,
                            phone=f"+7900{n:07d}"))
            s.add(m.Contact(owner_id=owner_id, name=name, name_norm=name))
            s.add(m.Lead(owner_id=owner_id, contact_name=name, name_norm=name))
            s.add(m.Deal(owner_id=owner_id, pipeline_id=pipeline, title=name,
                         title_norm=name))
        await uow.commit()
    async with db.uow() as uow:
        conn = await uow.session.connection()
        await conn.exec_driver_sql("ANALYZE companies, contacts, leads, deals")
        await uow.commit()


@pytest.mark.parametrize("scoped", [True, False])
async def test_every_lookup_uses_an_index(db: Database, world: dict[str, User],
                                          scoped: bool) -> None:
    owner = world["ivan"].id if scoped else None
    if db.dialect == "postgresql":
        await fill_and_analyze(db, world["petr"].id)
    for query in ("Ёлк", "+79123456789", "7707083893", "sales@elka.ru"):
        text_plan = await plan(db, query, owner)
        if db.dialect == "sqlite":
            assert "SCAN companies" not in text_plan and "SCAN contacts" not in text_plan
            assert "SCAN leads" not in text_plan and "SCAN deals" not in text_plan, text_plan
            # An exact key must not be looked up by walking the owner's rows.
            assert "_owner_id (owner_id=?)" not in text_plan, text_plan
        else:
            assert "Seq Scan" not in text_plan, text_plan
            if query == "Ёлк" and not scoped:
                # The byte-wise range is served by the text_pattern_ops indexes (scoped, the
                # owner's few rows may as well be read through the owner's index).
                conds = [ln for ln in text_plan.splitlines() if "~>=~" in ln]
                assert conds and all("Cond:" in ln for ln in conds), text_plan


async def test_results_are_limited_per_kind(db: Database, world: dict[str, User]) -> None:
    clients = ClientService(db.uow, FrozenClock(T0), "RU")
    for i in range(15):
        await clients.create_company(world["ivan"], CompanyDraft(name=f"Ёлка {i:02d}"))
    result = await SearchService(db.uow, "RU", per_kind=10).search(world["ivan"], "Елка")
    companies = [h for h in result.hits if h.kind == HitKind.COMPANY]
    assert [h.name for h in companies] == ["Ёлка"] + [f"Ёлка {i:02d}" for i in range(9)]
