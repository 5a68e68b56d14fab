from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import BigInteger, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util import await_only, greenlet_spawn

from services.users import Invite, Role, User
from storage import models as m

USER_COLUMNS = (m.User.id, m.User.telegram_id, m.User.role, m.User.full_name, m.User.username,
                m.User.language, m.User.timezone, m.User.is_active, m.User.created_at)
# The identity read of every update, built once, over the table's columns (a Core statement:
# the ORM's result handling and building the statement anew cost as much as the round trip).
_USERS = m.User.__table__
BY_TELEGRAM_ID = select(*(_USERS.c[col.key] for col in USER_COLUMNS)).where(
    _USERS.c.telegram_id == bindparam("telegram_id"))


def to_user(row: m.User) -> User:
    return User(
        id=row.id,
        telegram_id=row.telegram_id,
        role=Role(row.role),
        full_name=row.full_name,
        username=row.username,
        language=row.language,
        timezone=row.timezone,
        is_active=row.is_active,
        created_at=row.created_at,
    )


# The identity reads of updates that arrive together, as the driver runs it (asyncpg's own
# statement cache keeps it prepared): `telegram_id = ANY($1)`.
BY_TELEGRAM_IDS_PG = str(
    select(*(_USERS.c[col.key] for col in USER_COLUMNS))
    .where(_USERS.c.telegram_id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
    .compile(dialect=postgresql_asyncpg.dialect()))
_CREATED_AT = cast(m.UtcDateTime, _USERS.c.created_at.type)
_PG_DIALECT = postgresql_asyncpg.dialect()


def _fetch_identities(engine: Engine, telegram_ids: list[int]) -> list[Any]:
    """In one greenlet: a pooled connection (the pool's checkout events run: the idle ping),
    asyncpg's fetch on it outside any transaction, the connection back to the pool."""
    raw = engine.raw_connection()
    try:
        return await_only(raw.driver_connection.fetch(  # type: ignore[union-attr]
            BY_TELEGRAM_IDS_PG, telegram_ids))
    except BaseException:
        raw.invalidate()  # a broken connection must not go back to the pool
        raise
    finally:
        raw.close()


class IdentityReader:
    """The identity read of every update on PostgreSQL (SqlUserRepository.by_telegram_id):
    the reads asked for in one event-loop iteration (updates that arrived together) go in
    one statement on one pooled connection, started at the next iteration. Each update is
    still read after it arrived, outside any transaction, so a deactivation committed before
    is seen as with a statement of its own; what fifty updates in flight save is forty-odd
    statements' round trips (asyncpg, the pool, the system calls: the row costs nothing)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[int, list[asyncio.Future[Any]]] = {}
        self._reads: set[asyncio.Task[None]] = set()  # referenced until done

    async def wait_idle(self) -> None:
        """Until the reads in flight are done (before the engine is disposed: a connection
        given back to a disposed pool would never be closed)."""
        while self._reads:
            await asyncio.wait(set(self._reads))

    async def read(self, telegram_id: int) -> Any:
        """The user's row (an asyncpg Record), or None."""
        loop = asyncio.get_running_loop()
        if not self._waiting or self._loop is not loop:
            self._loop, self._waiting = loop, {}
            loop.call_soon(self._start)
        future: asyncio.Future[Any] = loop.create_future()
        self._waiting.setdefault(telegram_id, []).append(future)
        return await future

    def _start(self) -> None:
        waiting, self._waiting = self._waiting, {}
        if waiting:
            task = asyncio.get_running_loop().create_task(self._read(waiting))
            self._reads.add(task)
            task.add_done_callback(self._reads.discard)

    async def _read(self, waiting: dict[int, list[asyncio.Future[Any]]]) -> None:
        try:
            records = await greenlet_spawn(_fetch_identities, self._engine.sync_engine,
                                           list(waiting))
        except BaseException as err:
            for futures in waiting.values():
                for future in futures:
                    if future.done():
                        continue
                    if isinstance(err, asyncio.CancelledError):
                        future.cancel()
                    else:
                        future.set_exception(err)
            if not isinstance(err, Exception):
                raise
            return
        found = {record["telegram_id"]: record for record in records}
        for telegram_id, futures in waiting.items():
            for future in futures:
                if not future.done():  # its update may have been cancelled meanwhile
                    future.set_result(found.get(telegram_id))


class SqlUserRepository:
    """`session_of` gives the unit of work's session (made on first use). `identities`: on
    PostgreSQL, in the single-read unit of work: the identity read goes to the driver, shared
    with the updates that arrived with this one, without a Session (see `by_telegram_id`)."""

    def __init__(self, session_of: Callable[[], AsyncSession],
                 identities: IdentityReader | None = None) -> None:
        self._session_of = session_of
        self._identities = identities

    @property
    def _s(self) -> AsyncSession:
        return self._session_of()

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        # Runs on every update: plain columns, no ORM identity map; on PostgreSQL outside a
        # transaction, asyncpg on a pooled connection (a Session and SQLAlchemy's execution
        # path cost twice the driver's own work for this one-row read), with the updates
        # that arrived together (IdentityReader).
        if self._identities is not None:
            record = await self._identities.read(telegram_id)
            if record is None:
                return None
            row: Any = SimpleNamespace(**dict(record))
            row.created_at = _CREATED_AT.process_result_value(row.created_at, _PG_DIALECT)
        else:
            row = (await self._s.execute(BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()
            if row is None:
                return None
        return User(id=row.id, telegram_id=row.telegram_id, role=Role(row.role),
                    full_name=row.full_name, username=row.username, language=row.language,
                    timezone=row.timezone, is_active=row.is_active, created_at=row.created_at)

    async def get(self, user_id: int) -> User | None:
        row = await self._s.get(m.User, user_id, populate_existing=True)
        return to_user(row) if row else None

    async def add(
        self,
        telegram_id: int,
        role: Role,
        full_name: str,
        username: str | None,
        language: str | None,
        timezone: str | None,
    ) -> User:
        row = m.User(telegram_id=telegram_id, role=role.value, full_name=full_name,
                     username=username, language=language, timezone=timezone, is_active=True,
                     chat_dead=False, created_at=m.utcnow())
        self._s.add(row)
        await self._s.flush()
        return to_user(row)

    async def update(self, user_id: int, **fields: Any) -> None:
        await self._s.execute(update(m.User).where(m.User.id == user_id).values(**fields))

    async def staff(self, active_only: bool = False) -> Sequence[User]:
        q = select(m.User).where(m.User.role != Role.CUSTOMER.value).order_by(m.User.id)
        if active_only:
            q = q.where(m.User.is_active.is_(True))
        return [to_user(r) for r in await self._s.scalars(q)]


class SqlInviteRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect

    async def add(self, token: str, role: Role, created_by: int, expires_at: datetime) -> None:
        self._s.add(m.Invite(token=token, role=role.value, created_by=created_by,
                             expires_at=expires_at, created_at=m.utcnow()))
        await self._s.flush()

    async def get_for_update(self, token: str) -> Invite | None:
        q = select(m.Invite).where(m.Invite.token == token)
        if self._dialect == "postgresql":
            q = q.with_for_update()
        row = await self._s.scalar(q)
        if row is None:
            return None
        return Invite(token=row.token, role=Role(row.role), created_by=row.created_by,
                      expires_at=row.expires_at, used_by=row.used_by, used_at=row.used_at)

    async def mark_used(self, token: str, user_id: int, at: datetime) -> bool:
        result = await self._s.execute(
            update(m.Invite)
            .where(m.Invite.token == token, m.Invite.used_by.is_(None))
            .values(used_by=user_id, used_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
