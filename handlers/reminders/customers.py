"""The buttons customers press on a reminder ("I've paid"; a meeting's Confirm, Cancel and
Reschedule: a time the manager offered, or another time typed as a wish in their chat), whose
answer reaches the manager. No team filter: customers may be no user of ours (the service
checks the invoice's or meeting's contact is bound to their Telegram id)."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.callback import message_of
from handlers.filters import HasText
from handlers.reminders.callbacks import (
    CustAction,
    CustomerCb,
    MeetAction,
    MeetingCb,
    MeetingWish,
)
from handlers.reminders.keyboards import slots_keyboard
from handlers.reminders.texts import meeting_moved_text, meeting_options_text
from handlers.texts import error_text
from services.alerts import WISH_MAX, AlertService
from services.errors import DomainError


class ClientLanguage(BaseMiddleware):
    """A meeting's client reads the answers to its reminder's buttons (thanks, the times
    offered, the wish prompt, a refusal) in the language stored for them, the reminder's own;
    without one, in their chat's language as every screen (the i18n middleware's choice)."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        task_id = await _meeting_of(event, data)
        alerts: AlertService | None = data.get("alerts")
        i18n: I18n | None = data.get("i18n")
        user = data.get("event_from_user")
        if task_id is None or alerts is None or i18n is None or user is None:
            return await handler(event, data)
        lang = await alerts.client_language(user.id, task_id)
        if lang not in i18n.available_locales:
            return await handler(event, data)
        with i18n.use_locale(lang):
            return await handler(event, data)


async def _meeting_of(event: TelegramObject, data: dict[str, Any]) -> int | None:
    """The meeting a client's button or typed wish is about (None: not a meeting's)."""
    callback = data.get("callback_data")
    if isinstance(callback, MeetingCb):
        return callback.id
    state: FSMContext | None = data.get("state")
    if isinstance(event, Message) and state is not None:
        task_id = (await state.get_data()).get("task_id")
        return int(task_id) if task_id is not None else None
    return None


def create_router() -> Router:
    router = Router(name="reminders_customers")
    router.callback_query.middleware(ClientLanguage())
    router.message.middleware(ClientLanguage())

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

    @router.callback_query(MeetingCb.filter(F.action.in_({MeetAction.CONFIRM,
                                                          MeetAction.CANCEL})))
    async def on_confirm_or_cancel(query: CallbackQuery, callback_data: MeetingCb,
                                   alerts: AlertService) -> None:
        user = query.from_user
        answer = "confirm" if callback_data.action == MeetAction.CONFIRM else "cancel"
        try:
            await alerts.meeting_answer(user.id, callback_data.id, answer, callback_data.at,
                                        user.full_name)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await answered(query, _("Thank you, see you at the meeting!") if answer == "confirm"
                       else _("The meeting is cancelled. Your manager has been told."))

    @router.callback_query(MeetingCb.filter(F.action.in_({MeetAction.RESCHEDULE,
                                                          MeetAction.OTHER})))
    async def on_reschedule(query: CallbackQuery, callback_data: MeetingCb,
                            alerts: AlertService, state: FSMContext) -> None:
        """Reschedule: the times offered as buttons; "Another time" (or none offered): the
        client types a wish."""
        try:
            meet = await alerts.meeting_options(query.from_user.id, callback_data.id,
                                                callback_data.at)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if (msg := message_of(query)) is None:
            return
        if callback_data.action == MeetAction.OTHER or not meet.slots:
            await state.set_state(MeetingWish.text)
            await state.set_data({"task_id": meet.task_id, "at": callback_data.at})
            await msg.answer(_("Which time would suit you for «{title}»? Type it in one "
                               "message (at most {limit} characters); I will pass it to your "
                               "manager.").format(title=html.escape(meet.title),
                                                  limit=WISH_MAX))
            return
        tz = alerts.client_zone(meet)
        await msg.answer(meeting_options_text(meet, tz), reply_markup=slots_keyboard(meet, tz))

    @router.callback_query(MeetingCb.filter(F.action == MeetAction.SLOT))
    async def on_slot(query: CallbackQuery, callback_data: MeetingCb,
                      alerts: AlertService) -> None:
        user = query.from_user
        try:
            meet = await alerts.meeting_to_slot(user.id, callback_data.id, callback_data.at,
                                                callback_data.slot, user.full_name)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if msg := message_of(query):
            await msg.edit_text(meeting_moved_text(meet, alerts.client_zone(meet)))

    @router.message(StateFilter(MeetingWish.text), HasText())
    async def got_wish(message: Message, state: FSMContext, alerts: AlertService) -> None:
        assert message.from_user is not None
        data = await state.get_data()
        try:
            # The client's message is the action: delivered twice, it is told once.
            await alerts.meeting_wish(
                message.from_user.id, int(data["task_id"]), int(data["at"]), message.text or "",
                f"msg{message.chat.id}:{message.message_id}", message.from_user.full_name)
        except DomainError as err:
            if err.code in ("too_long", "empty"):
                await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))
                return
            await state.clear()
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(_("Sent to your manager. They will answer you soon."))

    @router.message(StateFilter(MeetingWish.text), ~F.text.startswith("/"))
    async def wish_not_text(message: Message) -> None:
        await message.answer(_("Send it as a text message, please (or /cancel)."))

    return router
