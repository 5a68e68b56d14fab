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

Several processes (webhook mode behind one port) may each get an update of the same user at
once, and a process-local lock cannot order them. So the Redis batch also holds a short lease
on the update's own key, taken in the same round trip as the first read and given back in the
same round trip as the write: the other process's update for that user waits until this one's
state is written, then reads it. Other keys an update touches are read without a lease (two
updates taking two leases in opposite orders would wait on each other).

Each of those two round trips is one Lua script run by its digest (EVALSHA), not a pipeline
(the write script writes and gives the lease back atomically), sent over one pipelined
connection shared by all updates (storage.redis_wire): redis-py's per-command work cost as
much CPU as aiogram's whole dispatch of the update.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.exceptions import NoScriptError
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import FsmRecord, utcnow
from storage.redis_wire import PipelinedRedis, Script
from storage.uow import Database

logger = logging.getLogger(__name__)

_MISSING = object()
#: The lease on a user's key: long enough for any one update (a PDF, a statement: their heavy
#: work runs in pools, the handler waits), short enough that a killed process's lease lapses.
LEASE_MS = 60_000
#: How long an update waits for another process's update of the same user before it goes on
#: without the lease (and says so in the log): a stuck holder must not stop the user forever.
LEASE_WAIT_S = 15.0
_LEASE_POLL_S = 0.005
# KEYS: the lease, the state, the data; ARGV: our token, the lease's milliseconds. Takes the
# lease if free and reads state and data either way: {1 if taken else 0, state, data}.
# (Already ours counts as taken: the script may be sent again after a lost connection.)
_LEASE_AND_READ = Script("""local taken = redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
  or redis.call('get', KEYS[1]) == ARGV[1]
return {taken and 1 or 0, redis.call('get', KEYS[2]), redis.call('get', KEYS[3])}""")
# KEYS: the lease ("" when none is held), then the keys to write; ARGV: our token, then per
# key its milliseconds to live ("del": delete it, "0": no expiry) and its value. Writes, then
# gives the lease back only if it is still ours (it may have lapsed and been taken since).
_WRITE_AND_RELEASE = Script("""for i = 2, #KEYS do
  local ttl, value = ARGV[2 * i - 2], ARGV[2 * i - 1]
  if ttl == 'del' then redis.call('del', KEYS[i])
  elseif ttl == '0' then redis.call('set', KEYS[i], value)
  else redis.call('set', KEYS[i], value, 'PX', ttl) end
end
if KEYS[1] ~= '' and redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
return 0""")
# A lease token unique across processes (this process's random part) and updates (a counter).
_PROCESS = secrets.token_hex(8)
_TOKENS = (f"{_PROCESS}:{n}" for n in itertools.count())
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
        #: (lease key, token) once the update holds its user's lease.
        self.lease: tuple[str, str] | None = None


_redis_batch: ContextVar[_RedisBatch | None] = ContextVar("redis_fsm_batch", default=None)


class RedisFsmStorage(RedisStorage):
    """aiogram's Redis storage (same keys, same JSON), with a per-update batch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wire = PipelinedRedis.for_client(self.redis)  # None: TLS and such, on redis-py

    async def _run(self, script: Script, keys: tuple[str, ...], args: tuple[str | int, ...]
                   ) -> Any:
        if self._wire is not None:
            return await self._wire.run(script, keys, args)
        try:
            return await self.redis.evalsha(script.sha, len(keys), *keys, *args)
        except NoScriptError:  # a restarted or flushed server: EVAL caches it again
            return await self.redis.eval(script.body, len(keys), *keys, *args)

    async def close(self) -> None:
        if self._wire is not None:
            self._wire.close()
        await super().close()

    async def _entry(self, key: StorageKey, batch: _RedisBatch) -> list[Any]:
        entry = batch.entries.get(key)
        if entry is None:
            keys = (self.key_builder.build(key, "state"), self.key_builder.build(key, "data"))
            if batch.entries:  # not the update's own key: read without a lease
                raw_state, raw_data = await self.redis.mget(*keys)
            else:
                raw_state, raw_data = await self._lease_and_read(key, batch, keys)
            state = raw_state.decode() if isinstance(raw_state, bytes) else raw_state
            data = raw_data.decode() if isinstance(raw_data, bytes) else raw_data
            entry = batch.entries[key] = [state, data, False]
        return entry

    async def _lease_and_read(self, key: StorageKey, batch: _RedisBatch,
                              keys: tuple[str, str]) -> tuple[Any, Any]:
        """Takes the lease on the user's key and reads state and data, in one round trip;
        while another process holds the lease, waits and tries again."""
        lease, token = self.key_builder.build(key, "lock"), next(_TOKENS)
        deadline = time.monotonic() + LEASE_WAIT_S
        while True:
            taken, raw_state, raw_data = await self._run(
                _LEASE_AND_READ, (lease, *keys), (token, LEASE_MS))
            if taken:
                batch.lease = (lease, token)
                return raw_state, raw_data
            if time.monotonic() >= deadline:
                logger.warning("FSM lease %s still held after %.0f s: going on without it",
                               lease, LEASE_WAIT_S)
                return raw_state, raw_data
            await asyncio.sleep(_LEASE_POLL_S)

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Reads each key once and writes what changed, in one round trip at the end."""
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
        lease, token = batch.lease or ("", "")
        keys, args = [lease], [token]
        for key, (state, data, changed) in batch.entries.items():
            if changed:
                keys += (self.key_builder.build(key, "state"), self.key_builder.build(key, "data"))
                args += (_ttl(state, self.state_ttl), state or "",
                         _ttl(data, self.data_ttl), data or "")
        if len(keys) > 1 or batch.lease is not None:
            await self._run(_WRITE_AND_RELEASE, tuple(keys), tuple(args))

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


def _ttl(value: str | None, ttl: int | timedelta | None) -> str:
    """How the write script stores `value`: "del", "0" (no expiry) or its milliseconds."""
    if value is None:
        return "del"
    if ttl is None:
        return "0"
    seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else ttl
    return str(max(1, int(seconds * 1000)))
