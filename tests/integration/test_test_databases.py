"""The test databases themselves (tests/conftest.py): every PostgreSQL test starts from a
migrated database with no rows in any table and ids counting from 1, as a fresh one would."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.invoices import Line
from services.users import Role
from storage.db import create_engine
from storage.models import Base
from storage.uow import Database
from tests.conftest import truncate_all
from tests.integration.test_invoices import make_world


async def row_counts(db: Database) -> dict[str, int]:
    async with db.uow(readonly=True) as uow:
        return {t.name: int(await uow.session.scalar(select(func.count()).select_from(t)) or 0)
                for t in Base.metadata.sorted_tables}


@pytest.mark.postgres
async def test_emptied_postgres_has_no_rows_and_ids_from_1(pg_database: str) -> None:
    await truncate_all(pg_database)  # the worker's database, as an earlier test left it
    db = Database(create_engine(pg_database))
    try:
        w = await make_world(db)
        draft = await w.invoices.create_draft(w.m1, w.company)
        await w.invoices.add_line(w.m1, draft.id, Line("Work", Decimal(1), Decimal(10),
                                                       Decimal(22)))
        await w.invoices.issue(w.m1, draft.id)
        filled = {name for name, n in (await row_counts(db)).items() if n}
        # users, companies, organizations, invoices, lines, numbering, audit ...
        assert len(filled) >= 6, filled
    finally:
        await db.dispose()

    await truncate_all(pg_database)

    db = Database(create_engine(pg_database))
    try:
        assert {name: n for name, n in (await row_counts(db)).items() if n} == {}
        async with db.uow() as uow:
            first = await uow.users.add(77, Role.MANAGER, "First again", None, None, None)
            await uow.commit()
        assert first.id == 1
        w = await make_world(db)  # the same world builds again: no unique key left behind
        assert w.company != w.other_company
    finally:
        await db.dispose()
