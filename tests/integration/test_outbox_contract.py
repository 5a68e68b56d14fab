"""The outbox repository's contract, the same cases on the in-memory fake (tests/fakes.py),
SQLite and PostgreSQL: what the unit tests on the fake assume is what the database does."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.outbox import NewOutboxMessage, OutboxRepository
from storage.db import create_engine
from storage.outbox import SqlOutboxRepository
from storage.uow import Database
from tests.conftest import truncate_all
from tests.fakes import FakeOutbox

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def msg(key: str, minutes: int = 0) -> NewOutboxMessage:
    return NewOutboxMessage(key=key, channel="telegram", kind="payment_team",
                            due_at=T0 + timedelta(minutes=minutes), chat_id=1,
                            payload={"n": key})


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def repo_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None for the fake, else a migrated, empty database (sync: the session fixtures it
    uses run their own event loops)."""
    if request.param == "fake":
        return None
    if request.param == "sqlite":
        path = tmp_path / "outbox.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(truncate_all(url))
    return url


@pytest.fixture
async def repo(repo_url: str | None) -> AsyncIterator[OutboxRepository]:
    if repo_url is None:
        yield FakeOutbox()
        return
    db = Database(create_engine(repo_url))
    try:
        yield SqlOutboxRepository(db)
    finally:
        await db.dispose()


async def keys(items: Any) -> list[str]:
    return [it.key for it in items]


async def test_enqueue_is_idempotent_by_key(repo: OutboxRepository) -> None:
    assert await repo.enqueue([msg("a"), msg("b"), msg("a")]) == 2
    assert await repo.enqueue([msg("a"), msg("c")]) == 1
    stats = await repo.stats(T0)
    assert (stats.pending, stats.due) == (3, 3)


async def test_claims_are_due_first_exclusive_and_a_lease(repo: OutboxRepository) -> None:
    await repo.enqueue([msg("later", 5), msg("first", -2), msg("second", 0)])
    claimed = await repo.claim_due(T0, "w1", 10, LEASE)
    assert await keys(claimed) == ["first", "second"]  # oldest due first; "later" not yet
    assert await repo.claim_due(T0, "w2", 10, LEASE) == []  # nobody else gets them
    assert await repo.claimants() == ["w1"]
    # w1 died: after its lease the rows are claimable again.
    again = await repo.claim_due(T0 + LEASE + timedelta(seconds=1), "w2", 10, LEASE)
    assert sorted(await keys(again)) == ["first", "second"]
    assert await repo.release(["w2"]) == 2
    assert await repo.claimants() == []


async def test_sent_failed_and_retried(repo: OutboxRepository) -> None:
    await repo.enqueue([msg("ok"), msg("retry"), msg("dead")])
    items = {it.key: it for it in await repo.claim_due(T0, "w1", 10, LEASE)}
    await repo.mark_sent(items["ok"].id, T0)
    await repo.mark_failed(items["retry"].id, "5xx", T0 + timedelta(seconds=30), dead=False)
    await repo.mark_failed(items["dead"].id, "403", None, dead=True)
    stats = await repo.stats(T0)
    assert (stats.sent, stats.failed, stats.pending, stats.claimed) == (1, 1, 1, 0)
    assert await repo.claim_due(T0, "w1", 10, LEASE) == []  # the retry is not due yet
    (back,) = await repo.claim_due(T0 + timedelta(seconds=30), "w1", 10, LEASE)
    assert (back.key, back.attempts) == ("retry", 1)


async def test_cancelling_leaves_what_is_on_its_way(repo: OutboxRepository) -> None:
    await repo.enqueue([msg("k1"), msg("k2"), msg("k3")])
    (claimed,) = await repo.claim_due(T0, "w1", 1, LEASE)  # being sent right now
    assert claimed.key == "k1"
    assert await repo.cancel_keys(["k1", "k2", "nope"]) == 1  # k2 only
    stats = await repo.stats(T0)
    assert (stats.cancelled, stats.claimed, stats.pending) == (1, 1, 1)
