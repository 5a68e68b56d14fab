"""Updates per second through the full stack vs a bare aiogram handler, fed in-process.

Full stack: our dispatcher (per-user serialisation, actor lookup in the database, i18n, FSM in
the database) handling a manager typing a client's name in the /newclient flow: one database
read (who is acting), one write (the flow's state), and an answer.
Bare: a fresh aiogram Dispatcher whose only handler does one raw aiosqlite INSERT + SELECT and
answers. Both answer through the same in-process session (no HTTP), on SQLite files.

Prints a table, then `figure:` lines.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiosqlite
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, Update, User

from bot.dispatcher import create_dispatcher
from bot.i18n import create_i18n
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
    clock = SystemClock()
    access = AccessService(db.uow, clock, "Europe/Moscow", identity_ttl=IDENTITY_TTL)
    clients = ClientService(db.uow, clock, "RU")
    admins = await access.ensure_admins(range(1000, 1000 + N_USERS))
    assert all(a.role == Role.ADMIN for a in admins)
    session = InProcessSession()
    bot = Bot(TOKEN, session=session)
    dp = create_dispatcher(access=access, storage=SqlFsmStorage(db),
                           i18n=create_i18n("ru"), clients=clients)
    uid = 1
    # Each user opens the flow once; then every update is a name typed in that flow.
    for k in range(N_USERS):
        await dp.feed_update(bot, text_update(uid, 1000 + k, "/newclient"))
        uid += 1
    warm = [text_update(uid + i, 1000 + i % N_USERS, f"Warm {i}") for i in range(200)]
    uid += len(warm)
    await feed(dp, bot, warm, N_USERS)
    for k in range(N_USERS):  # back to the name step
        await dp.feed_update(bot, text_update(uid, 1000 + k, "/newclient"))
        uid += 1
    sent_before = session.sent
    updates = [text_update(uid + i, 1000 + i % N_USERS, f"Ромашка {i}") for i in range(n)]
    elapsed = await feed(dp, bot, updates, N_USERS)
    answered = session.sent - sent_before
    await db.dispose()
    return elapsed, answered


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


async def main() -> None:
    n = int(os.environ.get("BENCH_UPDATES", "3000"))
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


if __name__ == "__main__":
    asyncio.run(main())
