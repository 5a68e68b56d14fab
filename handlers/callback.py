"""The message a pressed button sits under, in one place."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message


def message_of(query: CallbackQuery) -> Message | None:
    """The button's message, or None when Telegram no longer lets the bot touch it (an old
    message comes as InaccessibleMessage) or the button was under an inline result."""
    return query.message if isinstance(query.message, Message) else None
