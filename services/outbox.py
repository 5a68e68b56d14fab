"""The outbox: durable messages waiting to be sent, and the dispatcher that sends them.

The scheduler (APScheduler in `bot/`) is only a clock that calls `OutboxDispatcher.run_once()`
every few seconds; the truth about what must be sent lives in the outbox table. Hence:

* Enqueueing is idempotent by key: planning the same reminder twice stores it once.
* A row is claimed (status "claimed", claimed_by, claimed_at) before it is sent, atomically,
  so two workers or two processes never send the same row. A claim is a lease: if the worker
  dies between claim and mark, the row becomes claimable again once the lease has expired,
  so a restart loses nothing. The price is at-least-once delivery after a crash, which is
  why the lease must be much longer than one send.
* Failures retry with exponential backoff (30 s × 2^(attempts-1), or the server's
  `retry_after`); a permanent failure (bot blocked: 403) or too many attempts makes the row
  dead ("failed") and calls `on_dead`, where the caller falls back to e-mail and tells the
  manager.

Row statuses: pending -> claimed -> sent | pending (retry) | failed (dead); pending ->
cancelled (invoice paid or cancelled, meeting moved).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.clock import Clock
from services.kernel.uow import finished
from services.reminders import PlannedReminder

logger = logging.getLogger(__name__)

CHANNELS = frozenset({"telegram", "email"})
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)
MAX_ERROR_LEN = 2000
MAX_KEY_LEN = 200


@dataclass(frozen=True)
class NewOutboxMessage:
    """A message to enqueue. `key` is its idempotency key (unique in the outbox)."""

    key: str
    channel: str
    kind: str
    due_at: datetime
    chat_id: int | None = None
    email: str | None = None
    payload: dict[str, Any] = field(default_factory=dict, compare=False)
    invoice_id: int | None = None
    recipient_user_id: int | None = None

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > MAX_KEY_LEN:
            raise ValueError(f"key must be 1..{MAX_KEY_LEN} characters")
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.due_at.tzinfo is None:
            raise ValueError("due_at must be an aware datetime")
        if self.channel == "telegram" and self.chat_id is None:
            raise ValueError("a telegram message needs chat_id")
        if self.channel == "email" and not self.email:
            raise ValueError("an e-mail message needs email")


@dataclass(frozen=True)
class OutboxItem:
    """A claimed message. `attempts` counts the failed attempts before this one."""

    id: int
    key: str
    channel: str
    kind: str
    chat_id: int | None
    email: str | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    invoice_id: int | None
    recipient_user_id: int | None = None


@dataclass(frozen=True)
class OutboxStats:
    """`due`: pending rows whose time has come (the backlog); `oldest_pending_at`: the due
    time of the oldest of them (how late the queue runs), None when there is no backlog."""

    due: int
    sent: int
    failed: int
    oldest_pending_at: datetime | None
    pending: int = 0
    claimed: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class SendResult:
    ok: bool
    retry_after: float | None = None
    permanent: bool = False
    error: str | None = None

    @classmethod
    def sent(cls) -> SendResult:
        return cls(ok=True)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> SendResult:
        return cls(ok=False, retry_after=retry_after, error=error)

    @classmethod
    def dead(cls, error: str) -> SendResult:
        return cls(ok=False, permanent=True, error=error)


class OutboxRepository(Protocol):
    """Each method is one transaction of its own (the storage implementation commits)."""

    async def enqueue(self, items: Iterable[NewOutboxMessage]) -> int:
        """Stores the messages whose key is new; returns how many were stored."""
        ...

    async def claim_due(
        self, now: datetime, worker_id: str, limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        """Atomically claims up to `limit` rows that are pending and due (`due_at <= now`)
        or claimed by anyone with `claimed_at < now - lease`, oldest due first. Rows claimed
        here are claimed by no one else until the lease expires."""
        ...

    async def mark_sent(self, item_id: int, at: datetime) -> None: ...

    async def mark_failed(
        self, item_id: int, error: str, retry_at: datetime | None, dead: bool
    ) -> None:
        """Counts one more attempt; back to pending at `retry_at`, or "failed" when dead."""
        ...

    async def cancel_for_invoice(self, invoice_id: int, except_keys: Sequence[str] = ()) -> int:
        """Cancels the invoice's *pending* rows (claimed ones are being sent right now), but
        those with a key in `except_keys`; returns how many."""
        ...

    async def cancel_keys(self, keys: Sequence[str]) -> int:
        """Cancels the pending rows with these keys (a moved meeting); returns how many."""
        ...

    async def stats(self, now: datetime) -> OutboxStats: ...

    async def claimants(self) -> list[str]:
        """The workers holding claims now."""
        ...

    async def release(self, worker_ids: Sequence[str]) -> int:
        """Claims of these (dead) workers become pending again at once; returns how many."""
        ...


class Sender(Protocol):
    async def send(self, item: OutboxItem) -> SendResult:
        """Delivers one message. Returns a result rather than raising for the known
        failures: 429 -> retry with `retry_after`, 403 / chat not found -> permanent.
        An exception is treated as a transient failure."""
        ...


DeadHook = Callable[[OutboxItem, SendResult], Awaitable[None]]


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after the `attempts`-th failure: 30 s, 60 s, 120 s ...
    capped at 6 h."""
    exponent = max(attempts - 1, 0)
    if exponent > 20:
        return BACKOFF_CAP
    return min(BACKOFF_BASE * (2**exponent), BACKOFF_CAP)


class OutboxDispatcher:
    """Sends what is due. Safe to run in several tasks or processes at once: rows are claimed
    atomically before sending, and no transaction is held while a message is on the wire."""

    def __init__(
        self,
        repo_factory: Callable[[], OutboxRepository],
        sender: Sender,
        clock: Clock,
        worker_id: str,
        batch: int = 50,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        on_dead: DeadHook | None = None,
    ) -> None:
        if batch < 1 or max_attempts < 1 or lease <= timedelta(0):
            raise ValueError("batch and max_attempts must be >= 1 and lease positive")
        self._repo_factory = repo_factory
        self._sender = sender
        self._clock = clock
        self.worker_id = worker_id
        self._batch = batch
        self._lease = lease
        self._max_attempts = max_attempts
        self._on_dead = on_dead

    async def run_once(self) -> int:
        """Claims one batch of due rows, sends each and records the outcome; returns how many
        rows were handled (0: nothing was due). Call it again while it returns `batch`."""
        repo = self._repo_factory()
        # A stop waits for the claim's transaction too: one cancelled mid-way leaves its
        # connection to nobody, with SQLite's write lock held (seen as "database is locked"
        # for the next process on the same file).
        items = await finished(repo.claim_due(self._clock.now(), self.worker_id, self._batch,
                                              self._lease))
        # One recipient's messages go in order (a document before its QR); recipients go
        # side by side, so one slow chat (Telegram's ~1 message/s per chat) does not hold
        # up everyone else's pushes. The session's limiter keeps the overall rate.
        by_recipient: dict[tuple[str, Any], list[OutboxItem]] = {}
        for item in items:
            by_recipient.setdefault((item.channel, item.chat_id or item.email), []).append(item)

        async def one_recipient(queue: list[OutboxItem]) -> None:
            for item in queue:
                # A stop lets the message on the wire finish and be recorded (sent, failed).
                await finished(self._deliver(repo, item))

        await asyncio.gather(*(one_recipient(q) for q in by_recipient.values()))
        return len(items)

    async def release_dead(self, is_dead: Callable[[str], bool]) -> int:
        """Claims held by workers that are known dead (a process killed mid-send on this
        host) become pending now instead of after their lease: a restart resumes at once.
        The message in flight at the kill may so be sent twice; none is lost."""
        repo = self._repo_factory()
        dead = [w for w in await finished(repo.claimants())
                if w != self.worker_id and is_dead(w)]
        return await finished(repo.release(dead)) if dead else 0

    async def _deliver(self, repo: OutboxRepository, item: OutboxItem) -> None:
        try:
            result = await self._sender.send(item)
        except Exception as exc:  # a bug or an unexpected network error: retry later
            logger.exception("outbox %s: sender raised", item.key)
            result = SendResult.retry(f"{type(exc).__name__}: {exc}")
        now = self._clock.now()
        if result.ok:
            await repo.mark_sent(item.id, now)
            return
        error = (result.error or "unknown error")[:MAX_ERROR_LEN]
        attempts = item.attempts + 1
        if result.permanent or attempts >= self._max_attempts:
            await repo.mark_failed(item.id, error, None, dead=True)
            logger.warning("outbox %s dead after %d attempt(s): %s", item.key, attempts, error)
            if self._on_dead is not None:
                try:
                    await self._on_dead(item, result)
                except Exception:
                    # The row is already dead; a failing hook must not stop the batch.
                    logger.exception("outbox %s: on_dead hook failed", item.key)
            return
        delay = backoff(attempts)
        if result.retry_after is not None:
            # The server said when (Telegram 429): earlier is refused, later wastes time.
            delay = timedelta(seconds=max(result.retry_after, 0.0))
        await repo.mark_failed(item.id, error, now + delay, dead=False)


def reminder_messages(
    planned: Iterable[PlannedReminder],
    channel: str,
    *,
    chat_id: int | None = None,
    email: str | None = None,
    invoice_id: int | None = None,
    recipient_user_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> list[NewOutboxMessage]:
    """Planned reminders as outbox messages for one recipient. The key gets the channel and
    recipient, so the same reminder to the customer and to the manager are two messages
    (an address is hashed into the key, which must stay short)."""
    if channel == "telegram":
        recipient = f"chat{chat_id}"
    else:
        digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:16]
        recipient = f"mail{digest}"
    return [
        NewOutboxMessage(
            key=f"{p.key}:{channel}:{recipient}",
            channel=channel,
            kind=p.kind,
            due_at=p.due_at_utc,
            chat_id=chat_id,
            email=email,
            payload={**p.payload, **(payload or {})},
            invoice_id=invoice_id,
            recipient_user_id=recipient_user_id,
        )
        for p in planned
    ]


async def sync_invoice_outbox(
    repo: OutboxRepository, invoice_id: int, messages: Sequence[NewOutboxMessage]
) -> tuple[int, int]:
    """Makes the invoice's pending reminders what `messages` says (built from a fresh
    `plan_invoice_reminders`): stores the new ones and cancels pending ones no longer planned,
    e.g. all of them once the invoice is paid, or the old due date's after it moved.
    Safe to repeat. Enqueues first, so a crash in between leaves extra rows, never missing
    ones, and the next sync removes them. Returns (enqueued, cancelled)."""
    enqueued = await repo.enqueue(messages)
    cancelled = await repo.cancel_for_invoice(invoice_id, except_keys=[m.key for m in messages])
    return enqueued, cancelled
