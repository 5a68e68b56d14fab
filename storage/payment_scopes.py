"""payment_scopes: which managers may see a payment, by amount (migration 0010).

A manager may see a payment they recorded, one of their client, or one allocated to their
invoice (storage/search.py checks exactly that). The scoped search by amount reads the ids from
this table, a few rows of the (owner, amount) primary key instead of a check of every payment
of a common amount, and then checks each found payment again with the rule itself: a stale row
(an allocation reversed, a client moved away) shows nothing. A MISSING row would hide a payment,
so every write that makes a payment visible to someone calls one of these in its transaction:

- `grant_payments`: a payment inserted or its client set (every reason, for the given
  payments);
- `grant_allocations`: allocations added (the one reason an allocation adds: its invoice's
  owner; a statement's thousands of allocations need not recompute the other two);
- `grant_company_payments`: a client's owner changed, or payments moved to a client (merge);
- `grant_invoice_payments`: an invoice's owner changed.

Every insert is insert-if-absent (ON CONFLICT DO NOTHING), so calling one twice is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

from sqlalchemy import ColumnElement, Select, Table, literal, select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from storage import models as m

CHUNK: Final = 1000
_COLUMNS: Final = ["owner_id", "amount_minor", "payment_id"]

# Every row from scratch, in plain SQL for both engines (bench/search.py fills its generated
# database with it; migration 0010 holds its own copy).
BACKFILL: Final = """
INSERT INTO payment_scopes (owner_id, amount_minor, payment_id)
SELECT owner_id, amount_minor, payment_id FROM (
    SELECT p.created_by AS owner_id, p.amount_minor, p.id AS payment_id FROM payments p
    WHERE p.created_by IS NOT NULL
    UNION
    SELECT c.owner_id, p.amount_minor, p.id FROM payments p
    JOIN companies c ON c.id = p.company_id WHERE c.owner_id IS NOT NULL
    UNION
    SELECT i.owner_id, p.amount_minor, p.id FROM payments p
    JOIN payment_allocations a ON a.payment_id = p.id
    JOIN invoices i ON i.id = a.invoice_id WHERE i.owner_id IS NOT NULL
) AS scopes
"""


async def _insert(session: AsyncSession, rows: Any) -> None:
    """INSERT … SELECT `rows` ON CONFLICT DO NOTHING. `rows` always has a WHERE clause: SQLite
    would otherwise read ON CONFLICT as a join's ON."""
    conn = await session.connection()
    table = cast(Table, m.PaymentScope.__table__)
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await session.execute(make(table).from_select(_COLUMNS, rows).on_conflict_do_nothing())


def _invoice_owners(ids: Sequence[int]) -> Select[int, int, int]:
    p, a, i = m.Payment, m.PaymentAllocation, m.Invoice
    return (select(i.owner_id, p.amount_minor, p.id)
            .join(a, a.payment_id == p.id).join(i, i.id == a.invoice_id)
            .where(p.id.in_(list(ids)), i.owner_id.is_not(None)))


def _reasons(ids: Sequence[int]) -> Select[Any]:
    p, c = m.Payment, m.Company
    mine = p.id.in_(list(ids))
    recorded = select(p.created_by, p.amount_minor, p.id).where(mine, p.created_by.is_not(None))
    client = (select(c.owner_id, p.amount_minor, p.id).join(c, c.id == p.company_id)
              .where(mine, c.owner_id.is_not(None)))
    return select(union(recorded, client, _invoice_owners(ids)).subquery()).where(literal(True))


async def grant_payments(session: AsyncSession, payment_ids: Sequence[int]) -> None:
    """Rows for every reason anyone may see these payments: after inserting them, setting their
    client or allocating them."""
    ids = sorted(set(payment_ids))
    for start in range(0, len(ids), CHUNK):
        await _insert(session, _reasons(ids[start:start + CHUNK]))


async def grant_allocations(session: AsyncSession, payment_ids: Sequence[int]) -> None:
    """Rows for the owners of the invoices these payments are allocated to: after adding
    allocations (the payments' other reasons were granted when they were inserted)."""
    ids = sorted(set(payment_ids))
    for start in range(0, len(ids), CHUNK):
        await _insert(session, _invoice_owners(ids[start:start + CHUNK]).distinct())


async def grant_company_payments(session: AsyncSession, *where: ColumnElement[bool],
                                 owner_id: int | None = None) -> None:
    """Rows for the payments of the clients matching `where`, for `owner_id` (a new owner
    about to be set: call it before the update, while `where` still finds the clients) or for
    each client's current owner."""
    p, c = m.Payment, m.Company
    owner: Any = (c.owner_id if owner_id is None
                  else literal(owner_id, BigInteger))
    await _insert(session, select(owner, p.amount_minor, p.id).join(c, c.id == p.company_id)
                  .where(*where, owner.is_not(None)))


async def grant_invoice_payments(session: AsyncSession, owner_id: int,
                                 *where: ColumnElement[bool]) -> None:
    """Rows for `owner_id` for the payments allocated to the invoices matching `where` (call
    it before the update that gives them that owner)."""
    p, a, i = m.Payment, m.PaymentAllocation, m.Invoice
    await _insert(session, select(literal(owner_id, BigInteger), p.amount_minor, p.id)
                  .join(a, a.payment_id == p.id).join(i, i.id == a.invoice_id).where(*where))
