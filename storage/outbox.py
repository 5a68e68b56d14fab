"""The outbox table on SQLAlchemy: idempotent enqueue and atomic claims on both engines.

Claims: PostgreSQL selects the due rows `FOR UPDATE SKIP LOCKED` and marks them claimed in the
same transaction, so concurrent workers (tasks or processes) each get different rows and never
wait on each other. SQLite has one writer at a time: the same select-then-update runs inside
one `BEGIN IMMEDIATE` write transaction (`Database.uow()`), so no one else can claim in between.

The due rows are found by `status = 'pending' AND due_at <= :now ORDER BY due_at`, an ordered
range scan of `ix_outbox_status_due (status, due_at)`; expired leases are a second small
lookup on the same index (`status = 'claimed'`). Keeping them as two plain queries rather
than one OR lets both engines use the index for each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import UnitOfWork
from services.outbox import NewOutboxMessage, OutboxItem, OutboxStats
from storage import models as m

OUTBOX: Table = m.OutboxMessage.__table__  # type: ignore[assignment]
C = OUTBOX.c
ITEM_COLUMNS = (
    C.id,
    C.idempotency_key,
    C.channel,
    C.kind,
    C.chat_id,
    C.email,
    C.payload,
    C.due_at,
    C.attempts,
    C.invoice_id,
    C.recipient_user_id,
)
INSERT_CHUNK = 250  # rows per executemany: the loop breathes between chunks
IN_CHUNK = 500


def _item(row: Row[Any]) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        key=row.idempotency_key,
        channel=row.channel,
        kind=row.kind,
        chat_id=row.chat_id,
        email=row.email,
        payload=dict(row.payload or {}),
        due_at=row.due_at,
        attempts=row.attempts,
        invoice_id=row.invoice_id,
        recipient_user_id=row.recipient_user_id,
    )


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def due_query(now: datetime, limit: int) -> Select[Any]:
    """Pending rows whose time has come, oldest first: the index's own order."""
    return (
        select(C.id).where(C.status == "pending", C.due_at <= now).order_by(C.due_at).limit(limit)
    )


def expired_claims_query(now: datetime, lease: timedelta, limit: int) -> Select[Any]:
    """Rows claimed by a worker that has not finished within the lease (it crashed)."""
    return (
        select(C.id)
        .where(C.status == "claimed", C.claimed_at < now - lease)
        .order_by(C.claimed_at)
        .limit(limit)
    )


class SqlOutboxQueries:
    """The outbox statements on an open session; the caller owns the transaction. Use it to
    enqueue in the same transaction as the change that causes the messages."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect
        self.enqueued = 0  # rows stored in this transaction: the sender is woken on commit

    async def enqueue(self, items: Iterable[NewOutboxMessage]) -> int:
        unique: dict[str, NewOutboxMessage] = {}
        for item in items:
            unique.setdefault(item.key, item)
        if not unique:
            return 0
        created = m.utcnow()
        rows = [
            {
                "idempotency_key": it.key,
                "channel": it.channel,
                "kind": it.kind,
                "recipient_user_id": it.recipient_user_id,
                "chat_id": it.chat_id,
                "email": it.email,
                "payload": dict(it.payload),
                "invoice_id": it.invoice_id,
                "due_at": it.due_at,
                "status": "pending",
                "attempts": 0,
                "last_error": None,
                "claimed_by": None,
                "claimed_at": None,
                "sent_at": None,
                "created_at": created,
            }
            for it in unique.values()
        ]
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        # ONE statement, executed many times (insertmanyvalues batches it with its compiled
        # form cached): a multi-row VALUES built per chunk was compiled per chunk, the top
        # cost of a statement import's 10,000 receipts.
        stmt = (
            insert(OUTBOX)
            .on_conflict_do_nothing(index_elements=[C.idempotency_key])
            .returning(C.id)
        )
        inserted = 0
        for chunk in _chunks(rows, INSERT_CHUNK):
            inserted += len((await self._s.execute(stmt, list(chunk))).all())
        self.enqueued += inserted
        return inserted

    async def claim_due(
        self, now: datetime, worker_id: str, limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        if limit < 1:
            return []
        locking = self._dialect == "postgresql"
        expired_q = expired_claims_query(now, lease, limit)
        if locking:
            expired_q = expired_q.with_for_update(skip_locked=True)
        ids = list((await self._s.scalars(expired_q)).all())
        if len(ids) < limit:
            due_q = due_query(now, limit - len(ids))
            if locking:
                due_q = due_q.with_for_update(skip_locked=True)
            ids += (await self._s.scalars(due_q)).all()
        if not ids:
            return []
        result = await self._s.execute(
            update(OUTBOX)
            .where(C.id.in_(ids))
            .values(status="claimed", claimed_by=worker_id, claimed_at=now)
            .returning(*ITEM_COLUMNS)
        )
        items = [_item(row) for row in result.all()]
        return sorted(items, key=lambda it: (it.due_at, it.id))

    async def mark_sent(self, item_id: int, at: datetime) -> None:
        await self._s.execute(
            update(OUTBOX)
            .where(C.id == item_id, C.status == "claimed")
            .values(status="sent", sent_at=at, last_error=None)
        )

    async def mark_failed(
        self, item_id: int, error: str, retry_at: datetime | None, dead: bool
    ) -> None:
        values: dict[str, Any] = {
            "attempts": C.attempts + 1,
            "last_error": error,
            "claimed_by": None,
            "claimed_at": None,
        }
        if dead:
            values["status"] = "failed"
        else:
            if retry_at is None:
                raise ValueError("a retried message needs retry_at")
            values.update(status="pending", due_at=retry_at)
        await self._s.execute(
            update(OUTBOX).where(C.id == item_id, C.status == "claimed").values(**values)
        )

    async def cancel_for_invoice(self, invoice_id: int, except_keys: Sequence[str] = ()) -> int:
        stmt = update(OUTBOX).where(C.invoice_id == invoice_id, C.status == "pending")
        if except_keys:
            stmt = stmt.where(C.idempotency_key.not_in(list(except_keys)))
        result = await self._s.execute(stmt.values(status="cancelled"))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_keys(self, keys: Sequence[str]) -> int:
        cancelled = 0
        for chunk in _chunks(sorted(set(keys)), IN_CHUNK):
            result = await self._s.execute(
                update(OUTBOX)
                .where(C.idempotency_key.in_(chunk), C.status == "pending")
                .values(status="cancelled")
            )
            cancelled += int(result.rowcount)  # type: ignore[attr-defined]
        return cancelled

    async def claimants(self) -> list[str]:
        rows: Any = await self._s.scalars(
            select(C.claimed_by).where(C.status == "claimed").distinct())
        return [str(r) for r in rows.all() if r]

    async def release(self, worker_ids: Sequence[str]) -> int:
        if not worker_ids:
            return 0
        result = await self._s.execute(
            update(OUTBOX)
            .where(C.status == "claimed", C.claimed_by.in_(list(worker_ids)))
            .values(status="pending", claimed_by=None, claimed_at=None))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def stats(self, now: datetime) -> OutboxStats:
        counts: dict[str, int] = {
            row.status: int(row.n)
            for row in await self._s.execute(
                select(C.status, func.count().label("n")).group_by(C.status)
            )
        }
        backlog = (
            await self._s.execute(
                select(func.count().label("n"), func.min(C.due_at).label("oldest")).where(
                    C.status == "pending", C.due_at <= now
                )
            )
        ).one()
        return OutboxStats(
            due=int(backlog.n),
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            oldest_pending_at=backlog.oldest,
            pending=counts.get("pending", 0),
            claimed=counts.get("claimed", 0),
            cancelled=counts.get("cancelled", 0),
        )


class OutboxUnitOfWork(UnitOfWork, Protocol):
    """What the repository needs of a unit of work (`storage.uow.SqlUnitOfWork`)."""

    @property
    def outbox(self) -> SqlOutboxQueries: ...


class UnitsOfWork(Protocol):
    """Hands out units of work (`storage.uow.Database`)."""

    def uow(self, readonly: bool = False) -> OutboxUnitOfWork: ...


class SqlOutboxRepository:
    """`services.outbox.OutboxRepository` on a `Database`: each call is one short transaction
    of its own, committed before it returns, so no transaction spans a send."""

    def __init__(self, db: UnitsOfWork) -> None:
        self._db = db

    async def enqueue(self, items: Iterable[NewOutboxMessage]) -> int:
        async with self._db.uow() as uow:
            count = await uow.outbox.enqueue(items)
            await uow.commit()
        return count

    async def claim_due(
        self, now: datetime, worker_id: str, limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        async with self._db.uow() as uow:
            items = await uow.outbox.claim_due(
                now, worker_id, limit, lease
            )
            await uow.commit()
        return items

    async def mark_sent(self, item_id: int, at: datetime) -> None:
        async with self._db.uow() as uow:
            await uow.outbox.mark_sent(item_id, at)
            await uow.commit()

    async def mark_failed(
        self, item_id: int, error: str, retry_at: datetime | None, dead: bool
    ) -> None:
        async with self._db.uow() as uow:
            await uow.outbox.mark_failed(
                item_id, error, retry_at, dead
            )
            await uow.commit()

    async def cancel_for_invoice(self, invoice_id: int, except_keys: Sequence[str] = ()) -> int:
        async with self._db.uow() as uow:
            count = await uow.outbox.cancel_for_invoice(
                invoice_id, except_keys
            )
            await uow.commit()
        return count

    async def cancel_keys(self, keys: Sequence[str]) -> int:
        async with self._db.uow() as uow:
            count = await uow.outbox.cancel_keys(keys)
            await uow.commit()
        return count

    async def claimants(self) -> list[str]:
        async with self._db.uow(readonly=True) as uow:
            return await uow.outbox.claimants()

    async def release(self, worker_ids: Sequence[str]) -> int:
        async with self._db.uow() as uow:
            count = await uow.outbox.release(worker_ids)
            await uow.commit()
        return count

    async def stats(self, now: datetime) -> OutboxStats:
        async with self._db.uow(readonly=True) as uow:
            return await uow.outbox.stats(now)
