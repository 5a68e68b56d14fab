"""Rows made once per user's action: `tasks.origin_key` and `deals.origin_key` (migration
0013) are unique, so the second of two presses of one alert button made at the same moment
(each found no row before inserting) fails here instead of making a second task or deal."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import Conflict


async def flush_once(session: AsyncSession) -> None:
    """Flushes the new row; a taken origin key becomes Conflict("already_done") (the unit of
    work then rolls back: nothing of the second press is kept). Other integrity errors pass."""
    try:
        await session.flush()
    except IntegrityError as exc:
        # uq_tasks_origin_key / uq_deals_origin_key on PostgreSQL, "tasks.origin_key" on SQLite
        if "origin_key" in str(exc.orig):
            raise Conflict("already_done") from None
        raise
