"""The message a pressed button sits under, in one place; and what every button of a feature
does alike (an alert for a domain error, a gone message), as router middlewares, so each
handler holds one action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from handlers.texts import error_text
from services.errors import DomainError

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def message_of(query: CallbackQuery) -> Message | None:
    """The button's message, or None when Telegram no longer lets the bot touch it (an old
    message comes as InaccessibleMessage) or the button was under an inline result."""
    return query.message if isinstance(query.message, Message) else None


class AlertOnDomainError(BaseMiddleware):
    """An inner callback middleware (it runs after the filters chose a handler): the
    handler's DomainError becomes an alert on the button; `msg` is the button's message, or
    None (see message_of). With `needs_message`, a button whose message is gone is refused with
    an alert before the handler runs, so the handler gets a Message."""

    def __init__(self, needs_message: bool = False) -> None:
        self.needs_message = needs_message

    async def __call__(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        msg = message_of(event)
        if msg is None and self.needs_message:
            await event.answer(_("This button is no longer active."), show_alert=True)
            return None
        data["msg"] = msg
        try:
            return await handler(event, data)
        except DomainError as err:
            await event.answer(error_text(err), show_alert=True)
            return None
