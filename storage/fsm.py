"""aiogram FSM storage in our database, so a half-finished flow survives a restart.

Reads are served from a write-through cache: this storage is meant for one bot process (the
SQLite default); several processes share FSM state through Redis instead.

Inside `batch()` (one per update, opened by the dispatcher) writes are collected and flushed
in one transaction when the update is done: a flow step that sets data and state costs one
commit instead of three.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import FsmRecord, utcnow
from storage.uow import Database

_MISSING = object()
_pending: ContextVar[set[str] | None] = ContextVar("fsm_pending", default=None)


def key_string(key: StorageKey) -> str:
    return ":".join(
        str(part) for part in (key.bot_id, key.chat_id, key.user_id, key.thread_id or "",
                               key.business_connection_id or "", key.destiny)
    )


class SqlFsmStorage(BaseStorage):
    def __init__(self, db: Database, cache_size: int = 20000) -> None:
        self._db = db
        self._cache: OrderedDict[str, tuple[str | None, dict[str, Any]]] = OrderedDict()
        self._cache_size = cache_size

    async def _load(self, k: str) -> tuple[str | None, dict[str, Any]]:
        hit = self._cache.get(k)
        if hit is not None:
            self._cache.move_to_end(k)
            return hit
        async with self._db.uow(readonly=True) as uow:
            row = (await uow.session.execute(
                select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == k)
            )).first()
        value: tuple[str | None, dict[str, Any]] = (row[0], dict(row[1] or {})) if row else (
            None, {})
        self._remember(k, value)
        return value

    def _remember(self, k: str, value: tuple[str | None, dict[str, Any]]) -> None:
        self._cache[k] = value
        self._cache.move_to_end(k)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _save(self, k: str, state: str | None, data: dict[str, Any]) -> None:
        self._remember(k, (state, dict(data)))
        pending = _pending.get()
        if pending is not None:
            pending.add(k)
            return
        await self._flush({k})

    async def _flush(self, keys: set[str]) -> None:
        if not keys:
            return
        insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
        async with self._db.uow() as uow:
            for k in sorted(keys):
                state, data = self._cache.get(k, (None, {}))
                if state is None and not data:
                    await uow.session.execute(delete(FsmRecord).where(FsmRecord.key == k))
                    continue
                now = utcnow()
                stmt = insert(FsmRecord).values(key=k, state=state, data=data, updated_at=now)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[FsmRecord.key],
                    set_={"state": state, "data": data, "updated_at": now},
                )
                await uow.session.execute(stmt)
            await uow.commit()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Collects this task's writes and flushes them together at the end."""
        if _pending.get() is not None:
            yield
            return
        keys: set[str] = set()
        token = _pending.set(keys)
        try:
            yield
        finally:
            _pending.reset(token)
            await self._flush(keys)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        k = key_string(key)
        _, data = await self._load(k)
        value = state.state if isinstance(state, State) else state
        if self._cache.get(k, (_MISSING,))[0] == value:
            return
        await self._save(k, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._load(key_string(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        k = key_string(key)
        state, _ = await self._load(k)
        await self._save(k, state, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._load(key_string(key))
        return dict(data)

    async def close(self) -> None:
        self._cache.clear()
