"""The outbox in memory and a scripted sender (the outbox's contract runs the same cases on
this fake, SQLite and PostgreSQL: tests/integration/test_outbox_contract.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from services.outbox import NewOutboxMessage, OutboxItem, OutboxStats, SendResult


@dataclass
class _Row:
    id: int
    message: NewOutboxMessage
    due_at: datetime
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None

    def item(self) -> OutboxItem:
        m = self.message
        return OutboxItem(id=self.id, key=m.key, channel=m.channel, kind=m.kind,
                          chat_id=m.chat_id, email=m.email, payload=dict(m.payload),
                          due_at=self.due_at, attempts=self.attempts, invoice_id=m.invoice_id,
                          recipient_user_id=m.recipient_user_id)


class FakeOutbox:
    """`services.outbox.OutboxRepository` in memory: idempotent by key, claims are leases."""

    def __init__(self) -> None:
        self.rows: dict[int, _Row] = {}
        self._keys: dict[str, int] = {}

    def by_key(self, key: str) -> _Row:
        return self.rows[self._keys[key]]

    async def enqueue(self, items: Iterable[NewOutboxMessage]) -> int:
        stored = 0
        for message in items:
            if message.key in self._keys:
                continue
            row = _Row(len(self.rows) + 1, message, message.due_at)
            self.rows[row.id] = row
            self._keys[message.key] = row.id
            stored += 1
        return stored

    async def claim_due(self, now: datetime, worker_id: str, limit: int,
                        lease: timedelta) -> list[OutboxItem]:
        expired = sorted((r for r in self.rows.values() if r.status == "claimed"
                          and r.claimed_at is not None and r.claimed_at < now - lease),
                         key=lambda r: r.claimed_at or now)
        due = sorted((r for r in self.rows.values()
                      if r.status == "pending" and r.due_at <= now),
                     key=lambda r: (r.due_at, r.id))
        taken = (expired + due)[:limit]
        for row in taken:
            row.status, row.claimed_by, row.claimed_at = "claimed", worker_id, now
        return sorted((r.item() for r in taken), key=lambda it: (it.due_at, it.id))

    async def mark_sent(self, item_id: int, at: datetime) -> None:
        row = self.rows[item_id]
        if row.status == "claimed":
            row.status, row.sent_at, row.last_error = "sent", at, None

    async def mark_failed(self, item_id: int, error: str, retry_at: datetime | None,
                          dead: bool) -> None:
        row = self.rows[item_id]
        if row.status != "claimed":
            return
        row.attempts += 1
        row.last_error, row.claimed_by, row.claimed_at = error, None, None
        if dead:
            row.status = "failed"
        else:
            if retry_at is None:
                raise ValueError("a retried message needs retry_at")
            row.status, row.due_at = "pending", retry_at

    async def cancel_for_invoice(self, invoice_id: int, except_keys: Sequence[str] = ()) -> int:
        cancelled = 0
        for row in self.rows.values():
            if (row.message.invoice_id == invoice_id and row.status == "pending"
                    and row.message.key not in except_keys):
                row.status = "cancelled"
                cancelled += 1
        return cancelled

    async def cancel_keys(self, keys: Sequence[str]) -> int:
        cancelled = 0
        for key in set(keys):
            row = self.rows.get(self._keys.get(key, -1))
            if row is not None and row.status == "pending":
                row.status = "cancelled"
                cancelled += 1
        return cancelled

    async def stats(self, now: datetime) -> OutboxStats:
        def count(status: str) -> int:
            return sum(r.status == status for r in self.rows.values())

        backlog = [r for r in self.rows.values() if r.status == "pending" and r.due_at <= now]
        return OutboxStats(due=len(backlog), sent=count("sent"), failed=count("failed"),
                           oldest_pending_at=min((r.due_at for r in backlog), default=None),
                           pending=count("pending"), claimed=count("claimed"),
                           cancelled=count("cancelled"))

    async def claimants(self) -> list[str]:
        return sorted({r.claimed_by for r in self.rows.values()
                       if r.status == "claimed" and r.claimed_by})

    def revive(self, keys: Sequence[str]) -> int:
        """Cancelled rows of these keys back to pending (`AlertRepository.revive`)."""
        revived = 0
        for key in set(keys):
            row = self.rows.get(self._keys.get(key, -1))
            if row is not None and row.status == "cancelled":
                row.status, row.attempts, row.last_error = "pending", 0, None
                revived += 1
        return revived

    async def release(self, worker_ids: Sequence[str]) -> int:
        released = 0
        for row in self.rows.values():
            if row.status == "claimed" and row.claimed_by in worker_ids:
                row.status, row.claimed_by, row.claimed_at = "pending", None, None
                released += 1
        return released


@dataclass
class FakeSender:
    """`services.outbox.Sender`: records what it sent, in order, and answers with what a test
    scripted for a key (a list of results, taken one per attempt; then "sent")."""

    sent: list[OutboxItem] = field(default_factory=list)
    script: dict[str, list[SendResult]] = field(default_factory=dict)
    delay: float = 0.0
    in_flight: int = 0
    most_in_flight: int = 0

    async def send(self, item: OutboxItem) -> SendResult:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            planned = self.script.get(item.key)
            result = planned.pop(0) if planned else SendResult.sent()
            if result.ok:
                self.sent.append(replace(item))
            return result
        finally:
            self.in_flight -= 1

    def texts(self) -> list[Any]:
        return [(it.chat_id, it.key) for it in self.sent]
