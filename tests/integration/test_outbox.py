"""The outbox on SQLite and PostgreSQL: idempotent enqueue, claims that never hand one row to
two workers, leases that survive a crashed worker, retries, dead letters, cancellation."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, select, text

from services.clock import FrozenClock
from services.outbox import (
    NewOutboxMessage,
    OutboxDispatcher,
    OutboxItem,
    SendResult,
    reminder_messages,
    sync_invoice_outbox,
)
from services.reminders import InvoiceForReminders, Ladder, QuietHours, plan_invoice_reminders
from storage import models as m
from storage.db import create_engine
from storage.outbox import SqlOutboxQueries, SqlOutboxRepository
from storage.uow import Database

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def msg(
    key: str, due_at: datetime = T0, invoice_id: int | None = None, chat_id: int = 100
) -> NewOutboxMessage:
    return NewOutboxMessage(
        key=key,
        channel="telegram",
        kind="invoice_due_today",
        due_at=due_at,
        chat_id=chat_id,
        payload={"n": key},
        invoice_id=invoice_id,
    )


async def rows(db: Database) -> dict[str, Any]:
    """The outbox rows as plain rows, by key (what a reader of the table would see)."""
    table = m.OutboxMessage.__table__
    async with db.uow(readonly=True) as uow:
        found = await uow.session.execute(select(table).order_by(table.c.id))
        return {r.idempotency_key: r for r in found}


async def make_invoices(db: Database, count: int) -> list[int]:
    async with db.uow() as uow:
        user = m.User(telegram_id=1, role="manager", full_name="M")
        org = m.Organization(name="Org", country="MD", currency="MDL")
        uow.session.add_all([user, org])
        await uow.session.flush()
        invoices = [
            m.Invoice(owner_id=user.id, organization_id=org.id, currency="MDL", status="sent")
            for _ in range(count)
        ]
        uow.session.add_all(invoices)
        await uow.session.flush()
        ids = [inv.id for inv in invoices]
        await uow.commit()
    return ids


class RecordingSender:
    """Records what it sends; `results` scripts the outcome per key (default: delivered)."""

    def __init__(self, results: dict[str, SendResult] | None = None) -> None:
        self.sent: list[str] = []
        self.results = results or {}

    async def send(self, item: OutboxItem) -> SendResult:
        await asyncio.sleep(0)  # let the other workers run between sends
        result = self.results.get(item.key, SendResult.sent())
        if result.ok:
            self.sent.append(item.key)
        return result


async def drain(dispatcher: OutboxDispatcher) -> int:
    handled = 0
    while n := await dispatcher.run_once():
        handled += n
    return handled


# --- enqueue ----------------------------------------------------------------------------------


async def test_enqueue_twice_stores_one_row(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    assert await repo.enqueue([msg("a"), msg("a"), msg("b")]) == 2
    assert await repo.enqueue([msg("a"), msg("b", due_at=T0 + timedelta(days=1))]) == 0
    stored = await rows(db)
    assert sorted(stored) == ["a", "b"]
    assert stored["b"].due_at == T0  # the first enqueue wins
    assert stored["a"].payload == {"n": "a"} and stored["a"].status == "pending"
    assert await repo.enqueue([]) == 0


async def test_enqueue_many_in_chunks(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    batch = [msg(f"k{i}") for i in range(450)]
    assert await repo.enqueue(batch) == 450
    assert await repo.enqueue([*batch, msg("new")]) == 1


async def test_a_replanned_ladder_is_stored_once_and_payment_cancels_it(db: Database) -> None:
    [invoice_id] = await make_invoices(db, 1)
    repo = SqlOutboxRepository(db)
    inv = InvoiceForReminders(invoice_id=invoice_id, status="sent", due_date=date(2026, 6, 12))

    async def sync(current: InvoiceForReminders) -> tuple[int, int]:
        planned = plan_invoice_reminders(current, Ladder(), "Europe/Chisinau", QuietHours())
        messages = reminder_messages(planned, "telegram", chat_id=555, invoice_id=invoice_id)
        return await sync_invoice_outbox(repo, invoice_id, messages)

    assert await sync(inv) == (5, 0)
    assert await sync(inv) == (0, 0)
    paid = InvoiceForReminders(invoice_id=invoice_id, status="paid", due_date=inv.due_date)
    assert await sync(paid) == (0, 5)
    assert await sync(inv) == (0, 0)  # a stale re-plan does not bring cancelled rows back
    assert {r.status for r in (await rows(db)).values()} == {"cancelled"}


# --- claiming ---------------------------------------------------------------------------------


async def test_two_concurrent_dispatchers_send_each_row_once(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    await repo.enqueue([msg(f"k{i:03}", T0 - timedelta(seconds=i)) for i in range(60)])
    clock = FrozenClock(T0)
    sender = RecordingSender()
    workers = [OutboxDispatcher(lambda: repo, sender, clock, f"w{n}", batch=7) for n in (1, 2)]
    handled = await asyncio.gather(*(drain(w) for w in workers))
    assert sum(handled) == 60
    assert all(h > 0 for h in handled), handled  # both took part
    assert Counter(sender.sent) == {f"k{i:03}": 1 for i in range(60)}
    stored = await rows(db)
    assert {r.status for r in stored.values()} == {"sent"}
    assert {r.claimed_by for r in stored.values()} == {"w1", "w2"}


async def test_two_processes_claim_concurrently_without_duplicates(database_url: str) -> None:
    """Two engines on one database, as two bot processes would have."""
    first, second = (Database(create_engine(database_url)) for _ in range(2))
    try:
        await SqlOutboxRepository(first).enqueue([msg(f"k{i:03}") for i in range(120)])
        clock = FrozenClock(T0 + timedelta(seconds=1))
        sender = RecordingSender()
        workers = [
            OutboxDispatcher(
                partial(SqlOutboxRepository, db), sender, clock, f"{name}-{n}", batch=5
            )
            for name, db in (("p1", first), ("p2", second))
            for n in (1, 2)
        ]
        await asyncio.gather(*(drain(w) for w in workers))
        assert Counter(sender.sent) == {f"k{i:03}": 1 for i in range(120)}
        claimers = Counter(r.claimed_by.split("-")[0] for r in (await rows(first)).values())
        assert set(claimers) == {"p1", "p2"}, claimers
    finally:
        await first.dispose()
        await second.dispose()


@pytest.mark.postgres
async def test_postgres_skips_rows_locked_by_an_unfinished_claim(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    first, second = (Database(create_engine(database_url)) for _ in range(2))
    try:
        await SqlOutboxRepository(first).enqueue([msg(f"k{i}") for i in range(10)])
        async with first.uow() as uow:
            held = await SqlOutboxQueries(uow.session, uow.dialect).claim_due(T0, "slow", 3, LEASE)
            # The other process neither waits for this open transaction nor gets its rows.
            other = await asyncio.wait_for(
                SqlOutboxRepository(second).claim_due(T0, "fast", 10, LEASE), timeout=30
            )  # a ceiling: a claim waiting for our lock would wait until this block ends
            assert {i.key for i in held} == {"k0", "k1", "k2"}
            assert {i.key for i in other} == {f"k{i}" for i in range(3, 10)}
            # leaving without commit: the slow claim rolls back
        again = await SqlOutboxRepository(second).claim_due(T0, "fast", 10, LEASE)
        assert {i.key for i in again} == {"k0", "k1", "k2"}
    finally:
        await first.dispose()
        await second.dispose()


async def test_claim_takes_only_due_rows_oldest_first(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    await repo.enqueue(
        [
            msg("later", T0 + timedelta(seconds=1)),
            msg("now", T0),
            msg("old", T0 - timedelta(hours=1)),
        ]
    )
    items = await repo.claim_due(T0, "w", 10, LEASE)
    assert [i.key for i in items] == ["old", "now"]
    assert items[0].payload == {"n": "old"} and items[0].chat_id == 100
    assert items[0].attempts == 0 and items[0].due_at == T0 - timedelta(hours=1)
    assert await repo.claim_due(T0, "w2", 10, LEASE) == []
    stored = await rows(db)
    assert (stored["now"].status, stored["now"].claimed_by) == ("claimed", "w")
    assert stored["now"].claimed_at == T0
    assert stored["later"].status == "pending"


async def test_a_crashed_workers_claim_is_taken_over_after_the_lease(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    await repo.enqueue([msg("k")])
    [item] = await repo.claim_due(T0, "crashed", 10, LEASE)  # ... and never marked
    assert await repo.claim_due(T0 + LEASE - timedelta(seconds=1), "w2", 10, LEASE) == []
    clock = FrozenClock(T0 + LEASE + timedelta(seconds=1))
    sender = RecordingSender()
    restarted = OutboxDispatcher(lambda: repo, sender, clock, "restarted", lease=LEASE)
    assert await restarted.run_once() == 1
    assert sender.sent == ["k"]
    stored = (await rows(db))["k"]
    assert (stored.status, stored.claimed_by, stored.sent_at) == ("sent", "restarted", clock.now())
    assert item.id == stored.id


async def test_the_due_query_uses_the_status_due_index(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    await repo.enqueue([msg(f"k{i}", T0 + timedelta(minutes=i - 100)) for i in range(200)])
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "FROM outbox" in statement and "due_at <=" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        assert len(await repo.claim_due(T0, "w", 10, LEASE)) == 10
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    [(statement, parameters)] = captured
    async with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            plan = " ".join(
                str(r[-1])
                for r in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "INDEX ix_outbox_status_due (status=? AND due_at<?)" in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # already in due_at order: no sort
        else:
            await conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(
                str(r[0]) for r in await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            )
            assert "ix_outbox_status_due" in plan, plan
            assert "LockRows" in plan, plan
        await conn.rollback()


# --- outcomes ---------------------------------------------------------------------------------


async def test_failure_with_retry_counts_the_attempt_and_moves_due_at(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    await repo.enqueue([msg("flaky"), msg("limited")])
    clock = FrozenClock(T0)
    sender = RecordingSender(
        {
            "flaky": SendResult.retry("502 Bad Gateway"),
            "limited": SendResult.retry("429 Too Many Requests", 7.5),
        }
    )
    dispatcher = OutboxDispatcher(lambda: repo, sender, clock, "w")
    assert await dispatcher.run_once() == 2
    stored = await rows(db)
    assert (stored["flaky"].status, stored["flaky"].attempts) == ("pending", 1)
    assert stored["flaky"].due_at == T0 + timedelta(seconds=30)
    assert stored["flaky"].last_error == "502 Bad Gateway"
    assert stored["flaky"].claimed_by is None
    assert stored["limited"].due_at == T0 + timedelta(seconds=7.5)  # retry_after honoured

    clock.advance(timedelta(seconds=29))
    [limited] = await repo.claim_due(clock.now(), "other", 10, LEASE)  # flaky is not due yet
    assert limited.key == "limited" and limited.attempts == 1
    await repo.mark_sent(limited.id, clock.now())
    clock.set(T0 + timedelta(minutes=5))
    assert await dispatcher.run_once() == 1  # flaky's second try
    stored = await rows(db)
    assert stored["flaky"].attempts == 2
    assert stored["flaky"].due_at == clock.now() + timedelta(seconds=60)  # backoff doubles


async def test_permanent_failure_is_dead_and_calls_the_hook(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    await repo.enqueue([msg("blocked"), msg("fine")])
    seen: list[tuple[str, str | None]] = []

    async def on_dead(item: OutboxItem, result: SendResult) -> None:
        seen.append((item.key, result.error))
        # the caller's fallback: the same message by e-mail
        await repo.enqueue(
            [
                NewOutboxMessage(
                    f"{item.key}:email",
                    "email",
                    item.kind,
                    T0,
                    email="buyer@example.md",
                    payload=item.payload,
                )
            ]
        )

    sender = RecordingSender({"blocked": SendResult.dead("403: bot was blocked by the user")})
    dispatcher = OutboxDispatcher(lambda: repo, sender, FrozenClock(T0), "w", on_dead=on_dead)
    assert await dispatcher.run_once() == 2
    stored = await rows(db)
    assert (stored["blocked"].status, stored["blocked"].attempts) == ("failed", 1)
    assert stored["blocked"].last_error == "403: bot was blocked by the user"
    assert stored["fine"].status == "sent"
    assert seen == [("blocked", "403: bot was blocked by the user")]
    assert stored["blocked:email"].status == "pending"
    assert await dispatcher.run_once() == 1  # the e-mail goes out; the dead row stays dead
    assert sender.sent == ["fine", "blocked:email"]


async def test_too_many_attempts_make_a_row_dead(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    await repo.enqueue([msg("down")])
    clock = FrozenClock(T0)
    dead: list[str] = []

    async def on_dead(item: OutboxItem, result: SendResult) -> None:
        dead.append(item.key)

    async def failing_hook(item: OutboxItem, result: SendResult) -> None:
        raise RuntimeError("mail server down too")

    sender = RecordingSender({"down": SendResult.retry("timeout")})
    dispatcher = OutboxDispatcher(
        lambda: repo, sender, clock, "w", max_attempts=3, on_dead=on_dead
    )
    for _ in range(3):
        assert await dispatcher.run_once() == 1
        clock.advance(timedelta(hours=1))
    assert await dispatcher.run_once() == 0
    stored = (await rows(db))["down"]
    assert (stored.status, stored.attempts) == ("failed", 3)
    assert dead == ["down"]

    await repo.enqueue([msg("down2")])
    hooked = OutboxDispatcher(
        lambda: repo,
        RecordingSender({"down2": SendResult.dead("403")}),
        clock,
        "w",
        on_dead=failing_hook,
    )
    assert await hooked.run_once() == 1  # a failing hook does not break the dispatcher
    assert (await rows(db))["down2"].status == "failed"


async def test_cancel_for_invoice_cancels_pending_rows_only(db: Database) -> None:
    inv_a, inv_b = await make_invoices(db, 2)
    repo = SqlOutboxRepository(db)
    await repo.enqueue(
        [
            msg("a-pending", invoice_id=inv_a),
            msg("a-kept", invoice_id=inv_a),
            msg("a-claimed", T0 - timedelta(hours=2), invoice_id=inv_a),
            msg("a-sent", T0 - timedelta(hours=3), invoice_id=inv_a),
            msg("a-later", T0 + timedelta(days=3), invoice_id=inv_a),
            msg("b-pending", invoice_id=inv_b),
            msg("no-invoice"),
        ]
    )
    [sent, claimed] = await repo.claim_due(T0 - timedelta(hours=1), "w", 10, LEASE)
    await repo.mark_sent(sent.id, T0)
    assert await repo.cancel_for_invoice(inv_a, except_keys=["a-kept"]) == 2
    assert await repo.cancel_for_invoice(inv_a, except_keys=["a-kept"]) == 0
    assert {k: r.status for k, r in (await rows(db)).items()} == {
        "a-pending": "cancelled",
        "a-kept": "pending",
        "a-claimed": "claimed",
        "a-sent": "sent",
        "a-later": "cancelled",
        "b-pending": "pending",
        "no-invoice": "pending",
    }
    assert claimed.key == "a-claimed"
    assert await repo.cancel_keys(["no-invoice", "a-sent", "missing"]) == 1
    assert (await rows(db))["a-sent"].status == "sent"


async def test_mark_sent_does_not_revive_a_row_nobody_claimed(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    await repo.enqueue([msg("k")])
    row_id = (await rows(db))["k"].id
    await repo.cancel_keys(["k"])
    await repo.mark_sent(row_id, T0)
    await repo.mark_failed(row_id, "late", T0, dead=False)
    stored = (await rows(db))["k"]
    assert (stored.status, stored.attempts) == ("cancelled", 0)


async def test_stats(db: Database) -> None:
    repo = SqlOutboxRepository(db)
    empty = await repo.stats(T0)
    assert (empty.due, empty.sent, empty.failed, empty.oldest_pending_at) == (0, 0, 0, None)
    await repo.enqueue(
        [
            msg("sent", T0 - timedelta(hours=5)),
            msg("dead", T0 - timedelta(hours=4)),
            msg("claimed", T0 - timedelta(hours=3)),
            msg("due1", T0 - timedelta(minutes=30)),
            msg("due2", T0),
            msg("future", T0 + timedelta(hours=1)),
            msg("gone"),
        ]
    )
    claimed = {i.key: i for i in await repo.claim_due(T0 - timedelta(hours=3), "w", 10, LEASE)}
    await repo.mark_sent(claimed["sent"].id, T0)
    await repo.mark_failed(claimed["dead"].id, "403", None, dead=True)
    await repo.cancel_keys(["gone"])
    stats = await repo.stats(T0)
    assert (stats.due, stats.sent, stats.failed) == (2, 1, 1)
    assert stats.oldest_pending_at == T0 - timedelta(minutes=30)
    assert (stats.pending, stats.claimed, stats.cancelled) == (3, 1, 1)
