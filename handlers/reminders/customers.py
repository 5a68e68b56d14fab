"""The buttons customers press on a reminder ("I've paid", a meeting's Confirm / Reschedule),
whose answer reaches the manager. No team filter: customers may be no user of ours (the
service checks the invoice's or meeting's contact is bound to their Telegram id)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from handlers.callback import message_of
from handlers.reminders.callbacks import (
    CustAction,
    CustomerCb,
)
from handlers.texts import error_text
from services.alerts import AlertService
from services.errors import DomainError


def create_router() -> Router:
    router = Router(name="reminders_customers")

    # The customer's buttons: the answer is an alert, and the buttons go (pressed once).

    async def answered(query: CallbackQuery, text: str) -> None:
        await query.answer(text, show_alert=True)
        if msg := message_of(query):
            try:
                await msg.edit_reply_markup(reply_markup=None)
            except TelegramAPIError:
                pass  # "message is not modified" after a double press

    @router.callback_query(CustomerCb.filter(F.action == CustAction.PAID))
    async def on_paid(query: CallbackQuery, callback_data: CustomerCb,
                      alerts: AlertService) -> None:
        user = query.from_user
        try:
            await alerts.customer_paid(user.id, callback_data.id, user.full_name)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await answered(query, _("Thank you! We will check the payment; reminders are paused."))

    @router.callback_query(CustomerCb.filter(F.action == CustAction.CONFIRM))
    async def on_confirm(query: CallbackQuery, callback_data: CustomerCb,
                         alerts: AlertService) -> None:
        user = query.from_user
        try:
            await alerts.meeting_answer(user.id, callback_data.id, "confirm", user.full_name)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await answered(query, _("Thank you, see you at the meeting!"))

    @router.callback_query(CustomerCb.filter(F.action == CustAction.RESCHEDULE))
    async def on_reschedule(query: CallbackQuery, callback_data: CustomerCb,
                            alerts: AlertService) -> None:
        user = query.from_user
        try:
            await alerts.meeting_answer(user.id, callback_data.id, "reschedule", user.full_name)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await answered(query, _("Thank you! Your manager will contact you to find a new "
                                "time."))

    return router
