"""The update middleware (bot.update_context): one user's updates in order, and a Telegram
Business chat's updates in order per chat — a deletion (which names no user) waits for the
message it deletes, so it is never handled before that message was stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

from aiogram import Bot
from aiogram.dispatcher.middlewares.user_context import (
    EVENT_CONTEXT_KEY,
    EVENT_FROM_USER_KEY,
    UserContextMiddleware,
)
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.memory import DisabledEventIsolation, MemoryStorage
from aiogram.types import (
    BusinessMessagesDeleted,
    Chat,
    Message,
    TelegramObject,
    Update,
    User,
)

from bot.i18n import ActorI18nMiddleware, create_i18n
from bot.update_context import UpdateContextMiddleware
from services.access import AccessService

CUSTOMER = User(id=7001, is_bot=False, first_name="Maria")
MANAGER = User(id=2001, is_bot=False, first_name="Ivan")
CHAT = Chat(id=7001, type="private")
WHEN = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def business_message(update_id: int, message_id: int, sender: User) -> Update:
    return Update(update_id=update_id, business_message=Message(
        message_id=message_id, date=WHEN, chat=CHAT, from_user=sender, text="hello",
        business_connection_id="conn-1"))


def deleted(update_id: int, *message_ids: int) -> Update:
    return Update(update_id=update_id, deleted_business_messages=BusinessMessagesDeleted(
        business_connection_id="conn-1", chat=CHAT, message_ids=list(message_ids)))


def context(bot: Bot, update: Update) -> dict[str, Any]:
    """What aiogram's dispatcher gives an outer update middleware: the bot, the update's chat
    and user (none for a deletion)."""
    found = UserContextMiddleware.resolve_event_context(update)
    return {"bot": bot, EVENT_CONTEXT_KEY: found, EVENT_FROM_USER_KEY: found.user}


async def run(updates: list[Update]) -> list[tuple[int, str]]:
    """Feeds the updates through the middleware at once, as polling does (each its own task);
    the first one's handler is slow. Returns the order the handlers finished in."""

    class NoOne:
        async def identify(self, telegram_id: int) -> None:
            return None

    fsm = FSMContextMiddleware(storage=MemoryStorage(), events_isolation=DisabledEventIsolation())
    middleware = UpdateContextMiddleware(cast(AccessService, NoOne()), fsm,
                                         ActorI18nMiddleware(create_i18n("en")))
    bot = Bot("123456:" + "A" * 35)
    done: list[tuple[int, str]] = []

    async def handler(event: TelegramObject, data: dict[str, Any]) -> None:
        assert isinstance(event, Update)
        if event.update_id == 1:
            await asyncio.sleep(0.05)  # storing the message takes a while
        done.append((event.update_id, event.event_type))

    try:
        await asyncio.gather(*(middleware(handler, u, context(bot, u)) for u in updates))
    finally:
        await bot.session.close()
    return done


async def test_a_deletion_waits_for_the_message_it_deletes() -> None:
    assert await run([business_message(1, 10, CUSTOMER), deleted(2, 10)]) == [
        (1, "business_message"), (2, "deleted_business_messages")]


async def test_the_managers_and_the_customers_messages_in_one_chat_keep_their_order() -> None:
    assert await run([business_message(1, 10, CUSTOMER),
                      business_message(2, 11, MANAGER)]) == [
        (1, "business_message"), (2, "business_message")]


async def test_updates_of_no_user_and_of_other_users_do_not_wait() -> None:
    other = User(id=9, is_bot=False, first_name="Petr")
    first = business_message(1, 10, CUSTOMER)
    plain = Update(update_id=3, message=Message(message_id=5, date=WHEN, chat=Chat(
        id=9, type="private"), from_user=other, text="/today"))
    # The plain update of another user is not held behind the slow business one.
    assert await run([first, plain]) == [(3, "message"), (1, "business_message")]
