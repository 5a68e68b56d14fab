"""The flow's state around one update: read under the user's lock, and in Redis read once and
written once per update (storage.fsm.RedisFsmStorage), still seen at once by the next update
whichever process wrote it.

Then the pipelined Redis connection under the FSM's scripts (storage.redis_wire): many
updates' commands at once on one connection each get their own answer, a cancelled caller
shifts no one's answer, a script the server lacks is sent whole, a lost connection is made
again, a silent server fails the callers instead of hanging them, and AUTH and SELECT come
first. The failures are shown against a small fake server speaking just enough of the
protocol."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, Update, User
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.dispatcher import create_dispatcher
from bot.i18n import create_i18n
from handlers.clients import NewClient
from services.access import AccessService
from services.clients import ClientService
from services.clock import SystemClock
from storage.fsm import RedisFsmStorage, SqlFsmStorage
from storage.redis_wire import PipelinedRedis, Script
from storage.uow import Database
from tests.conftest import REDIS_SKIP, REDIS_URL

TOKEN = "123456:" + "A" * 35
ECHO = Script("return ARGV[1]")
ADMIN = 4242


class Answers(BaseSession):
    """Every sendMessage answered in-process; the texts kept."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    async def close(self) -> None:
        return None

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        self.texts.append(getattr(method, "text", ""))
        return Message(message_id=len(self.texts), date=datetime.now(UTC),  # type: ignore[return-value]
                       chat=Chat(id=getattr(method, "chat_id", 0), type="private"),
                       text=getattr(method, "text", ""))

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def text_update(update_id: int, text: str) -> Update:
    user = User(id=ADMIN, is_bot=False, first_name="Анна", language_code="en")
    return Update(update_id=update_id, message=Message(
        message_id=update_id, date=datetime.now(UTC), chat=Chat(id=ADMIN, type="private"),
        from_user=user, text=text))


def key(bot: Bot) -> StorageKey:
    return StorageKey(bot_id=bot.id, chat_id=ADMIN, user_id=ADMIN)


async def test_a_name_sent_right_after_newclient_is_taken_as_the_name(db: Database) -> None:
    """Both updates at once (a fast typist, or webhook deliveries in parallel): the second one
    sees the state the first left, not the state before it, and is the client's name."""
    access = AccessService(db.uow, SystemClock(), "UTC")
    await access.ensure_admins([ADMIN])
    storage = SqlFsmStorage(db)
    answers = Answers()
    bot = Bot(TOKEN, session=answers)
    dp = create_dispatcher(access=access, storage=storage, i18n=create_i18n("en"),
                           clients=ClientService(db.uow, SystemClock(), "RU"))
    await asyncio.gather(dp.feed_update(bot, text_update(1, "/newclient")),
                         dp.feed_update(bot, text_update(2, "Ромашка")))
    assert answers.texts[0] == "Company or client name?"
    assert len(answers.texts) == 2 and "phone" in answers.texts[1].lower()
    assert await storage.get_state(key(bot)) == NewClient.phone.state
    assert (await storage.get_data(key(bot)))["name"] == "Ромашка"


@pytest.fixture
async def redis_pair() -> AsyncIterator[tuple[RedisFsmStorage, RedisStorage]]:
    """Our storage and aiogram's plain one (another bot process) on the same keys."""
    if not REDIS_URL:
        pytest.skip(REDIS_SKIP)
    builder = DefaultKeyBuilder(prefix=f"fsm-test-{uuid.uuid4().hex}")
    ours = RedisFsmStorage.from_url(REDIS_URL, key_builder=builder)
    other = RedisStorage.from_url(REDIS_URL, key_builder=builder)
    yield ours, other
    async for k in other.redis.scan_iter(match=f"{builder.prefix}:*"):
        await other.redis.delete(k)
    await ours.close()
    await other.close()


@pytest.mark.redis
async def test_redis_batch_reads_once_writes_at_the_end(
        redis_pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    ours, other = redis_pair
    k = StorageKey(bot_id=1, chat_id=ADMIN, user_id=ADMIN)
    async with ours.batch():
        await ours.set_state(k, NewClient.name)
        data = {"flow": "ab12", "step": "name"}
        await ours.set_data(k, data)
        data["step"] = "changed after set_data"  # a dict changed afterwards is not stored
        assert await ours.get_state(k) == NewClient.name.state
        assert await ours.get_data(k) == {"flow": "ab12", "step": "name"}
        assert await other.get_state(k) is None  # not written yet
    assert await other.get_state(k) == NewClient.name.state
    assert await other.get_data(k) == {"flow": "ab12", "step": "name"}

    # Another process moves the flow on: the next update sees it (nothing cached across).
    await other.set_state(k, NewClient.phone)
    await other.set_data(k, {"flow": "ab12", "step": "phone", "name": "Ромашка"})
    async with ours.batch():
        assert await ours.get_state(k) == NewClient.phone.state
        assert (await ours.get_data(k))["name"] == "Ромашка"
        await ours.set_state(k, None)
        await ours.set_data(k, {})
    assert await other.get_state(k) is None and await other.get_data(k) == {}
    assert [x async for x in other.redis.scan_iter(match=f"{other.key_builder.prefix}:*")] == []  # type: ignore[attr-defined]


@pytest.mark.redis
async def test_redis_outside_a_batch_writes_at_once(
        redis_pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    ours, other = redis_pair
    k = StorageKey(bot_id=1, chat_id=ADMIN, user_id=ADMIN)
    await ours.set_state(k, NewClient.email)
    await ours.set_data(k, {"flow": "cd34"})
    assert await other.get_state(k) == NewClient.email.state
    assert await ours.get_data(k) == {"flow": "cd34"}


@pytest.mark.redis
async def test_two_processes_updates_of_one_user_run_in_turn(
        redis_pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    """Webhook mode with two processes: both get an update of the same user at once (a
    double tap, or a reply typed the moment the answer arrived). The second reads the state
    the first wrote, not the state both started from."""
    ours, plain = redis_pair
    second = RedisFsmStorage(redis=ours.redis, key_builder=ours.key_builder)  # process 2
    k = StorageKey(bot_id=1, chat_id=ADMIN, user_id=ADMIN)
    await plain.set_state(k, NewClient.name)
    first_read = asyncio.Event()
    seen: list[str | None] = []

    async def first_update() -> None:
        async with ours.batch():
            seen.append(await ours.get_state(k))
            first_read.set()
            await asyncio.sleep(0.3)  # the handler's work: the answer is sent meanwhile
            await ours.set_state(k, NewClient.phone)

    async def second_update() -> None:
        await first_read.wait()
        async with second.batch():
            seen.append(await second.get_state(k))
            await second.set_state(k, NewClient.email)

    await asyncio.gather(first_update(), second_update())
    assert seen == [NewClient.name.state, NewClient.phone.state]
    assert await plain.get_state(k) == NewClient.email.state
    leases = [x async for x in plain.redis.scan_iter(match=f"{plain.key_builder.prefix}:*lock")]  # type: ignore[attr-defined]
    assert leases == []


@pytest.mark.redis
async def test_a_failed_update_gives_the_lease_back(
        redis_pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    ours, _plain = redis_pair
    k = StorageKey(bot_id=1, chat_id=ADMIN, user_id=ADMIN)
    with pytest.raises(RuntimeError):
        async with ours.batch():
            await ours.get_state(k)
            raise RuntimeError("handler failed")
    async with asyncio.timeout(1):  # not the 15 s wait for a lapsed lease
        async with ours.batch():
            assert await ours.get_state(k) is None


@pytest.mark.redis
async def test_updates_at_once_each_read_their_own_state(
        redis_pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    ours, plain = redis_pair
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
        redis_pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    wire = PipelinedRedis.for_client(redis_pair[0].redis)
    assert wire is not None
    assert await wire.run(ECHO, (), ("warm",)) == b"warm"
    first = asyncio.create_task(wire.run(ECHO, (), ("first",)))
    await asyncio.sleep(0)  # written, not yet answered
    first.cancel()
    assert await wire.run(ECHO, (), ("second",)) == b"second"
    assert first.cancelled()


@pytest.mark.redis
async def test_a_script_the_server_lacks_is_sent_whole(
        redis_pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
    wire = PipelinedRedis.for_client(redis_pair[0].redis)
    assert wire is not None
    fresh = Script(f"-- {uuid.uuid4().hex}\nreturn tonumber(ARGV[1]) + 1")
    assert await redis_pair[1].redis.script_exists(fresh.sha) == [False]
    assert await wire.run(fresh, (), (41,)) == 42
    assert await redis_pair[1].redis.script_exists(fresh.sha) == [True]
    with pytest.raises(ResponseError):
        await wire.run(Script("return redis.call('nosuchcommand')"), (), ())
    assert await wire.run(ECHO, (), ("still fine",)) == b"still fine"


@pytest.mark.redis
async def test_select_reaches_the_url_database(
        redis_pair: tuple[RedisFsmStorage, RedisStorage]) -> None:
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
        assert await redis_pair[1].redis.get(builder.build(k, "state")) is None  # not in db 0
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
