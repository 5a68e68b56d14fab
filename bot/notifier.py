"""TelegramNotifier: delivers payment events (services/payments.py) to Telegram.

Each message is rendered in its recipient's language (handlers/payments.py holds the texts and
keyboards). Delivery is best effort: the money is already committed when events are published,
so a blocked chat or a network error is logged and the other messages still go out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from handlers.payments import (
    applied_keyboard,
    applied_text,
    receipt_text,
    review_event_text,
    review_keyboard,
)
from services.payments import PaymentApplied, PaymentEvent, ReviewNeeded

logger = logging.getLogger(__name__)


class TelegramNotifier:
    """Implements services.payments.PaymentNotifier."""

    def __init__(self, bot: Bot, i18n: I18n, team_chat_id: int | None = None) -> None:
        self._bot = bot
        self._i18n = i18n
        self._team_chat = team_chat_id

    def _locale(self, language: str | None) -> str:
        return language if language in self._i18n.available_locales \
            else self._i18n.default_locale

    async def _send(self, chat_id: int, language: str | None, render: Callable[[], str],
                    keyboard: Callable[[], InlineKeyboardMarkup] | None = None) -> None:
        with self._i18n.context(), self._i18n.use_locale(self._locale(language)):
            text = render()
            markup = keyboard() if keyboard is not None else None
        try:
            await self._bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramAPIError:
            logger.warning("payment notice to chat %s failed", chat_id, exc_info=True)

    async def publish(self, events: Sequence[PaymentEvent]) -> None:
        for event in events:
            if isinstance(event, PaymentApplied):
                await self._send(event.manager_chat, event.manager_language,
                                 partial(applied_text, event), partial(applied_keyboard, event))
                if self._team_chat is not None and self._team_chat != event.manager_chat:
                    await self._send(self._team_chat, None, partial(applied_text, event))
                if event.customer_chat is not None:
                    await self._send(event.customer_chat, event.customer_language,
                                     partial(receipt_text, event))
            elif isinstance(event, ReviewNeeded):
                await self._send(event.recipient_chat, event.recipient_language,
                                 partial(review_event_text, event),
                                 partial(review_keyboard, event.payment_id, event.candidates))
