"""Stairway: every migration goes up, down and up again on each engine."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import create_engine
from storage.migrate import alembic_config, downgrade, upgrade
from storage.models import Base

pytestmark = pytest.mark.asyncio


def revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def test_stairway(database_url: str) -> None:
    # database_url is already at head: start from the bottom.
    await downgrade(database_url, "base")
    assert await table_names(database_url) == set()
    revs = revisions(database_url)
    assert revs, "no migrations found"
    previous = "base"
    for rev in revs:
        await upgrade(database_url, rev)
        await downgrade(database_url, previous)
        await upgrade(database_url, rev)
        previous = rev
    assert await table_names(database_url) == set(Base.metadata.tables)
