"""What nobody else handled: strangers, wrong kinds of input mid-flow, stale buttons, errors.
Registered last."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, InlineQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.common import refusal_text
from handlers.texts import unexpected_error_text
from services.users import User

logger = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name="fallback")

    @router.message()
    async def on_other_message(message: Message, actor: User | None, state: FSMContext) -> None:
        if actor is None:
            await message.answer(refusal_text())
            return
        if await state.get_state() is not None:
            if message.text is None:
                await message.answer(_("Please answer with text, or send /cancel to stop."))
            elif message.text.startswith("/"):
                await message.answer(_("Unknown command. Finish this step or send /cancel."))
            else:
                await message.answer(_("Please use the buttons above, or send /cancel."))
            return
        await message.answer(_("I did not understand that. Send /help for what I can do."))

    @router.callback_query()
    async def on_other_callback(query: CallbackQuery, actor: User | None) -> None:
        # Every callback must be answered, or the button spins on the user's screen.
        if actor is None:
            await query.answer(refusal_text(), show_alert=True)
            return
        await query.answer(_("This button is no longer active."), show_alert=True)

    @router.inline_query()
    async def on_other_inline(query: InlineQuery) -> None:
        await query.answer([], cache_time=5, is_personal=True)

    @router.errors(ExceptionTypeFilter(Exception))
    async def on_error(event: ErrorEvent) -> bool:
        logger.error("update %s failed", event.update.update_id, exc_info=event.exception)
        update = event.update
        try:
            if update.message is not None:
                await update.message.answer(unexpected_error_text())
            elif update.callback_query is not None:
                await update.callback_query.answer(unexpected_error_text(), show_alert=True)
        except Exception:
            logger.warning("could not tell the user about the failure", exc_info=True)
        return True

    return router
