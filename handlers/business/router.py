"""create_router: Telegram Business updates (the connection, messages, edits, deletions) and
the manager's side: /business, "Make a lead", "Exclude this chat" / "Include".

Nothing is ever answered into a business chat: `message.answer` there would write to the
customer as the manager. The manager is answered in the bot's own chat."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command
from aiogram.types import BusinessConnection, BusinessMessagesDeleted, CallbackQuery, Message

from handlers.business.callbacks import BusinessCb, Bz
from handlers.business.keyboards import screen_keyboard
from handlers.business.parse import incoming_message
from handlers.business.texts import (
    connection_text,
    excluded_text,
    included_text,
    lead_made_text,
    screen_text,
)
from handlers.callback import AlertOnDomainError
from handlers.filters import IsStaff
from handlers.leads import open_lead_keyboard
from services.business import BusinessService, ConnectionOutcome, ConnectionUpdate
from services.users import User

logger = logging.getLogger(__name__)

SILENT = frozenset({ConnectionOutcome.IGNORED, ConnectionOutcome.UNCHANGED})


async def on_connection(connection: BusinessConnection, business: BusinessService,
                        bot: Bot) -> None:
    rights = connection.rights.model_dump(exclude_none=True) if connection.rights else {}
    can_reply = bool(rights.get("can_reply", connection.can_reply or False))
    change = await business.connection_changed(ConnectionUpdate(
        connection_id=connection.id, telegram_user_id=connection.user.id,
        user_chat_id=connection.user_chat_id, is_enabled=connection.is_enabled,
        can_reply=can_reply, rights={k: bool(v) for k, v in rights.items()}))
    if change.outcome in SILENT or change.connection is None:
        return
    # The answer to the manager's own action (their Telegram settings), in their chat. A
    # manager who never opened the bot's chat cannot be told: the connection stands.
    try:
        await bot.send_message(connection.user_chat_id,
                               connection_text(change.outcome, change.connection))
    except (TelegramBadRequest, TelegramForbiddenError) as err:
        logger.warning("business connection %s: the owner was not told: %s", connection.id,
                       err.message)


async def on_message(message: Message, business: BusinessService) -> None:
    outcome = await business.message(incoming_message(message))
    logger.debug("business message %s/%s: %s", message.chat.id, message.message_id, outcome)


async def on_edited(message: Message, business: BusinessService) -> None:
    await business.edited(incoming_message(message, edited=True))


async def on_deleted(deleted: BusinessMessagesDeleted, business: BusinessService) -> None:
    await business.deleted(deleted.business_connection_id, deleted.chat.id,
                           deleted.message_ids)


async def cmd_business(message: Message, actor: User, business: BusinessService,
                       bot: Bot) -> None:
    screen = await business.screen(actor)
    me = await bot.me()
    await message.answer(screen_text(screen, me.username), reply_markup=screen_keyboard(screen))


async def on_make_lead(query: CallbackQuery, callback_data: BusinessCb, actor: User,
                       msg: Message, business: BusinessService) -> None:
    made = await business.make_lead(actor, callback_data.id)
    await query.answer()
    await msg.answer(lead_made_text(made), reply_markup=open_lead_keyboard(made.lead.id))


async def on_exclude(query: CallbackQuery, callback_data: BusinessCb, actor: User,
                     msg: Message, business: BusinessService) -> None:
    purged = await business.exclude(actor, callback_data.id)
    await query.answer()
    await msg.answer(excluded_text(purged))


async def on_include(query: CallbackQuery, callback_data: BusinessCb, actor: User,
                     msg: Message, business: BusinessService) -> None:
    chat = await business.include(actor, callback_data.id)
    await query.answer()
    await msg.answer(included_text(chat))


def create_router() -> Router:
    router = Router(name="business")
    # Telegram Business updates: no filters, nothing else handles them.
    router.business_connection.register(on_connection)
    router.business_message.register(on_message)
    router.edited_business_message.register(on_edited)
    router.deleted_business_messages.register(on_deleted)

    staff = Router(name="business_staff")
    staff.message.filter(IsStaff())
    staff.callback_query.filter(IsStaff())
    staff.callback_query.middleware(AlertOnDomainError(needs_message=True))
    staff.message.register(cmd_business, Command("business"))
    staff.callback_query.register(on_make_lead, BusinessCb.filter(F.action == Bz.LEAD))
    staff.callback_query.register(on_exclude, BusinessCb.filter(F.action == Bz.EXCLUDE))
    staff.callback_query.register(on_include, BusinessCb.filter(F.action == Bz.INCLUDE))
    router.include_router(staff)
    return router
