"""/today and /week (the overdue ones first), the list of done and cancelled ones, and the
buttons of a /today line (Done, +1 day, +1 week)."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callback import message_of
from handlers.tasks.callbacks import POSTPONE_DAYS, TaskCb
from handlers.tasks.keyboards import open_keyboard, task_keyboard
from handlers.tasks.texts import item_label, task_line, week_items, week_text
from services.tasks import Task, TaskService
from services.users import User


async def cmd_today(message: Message, actor: User, tasks: TaskService) -> None:
    today = await tasks.today(actor)
    zone = tasks.zone(actor)
    if not today.tasks:
        await message.answer(_("Nothing planned for today. Add a task with /task."))
        return
    header = _("Today, {day}: {count}").format(day=today.day.strftime("%d.%m"),
                                               count=len(today.tasks))
    if today.overdue:
        header += " · " + _("overdue: {count}").format(count=len(today.overdue))
    await message.answer(header)
    for task in today.tasks:
        await message.answer(task_line(task, zone, today=today.day),
                             reply_markup=task_keyboard(task))


async def cmd_week(message: Message, actor: User, tasks: TaskService) -> None:
    week = await tasks.week(actor)
    zone = tasks.zone(actor)
    if not week.count:
        await message.answer(_("Nothing planned for the next seven days. Add a task with "
                               "/task."), reply_markup=open_keyboard([], closed_button=True))
        return
    items = [(item_label(task, day, zone), task) for day, task in week_items(week)]
    await message.answer(week_text(week, zone),
                         reply_markup=open_keyboard(items, closed_button=True))


async def on_closed(query: CallbackQuery, actor: User, tasks: TaskService) -> None:
    """The filter that shows the done and cancelled ones (each opens with Restore)."""
    await query.answer()
    closed = await tasks.closed(actor)
    zone = tasks.zone(actor)
    if (msg := message_of(query)) is None:
        return
    if not closed:
        await msg.answer(_("No done or cancelled tasks yet."))
        return
    lines = [_("Done and cancelled, the last ones first:")]
    lines += [task_line(t, zone) for t in closed]
    items = [(item_label(t, t.when.astimezone(zone).date() if t.when else None, zone), t)
             for t in closed]
    await msg.answer("\n".join(lines), reply_markup=open_keyboard(items))


async def redraw(query: CallbackQuery, task: Task, tasks: TaskService, actor: User,
                 note: str) -> None:
    await query.answer(note)
    if msg := message_of(query):
        await msg.edit_text(task_line(task, tasks.zone(actor)),
                            reply_markup=task_keyboard(task))


async def on_done(query: CallbackQuery, callback_data: TaskCb, actor: User,
                  tasks: TaskService) -> None:
    task = await tasks.complete(actor, callback_data.id)
    await redraw(query, task, tasks, actor, _("Done."))


async def on_postpone(query: CallbackQuery, callback_data: TaskCb, actor: User,
                      tasks: TaskService) -> None:
    task = await tasks.postpone(actor, callback_data.id, POSTPONE_DAYS[callback_data.action])
    await redraw(query, task, tasks, actor, _("Postponed."))
