"""The /task flow (kind → title → when → end → remind the client → which client, unless it
is on a deal), also started by Add task on a deal card."""

from __future__ import annotations

import secrets
from datetime import datetime

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.tasks.callbacks import NewTask, TaskFlowAction, TaskFlowCb
from handlers.tasks.client import client_ids, client_question
from handlers.tasks.keyboards import flow_button, kind_keyboard
from handlers.tasks.texts import KIND_NAMES, task_line
from handlers.texts import error_text
from services.errors import DomainError
from services.tasks import TaskDraft, TaskKind, TaskService, clean_title
from services.users import User


def when_question(kind: str) -> str:
    if kind == TaskKind.TASK:
        return _("Due when? For example: 25.11 15:00 or tomorrow 10:00")
    return _("Starts when? For example: 25.11 15:00 or tomorrow 10:00")


async def start_task_flow(message: Message, state: FSMContext, *, deal_id: int | None = None,
                          kind: str | None = None) -> None:
    """Starts the task flow in this chat (from /task, or from a deal card with the deal)."""
    flow = secrets.token_hex(4)
    await state.set_data({"flow": flow, "deal_id": deal_id, "kind": kind})
    if kind is None:
        await state.set_state(NewTask.kind)
        await message.answer(_("What is it?"), reply_markup=kind_keyboard(flow))
        return
    await state.set_state(NewTask.title)
    await message.answer(_("Task: what is to be done?"))


async def save(message: Message, state: FSMContext, actor: User,
               tasks: TaskService) -> None:
    data = await state.get_data()
    ends = data.get("ends_at")
    draft = TaskDraft(kind=TaskKind(data["kind"]), title=data["title"],
                      when=datetime.fromisoformat(data["when"]),
                      ends_at=datetime.fromisoformat(ends) if ends else None,
                      deal_id=data.get("deal_id"),
                      remind_client=bool(data.get("remind")),
                      company_id=data.get("company_id"), contact_id=data.get("contact_id"))
    try:
        task = await tasks.create(actor, draft)
    except DomainError as err:
        await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    await message.answer(_("Saved: {task}").format(
        task=task_line(task, tasks.zone(actor))))


async def cmd_task(message: Message, state: FSMContext) -> None:
    await start_task_flow(message, state)


async def got_title(message: Message, state: FSMContext) -> None:
    try:
        title = clean_title(message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    data = await state.update_data(title=title)
    await state.set_state(NewTask.when)
    await message.answer(when_question(data["kind"]))


async def got_when(message: Message, state: FSMContext, actor: User,
                   tasks: TaskService) -> None:
    try:
        when = tasks.read_when(actor, message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    data = await state.update_data(when=when.isoformat())
    if data["kind"] == TaskKind.TASK:
        await save(message, state, actor, tasks)
        return
    await state.set_state(NewTask.end)
    await message.answer(_("Ends at? For example: 16:30, or Skip for one hour."),
                         reply_markup=flow_button(data["flow"],
                                                  (_("Skip"), TaskFlowAction.SKIP)))


async def ask_remind_or_save(message: Message, state: FSMContext, actor: User,
                             tasks: TaskService) -> None:
    data = await state.get_data()
    if data["kind"] == TaskKind.MEETING:
        await state.set_state(NewTask.remind)
        await message.answer(_("Remind the client before the meeting?"),
                             reply_markup=flow_button(data["flow"],
                                                      (_("Yes"), TaskFlowAction.YES),
                                                      (_("No"), TaskFlowAction.NO)))
        return
    await save(message, state, actor, tasks)


async def got_end(message: Message, state: FSMContext, actor: User,
                  tasks: TaskService) -> None:
    data = await state.get_data()
    try:
        end = tasks.read_end(actor, message.text or "", datetime.fromisoformat(data["when"]))
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.update_data(ends_at=end.isoformat())
    await ask_remind_or_save(message, state, actor, tasks)


async def on_kind(query: CallbackQuery, callback_data: TaskFlowCb, state: FSMContext,
                  msg: Message) -> None:
    if callback_data.kind not in KIND_NAMES:
        await query.answer(_("This button belongs to a finished step."), show_alert=True)
        return
    await query.answer()
    await state.update_data(kind=callback_data.kind)
    await state.set_state(NewTask.title)
    await msg.edit_text(_("{kind}: what is it about?").format(
        kind=str(KIND_NAMES[callback_data.kind])))


async def on_skip_end(query: CallbackQuery, state: FSMContext, msg: Message, actor: User,
                      tasks: TaskService) -> None:
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await ask_remind_or_save(msg, state, actor, tasks)


async def on_remind(query: CallbackQuery, callback_data: TaskFlowCb, state: FSMContext,
                    msg: Message, actor: User, tasks: TaskService) -> None:
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    remind = callback_data.action == TaskFlowAction.YES
    data = await state.update_data(remind=remind)
    if remind and data.get("deal_id") is None:
        # Not on a deal: the reminders need a client to reach (the deal's contact otherwise).
        await state.set_state(NewTask.client)
        await msg.answer(client_question(), reply_markup=flow_button(
            data["flow"], (_("Skip"), TaskFlowAction.SKIP)))
        return
    await save(msg, state, actor, tasks)


async def on_client(query: CallbackQuery, callback_data: TaskFlowCb, state: FSMContext,
                    msg: Message, actor: User, tasks: TaskService) -> None:
    """The client chosen (or Skip: a meeting without a client, whose reminders wait for one
    linked on its card)."""
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    if callback_data.action == TaskFlowAction.CLIENT:
        company_id, contact_id = client_ids(callback_data.kind, callback_data.id)
        await state.update_data(company_id=company_id, contact_id=contact_id)
    await save(msg, state, actor, tasks)


async def on_finished_step(query: CallbackQuery) -> None:
    await query.answer(_("This button belongs to a finished step."), show_alert=True)
