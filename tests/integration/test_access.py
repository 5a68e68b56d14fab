"""Access rules at the service level, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.users import Role
from storage import models as m
from storage import users as storage_users
from storage.db import create_engine
from storage.uow import Database

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def access(db: Database, clock: FrozenClock) -> AccessService:
    return AccessService(db.uow, clock, "Europe/Moscow")


@pytest.fixture
def clients(db: Database, clock: FrozenClock) -> ClientService:
    return ClientService(db.uow, clock, "RU")


async def count(db: Database, model: type[m.Base]) -> int:
    async with db.uow(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_stranger_is_not_identified(access: AccessService) -> None:
    assert await access.identify(555) is None


async def test_admin_bootstrap_is_idempotent(access: AccessService, db: Database) -> None:
    await access.ensure_admins([100, 101])
    await access.ensure_admins([100])
    admin = await access.identify(100)
    assert admin is not None and admin.role == Role.ADMIN
    assert await count(db, m.User) == 2


async def test_invite_join_once(access: AccessService, clock: FrozenClock) -> None:
    (admin,) = await access.ensure_admins([100])
    link = await access.create_invite(admin, Role.MANAGER)
    assert link.start_payload.startswith("join_") and len(link.start_payload) <= 64
    user = await access.join(200, link.token, "Ivan Petrov", "ivan", "ru")
    assert user.role == Role.MANAGER and user.full_name == "Ivan Petrov"
    with pytest.raises(NotFound) as used:
        await access.join(201, link.token, "Someone Else", None, "en")
    assert used.value.code == "invite_invalid"
    assert await access.identify(201) is None


async def test_expired_invite_is_refused(access: AccessService, clock: FrozenClock) -> None:
    (admin,) = await access.ensure_admins([100])
    link = await access.create_invite(admin, Role.MANAGER)
    clock.advance(timedelta(days=3))
    with pytest.raises(Conflict) as err:
        await access.join(200, link.token, "Late", None, None)
    assert err.value.code == "invite_expired"
    assert await access.identify(200) is None


async def test_two_racing_joins_one_wins(access: AccessService, db: Database) -> None:
    (admin,) = await access.ensure_admins([100])
    link = await access.create_invite(admin, Role.MANAGER)
    results = await asyncio.gather(
        *(access.join(300 + i, link.token, f"U{i}", None, None) for i in range(5)),
        return_exceptions=True)
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, NotFound) for r in results if r not in winners)
    assert await count(db, m.User) == 2


async def test_only_admin_invites(access: AccessService) -> None:
    (admin,) = await access.ensure_admins([100])
    link = await access.create_invite(admin, Role.MANAGER)
    manager = await access.join(200, link.token, "M", None, None)
    with pytest.raises(Forbidden):
        await access.create_invite(manager, Role.MANAGER)


async def test_manager_sees_only_own_clients(access: AccessService, clients: ClientService
                                             ) -> None:
    (admin,) = await access.ensure_admins([100])
    a = await access.join(201, (await access.create_invite(admin, Role.MANAGER)).token,
                          "A", None, None)
    b = await access.join(202, (await access.create_invite(admin, Role.MANAGER)).token,
                          "B", None, None)
    head = await access.join(203, (await access.create_invite(admin, Role.HEAD)).token,
                             "H", None, None)
    ca = await clients.create_company(a, CompanyDraft(name="Альфа", phone="8 912 345-67-89"))
    assert ca.phone == "+79123456789"
    await clients.create_company(b, CompanyDraft(name="Beta"))
    with pytest.raises(NotFound):
        await clients.get_company(b, ca.id)
    assert (await clients.get_company(head, ca.id)).name == "Альфа"
    assert [c.name for c in (await clients.list_companies(a)).items] == ["Альфа"]
    assert (await clients.list_companies(head)).total == 2


async def test_deactivate_and_hand_over(access: AccessService, clients: ClientService,
                                        db: Database) -> None:
    (admin,) = await access.ensure_admins([100])
    a = await access.join(201, (await access.create_invite(admin, Role.MANAGER)).token,
                          "A", None, None)
    b = await access.join(202, (await access.create_invite(admin, Role.MANAGER)).token,
                          "B", None, None)
    c1 = await clients.create_company(a, CompanyDraft(name="One"))
    await clients.create_company(a, CompanyDraft(name="Two"))
    user, moved = await access.deactivate(admin, a.id, reassign_to=b.id)
    assert moved == 2 and not user.is_active
    assert await access.identify(201) is None
    assert (await clients.get_company(b, c1.id)).owner_id == b.id
    with pytest.raises(Conflict):
        await access.deactivate(admin, a.id, reassign_to=b.id)
    with pytest.raises(InvalidInput):
        await access.deactivate(admin, admin.id)
    with pytest.raises(Forbidden):
        await access.deactivate(b, admin.id)


async def test_failed_write_leaves_nothing(clients: ClientService, access: AccessService,
                                           db: Database) -> None:
    (admin,) = await access.ensure_admins([100])
    with pytest.raises(InvalidInput) as err:
        await clients.create_company(admin, CompanyDraft(name="X", phone="not a phone"))
    assert err.value.code == "not_a_number"
    with pytest.raises(InvalidInput):
        await clients.create_company(admin, CompanyDraft(name="   "))
    assert await count(db, m.Company) == 0
    assert await count(db, m.AuditEntry) == 1  # the bootstrap only


async def test_updates_at_once_each_identify_their_own_user(
        access: AccessService, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL the identity reads of updates that arrive together go in one statement
    (storage.users.IdentityReader): each update still gets its own user, a stranger None, a
    user deactivated before the reads None; an update cancelled meanwhile takes no one's."""
    admins = await access.ensure_admins(range(100, 120))
    await access.deactivate(admins[0], admins[5].id)
    statements = []
    fetch = storage_users._fetch_identities

    def counted(engine: Any, telegram_ids: list[int]) -> Any:
        statements.append(sorted(telegram_ids))
        return fetch(engine, telegram_ids)

    monkeypatch.setattr(storage_users, "_fetch_identities", counted)
    asked = [*range(100, 120), 555, 101]
    found = asyncio.gather(*(access.identify(t) for t in asked))
    cancelled = asyncio.create_task(access.identify(119))
    await asyncio.sleep(0)  # every update has asked; the shared read starts after this
    cancelled.cancel()
    users = await found
    assert [u.telegram_id if u else None for u in users] == [
        None if t in (105, 555) else t for t in asked]
    assert cancelled.cancelled()
    if db.dialect == "postgresql":
        assert statements == [sorted({*asked})]
        assert await access.identify(119) is not None  # the next update: a statement again
        assert len(statements) == 2


@pytest.mark.postgres
async def test_identity_reads_fail_together_when_the_server_is_gone() -> None:
    """Nothing listens there: every update waiting on the shared read gets the error (the bot
    answers each with its error message) instead of waiting forever."""
    gone = Database(create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/gone"))
    access = AccessService(gone.uow, FrozenClock(T0), "UTC")
    try:
        results = await asyncio.gather(*(access.identify(t) for t in (1, 2, 3)),
                                       return_exceptions=True)
        assert all(isinstance(r, OSError) for r in results), results
    finally:
        await gone.dispose()
