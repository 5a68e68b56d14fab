"""aiogram FSM storages: in our database (one bot process), or in Redis (several).

`SqlFsmStorage` keeps a half-finished flow in the database, so it survives a restart. Reads are
served from a write-through cache: this storage is meant for one bot process (the SQLite
default); several processes share FSM state through Redis instead (`RedisFsmStorage`).

Both have `batch()` (one per update, opened by the dispatcher around aiogram's FSM middleware):
writes are collected and flushed together when the update is done, so a flow step that sets
data and state costs one commit (one Redis round trip) instead of three. In Redis the batch
also reads a key's state and data together, once per update, and serves the update's later
reads from that copy: a flow step costs two round trips instead of five to eight. Nothing
outlives the update, so another process's change is seen by the next one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
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
        async with self._db.uow(single_read=True) as uow:
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


class _RedisBatch:
    """One update's view of the keys it touches: [state, data as JSON text or None, changed]
    per storage key (JSON text, as in Redis: what a handler does to a dict after setting it
    or after reading it changes nothing stored)."""

    def __init__(self) -> None:
        self.entries: dict[StorageKey, list[Any]] = {}


_redis_batch: ContextVar[_RedisBatch | None] = ContextVar("redis_fsm_batch", default=None)


class RedisFsmStorage(RedisStorage):
    """aiogram's Redis storage (same keys, same JSON), with a per-update batch."""

    async def _entry(self, key: StorageKey, batch: _RedisBatch) -> list[Any]:
        entry = batch.entries.get(key)
        if entry is None:
            raw_state, raw_data = await self.redis.mget(self.key_builder.build(key, "state"),
                                                        self.key_builder.build(key, "data"))
            state = raw_state.decode() if isinstance(raw_state, bytes) else raw_state
            data = raw_data.decode() if isinstance(raw_data, bytes) else raw_data
            entry = batch.entries[key] = [state, data, False]
        return entry

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Reads each key once and writes what changed in one pipeline at the end."""
        if _redis_batch.get() is not None:
            yield
            return
        batch = _RedisBatch()
        token = _redis_batch.set(batch)
        try:
            yield
        finally:
            _redis_batch.reset(token)
            await self._flush(batch)

    async def _flush(self, batch: _RedisBatch) -> None:
        dirty = [(key, state, data) for key, (state, data, changed) in batch.entries.items()
                 if changed]
        if not dirty:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, state, data in dirty:
                state_key, data_key = (self.key_builder.build(key, "state"),
                                       self.key_builder.build(key, "data"))
                if state is None:
                    pipe.delete(state_key)
                else:
                    pipe.set(state_key, state, ex=self.state_ttl)
                if data is None:
                    pipe.delete(data_key)
                else:
                    pipe.set(data_key, data, ex=self.data_ttl)
            await pipe.execute()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        batch = _redis_batch.get()
        if batch is None:
            await super().set_state(key, state)
            return
        entry = await self._entry(key, batch)
        value = state.state if isinstance(state, State) else state
        if entry[0] != value:
            entry[0], entry[2] = value, True

    async def get_state(self, key: StorageKey) -> str | None:
        batch = _redis_batch.get()
        if batch is None:
            return await super().get_state(key)
        state: str | None = (await self._entry(key, batch))[0]
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        batch = _redis_batch.get()
        if batch is None:
            await super().set_data(key, data)
            return
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        entry = await self._entry(key, batch)
        entry[1], entry[2] = (self.json_dumps(data) if data else None), True

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        batch = _redis_batch.get()
        if batch is None:
            return await super().get_data(key)
        data = (await self._entry(key, batch))[1]
        return {} if data is None else dict(self.json_loads(data))
