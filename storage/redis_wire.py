"""One pipelined Redis connection for the FSM's two scripts on every update (storage.fsm).

redis-py spends about 50 µs of CPU on each command here (a pooled connection checked out
under a lock, a health check, a task per write for its timeout, a timer per read, RESP3
parsing through several layers): the two commands of an update cost as much as aiogram's
whole dispatch. Redis answers one connection's commands in the order they were sent, so one
connection can carry every update's commands at once: a command is appended to a buffer
written once per event-loop iteration, and each answer resolves the oldest waiting caller.
Fifty updates in flight cost a few system calls instead of a hundred, and no lock or task.

It speaks only what those scripts need (EVALSHA, EVAL when the server has forgotten the
script, AUTH and SELECT when connecting; RESP2), over TCP or a Unix socket. `for_client`
gives None for anything else (TLS, Sentinel, cluster): the storage then stays on redis-py.

Failures look like redis-py's: a lost connection fails every waiting command with
ConnectionError (the next command connects again); a server silent for `timeout` seconds
fails them with TimeoutError and drops the connection (one timer per connection, not one per
command); an error reply raises ResponseError (NoScriptError for NOSCRIPT).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from typing import Any
from weakref import WeakKeyDictionary

from redis.asyncio import Redis
from redis.asyncio.connection import Connection, ConnectionPool, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

#: As redis-py's default socket timeout.
TIMEOUT_S = 5.0


def _pack(args: tuple[bytes | str | int, ...]) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(parts)


class _Incomplete(Exception):
    """The buffer ends inside a reply: wait for more bytes."""


def _parse(buf: bytearray, pos: int) -> tuple[Any, int]:
    """One RESP2 reply at `pos`: (value, position after it); raises _Incomplete."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Incomplete
    kind, line, pos = buf[pos], bytes(buf[pos + 1:end]), end + 2
    if kind == 0x24:  # $ bulk string
        size = int(line)
        if size < 0:
            return None, pos
        if len(buf) < pos + size + 2:
            raise _Incomplete
        return bytes(buf[pos:pos + size]), pos + size + 2
    if kind == 0x3A:  # : integer
        return int(line), pos
    if kind == 0x2A:  # * array
        size = int(line)
        if size < 0:
            return None, pos
        items = []
        for _ in range(size):
            item, pos = _parse(buf, pos)
            items.append(item)
        return items, pos
    if kind == 0x2B:  # + simple string
        return line.decode(), pos
    if kind == 0x2D:  # - error
        message = line.decode(errors="replace")
        if message.startswith("NOSCRIPT"):
            return NoScriptError(message), pos
        return ResponseError(message), pos
    raise RedisConnectionError(f"unexpected reply from Redis: {bytes(buf[pos:pos + 16])!r}")


class _Wire(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.loop = self._loop = loop
        self._timeout = timeout
        self._transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._out: list[bytes] = []
        #: Callers in the order their commands were written, with when they were.
        self._waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self._watchdog: asyncio.TimerHandle | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(RedisConnectionError(f"Redis connection lost: {exc or 'closed'}"))

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        pos = 0
        try:
            while pos < len(buf):
                value, pos = _parse(buf, pos)
                if not self._waiting:
                    raise RedisConnectionError("a reply from Redis nobody asked for")
                future = self._waiting.popleft()[0]
                if future.done():  # its caller was cancelled: the answer is dropped
                    continue
                if isinstance(value, ResponseError):
                    future.set_exception(value)
                else:
                    future.set_result(value)
        except _Incomplete:
            pass
        except RedisConnectionError as err:
            self._fail(err)
            return
        del buf[:pos]

    def call(self, *args: bytes | str | int) -> asyncio.Future[Any]:
        if self.closed:
            raise RedisConnectionError("Redis connection closed")
        if not self._out:
            self._loop.call_soon(self._flush)
        self._out.append(_pack(args))
        future = self._loop.create_future()
        self._waiting.append((future, self._loop.time()))
        if self._watchdog is None:
            self._watchdog = self._loop.call_later(self._timeout, self._check)
        return future

    def close(self) -> None:
        self._fail(RedisConnectionError("Redis connection closed"))

    def _flush(self) -> None:
        if self._out and not self.closed and self._transport is not None:
            self._transport.write(b"".join(self._out))
        self._out.clear()

    def _check(self) -> None:
        """The oldest caller has waited `timeout` seconds: the connection is given up."""
        self._watchdog = None
        if not self._waiting or self.closed:
            return
        waited = self._loop.time() - self._waiting[0][1]
        if waited >= self._timeout:
            self._fail(RedisTimeoutError(f"Redis did not answer in {self._timeout:.0f} s"))
        else:
            self._watchdog = self._loop.call_later(self._timeout - waited, self._check)

    def _fail(self, err: Exception) -> None:
        if self.closed:
            return
        self.closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        while self._waiting:
            future = self._waiting.popleft()[0]
            if not future.done():
                future.set_exception(err)
        self._out.clear()
        if self._transport is not None:
            self._transport.abort()


class Script:
    """A Lua script run by its digest (EVALSHA); sent whole once if the server lacks it."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.sha = hashlib.sha1(body.encode()).hexdigest()


class PipelinedRedis:
    """Made by `for_client` with the connection settings of a redis-py client."""

    def __init__(self, connection: dict[str, Any], timeout: float = TIMEOUT_S) -> None:
        self._settings = connection
        self._timeout = timeout
        self._wire: _Wire | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def for_client(cls, redis: Redis) -> PipelinedRedis | None:
        """The one for the client's connection pool (storages on one client share it)."""
        pool = redis.connection_pool
        if pool in _SHARED:
            return _SHARED[pool]
        kwargs = pool.connection_kwargs
        if pool.connection_class is Connection:
            where: dict[str, Any] = {"host": kwargs.get("host", "localhost"),
                                     "port": int(kwargs.get("port", 6379))}
        elif pool.connection_class is UnixDomainSocketConnection:
            where = {"path": kwargs["path"]}
        else:
            return None
        wire = _SHARED[pool] = cls(
            {**where, "db": int(kwargs.get("db") or 0), "username": kwargs.get("username"),
             "password": kwargs.get("password")},
            kwargs.get("socket_timeout") or TIMEOUT_S)
        return wire

    async def run(self, script: Script, keys: tuple[str, ...], args: tuple[str | int, ...]
                  ) -> Any:
        """The script's reply. A connection lost on the way is made again and the script
        sent once more: both of storage.fsm's scripts may run twice with the same effect."""
        try:
            return await self._run(script, keys, args)
        except RedisConnectionError:
            return await self._run(script, keys, args)

    async def _run(self, script: Script, keys: tuple[str, ...], args: tuple[str | int, ...]
                   ) -> Any:
        wire = self._wire
        if wire is None or wire.closed or wire.loop is not asyncio.get_running_loop():
            wire = await self._connect()
        try:
            return await wire.call(b"EVALSHA", script.sha, len(keys), *keys, *args)
        except NoScriptError:  # a restarted or flushed server: EVAL also caches it again
            return await wire.call(b"EVAL", script.body, len(keys), *keys, *args)

    async def _connect(self) -> _Wire:
        """The connection, made by the first caller; the others meanwhile wait for it."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            # A client kept across event loops (tests): the old loop's connection is
            # unusable in this one; the old wire is dropped with its loop.
            self._lock, self._lock_loop, self._wire = asyncio.Lock(), loop, None
        async with self._lock:
            wire = self._wire
            if wire is None or wire.closed:
                wire = self._wire = await self._open(loop)
            return wire

    async def _open(self, loop: asyncio.AbstractEventLoop) -> _Wire:
        s = self._settings
        wire: _Wire | None = None
        try:
            async with asyncio.timeout(self._timeout):
                if "path" in s:
                    _, wire = await loop.create_unix_connection(
                        lambda: _Wire(loop, self._timeout), s["path"])
                else:
                    _, wire = await loop.create_connection(
                        lambda: _Wire(loop, self._timeout), s["host"], s["port"])
                if s["password"] is not None:
                    auth = (s["username"], s["password"]) if s["username"] else (s["password"],)
                    await wire.call(b"AUTH", *auth)
                if s["db"]:
                    await wire.call(b"SELECT", s["db"])
            return wire
        except BaseException as err:
            if wire is not None:
                wire.close()
            if isinstance(err, TimeoutError):  # (an OSError too: first)
                raise RedisTimeoutError("timed out connecting to Redis") from None
            if isinstance(err, OSError):
                raise RedisConnectionError(f"cannot connect to Redis: {err}") from err
            raise

    def close(self) -> None:
        """Closes the connection (the next command would open another)."""
        if self._wire is not None and not self._wire.loop.is_closed():
            self._wire.close()
        self._wire = None


_SHARED: WeakKeyDictionary[ConnectionPool, PipelinedRedis] = WeakKeyDictionary()
