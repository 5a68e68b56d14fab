"""Shared fixtures: a real database on SQLite (always) and PostgreSQL (when
TEST_POSTGRES_URL is set), migrated with Alembic."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import Base
from storage.uow import Database

# The order of a parallel run (slow tests first, spread over the workers) and
# --record-durations: tests/ordering.py.
pytest_plugins = ("tests.ordering",)

PG_URL = os.environ.get("TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
PG_SKIP = "TEST_POSTGRES_URL is not set: PostgreSQL tests skipped"
REDIS_SKIP = "TEST_REDIS_URL is not set: Redis tests skipped"

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def asyncpg_url(url: str) -> str:
    parsed = make_url(url)
    return str(parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A private PostgreSQL database for this test run, migrated once, dropped at the end."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    base = make_url(asyncpg_url(PG_URL))
    name = f"dealchat_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        engine = create_engine(base.render_as_string(hide_password=False))
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    asyncio.run(upgrade(url))
    yield url
    # Dropped by a process of its own, not waited for: DROP DATABASE makes the server write a
    # checkpoint of everything (1-20 s, longer while other tests write), and this worker's
    # last test would otherwise end the whole parallel run that much later.
    # (Started in the background by a shell that exits at once: no child left to wait for.)
    subprocess.run(
        ["/bin/sh", "-c", '"$0" -c "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &',
         sys.executable, DROP_DATABASE, base.render_as_string(hide_password=False), name],
        check=True)


DROP_DATABASE = """
import asyncio, sys
import asyncpg

async def drop(url, name):
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()

asyncio.run(drop(sys.argv[1], sys.argv[2]))
"""


# Every table emptied and every used sequence back at its start: what
# `TRUNCATE <all> RESTART IDENTITY CASCADE` does, in one statement, but with DELETE. A TRUNCATE
# gives each of the ~40 tables and their indexes new files (created, then the old ones
# unlinked at commit): 0.3-0.5 s on an idle machine, 2-3.5 s while other tests write, before
# every PostgreSQL test. DELETE of tables holding a few rows costs ~30 ms. Foreign keys are
# not checked (session_replication_role = replica) since every table goes.
EMPTY_ALL = """DO $$ BEGIN
SET LOCAL session_replication_role = replica;
{deletes}
PERFORM setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
   FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL;
END $$"""


async def truncate_all(url: str) -> None:
    """Empties the PostgreSQL database at `url` (migrated): no rows, ids from 1 again."""
    engine = create_engine(url)
    deletes = "\n".join(f'DELETE FROM "{t.name}";' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(EMPTY_ALL.format(deletes=deletes)))
    await engine.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 sqlite_template: Path) -> str:
    """A migrated, empty database on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "dealchat.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(truncate_all(url))
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(database_url))
    yield database
    await database.dispose()


@pytest.fixture(autouse=True)
def _collect_garbage_per_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unclosed sessions warn when collected; collecting after every end-to-end test blames
    the test that leaked instead of whichever test the garbage collector happened to run in."""
    yield
    if "e2e" in request.node.path.parts:
        import gc

        gc.collect()
