"""The staff alerts' buttons (`AlertCb`, "al"): remind the customer now, a call task for
tomorrow, a renewal deal, and a task alert's done / +1 hour / tomorrow. One service call each
(`AlertActionService`, which checks the scope and makes each action once); a stale or repeated
button, or another manager's, is answered by the router's AlertOnDomainError ("Already done.",
"Not found ...") and nothing changes."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.contracts import renewed
from handlers.filters import IsStaff
from handlers.reminders.alert_keyboards import STAMP
from handlers.reminders.callbacks import AlertAction, AlertCb
from handlers.tasks.callbacks import Card, TaskCardCb
from services.alert_actions import AlertActionService
from services.errors import NotFound
from services.tasks import Task
from services.users import User


def local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment else "—"


def reminded_text(at: datetime | None, zone: ZoneInfo) -> str:
    if at is None:
        return _("The reminder is on its way to the client.")
    return _("The client's quiet hours: the reminder goes at {when} (your time).").format(
        when=local(at, zone))


def call_task_text(task: Task, zone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open"), callback_data=TaskCardCb(action=Card.OPEN, id=task.id))
    return _("Task created: «{title}», due {when}.").format(
        title=html.escape(task.title), when=local(task.due_at, zone)), kb.as_markup()


def moved_text(task: Task, zone: ZoneInfo) -> str:
    return _("Moved to {when}.").format(when=local(task.due_at, zone))


def due_of(callback_data: AlertCb) -> datetime:
    """The due moment a task alert's button carries; a forged one finds nothing."""
    try:
        return datetime.strptime(callback_data.at, STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise NotFound() from None


async def on_remind(query: CallbackQuery, callback_data: AlertCb, actor: User,
                    alert_actions: AlertActionService) -> None:
    at = await alert_actions.remind_now(actor, callback_data.id)
    await query.answer(reminded_text(at, alert_actions.zone(actor)), show_alert=True)


async def on_call(query: CallbackQuery, callback_data: AlertCb, msg: Message | None,
                  actor: User, alert_actions: AlertActionService) -> None:
    task = await alert_actions.call_task(actor, callback_data.id,
                                         _("Call {company} about invoice {number}"))
    await query.answer()
    if msg is not None:
        text, markup = call_task_text(task, alert_actions.zone(actor))
        await msg.answer(text, reply_markup=markup)


async def on_renew(query: CallbackQuery, callback_data: AlertCb, msg: Message | None,
                   actor: User, alert_actions: AlertActionService) -> None:
    await renewed(query, msg, await alert_actions.renewal_deal(actor, callback_data.id,
                                                               _("Renewal: {title}")))


async def on_done(query: CallbackQuery, callback_data: AlertCb, actor: User,
                  alert_actions: AlertActionService) -> None:
    await alert_actions.task_done(actor, callback_data.id)
    await query.answer(_("Done."))


async def on_later(query: CallbackQuery, callback_data: AlertCb, actor: User,
                   alert_actions: AlertActionService) -> None:
    days = 1 if callback_data.action == AlertAction.TOMORROW else 0
    task = await alert_actions.task_later(actor, callback_data.id, due_of(callback_data), days)
    await query.answer(moved_text(task, alert_actions.zone(actor)), show_alert=True)


def create_router() -> Router:
    router = Router(name="reminders_alerts")
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())
    cb = AlertCb.filter
    router.callback_query.register(on_remind, cb(F.action == AlertAction.REMIND))
    router.callback_query.register(on_call, cb(F.action == AlertAction.CALL))
    router.callback_query.register(on_renew, cb(F.action == AlertAction.RENEW))
    router.callback_query.register(on_done, cb(F.action == AlertAction.DONE))
    router.callback_query.register(
        on_later, cb(F.action.in_({AlertAction.HOUR, AlertAction.TOMORROW})))
    return router
