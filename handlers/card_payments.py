"""Card payments inside Telegram: the customer's Pay button sends a Telegram invoice (when a
payment provider token is configured), the pre-checkout query is answered, and the
successful payment is recorded once (services/card_payments.py).

The customer router owns the Pay button (CustomerCb): with a provider token it calls
`pay_by_card`, without one it answers "coming soon"."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery, TelegramObject
from aiogram.utils.i18n import gettext as _

from handlers.texts import error_text
from services.card_payments import TITLE_MAX, CardPaymentService
from services.errors import DomainError
from services.users import User

logger = logging.getLogger(__name__)


class CardPaymentsOn(Filter):
    """A payment provider token is configured (async: no thread hop)."""

    async def __call__(self, event: TelegramObject, settings: Any = None) -> bool:
        return settings is not None and getattr(settings, "payment_provider_token",
                                                None) is not None


class HasSuccessfulPayment(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.successful_payment is not None


async def pay_by_card(query: CallbackQuery, invoice_id: int, actor: User | None,
                      card_payments: CardPaymentService, settings: Any, bot: Bot) -> None:
    """The customer's Pay button when a provider token is set: a Telegram invoice."""
    if actor is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    try:
        offer = await card_payments.offer(query.from_user.id, invoice_id)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await query.answer()
    title = _("Invoice {number}").format(number=offer.number_text)
    await bot.send_invoice(
        query.from_user.id, title=title[:TITLE_MAX],
        description=_("Payment for invoice {number}").format(number=offer.number_text),
        payload=offer.payload, currency=offer.currency,
        prices=[LabeledPrice(label=title[:TITLE_MAX], amount=offer.amount_minor)],
        provider_token=settings.payment_provider_token.get_secret_value())


def create_router() -> Router:
    router = Router(name="card_payments")

    @router.pre_checkout_query()
    async def on_pre_checkout(query: PreCheckoutQuery,
                              card_payments: CardPaymentService) -> None:
        try:
            await card_payments.check(query.invoice_payload, query.currency,
                                      query.total_amount)
        except DomainError as err:
            await query.answer(ok=False, error_message=error_text(err))
            return
        await query.answer(ok=True)

    @router.message(HasSuccessfulPayment())
    async def on_successful_payment(message: Message,
                                    card_payments: CardPaymentService) -> None:
        paid = message.successful_payment
        assert paid is not None and message.from_user is not None
        capture = await card_payments.capture(
            paid.invoice_payload, paid.currency, paid.total_amount,
            paid.telegram_payment_charge_id, message.from_user.full_name,
            paid.provider_payment_charge_id or "")
        if capture.duplicate:
            logger.info("telegram payment %s seen again", paid.telegram_payment_charge_id)
            return
        if not capture.matched:
            await message.answer(_("We received your payment. Your manager will check it and "
                                   "confirm."))

    return router

