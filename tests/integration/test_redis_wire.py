"""The pipelined Redis connection under the FSM's scripts (storage.redis_wire): many updates'
commands at once on one connection each get their own answer, a cancelled caller shifts no
one's answer, a script the server lacks is sent whole, a lost connection is made again, a
silent server fails the callers instead of hanging them, and AUTH and SELECT come first.
The failures are shown against a small fake server speaking just enough of the protocol."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from handlers.clients import NewClient
from storage.fsm import RedisFsmStorage
from storage.redis_wire import PipelinedRedis, Script
from tests.conftest import REDIS_SKIP, REDIS_URL

ECHO = Script("return ARGV[1]")


@pytest.fixture
async def pair() -> AsyncIterator[tuple[RedisFsmStorage, RedisStorage]]:
    if not REDIS_URL:
        pytest.skip(REDIS_SKIP)
    builder = DefaultKeyBuilder(prefix=f"wire-test-{uuid.uuid4().hex}")
    ours = RedisFsmStorage(redis=Redis.from_url(REDIS_URL), key_builder=builder)
    plain = RedisStorage(redis=Redis.from_url(REDIS_URL), key_builder=builder)
    yield ours, plain
    async for k in plain.redis.scan_iter(match=f"{builder.prefix}:*"):
        await plain.redis.delete(k)
    await ours.close()
    await plain.close()


@pytest.mark.redis
async def test_updates_at_once_each_read_their_own_state(
        pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    ours, plain = pair
    states = [NewClient.name, NewClient.phone, NewClient.email, None]
    keys = [StorageKey(bot_id=1, chat_id=u, user_id=u) for u in range(200)]
    for i, k in enumerate(keys):
        await plain.set_state(k, states[i % 4])
        await plain.set_data(k, {"n": i})

    async def update(i: int) -> tuple[str | None, dict[str, Any]]:
        async with ours.batch():
            state, data = await ours.get_state(keys[i]), await ours.get_data(keys[i])
            await ours.set_data(keys[i], {"n": i, "seen": True})
            return state, data

    seen = await asyncio.gather(*(update(i) for i in range(200)))
    assert seen == [(s.state if s else None, {"n": i}) for i, s in
                    ((i, states[i % 4]) for i in range(200))]
    assert [await plain.get_data(k) for k in keys] == [{"n": i, "seen": True}
                                                       for i in range(200)]
    prefix = plain.key_builder.prefix  # type: ignore[attr-defined]
    assert [k async for k in plain.redis.scan_iter(match=f"{prefix}:*lock")] == []


@pytest.mark.redis
async def test_a_cancelled_caller_shifts_no_answer(
        pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    wire = PipelinedRedis.for_client(pair[0].redis)
    assert wire is not None
    assert await wire.run(ECHO, (), ("warm",)) == b"warm"
    first = asyncio.create_task(wire.run(ECHO, (), ("first",)))
    await asyncio.sleep(0)  # written, not yet answered
    first.cancel()
    assert await wire.run(ECHO, (), ("second",)) == b"second"
    assert first.cancelled()


@pytest.mark.redis
async def test_a_script_the_server_lacks_is_sent_whole(
        pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    wire = PipelinedRedis.for_client(pair[0].redis)
    assert wire is not None
    fresh = Script(f"-- {uuid.uuid4().hex}\nreturn tonumber(ARGV[1]) + 1")
    assert await pair[1].redis.script_exists(fresh.sha) == [False]
    assert await wire.run(fresh, (), (41,)) == 42
    assert await pair[1].redis.script_exists(fresh.sha) == [True]
    with pytest.raises(ResponseError):
        await wire.run(Script("return redis.call('nosuchcommand')"), (), ())
    assert await wire.run(ECHO, (), ("still fine",)) == b"still fine"


@pytest.mark.redis
async def test_select_reaches_the_url_database(
        pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    assert REDIS_URL
    url = REDIS_URL.rsplit("/", 1)[0] + "/5"
    builder = DefaultKeyBuilder(prefix=f"wire-test-{uuid.uuid4().hex}")
    ours = RedisFsmStorage(redis=Redis.from_url(url), key_builder=builder)
    db5 = Redis.from_url(url)
    k = StorageKey(bot_id=1, chat_id=7, user_id=7)
    try:
        async with ours.batch():
            await ours.set_state(k, NewClient.phone)
        assert await db5.get(builder.build(k, "state")) == str(NewClient.phone.state).encode()
        assert await pair[1].redis.get(builder.build(k, "state")) is None  # not in db 0
    finally:
        await db5.delete(builder.build(k, "state"))
        await db5.aclose()
        await ours.close()


class FakeRedis:
    """Answers each command with `answer(connection number, command)`: bytes to send, or
    None to close the connection without answering, or ... to stay silent."""

    def __init__(self, answer: Callable[[int, list[bytes]], Any]) -> None:
        self.answer = answer
        self.commands: list[list[bytes]] = []
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> FakeRedis:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        for w in self._writers:
            w.close()
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self._writers.append(writer)
        try:
            while line := await reader.readline():
                args = []
                for _ in range(int(line[1:])):
                    size = int((await reader.readline())[1:])
                    args.append((await reader.readexactly(size + 2))[:-2])
                self.commands.append(args)
                reply = self.answer(number, args)
                if reply is None:
                    writer.close()
                    return
                if reply is not ...:
                    writer.write(reply)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass


async def test_auth_and_select_first_then_the_script() -> None:
    async with FakeRedis(lambda _n, args: b"+OK\r\n" if args[0] != b"EVALSHA"
                         else b":1\r\n") as server:
        wire = PipelinedRedis.for_client(
            Redis.from_url(f"redis://bot:secret@127.0.0.1:{server.port}/3"))
        assert wire is not None
        assert await wire.run(ECHO, ("k",), ("v",)) == 1
        wire.close()
    assert server.commands == [[b"AUTH", b"bot", b"secret"], [b"SELECT", b"3"],
                               [b"EVALSHA", ECHO.sha.encode(), b"1", b"k", b"v"]]


async def test_a_lost_connection_is_made_again_and_the_script_sent_once_more() -> None:
    async with FakeRedis(lambda n, _args: None if n == 1 else b"$2\r\nok\r\n") as server:
        wire = PipelinedRedis({"host": "127.0.0.1", "port": server.port, "db": 0,
                               "username": None, "password": None})
        assert await wire.run(ECHO, (), ("ok",)) == b"ok"
        assert server.connections == 2
        wire.close()


async def test_a_silent_server_fails_the_callers_instead_of_hanging_them() -> None:
    async with FakeRedis(lambda _n, _args: ...) as server:
        wire = PipelinedRedis({"host": "127.0.0.1", "port": server.port, "db": 0,
                               "username": None, "password": None}, timeout=0.2)
        results = await asyncio.gather(*(wire.run(ECHO, (), (str(i),)) for i in range(3)),
                                       return_exceptions=True)
        assert [type(r) for r in results] == [RedisTimeoutError] * 3
        wire.close()


def test_tls_stays_on_redis_py() -> None:
    assert PipelinedRedis.for_client(Redis.from_url("rediss://127.0.0.1:6379/0")) is None
    assert PipelinedRedis.for_client(Redis.from_url("redis://127.0.0.1:6379/0")) is not None
