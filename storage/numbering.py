"""The gapless counter (see services/numbering.py for the invariants).

SQLite: the write unit of work already holds the database's single write lock (BEGIN
IMMEDIATE, and our in-process writer lock), so read-increment-write cannot interleave.
PostgreSQL: the row is created if missing (INSERT … ON CONFLICT DO NOTHING: two first
issues of a year cannot both create it), then locked with SELECT … FOR UPDATE until commit;
a second transaction waits there and reads the committed value. Sequences are not used:
they leave gaps on rollback.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models as m


class SqlNumberSeriesRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect

    async def take_next(self, organization_id: int, kind: str, year: int,
                        prefix: str) -> tuple[int, int]:
        """(series id, the new number), the counter incremented in this transaction."""
        values = {"organization_id": organization_id, "kind": kind, "year": year,
                  "prefix": prefix, "last_number": 0}
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        await self._s.execute(insert(m.NumberSeries).values(**values).on_conflict_do_nothing(
            index_elements=["organization_id", "kind", "year"]))
        row = (await self._s.execute(
            select(m.NumberSeries.id, m.NumberSeries.last_number)
            .where(m.NumberSeries.organization_id == organization_id,
                   m.NumberSeries.kind == kind, m.NumberSeries.year == year)
            .with_for_update())).one()
        series_id, number = int(row[0]), int(row[1]) + 1
        await self._s.execute(update(m.NumberSeries).where(m.NumberSeries.id == series_id)
                              .values(last_number=number))
        return series_id, number

    async def last_number(self, organization_id: int, kind: str, year: int) -> int:
        value = await self._s.scalar(select(m.NumberSeries.last_number).where(
            m.NumberSeries.organization_id == organization_id, m.NumberSeries.kind == kind,
            m.NumberSeries.year == year))
        return int(value or 0)
