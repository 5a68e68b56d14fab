"""Several bot processes sharing one PostgreSQL database start at the same moment (a
deployment restarts them together): the schema migration and the admins' bootstrap run in turn,
and neither start fails."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import create_engine
from storage.migrate import one_at_a_time, upgrade
from tests.conftest import PG_SKIP, PG_URL, asyncpg_url

pytestmark = pytest.mark.postgres


async def _admin(sql: str) -> None:
    engine = create_engine(asyncpg_url(PG_URL))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(sql))
    await engine.dispose()


@pytest.fixture
async def blank_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database (no schema yet), dropped after the test."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    name = f"dealchat_blank_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    yield make_url(asyncpg_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_three_processes_migrating_a_new_database_at_once_all_succeed(
        blank_database: str) -> None:
    await asyncio.gather(*(upgrade(blank_database) for _ in range(3)))
    engine = create_engine(blank_database)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
            invoices = await conn.scalar(text("SELECT count(*) FROM invoices"))
    finally:
        await engine.dispose()
    assert len(versions) == 1
    assert invoices == 0


async def test_the_bootstrap_block_runs_in_one_process_at_a_time(blank_database: str) -> None:
    inside = 0
    most = 0

    async def step(engine_url: str) -> None:
        nonlocal inside, most
        engine = create_engine(engine_url)
        try:
            async with one_at_a_time(engine):
                inside += 1
                most = max(most, inside)
                await asyncio.sleep(0.2)
                inside -= 1
        finally:
            await engine.dispose()

    await asyncio.gather(*(step(blank_database) for _ in range(3)))
    assert most == 1
