"""The team's reminders: /reminders (snooze / skip / stop / resume each), /clienttz (a
client's time zone), admins' /outbox health."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import HasRole, HasText, IsStaff
from handlers.reminders.callbacks import (
    ClientTz,
    ClientTzCb,
    RemAction,
    ReminderCb,
)
from handlers.reminders.keyboards import upcoming_keyboard
from handlers.reminders.texts import health_text, snoozed_text, upcoming_text
from handlers.texts import error_text
from services.alerts import AlertService
from services.errors import DomainError
from services.users import Role, User


async def cmd_reminders(message: Message, actor: User, alerts: AlertService) -> None:
    items = await alerts.upcoming(actor)
    if not items:
        await message.answer(_("No reminders are planned for your clients."))
        return
    await message.answer(upcoming_text(items, alerts.reader_zone(actor.timezone)),
                         reply_markup=upcoming_keyboard(items))


async def answer_done(query: CallbackQuery, text: str) -> None:
    await query.answer(text, show_alert=True)


async def on_snooze(query: CallbackQuery, callback_data: ReminderCb, actor: User,
                    alerts: AlertService) -> None:
    try:
        moved = await alerts.snooze(actor, callback_data.id)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await answer_done(query, snoozed_text(moved, alerts.reader_zone(actor.timezone)))


async def on_skip(query: CallbackQuery, callback_data: ReminderCb, actor: User,
                  alerts: AlertService) -> None:
    try:
        await alerts.skip(actor, callback_data.id)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await answer_done(query, _("Skipped: this reminder will not be sent."))


async def on_stop(query: CallbackQuery, callback_data: ReminderCb, actor: User,
                  alerts: AlertService) -> None:
    try:
        await alerts.stop(actor, callback_data.id)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await answer_done(query, _("Reminders for this invoice are stopped."))


async def on_resume(query: CallbackQuery, callback_data: ReminderCb, actor: User,
                    alerts: AlertService) -> None:
    try:
        await alerts.resume(actor, callback_data.id)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await answer_done(query, _("Reminders for this invoice are on again."))


async def cmd_outbox(message: Message, actor: User, alerts: AlertService) -> None:
    await message.answer(health_text(await alerts.health(actor),
                                      alerts.reader_zone(actor.timezone)))


async def cmd_clienttz(
    message: Message, actor: User, alerts: AlertService, state: FSMContext
) -> None:
    clients = await alerts.clients(actor)
    if not clients:
        await message.answer(_("You have no clients yet. Add one with /newclient."))
        return
    flow = str(message.message_id)
    await state.set_state(None)
    await state.set_data({"tz_flow": flow})
    kb = InlineKeyboardBuilder()
    for company_id, name in clients:
        kb.button(text=name[:60], callback_data=ClientTzCb(id=company_id, flow=flow))
    kb.adjust(1)
    await message.answer(_("Whose time zone?"), reply_markup=kb.as_markup())


async def on_clienttz(
    query: CallbackQuery, callback_data: ClientTzCb, state: FSMContext
) -> None:
    data = await state.get_data()
    if data.get("tz_flow") != callback_data.flow:
        await query.answer(_("This button belongs to a finished step."), show_alert=True)
        return
    await state.set_state(ClientTz.zone)
    await state.update_data(tz_company=callback_data.id)
    await query.answer()
    if msg := message_of(query):
        await msg.answer(
            _(
                "Time zone? For example Europe/Chisinau, "
                "Europe/Moscow, Europe/Bucharest, Europe/Minsk."
            )
        )


async def got_zone(
    message: Message, actor: User, alerts: AlertService, state: FSMContext
) -> None:
    data = await state.get_data()
    try:
        zone = await alerts.set_client_timezone(
            actor, int(data["tz_company"]), message.text or ""
        )
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.clear()
    await message.answer(
        _("Time zone saved: {zone}. Reminders to this client follow it.").format(
            zone=html.escape(zone)
        )
    )


def create_router() -> Router:
    # Filters per handler: /outbox is the admins', the rest the team's.
    router = Router(name="reminders_team")

    router.message.register(cmd_reminders, Command("reminders"), IsStaff())
    router.callback_query.register(
        on_snooze, ReminderCb.filter(F.action == RemAction.SNOOZE), IsStaff())
    router.callback_query.register(
        on_skip, ReminderCb.filter(F.action == RemAction.SKIP), IsStaff())
    router.callback_query.register(
        on_stop, ReminderCb.filter(F.action == RemAction.STOP), IsStaff())
    router.callback_query.register(
        on_resume, ReminderCb.filter(F.action == RemAction.RESUME), IsStaff())
    router.message.register(cmd_outbox, Command("outbox"), HasRole(Role.ADMIN))
    router.message.register(cmd_clienttz, Command("clienttz"), IsStaff())
    router.callback_query.register(on_clienttz, ClientTzCb.filter(), IsStaff())
    router.message.register(got_zone, StateFilter(ClientTz.zone), HasText(), IsStaff())

    return router
