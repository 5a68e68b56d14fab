"""Tasks and events: /task (kind → title → when → end → remind the client), Add task from a
deal card, and /today with Done / Postpone buttons."""

from __future__ import annotations

import html
import secrets
from datetime import date, datetime, tzinfo
from enum import StrEnum

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.texts import error_text
from services.errors import DomainError
from services.tasks import Task, TaskDraft, TaskKind, TaskService, clean_title
from services.users import User

KIND_NAMES = {"task": __("Task"), "meeting": __("Meeting"), "call": __("Call")}
KIND_ICONS = {"task": "📌", "meeting": "🤝", "call": "📞"}
STATUS_NAMES = {
    "planned": __("planned"), "not_started": __("not started"), "waiting": __("waiting"),
    "deferred": __("deferred"), "in_progress": __("in progress"), "done": __("done"),
    "held": __("held"), "not_held": __("not held"), "cancelled": __("cancelled"),
}


class TaskAction(StrEnum):
    DONE = "d"
    DAY = "p1"
    WEEK = "p7"


POSTPONE_DAYS = {TaskAction.DAY: 1, TaskAction.WEEK: 7}


class TaskCb(CallbackData, prefix="tk"):
    action: TaskAction
    id: int


class TaskFlowAction(StrEnum):
    KIND = "k"
    SKIP = "s"
    YES = "y"
    NO = "n"


class TaskFlowCb(CallbackData, prefix="tf"):
    action: TaskFlowAction
    flow: str
    kind: str = ""


class NewTask(StatesGroup):
    kind = State()
    title = State()
    when = State()
    end = State()
    remind = State()


def when_text(task: Task, zone: tzinfo, today: date | None = None) -> str:
    start = task.when
    if start is None:
        return "—"
    local = start.astimezone(zone)
    text = local.strftime("%H:%M") if today == local.date() else local.strftime("%d.%m %H:%M")
    if task.is_event and task.ends_at is not None:
        text += "–" + task.ends_at.astimezone(zone).strftime("%H:%M")
    return text


def task_line(task: Task, zone: tzinfo, now: datetime | None = None,
              today: date | None = None) -> str:
    icon = "✅" if not task.is_open else KIND_ICONS.get(task.kind, "•")
    overdue = task.is_open and now is not None and task.when is not None and task.when < now
    mark = "⚠️ " if overdue else ""
    kind = str(KIND_NAMES.get(task.kind, task.kind))
    status = str(STATUS_NAMES.get(task.status, task.status))
    line = f"{icon} {mark}{kind}: {html.escape(task.title)} · {when_text(task, zone, today)}"
    line += f" ({status})"
    if task.remind_client:
        line += " 🔔"
    return line


def task_keyboard(task: Task) -> InlineKeyboardMarkup | None:
    if not task.is_open:
        return None
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Done"), callback_data=TaskCb(action=TaskAction.DONE, id=task.id))
    kb.button(text=_("+1 day"), callback_data=TaskCb(action=TaskAction.DAY, id=task.id))
    kb.button(text=_("+1 week"), callback_data=TaskCb(action=TaskAction.WEEK, id=task.id))
    kb.adjust(3)
    return kb.as_markup()


def kind_keyboard(flow: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code, label in KIND_NAMES.items():
        kb.button(text=str(label), callback_data=TaskFlowCb(action=TaskFlowAction.KIND,
                                                            flow=flow, kind=code))
    kb.adjust(3)
    return kb.as_markup()


def flow_button(flow: str, *items: tuple[str, TaskFlowAction]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for text, action in items:
        kb.button(text=text, callback_data=TaskFlowCb(action=action, flow=flow))
    kb.adjust(len(items))
    return kb.as_markup()


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
                      remind_client=bool(data.get("remind")))
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
    await state.update_data(remind=callback_data.action == TaskFlowAction.YES)
    await save(msg, state, actor, tasks)


async def on_finished_step(query: CallbackQuery) -> None:
    await query.answer(_("This button belongs to a finished step."), show_alert=True)


async def cmd_today(message: Message, actor: User, tasks: TaskService) -> None:
    today = await tasks.today(actor)
    zone = tasks.zone(actor)
    if not today.tasks:
        await message.answer(_("Nothing planned for today. Add a task with /task."))
        return
    await message.answer(_("Today, {day}: {count}").format(
        day=today.day.strftime("%d.%m"), count=len(today.tasks)))
    for task in today.tasks:
        await message.answer(task_line(task, zone, today=today.day),
                             reply_markup=task_keyboard(task))


async def redraw(query: CallbackQuery, task: Task, tasks: TaskService, actor: User,
                 note: str) -> None:
    await query.answer(note)
    if msg := message_of(query):
        await msg.edit_text(task_line(task, tasks.zone(actor)),
                            reply_markup=task_keyboard(task))


async def on_done(query: CallbackQuery, callback_data: TaskCb, actor: User,
                  tasks: TaskService) -> None:
    try:
        task = await tasks.complete(actor, callback_data.id)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await redraw(query, task, tasks, actor, _("Done."))


async def on_postpone(query: CallbackQuery, callback_data: TaskCb, actor: User,
                      tasks: TaskService) -> None:
    try:
        task = await tasks.postpone(actor, callback_data.id,
                                    POSTPONE_DAYS[callback_data.action])
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await redraw(query, task, tasks, actor, _("Postponed."))


def create_router() -> Router:
    router = Router(name="tasks")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    router.message.register(cmd_task, Command("task"))
    router.message.register(got_title, StateFilter(NewTask.title), HasText())
    router.message.register(got_when, StateFilter(NewTask.when), HasText())
    router.message.register(got_end, StateFilter(NewTask.end), HasText())
    router.callback_query.register(
        on_kind, TaskFlowCb.filter(F.action == TaskFlowAction.KIND), StateFilter(NewTask.kind),
        SameFlow(TaskFlowCb))
    router.callback_query.register(
        on_skip_end, TaskFlowCb.filter(F.action == TaskFlowAction.SKIP), StateFilter(NewTask.end),
        SameFlow(TaskFlowCb))
    router.callback_query.register(
        on_remind, TaskFlowCb.filter(F.action.in_({TaskFlowAction.YES, TaskFlowAction.NO})),
        StateFilter(NewTask.remind), SameFlow(TaskFlowCb))
    router.callback_query.register(on_finished_step, TaskFlowCb.filter())
    router.message.register(cmd_today, Command("today"))
    router.callback_query.register(on_done, TaskCb.filter(F.action == TaskAction.DONE))
    router.callback_query.register(on_postpone, TaskCb.filter(F.action.in_(POSTPONE_DAYS)))

    return router
