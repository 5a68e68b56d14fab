"""PerUserSerialMiddleware: one user's updates in order, and a Telegram Business chat's updates
in order per chat — a deletion (which names no user) waits for the message it deletes, so it
is never handled before that message was stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiogram.types import (
    BusinessMessagesDeleted,
    Chat,
    Message,
    TelegramObject,
    Update,
    User,
)

from handlers.middlewares import PerUserSerialMiddleware

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


async def run(updates: list[tuple[Update, User | None]]) -> list[tuple[int, str]]:
    """Feeds the updates through the middleware at once, as polling does (each its own task);
    the first one's handler is slow. Returns the order the handlers finished in."""
    middleware = PerUserSerialMiddleware()
    done: list[tuple[int, str]] = []

    async def handler(event: TelegramObject, data: dict[str, Any]) -> None:
        assert isinstance(event, Update)
        if event.update_id == 1:
            await asyncio.sleep(0.05)  # storing the message takes a while
        done.append((event.update_id, event.event_type))

    await asyncio.gather(*(middleware(handler, u, {"event_from_user": who})
                           for u, who in updates))
    return done


async def test_a_deletion_waits_for_the_message_it_deletes() -> None:
    assert await run([(business_message(1, 10, CUSTOMER), CUSTOMER),
                      (deleted(2, 10), None)]) == [(1, "business_message"),
                                                   (2, "deleted_business_messages")]


async def test_the_managers_and_the_customers_messages_in_one_chat_keep_their_order() -> None:
    assert await run([(business_message(1, 10, CUSTOMER), CUSTOMER),
                      (business_message(2, 11, MANAGER), MANAGER)]) == [
        (1, "business_message"), (2, "business_message")]


async def test_updates_of_no_user_and_of_other_users_do_not_wait() -> None:
    other = User(id=9, is_bot=False, first_name="Petr")
    first = business_message(1, 10, CUSTOMER)
    plain = Update(update_id=3, message=Message(message_id=5, date=WHEN, chat=Chat(
        id=9, type="private"), from_user=other, text="/today"))
    # The plain update of another user is not held behind the slow business one.
    assert await run([(first, CUSTOMER), (plain, other)]) == [(3, "message"),
                                                             (1, "business_message")]
