"""Updates per second through the full stack vs a bare aiogram handler, fed in-process.

Full stack: our dispatcher (per-user serialisation, actor lookup in the database, i18n, FSM in
the database) handling a manager typing a client's name in the /newclient flow: one database
read (who is acting), one write (the flow's state), and an answer.
Bare: a fresh aiogram Dispatcher whose only handler does one raw aiosqlite INSERT + SELECT and
answers. Both answer through the same in-process session (no HTTP), on SQLite files.

`--pg [URL]` (default TEST_POSTGRES_URL): the same on PostgreSQL, configured as several bot
processes run it (bot.app's settings for that URL: the identity read on every update, no
cache; FSM in Redis at --redis, default TEST_REDIS_URL), each in a fresh database dropped
after. Bare: aiogram + an asyncpg pool doing one INSERT and one SELECT per update.
`--profile` also counts, through a loopback proxy that reads the PostgreSQL protocol, the
round trips each update makes (and which statements), plus the Redis commands.

    .venv/bin/python bench/dispatch.py [--pg [URL]] [--profile]

Prints a table, then `figure:` lines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiosqlite
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, Update, User
from sqlalchemy.engine import make_url

from bot.app import create_fsm_storage, identity_ttl
from bot.dispatcher import create_dispatcher
from bot.i18n import create_i18n
from bot.settings import Settings
from services.access import AccessService
from services.clients import ClientService
from services.clock import SystemClock
from services.users import Role
from storage.db import create_engine
from storage.fsm import SqlFsmStorage
from storage.migrate import upgrade
from storage.uow import Database

TOKEN = "123456:" + "A" * 35
N_USERS = 50
# As `dealchat run` configures it on SQLite (see bot.app.identity_ttl); BENCH_IDENTITY_TTL=0
# measures the uncached path (the PostgreSQL multi-process setting).
IDENTITY_TTL = float(os.environ.get("BENCH_IDENTITY_TTL", "300"))


class InProcessSession(BaseSession):
    """Answers every sendMessage with a Message, without any network."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    async def close(self) -> None:
        return None

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        self.sent += 1
        chat_id = getattr(method, "chat_id", 0)
        return Message(message_id=self.sent, date=datetime.now(UTC),  # type: ignore[return-value]
                       chat=Chat(id=chat_id, type="private"), text=getattr(method, "text", ""))

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def text_update(update_id: int, user_id: int, text: str) -> Update:
    user = User(id=user_id, is_bot=False, first_name=f"U{user_id}", language_code="ru")
    return Update(update_id=update_id, message=Message(
        message_id=update_id, date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
        from_user=user, text=text))


async def feed(dp: Dispatcher, bot: Bot, updates: list[Update], concurrency: int) -> float:
    queue: asyncio.Queue[Update] = asyncio.Queue()
    for u in updates:
        queue.put_nowait(u)

    async def worker() -> None:
        while not queue.empty():
            await dp.feed_update(bot, queue.get_nowait())

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


async def full_stack(tmp: Path, n: int) -> tuple[float, int]:
    url = f"sqlite+aiosqlite:///{tmp / 'full.db'}"
    await upgrade(url)
    db = Database(create_engine(url))
    access = AccessService(db.uow, SystemClock(), "Europe/Moscow", identity_ttl=IDENTITY_TTL)
    flow = await FlowBench.start(db, access, SqlFsmStorage(db))
    result = await flow.round(n)
    await db.dispose()
    return result


class FlowBench:
    """N_USERS admins, each typing in the /newclient flow of the real dispatcher: names at
    its first step (after the first, the flow is at the phone step, which refuses them: an
    update that reads the flow and writes nothing); with `walk`, the whole flow over and
    over (name, phone, e-mail, /newclient): every update writes the flow's state."""

    def __init__(self, dp: Dispatcher, bot: Bot, session: InProcessSession,
                 walk: bool = False) -> None:
        self.dp, self.bot, self.session, self.walk = dp, bot, session, walk
        self.uid = 1

    @classmethod
    async def start(cls, db: Database, access: AccessService, storage: BaseStorage,
                    walk: bool = False) -> FlowBench:
        clients = ClientService(db.uow, SystemClock(), "RU")
        admins = await access.ensure_admins(range(1000, 1000 + N_USERS))
        assert all(a.role == Role.ADMIN for a in admins)
        session = InProcessSession()
        bot = Bot(TOKEN, session=session)
        dp = create_dispatcher(access=access, storage=storage,
                               i18n=create_i18n("ru"), clients=clients)
        bench = cls(dp, bot, session, walk)
        await bench.open_flows()
        warm = bench.updates(200, "Warm")
        await feed(dp, bot, warm, N_USERS)
        return bench

    def updates(self, n: int, prefix: str) -> list[Update]:
        out = [text_update(self.uid + i, 1000 + i % N_USERS, self.text(i, prefix))
               for i in range(n)]
        self.uid += n
        return out

    def text(self, i: int, prefix: str) -> str:
        step = (i // N_USERS) % 4 if self.walk else 0
        return (f"{prefix} {i}", f"+7 912 345-{i % 100:02d}-{i // 100 % 100:02d}",
                f"client{i}@example.com", "/newclient")[step]

    async def open_flows(self) -> None:
        """Each user (back) at the name step of a fresh /newclient flow."""
        for k in range(N_USERS):
            await self.dp.feed_update(self.bot, text_update(self.uid, 1000 + k, "/newclient"))
            self.uid += 1

    async def round(self, n: int) -> tuple[float, int]:
        await self.open_flows()
        sent_before = self.session.sent
        elapsed = await feed(self.dp, self.bot, self.updates(n, "Ромашка"), N_USERS)
        return elapsed, self.session.sent - sent_before


async def bare(tmp: Path, n: int) -> tuple[float, int]:
    conn = await aiosqlite.connect(tmp / "bare.db")
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=NORMAL")
    await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, user_id INT, text TEXT)")
    await conn.commit()
    session = InProcessSession()
    bot = Bot(TOKEN, session=session)
    router = Router()

    @router.message()
    async def handler(message: Message) -> None:
        assert message.from_user is not None
        await conn.execute("INSERT INTO t (user_id, text) VALUES (?, ?)",
                           (message.from_user.id, message.text))
        await conn.commit()
        async with conn.execute("SELECT count(*) FROM t WHERE user_id = ?",
                                (message.from_user.id,)) as cur:
            await cur.fetchone()
        await message.answer("ok")

    dp = Dispatcher()
    dp.include_router(router)
    await feed(dp, bot, [text_update(i, 1000 + i % N_USERS, "warm") for i in range(200)],
               N_USERS)
    sent_before = session.sent
    updates = [text_update(10_000 + i, 1000 + i % N_USERS, f"x{i}") for i in range(n)]
    elapsed = await feed(dp, bot, updates, N_USERS)
    answered = session.sent - sent_before
    await conn.close()
    return elapsed, answered


# --- PostgreSQL -------------------------------------------------------------------------------

class PgWireCounter:
    """A loopback proxy in front of PostgreSQL that reads the protocol going through it: each
    ReadyForQuery the server sends ends one round trip; the client's simple queries (BEGIN,
    ROLLBACK, ...), Parse (a statement prepared) and Bind (a prepared statement executed) say
    what the round trips were for. Connections through it must not use TLS."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.listen_port = 0
        self.round_trips = 0
        self.sent: Counter[str] = Counter()
        self._names: dict[bytes, str] = {}
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.listen_port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    def reset(self) -> None:
        self.round_trips = 0
        self.sent.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        await asyncio.gather(self._pump(reader, up_writer, self._from_client, startup=True),
                             self._pump(up_reader, writer, self._from_server, startup=False))

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    on_message: Any, startup: bool) -> None:
        buf = bytearray()
        try:
            while data := await reader.read(65536):
                writer.write(data)
                buf += data
                while True:
                    if startup:  # the startup packet has a length and no type byte
                        if len(buf) < 4 or len(buf) < int.from_bytes(buf[:4], "big"):
                            break
                        del buf[:int.from_bytes(buf[:4], "big")]
                        startup = False
                        continue
                    if len(buf) < 5 or len(buf) < 1 + int.from_bytes(buf[1:5], "big"):
                        break
                    size = 1 + int.from_bytes(buf[1:5], "big")
                    on_message(buf[0], bytes(buf[5:size]))
                    del buf[:size]
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _from_server(self, kind: int, _body: bytes) -> None:
        if kind == ord("Z"):
            self.round_trips += 1

    def _from_client(self, kind: int, body: bytes) -> None:
        if kind == ord("Q"):
            self.sent["query  " + label(body.rstrip(b"\0").decode())] += 1
        elif kind == ord("P"):
            name, rest = body.split(b"\0", 1)
            self._names[name] = label(rest.split(b"\0", 1)[0].decode())
            self.sent[f"parse  {self._names[name]}"] += 1
        elif kind == ord("B"):
            statement = body.split(b"\0", 2)[1]
            self.sent[f"bind   {self._names.get(statement, '?')}"] += 1


def label(sql: str) -> str:
    words = " ".join(sql.split())
    if words.startswith("SELECT") and " FROM " in words:
        return "SELECT … FROM " + words.split(" FROM ", 1)[1].split()[0]
    return words[:48]


class RedisCounter:
    """Counts the commands our process sends to Redis (a pipeline is one round trip; so is
    a script on storage.redis_wire's pipelined connection, though several updates' scripts
    may share one write there)."""

    def __init__(self) -> None:
        self.commands: Counter[str] = Counter()

    def install(self) -> None:
        from redis.asyncio.client import Pipeline, Redis

        from storage.redis_wire import PipelinedRedis

        counter = self.commands
        plain, piped, scripted = Redis.execute_command, Pipeline.execute, PipelinedRedis.run

        async def run(self: Any, script: Any, keys: Any, args: Any) -> Any:
            counter["script " + script.body.split("\n", 1)[0][:60]] += 1
            return await scripted(self, script, keys, args)

        async def execute_command(self: Any, *args: Any, **kwargs: Any) -> Any:
            counter[str(args[0]).upper()] += 1
            return await plain(self, *args, **kwargs)

        async def execute(self: Any, raise_on_error: bool = True) -> Any:
            counter["pipeline of " + "+".join(str(c[0][0]) for c in self.command_stack)] += 1
            return await piped(self, raise_on_error)

        Redis.execute_command = execute_command  # type: ignore[method-assign]
        Pipeline.execute = execute  # type: ignore[method-assign]
        PipelinedRedis.run = run  # type: ignore[method-assign]


def pg_admin_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def create_pg_database(url: str) -> str:
    import asyncpg

    name = f"dealchat_bench_dispatch_{uuid.uuid4().hex[:8]}"
    con = await asyncpg.connect(pg_admin_dsn(url))
    try:
        await con.execute(f'CREATE DATABASE "{name}"')
    finally:
        await con.close()
    return name


async def drop_pg_database(url: str, name: str) -> None:
    import asyncpg

    con = await asyncpg.connect(pg_admin_dsn(url))
    try:
        await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await con.close()


def via(url: str, counter: PgWireCounter | None, driver: str) -> str:
    """The URL to `url`'s server, through the counting proxy when profiling (without TLS)."""
    parsed = make_url(url).set(drivername=driver)
    if counter is not None:
        tls = "ssl" if "+asyncpg" in driver else "sslmode"
        parsed = parsed.set(host="127.0.0.1", port=counter.listen_port).update_query_dict(
            {tls: "disable"})
    return parsed.render_as_string(hide_password=False)


class PgFull:
    """The full stack as several bot processes run it on PostgreSQL: bot.app's settings for
    this URL (no identity cache), bot.app's FSM storage for Redis."""

    def __init__(self, db: Database, storage: BaseStorage, flow: FlowBench) -> None:
        self.db, self.storage, self.flow = db, storage, flow

    @classmethod
    async def start(cls, url: str, redis_url: str, prefix: str, walk: bool) -> PgFull:
        settings = Settings(database_url=url, redis_url=redis_url, redis_prefix=prefix)
        assert identity_ttl(settings) == 0, "the identity must be read on every update"
        db = Database(create_engine(settings.database_url))
        access = AccessService(db.uow, SystemClock(), "Europe/Moscow",
                               identity_ttl=identity_ttl(settings))
        storage = create_fsm_storage(settings, db)
        return cls(db, storage, await FlowBench.start(db, access, storage, walk))

    async def close(self) -> None:
        redis = getattr(self.storage, "redis", None)
        if redis is not None:
            keys = [k async for k in redis.scan_iter(match=f"{self.flow_prefix}*")]
            if keys:
                await redis.delete(*keys)
        await self.storage.close()
        await self.db.dispose()

    @property
    def flow_prefix(self) -> str:
        return str(getattr(getattr(self.storage, "key_builder", None), "prefix", "")) + ":"


class PgBare:
    """aiogram + an asyncpg pool: one INSERT and one SELECT per update, then the answer."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.session = InProcessSession()
        self.bot = Bot(TOKEN, session=self.session)
        router = Router()

        @router.message()
        async def handler(message: Message) -> None:
            assert message.from_user is not None
            async with pool.acquire() as con:
                await con.execute("INSERT INTO bare (user_id, text) VALUES ($1, $2)",
                                  message.from_user.id, message.text)
                await con.fetchval("SELECT count(*) FROM bare WHERE user_id = $1",
                                   message.from_user.id)
            await message.answer("ok")

        self.dp = Dispatcher()
        self.dp.include_router(router)
        self.uid = 0

    @classmethod
    async def start(cls, dsn: str, pool_size: int) -> PgBare:
        import asyncpg

        pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=2 * pool_size)
        await pool.execute("CREATE TABLE IF NOT EXISTS bare (id bigserial PRIMARY KEY, "
                           "user_id bigint, text text)")
        await pool.execute("CREATE INDEX IF NOT EXISTS bare_user ON bare (user_id)")
        bench = cls(pool)
        await bench.round(200)
        return bench

    def updates(self, n: int, prefix: str) -> list[Update]:
        out = [text_update(self.uid + i, 1000 + i % N_USERS, f"{prefix}{i}") for i in range(n)]
        self.uid += n
        return out

    async def round(self, n: int) -> tuple[float, int]:
        sent_before = self.session.sent
        elapsed = await feed(self.dp, self.bot, self.updates(n, "x"), N_USERS)
        return elapsed, self.session.sent - sent_before

    async def close(self) -> None:
        await self.pool.close()


async def pg_main(pg_url: str, redis_url: str, n: int, rounds: int, profile: bool,
                  walk: bool) -> None:
    name = await create_pg_database(pg_url)
    url = make_url(pg_url).set(drivername="postgresql+asyncpg", database=name)
    asyncpg_url = url.render_as_string(hide_password=False)
    prefix = f"bench_dispatch_{uuid.uuid4().hex[:8]}"
    try:
        await upgrade(asyncpg_url)
        if profile:
            await pg_profile(asyncpg_url, redis_url, prefix, walk)
        full = await PgFull.start(asyncpg_url, redis_url, prefix, walk)
        bare = await PgBare.start(pg_admin_dsn(asyncpg_url), pool_size=10)
        rates: dict[str, list[float]] = {"bare": [], "full": []}
        cpu: dict[str, list[float]] = {"bare": [], "full": []}
        try:
            for _ in range(rounds):  # alternated, so both see the same noise
                for kind, bench in (("bare", bare), ("full", full.flow)):
                    started = time.process_time()
                    elapsed, answered = await bench.round(n)
                    cpu[kind].append((time.process_time() - started) / n * 1000)
                    assert answered == n, (kind, answered)
                    rates[kind].append(n / elapsed)
        finally:
            await full.close()
            await bare.close()
    finally:
        await drop_pg_database(pg_url, name)
    # Each round's full stack against the bare run just before it (the machine's load
    # drifts; neighbours share it), the median of those.
    ratio = statistics.median(f / b for f, b in zip(rates["full"], rates["bare"], strict=True))
    bare_rate, full_rate = statistics.median(rates["bare"]), statistics.median(rates["full"])
    print(f"\n{'stack (PostgreSQL, median of rounds)':<48} {'updates':>8} {'rounds':>7} "
          f"{'updates/s':>10} {'CPU ms/update':>14}")
    for kind, title in (("bare", "bare aiogram + asyncpg INSERT+SELECT"),
                        ("full", "dealchat full stack (identity, i18n, Redis FSM)")):
        print(f"{title:<48} {n:>8} {rounds:>7} {statistics.median(rates[kind]):>10.0f} "
              f"{statistics.median(cpu[kind]):>14.2f}   "
              f"({', '.join(f'{r:.0f}' for r in rates[kind])})")
    print(f"ratio full/bare (median of the rounds' ratios): {ratio:.2f}")
    print(f"figure: dispatch_pg_updates_per_s={full_rate:.0f} /s")
    print(f"figure: dispatch_pg_bare_updates_per_s={bare_rate:.0f} /s")
    print(f"figure: dispatch_pg_ratio={ratio:.2f} x")


async def pg_profile(url: str, redis_url: str, prefix: str, walk: bool, n: int = 500) -> None:
    """Round trips per update of both stacks, through the counting proxy."""
    parsed = make_url(url)
    counter = PgWireCounter(parsed.host or "127.0.0.1", parsed.port or 5432)
    await counter.start()
    redis = RedisCounter()
    redis.install()
    full = await PgFull.start(via(url, counter, "postgresql+asyncpg"), redis_url,
                              prefix + "_profile", walk)
    bare = await PgBare.start(via(url, counter, "postgresql"), pool_size=10)
    try:
        await full.flow.open_flows()
        for kind, bench in (("bare", bare), ("full stack", full.flow)):
            counter.reset()
            redis.commands.clear()
            elapsed = await feed(bench.dp, bench.bot, bench.updates(n, "Профиль"), N_USERS)
            print(f"\n{kind}: per update, {n} updates through the proxy ({n / elapsed:.0f}/s, "
                  f"not a figure)")
            print(f"  PostgreSQL round trips   {counter.round_trips / n:6.2f}")
            for what, count in sorted(counter.sent.items(), key=lambda kv: -kv[1]):
                print(f"    {count / n:6.2f}  {what}")
            if redis.commands:
                total = sum(redis.commands.values())
                print(f"  Redis round trips        {total / n:6.2f}")
                for what, count in sorted(redis.commands.items(), key=lambda kv: -kv[1]):
                    print(f"    {count / n:6.2f}  {what}")
    finally:
        await full.close()
        await bare.close()
        await counter.stop()


async def sqlite_main(n: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        b_time, b_sent = await bare(tmp, n)
        f_time, f_sent = await full_stack(tmp, n)
    assert b_sent == n and f_sent == n, (b_sent, f_sent)
    bare_rate, full_rate = n / b_time, n / f_time
    ratio = full_rate / bare_rate
    print(f"{'stack':<44} {'updates':>8} {'seconds':>8} {'updates/s':>10}")
    print(f"{'bare aiogram + aiosqlite INSERT+SELECT':<44} {n:>8} {b_time:>8.2f} "
          f"{bare_rate:>10.0f}")
    print(f"{'dealchat full stack (auth, i18n, FSM, DB)':<44} {n:>8} {f_time:>8.2f} "
          f"{full_rate:>10.0f}")
    print(f"ratio full/bare: {ratio:.2f}")
    print(f"figure: dispatch_ratio={ratio:.2f} x")
    print(f"figure: dispatch_updates_per_s={full_rate:.0f} /s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", nargs="?", const=os.environ.get("TEST_POSTGRES_URL") or "",
                        help="PostgreSQL server URL (default: TEST_POSTGRES_URL)")
    parser.add_argument("--redis", default=os.environ.get("TEST_REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"))
    parser.add_argument("--updates", type=int,
                        default=int(os.environ.get("BENCH_UPDATES", "3000")))
    parser.add_argument("--rounds", type=int, default=5, help="PostgreSQL: alternated rounds")
    parser.add_argument("--profile", action="store_true",
                        help="PostgreSQL: count round trips per update first")
    parser.add_argument("--walk", action="store_true",
                        help="PostgreSQL: each user walks the whole flow (every update writes "
                             "the flow's state; keyboards in the answers)")
    args = parser.parse_args()
    if args.pg is None:
        asyncio.run(sqlite_main(args.updates))
    elif not args.pg:
        parser.error("--pg needs a URL or TEST_POSTGRES_URL")
    else:
        asyncio.run(pg_main(args.pg, args.redis, args.updates, args.rounds, args.profile,
                            args.walk))


if __name__ == "__main__":
    main()
