"""The task card: its statuses, deferring to a typed date, assigning to a colleague and
comments. Each button is one handler; the service refuses another manager's task (the
router's AlertOnDomainError shows its "not found")."""

from __future__ import annotations

import html
from collections.abc import Callable

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.tasks.callbacks import CARD_MARKS, CARD_POSTPONE, TaskCardCb, TaskStep
from handlers.tasks.keyboards import assign_keyboard, card_keyboard
from handlers.tasks.texts import card_text, status_text
from handlers.texts import error_text
from services.errors import DomainError
from services.tasks import Task, TaskService
from services.users import User


async def send_card(target: Message, actor: User, tasks: TaskService, task_id: int,
                    note: str | None = None) -> None:
    card = await tasks.card(actor, task_id)
    text = card_text(card, tasks.zone(actor))
    await target.answer(f"{note}\n\n{text}" if note else text,
                        reply_markup=card_keyboard(card, tasks.zone(actor)))


async def redraw_card(query: CallbackQuery, msg: Message | None, actor: User,
                      tasks: TaskService, task: Task, note: str) -> None:
    await query.answer(note)
    if msg is None:
        return
    card = await tasks.card(actor, task.id)
    await msg.edit_text(card_text(card, tasks.zone(actor)),
                        reply_markup=card_keyboard(card, tasks.zone(actor)))


async def on_open(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                  actor: User, tasks: TaskService) -> None:
    card = await tasks.card(actor, callback_data.id)
    await query.answer()
    if msg is not None:
        await msg.answer(card_text(card, tasks.zone(actor)),
                         reply_markup=card_keyboard(card, tasks.zone(actor)))


async def on_done(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                  actor: User, tasks: TaskService) -> None:
    task = await tasks.complete(actor, callback_data.id)
    await redraw_card(query, msg, actor, tasks, task, _("Done."))


async def on_postpone(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                      actor: User, tasks: TaskService) -> None:
    task = await tasks.postpone(actor, callback_data.id, CARD_POSTPONE[callback_data.action])
    await redraw_card(query, msg, actor, tasks, task, _("Postponed."))


async def on_mark(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                  actor: User, tasks: TaskService) -> None:
    task = await tasks.mark(actor, callback_data.id, CARD_MARKS[callback_data.action])
    note = (_("Cancelled: the task is archived.") if task.status == "cancelled"
            else _("Status: {status}").format(status=status_text(task, tasks.zone(actor))))
    await redraw_card(query, msg, actor, tasks, task, note)


async def on_restore(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                     actor: User, tasks: TaskService) -> None:
    task = await tasks.restore(actor, callback_data.id)
    await redraw_card(query, msg, actor, tasks, task, _("Restored."))


async def ask_step(query: CallbackQuery, task_id: int, msg: Message | None,
                   state: FSMContext, actor: User, tasks: TaskService, step: State,
                   question: Callable[[Task], str]) -> None:
    """A card's typed step on an open task: its question asked, the task kept for the answer."""
    task = await tasks.get(actor, task_id)
    if not task.is_open:
        await query.answer(_("This task is already closed."), show_alert=True)
        return
    await query.answer()
    await state.set_state(step)
    await state.set_data({"task_id": task.id})
    if msg is not None:
        await msg.answer(question(task))


async def on_defer(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                   state: FSMContext, actor: User, tasks: TaskService) -> None:
    await ask_step(query, callback_data.id, msg, state, actor, tasks, TaskStep.defer,
                   lambda task: _("Defer «{title}» to when? For example: 25.12 or 25.12 "
                                  "15:00").format(title=html.escape(task.title)))


async def got_defer(message: Message, state: FSMContext, actor: User,
                    tasks: TaskService) -> None:
    task_id = int((await state.get_data())["task_id"])
    try:
        task = await tasks.defer(actor, task_id, message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        if err.code in ("not_found", "task_closed"):
            await state.clear()
        return
    await state.clear()
    await send_card(message, actor, tasks, task.id, _("Deferred."))


async def on_assign(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                    actor: User, tasks: TaskService) -> None:
    task, staff = await tasks.assign_targets(actor, callback_data.id)
    await query.answer()
    if msg is None:
        return
    if not staff:
        await msg.answer(_("There is no colleague to assign it to."))
        return
    await msg.answer(_("Assign «{title}» to whom?").format(title=html.escape(task.title)),
                     reply_markup=assign_keyboard(task, staff))


async def on_assign_to(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                       actor: User, tasks: TaskService) -> None:
    task, target = await tasks.assign(actor, callback_data.id, callback_data.to)
    await query.answer(_("Assigned."))
    if msg is not None:
        name = target.full_name or str(target.telegram_id)
        await msg.edit_text(_("«{title}» is assigned to {name}; they have been told.").format(
            title=html.escape(task.title), name=html.escape(name)))


async def on_comment(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                     state: FSMContext, actor: User, tasks: TaskService) -> None:
    task = await tasks.get(actor, callback_data.id)
    await query.answer()
    await state.set_state(TaskStep.comment)
    await state.set_data({"task_id": task.id})
    if msg is not None:
        await msg.answer(_("Your comment on «{title}»?").format(title=html.escape(task.title)))


async def got_comment(message: Message, state: FSMContext, actor: User,
                      tasks: TaskService) -> None:
    task_id = int((await state.get_data())["task_id"])
    try:
        await tasks.comment(actor, task_id, message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        if err.code == "not_found":
            await state.clear()
        return
    await state.clear()
    await send_card(message, actor, tasks, task_id, _("Comment saved."))


async def on_offer(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                   state: FSMContext, actor: User, tasks: TaskService) -> None:
    task = await tasks.check_offer(actor, callback_data.id)
    await query.answer()
    await state.set_state(TaskStep.offer)
    await state.set_data({"task_id": task.id})
    if msg is not None:
        await msg.answer(_("Which time to offer the client instead of this one for «{title}»? "
                           "For example: 25.12 15:00").format(title=html.escape(task.title)))


async def got_offer(message: Message, state: FSMContext, actor: User,
                    tasks: TaskService) -> None:
    task_id = int((await state.get_data())["task_id"])
    try:
        await tasks.offer_time(actor, task_id, message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        if err.code in ("not_found", "task_closed", "slots_full", "not_client_meeting"):
            await state.clear()
        return
    await state.clear()
    await send_card(message, actor, tasks, task_id, _("Offered: the client sees it under "
                                                      "Reschedule."))


async def on_unoffer(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                     actor: User, tasks: TaskService) -> None:
    task = await tasks.withdraw_time(actor, callback_data.id, callback_data.to)
    await redraw_card(query, msg, actor, tasks, task, _("No longer offered."))


async def not_text(message: Message) -> None:
    await message.answer(_("Send it as a text message, please (or /cancel)."))
