from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import bindparam, select, update
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


# The same statement as the driver runs it (asyncpg's own statement cache keeps it prepared).
BY_TELEGRAM_ID_PG = str(BY_TELEGRAM_ID.compile(dialect=postgresql_asyncpg.dialect()))
_CREATED_AT = cast(m.UtcDateTime, _USERS.c.created_at.type)


def _fetch_identity(engine: Engine, telegram_id: int) -> Any:
    """In one greenlet: a pooled connection (the pool's checkout events run: the idle ping),
    asyncpg's fetchrow on it outside any transaction, the connection back to the pool."""
    raw = engine.raw_connection()
    try:
        return await_only(raw.driver_connection.fetchrow(  # type: ignore[union-attr]
            BY_TELEGRAM_ID_PG, telegram_id))
    except BaseException:
        raw.invalidate()  # a broken connection must not go back to the pool
        raise
    finally:
        raw.close()


class SqlUserRepository:
    """`session_of` gives the unit of work's session (made on first use). `driver`: on
    PostgreSQL, the single-read unit of work's engine: the identity read goes to the driver on
    a pooled connection, without a Session (see `by_telegram_id`)."""

    def __init__(self, session_of: Callable[[], AsyncSession],
                 driver: AsyncEngine | None = None) -> None:
        self._session_of = session_of
        self._driver = driver

    @property
    def _s(self) -> AsyncSession:
        return self._session_of()

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        # Runs on every update: plain columns, no ORM identity map; on PostgreSQL outside a
        # transaction, asyncpg's fetchrow on a pooled connection (a Session and SQLAlchemy's
        # execution path cost twice the driver's own work for this one-row read).
        if self._driver is not None:
            record = await greenlet_spawn(_fetch_identity, self._driver.sync_engine,
                                          telegram_id)
            if record is None:
                return None
            row: Any = SimpleNamespace(**dict(record))
            row.created_at = _CREATED_AT.process_result_value(row.created_at,
                                                              self._driver.dialect)
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
