"""The outbox's rules on in-memory fakes (tests/fakes.py): what is queued once, what is sent in
which order, what is retried and when, what dies, and what a restart takes back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.clock import FrozenClock
from services.notices import (
    PAYMENT_APPLIED,
    PAYMENT_RECEIPT,
    PAYMENT_TEAM,
    applied_from,
    notice,
    payment_messages,
)
from services.outbox import OutboxDispatcher, OutboxItem, SendResult
from services.payment_events import PaymentApplied
from tests.fakes import FakeOutbox, FakeSender

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def applied(payment_id: int = 1, remaining: str = "0.00") -> PaymentApplied:
    return PaymentApplied(
        payment_id=payment_id, invoice_id=7, invoice_number="INV-7", company_name="Ромашка",
        amount=Decimal("300.00"), remaining=Decimal(remaining), currency="RUB",
        manager_chat=100, manager_language="ru", customer_chat=500, customer_language="en")


def dispatcher(outbox: FakeOutbox, sender: FakeSender, clock: FrozenClock,
               dead: list[OutboxItem] | None = None, worker: str = "w1") -> OutboxDispatcher:
    async def on_dead(item: OutboxItem, _result: SendResult) -> None:
        if dead is not None:
            dead.append(item)

    return OutboxDispatcher(lambda: outbox, sender, clock, worker, batch=50,
                            lease=timedelta(minutes=2), max_attempts=3, on_dead=on_dead)


async def test_a_payment_is_pushed_once_however_often_its_cause_is_repeated() -> None:
    outbox, sender, clock = FakeOutbox(), FakeSender(), FrozenClock(T0)
    assert await outbox.enqueue(payment_messages([applied()], T0, team_chat=900)) == 3
    # The same allocation again (a re-delivered update, a second import): nothing new.
    assert await outbox.enqueue(payment_messages([applied()], T0, team_chat=900)) == 0
    # Another payment of the same amount is another cause: its own pushes.
    assert await outbox.enqueue(payment_messages([applied(payment_id=2)], T0)) == 2
    await dispatcher(outbox, sender, clock).run_once()
    kinds = sorted((it.chat_id, it.kind) for it in sender.sent)
    assert kinds == [(100, PAYMENT_APPLIED), (100, PAYMENT_APPLIED), (500, PAYMENT_RECEIPT),
                     (500, PAYMENT_RECEIPT), (900, PAYMENT_TEAM)]
    # Notices never carry an invoice id: the reminder planner cancels that invoice's rows.
    assert all(row.message.invoice_id is None for row in outbox.rows.values())
    assert await outbox.cancel_for_invoice(7) == 0


def test_a_push_renders_from_its_payload_alone() -> None:
    (manager, *_rest) = payment_messages([applied(remaining="20.50")], T0)
    event = applied_from(manager.payload)
    assert event == applied(remaining="20.50")
    assert manager.payload["lang"] == "ru"


async def test_one_chat_in_order_chats_side_by_side() -> None:
    outbox, clock = FakeOutbox(), FrozenClock(T0)
    sender = FakeSender(delay=0.01)
    await outbox.enqueue([notice(f"n{i}:chat{chat}", PAYMENT_TEAM, chat, T0, None)
                          for i in range(3) for chat in (1, 2, 3)])
    assert await dispatcher(outbox, sender, clock).run_once() == 9
    for chat in (1, 2, 3):
        assert [it.key for it in sender.sent if it.chat_id == chat] == [
            f"n{i}:chat{chat}" for i in range(3)]
    assert sender.most_in_flight == 3  # one per chat at a time, the chats at once


async def test_retry_when_the_server_says_then_dead_after_the_last_attempt() -> None:
    outbox, clock = FakeOutbox(), FrozenClock(T0)
    dead: list[OutboxItem] = []
    sender = FakeSender(script={
        "slow": [SendResult.retry("429", retry_after=7)],
        "down": [SendResult.retry("5xx")] * 3,
        "gone": [SendResult.dead("403: blocked")],
    })
    await outbox.enqueue([notice(k, PAYMENT_TEAM, n, T0, None)
                          for n, k in enumerate(("slow", "down", "gone"), start=1)])
    d = dispatcher(outbox, sender, clock, dead)
    await d.run_once()
    assert outbox.by_key("slow").due_at == T0 + timedelta(seconds=7)  # retry_after, exactly
    assert outbox.by_key("down").due_at == T0 + timedelta(seconds=30)  # the backoff's first
    assert outbox.by_key("gone").status == "failed"
    assert [it.key for it in dead] == ["gone"]
    clock.advance(timedelta(seconds=7))
    await d.run_once()
    assert outbox.by_key("slow").status == "sent"
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        await d.run_once()
    assert outbox.by_key("down").status == "failed" and outbox.by_key("down").attempts == 3
    assert [it.key for it in dead] == ["gone", "down"]
    assert [it.key for it in sender.sent] == ["slow"]


async def test_a_dead_workers_claims_come_back_at_once_a_live_ones_after_the_lease() -> None:
    outbox, sender, clock = FakeOutbox(), FakeSender(), FrozenClock(T0)
    await outbox.enqueue([notice("a", PAYMENT_TEAM, 1, T0, None),
                          notice("b", PAYMENT_TEAM, 2, T0, None)])
    # Two workers claimed one row each and stopped before sending (one died).
    await outbox.claim_due(T0, "host:11.1:x", 1, timedelta(minutes=2))
    await outbox.claim_due(T0, "host:12.1:y", 1, timedelta(minutes=2))
    d = dispatcher(outbox, sender, clock, worker="host:13.1:z")
    assert await d.release_dead(lambda worker: worker == "host:11.1:x") == 1
    await d.run_once()
    assert [it.key for it in sender.sent] == ["a"]
    clock.advance(timedelta(minutes=2, seconds=1))  # the live one's lease ran out
    await d.run_once()
    assert [it.key for it in sender.sent] == ["a", "b"]


async def test_a_stop_during_the_claim_lets_the_claim_end_first() -> None:
    """The outbox sender is cancelled when the bot stops. A claim cut off mid-way would leave
    its transaction's connection to nobody (SQLite's write lock held for the next process);
    the claim ends, its rows are claimed (taken back after the lease), then the stop goes
    on and nothing is sent."""
    outbox, sender, clock = SlowClaims(), FakeSender(), FrozenClock(T0)
    await outbox.enqueue(payment_messages([applied()], T0))
    run = asyncio.create_task(dispatcher(outbox, sender, clock).run_once())
    await outbox.inside.wait()
    run.cancel()
    await asyncio.sleep(0.01)
    assert not run.done()  # still in the claim
    outbox.go_on.set()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert outbox.claims_ended == 1 and sender.sent == []
    assert sorted(r.status for r in outbox.rows.values()) == ["claimed", "claimed"]


class SlowClaims(FakeOutbox):
    def __init__(self) -> None:
        super().__init__()
        self.inside, self.go_on = asyncio.Event(), asyncio.Event()
        self.claims_ended = 0

    async def claim_due(self, now: datetime, worker_id: str, limit: int,
                        lease: timedelta) -> list[OutboxItem]:
        self.inside.set()
        await self.go_on.wait()
        items = await super().claim_due(now, worker_id, limit, lease)
        self.claims_ended += 1
        return items
