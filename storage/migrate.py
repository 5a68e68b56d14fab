"""Running Alembic from code (the CLI's `dealchat migrate`, tests, the demo)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: PostgreSQL advisory lock keys of the start-up steps that several bot processes starting at
#: once must take in turn (arbitrary constants; "dc" + a step number).
MIGRATION_LOCK = 0x6463_0001
BOOTSTRAP_LOCK = 0x6463_0002


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def _apply(url: str, action: str, revision: str) -> None:
    engine = create_engine(url)
    cfg = alembic_config(url)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        getattr(command, action)(cfg, revision)

    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # A second process starting at the same moment waits here, then finds the
                # schema at head and does nothing (instead of failing on CREATE TABLE).
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK})
            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    await _apply(url, "upgrade", revision)


async def downgrade(url: str, revision: str) -> None:
    await _apply(url, "downgrade", revision)


@asynccontextmanager
async def one_at_a_time(engine: AsyncEngine, key: int = BOOTSTRAP_LOCK) -> AsyncIterator[None]:
    """Processes sharing one PostgreSQL database run the block in turn (a session advisory
    lock on a connection of its own, in autocommit so it holds no transaction open). SQLite
    serves one process: nothing to take."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
