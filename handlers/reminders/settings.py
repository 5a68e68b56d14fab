"""`/alerts`: each person's own alert settings (issue 18 item 4), prefix "as": the hour of the
morning digest (a button 07-12, or "Other hour" typed 05-20: DIGEST_HOURS) and a switch
per alert kind (digest, overdue invoices, scheduled payments, guarantee letters, contracts,
tasks) and per report push the person gets (weekly, monthly). Always about oneself
(`AlertService.set_digest_hour`, `switch_alert` take the acting user)."""

from __future__ import annotations

from enum import StrEnum

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import HasText, IsStaff
from handlers.texts import error_text
from services.alerts import ALERT_KINDS, DIGEST_HOURS, AlertService, AlertSettings
from services.errors import DomainError
from services.users import User

HOURS = (7, 8, 9, 10, 11, 12)
KIND_NAMES = {
    "digest": __("Morning digest"),
    "overdue": __("Invoices becoming overdue"),
    "installment": __("Scheduled payments due"),
    "guarantee": __("Guarantee letters unpaid"),
    "contract": __("Contracts ending"),
    "task": __("Tasks due"),
    "weekly": __("Weekly report"),
    "monthly": __("Monthly report"),
}


class AlertSetAction(StrEnum):
    SHOW = "v"
    HOUR = "h"
    OTHER = "o"
    ON = "y"
    OFF = "n"


class AlertSetCb(CallbackData, prefix="as"):
    a: AlertSetAction
    v: str = ""  # the hour, or the kind switched


class AlertSetInput(StatesGroup):
    hour = State()


def settings_text(s: AlertSettings) -> str:
    lines = [_("<b>Alerts</b>")]
    if "digest" in s.off:
        lines.append(_("The morning digest is off."))
    else:
        lines.append(_("The morning digest comes at {hour}:00 your time.").format(
            hour=f"{s.digest_hour:02d}"))
    lines += ["", _("Tap an hour to move the digest, and a switch to turn an alert on (✅) "
                    "or off (🔕).")]
    return "\n".join(lines)


def settings_keyboard(s: AlertSettings) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for hour in HOURS:
        mark = "✓ " if hour == s.digest_hour else ""
        kb.button(text=f"{mark}{hour:02d}:00",
                  callback_data=AlertSetCb(a=AlertSetAction.HOUR, v=str(hour)))
    kb.button(text=_("Other hour"), callback_data=AlertSetCb(a=AlertSetAction.OTHER))
    for kind in (*ALERT_KINDS.values(), *s.reports):
        off = kind in s.off
        kb.button(text=f"{'🔕' if off else '✅'} {KIND_NAMES[kind]}",
                  callback_data=AlertSetCb(a=AlertSetAction.ON if off else AlertSetAction.OFF,
                                           v=kind))
    kb.adjust(3, 3, 1, *([1] * (len(ALERT_KINDS) + len(s.reports))))
    return kb.as_markup()


async def cmd_alerts(message: Message, actor: User, alerts: AlertService,
                     state: FSMContext) -> None:
    await state.set_state(None)
    s = await alerts.alert_settings(actor)
    await message.answer(settings_text(s), reply_markup=settings_keyboard(s))


async def redraw(query: CallbackQuery, s: AlertSettings, note: str) -> None:
    await query.answer(note)
    msg = message_of(query)
    if msg is None:
        return
    try:
        await msg.edit_text(settings_text(s), reply_markup=settings_keyboard(s))
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:  # the same button pressed twice
            raise


async def on_show(query: CallbackQuery, actor: User, alerts: AlertService) -> None:
    s = await alerts.alert_settings(actor)
    await query.answer()
    if msg := message_of(query):
        await msg.answer(settings_text(s), reply_markup=settings_keyboard(s))


async def on_hour(query: CallbackQuery, callback_data: AlertSetCb, actor: User,
                  alerts: AlertService) -> None:
    try:
        s = await alerts.set_digest_hour(actor, callback_data.v)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await redraw(query, s, _("The digest will come at {hour}:00.").format(
        hour=f"{s.digest_hour:02d}"))


async def on_other(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(AlertSetInput.hour)
    await query.answer()
    if msg := message_of(query):
        await msg.answer(_("At what hour should the digest come? Send a number from {first} "
                           "to {last}, your time. /cancel to stop.").format(
            first=DIGEST_HOURS.start, last=DIGEST_HOURS.stop - 1))


async def got_hour(message: Message, actor: User, alerts: AlertService,
                   state: FSMContext) -> None:
    try:
        s = await alerts.set_digest_hour(actor, message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.clear()
    await message.answer(settings_text(s), reply_markup=settings_keyboard(s))


async def on_switch(query: CallbackQuery, callback_data: AlertSetCb, actor: User,
                    alerts: AlertService) -> None:
    on = callback_data.a == AlertSetAction.ON
    try:
        s = await alerts.switch_alert(actor, callback_data.v, on)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    name = KIND_NAMES.get(callback_data.v, callback_data.v)
    note = (_("Turned on: {name}.") if on else _("Turned off: {name}.")).format(name=name)
    await redraw(query, s, note)


def create_router() -> Router:
    """/alerts and its buttons (staff only)."""
    router = Router(name="reminders_settings")
    router.message.register(cmd_alerts, Command("alerts"), IsStaff())
    router.callback_query.register(
        on_show, AlertSetCb.filter(F.a == AlertSetAction.SHOW), IsStaff())
    router.callback_query.register(
        on_hour, AlertSetCb.filter(F.a == AlertSetAction.HOUR), IsStaff())
    router.callback_query.register(
        on_other, AlertSetCb.filter(F.a == AlertSetAction.OTHER), IsStaff())
    router.callback_query.register(
        on_switch, AlertSetCb.filter(F.a.in_({AlertSetAction.ON, AlertSetAction.OFF})),
        IsStaff())
    router.message.register(got_hour, StateFilter(AlertSetInput.hour), HasText(), IsStaff())
    return router
