"""The flow's state around one update: read under the user's lock, and in Redis read once and
written once per update (storage.fsm.RedisFsmStorage), still seen at once by the next update
whichever process wrote it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
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

from bot.dispatcher import create_dispatcher
from bot.i18n import create_i18n
from handlers.clients import NewClient
from services.access import AccessService
from services.clients import ClientService
from services.clock import SystemClock
from storage.fsm import RedisFsmStorage, SqlFsmStorage
from storage.uow import Database
from tests.conftest import REDIS_SKIP, REDIS_URL

TOKEN = "123456:" + "A" * 35
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
