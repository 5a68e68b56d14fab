"""Engines for SQLite (embedded default) and PostgreSQL.

SQLite: WAL, synchronous=NORMAL, foreign keys on, a busy timeout, and write transactions that
start with BEGIN IMMEDIATE (a deferred read-then-write fails at once with "database is locked"
under concurrency, whatever the busy timeout). Read-only units of work run in autocommit
(no BEGIN at all): each SELECT sees the latest commit, which is all our reads need.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_MMAP_BYTES = 1 << 30  # address space only; SQLite maps as much of the file as it has
SQLITE_BUSY_TIMEOUT_MS = 15000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, echo: bool = False, pool_size: int = 20) -> AsyncEngine:
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        # Every unit of work ends in COMMIT or ROLLBACK itself, so the pool's extra
        # rollback on return (a thread hop through aiosqlite) is dropped.
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_reset_on_return=None, pool_size=2, max_overflow=2,
        )
        _install_sqlite_hooks(engine)
        return engine
    # JIT off: our statements are short OLTP reads and report aggregations over an index
    # range; compiling them cost more than it saved (a report's 550 ms, 470 of them JIT).
    # random_page_cost 1.1: SSD storage, where a covering index range beats a sequential scan
    # of the table (the default 4 assumes spinning disks).
    # No pool_pre_ping: it cost three round trips (BEGIN, a ping, ROLLBACK) on every checkout,
    # as many as the update's own work. A connection idle for PING_IDLE_SECONDS is pinged
    # instead (where a restart or a dropped idle connection hides); a busy one is not, and
    # if the server went away under it, the failed statement invalidates the pool.
    # Every connection kept, none beyond (no overflow): an overflow connection is closed when
    # it comes back while the pool is full, so a burst of updates (each checks one out for
    # its identity read) opened and closed a connection for one update in twenty (a TLS
    # attempt, a server process forked, the statement cache cold): more CPU than the reads.
    # The ceiling is the same as before (10 kept + 10 overflow). LIFO: a quiet bot reuses
    # its most recent connection (warm, not idle long enough to be pinged).
    engine = create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=0, pool_use_lifo=True,
        connect_args={"server_settings": {"jit": "off", "random_page_cost": "1.1"}})
    _install_idle_ping(engine)
    return engine


PING_IDLE_SECONDS = 10.0


def _install_idle_ping(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine
    dialect = sync_engine.dialect

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_conn, None):
                # The pool drops this connection and checks out another (a fresh one).
                raise DisconnectionError() from err
            raise


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Reads through a memory map of the file (the OS page cache, shared by every
        # connection) instead of a read() per page into SQLite's own 2 MB cache: a search
        # that looks up a thousand index entries spread over a large file gets them without
        # a system call each. Costs address space, not memory.
        cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode != "NONE":
            conn.exec_driver_sql(f"BEGIN {mode}")
