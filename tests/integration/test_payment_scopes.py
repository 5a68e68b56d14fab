"""A manager's payments by amount come from payment_scopes (migration 0010): every write that
makes a payment visible to a manager adds their row, and a stale row never shows a payment to
someone who may no longer see it. On SQLite and PostgreSQL, through the storage writes the
services use and the search service."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text

import storage
from services.access import AccessService
from services.clock import FrozenClock
from services.payments import NewPaymentRow
from services.search import HitKind, SearchService
from services.users import Role, User
from storage import models as m
from storage.uow import Database
from tests.fixtures.search_world import World, build_world

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db, FrozenClock(T0))


@pytest.fixture
async def olga(db: Database, world: World) -> User:
    access = AccessService(db.uow, FrozenClock(T0), "UTC")
    invite = await access.create_invite(world.admin, Role.MANAGER)
    return await access.join(700_003, invite.token, "Olga", None, "ru")


async def pay(db: Database, rubles: int, *, company: int | None = None,
              created_by: int | None = None) -> int:
    async with db.uow() as uow:
        found = await uow.payments.insert_payment(NewPaymentRow(
            source="bank", external_id=f"scope-{rubles}", organization_id=None,
            company_id=company, statement_id=None, amount_minor=rubles * 100, currency="RUB",
            received_on=date(2026, 11, 19), payer_name="Плательщик", payer_tax_id="",
            payer_account="", purpose="", doc_number="", status="unmatched",
            created_by=created_by))
        await uow.commit()
    assert found is not None
    return found


async def found(db: Database, who: User, rubles: int) -> list[int]:
    result = await SearchService(db.uow, "RU").search(who, f"{rubles:,}".replace(",", " "))
    return [h.id for h in result.hits if h.kind == HitKind.PAYMENT]


async def scope_owners(db: Database, payment_id: int) -> set[int]:
    async with db.uow(readonly=True) as uow:
        rows = await uow.session.scalars(select(m.PaymentScope.owner_id).where(
            m.PaymentScope.payment_id == payment_id))
        return set(rows)


async def new_client(db: Database, owner: User, name: str) -> int:
    async with db.uow() as uow:
        row = m.Company(owner_id=owner.id, name=name, name_norm=name.lower())
        uow.session.add(row)
        await uow.session.flush()
        await uow.commit()
        return int(row.id)


async def test_recorded_by_the_manager(db: Database, world: World) -> None:
    pid = await pay(db, 5101, created_by=world.ivan.id)
    assert await found(db, world.ivan, 5101) == [pid]
    assert await found(db, world.petr, 5101) == []
    assert await found(db, world.admin, 5101) == [pid]  # the head's search is unscoped


async def test_of_their_client_when_inserted_or_matched_later(db: Database,
                                                              world: World) -> None:
    pid = await pay(db, 5102, company=world.vasilek)
    assert await found(db, world.petr, 5102) == [pid]
    assert await found(db, world.ivan, 5102) == []
    later = await pay(db, 5103)
    assert await scope_owners(db, later) == set()
    assert await found(db, world.ivan, 5103) == []
    async with db.uow() as uow:
        assert await uow.payments.set_status(later, "matched", company_id=world.romashka)
        await uow.commit()
    assert await found(db, world.ivan, 5103) == [later]
    assert await found(db, world.petr, 5103) == []


async def test_allocated_to_their_invoice_and_a_stale_row(db: Database, world: World) -> None:
    pid = await pay(db, 5104)
    async with db.uow() as uow:
        await uow.payments.add_allocations([(pid, world.petr_big, 5104_00)], None, T0)
        await uow.commit()
    assert await found(db, world.petr, 5104) == [pid]
    assert await found(db, world.ivan, 5104) == []
    # The allocation gone, Petr's row stays behind, and shows nothing.
    async with db.uow() as uow:
        await uow.session.execute(delete(m.PaymentAllocation).where(
            m.PaymentAllocation.payment_id == pid))
        await uow.commit()
    assert await scope_owners(db, pid) == {world.petr.id}
    assert await found(db, world.petr, 5104) == []


async def test_client_moved_to_another_manager(db: Database, world: World,
                                               olga: User) -> None:
    pid = await pay(db, 5105, company=world.vasilek)
    allocated = await pay(db, 5106)
    async with db.uow() as uow:
        await uow.payments.add_allocations([(allocated, world.petr_big, 5106_00)], None, T0)
        await uow.commit()
    assert await found(db, olga, 5105) == []
    async with db.uow() as uow:
        await uow.transfers.move_company(world.vasilek, olga.id, ["won", "junk"], T0)
        await uow.commit()
    assert await found(db, olga, 5105) == [pid]
    assert await found(db, world.petr, 5105) == []  # Petr's stale row leaks nothing
    assert await scope_owners(db, pid) == {world.petr.id, olga.id}
    # Petr's unpaid invoice moved with the client: its payment is Olga's now.
    assert await found(db, olga, 5106) == [allocated]
    assert await found(db, world.petr, 5106) == []


async def test_a_managers_clients_and_invoices_reassigned(db: Database, world: World,
                                                          olga: User) -> None:
    of_client = await pay(db, 5107, company=world.vasilek)
    on_invoice = await pay(db, 5108)
    async with db.uow() as uow:
        await uow.payments.add_allocations([(on_invoice, world.petr_big, 5108_00)], None, T0)
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.companies.reassign_owner(world.petr.id, olga.id) == 1
        await uow.commit()
    assert await found(db, olga, 5107) == [of_client]
    assert await found(db, olga, 5108) == [on_invoice]
    for rubles in (5107, 5108):
        assert await found(db, world.petr, rubles) == []
        assert await found(db, world.ivan, rubles) == []


async def test_client_merged_into_another_managers(db: Database, world: World) -> None:
    twin = await new_client(db, world.petr, "Ромашка Дубль")
    pid = await pay(db, 5109, company=twin)
    assert await found(db, world.petr, 5109) == [pid]
    async with db.uow() as uow:
        await uow.profiles.merge(world.romashka, twin, {}, T0)
        await uow.commit()
    assert await found(db, world.ivan, 5109) == [pid]
    assert await found(db, world.petr, 5109) == []


async def test_writes_are_idempotent(db: Database, world: World) -> None:
    pid = await pay(db, 5110, company=world.romashka, created_by=world.ivan.id)
    async with db.uow() as uow:
        await uow.payments.add_allocations([(pid, world.big, 5110_00)], None, T0)
        assert await uow.payments.set_status(pid, "allocated", company_id=world.romashka)
        await uow.commit()
    async with db.uow(readonly=True) as uow:
        rows = await uow.session.scalar(select(func.count()).select_from(m.PaymentScope)
                                        .where(m.PaymentScope.payment_id == pid))
    assert rows == 1
    assert await found(db, world.ivan, 5110) == [pid]


def migration_backfill() -> str:
    path = (Path(storage.__file__).parent / "migrations" / "versions"
            / "0010_payment_scopes.py")
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.BACKFILL)


async def test_the_migration_fills_the_scopes_of_existing_payments(db: Database,
                                                                   world: World) -> None:
    async with db.uow(readonly=True) as uow:
        before = set((await uow.session.execute(select(m.PaymentScope.__table__))).all())
    async with db.uow() as uow:
        await uow.session.execute(delete(m.PaymentScope))
        await uow.commit()
    assert await found(db, world.ivan, 1000) == []
    async with db.uow() as uow:
        await uow.session.execute(text(migration_backfill()))
        await uow.commit()
    async with db.uow(readonly=True) as uow:
        after = set((await uow.session.execute(select(m.PaymentScope.__table__))).all())
    assert after == before
    assert {o for o, _, _ in after} == {world.ivan.id, world.petr.id}
    assert await found(db, world.ivan, 1000) == [world.payment]
