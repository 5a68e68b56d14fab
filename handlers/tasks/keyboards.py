"""The tasks feature's keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.tasks.callbacks import (
    Card,
    TaskAction,
    TaskCardCb,
    TaskCb,
    TaskFlowAction,
    TaskFlowCb,
)
from handlers.tasks.texts import KIND_NAMES
from services.tasks import Task, TaskCard
from services.users import User


def task_keyboard(task: Task) -> InlineKeyboardMarkup | None:
    """A /today line: Done, +1 day, +1 week, and Open (the card with every action)."""
    if not task.is_open:
        return None
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Done"), callback_data=TaskCb(action=TaskAction.DONE, id=task.id))
    kb.button(text=_("+1 day"), callback_data=TaskCb(action=TaskAction.DAY, id=task.id))
    kb.button(text=_("+1 week"), callback_data=TaskCb(action=TaskAction.WEEK, id=task.id))
    kb.button(text=_("Open"), callback_data=TaskCardCb(action=Card.OPEN, id=task.id))
    kb.adjust(3, 1)
    return kb.as_markup()


def card_keyboard(card: TaskCard, zone: tzinfo) -> InlineKeyboardMarkup:
    """The card's actions; a meeting reminded to the client also offers it other times and
    takes back each one offered (labelled with its time in the reader's `zone`)."""
    task = card.task
    kb = InlineKeyboardBuilder()

    def add(text: str, action: Card) -> None:
        kb.button(text=text, callback_data=TaskCardCb(action=action, id=task.id))

    if not task.is_open:
        add(_("Restore"), Card.RESTORE)
        add(_("Comment"), Card.COMMENT)
        kb.adjust(2)
        return kb.as_markup()
    add(_("Done"), Card.DONE)
    rows = [1]
    if not task.is_event:
        marks = [(_("In progress"), Card.PROGRESS, "in_progress"),
                 (_("Waiting for an answer"), Card.WAITING, "waiting")]
        for text, action, status in marks:
            if task.status != status:
                add(text, action)
                rows[0] += 1
    add(_("+1 day"), Card.DAY)
    add(_("+1 week"), Card.WEEK)
    add(_("Defer to a date"), Card.DEFER)
    add(_("Assign"), Card.ASSIGN)
    add(_("Comment"), Card.COMMENT)
    add(_("Cancel task"), Card.CANCEL)
    rows += [3, 3]
    if task.is_event:
        add(_("Client"), Card.CLIENT)
        rows.append(1)
    if card.can_offer:
        add(_("Offer times"), Card.OFFER)
        rows.append(1)
    for slot in card.slots if task.is_open else ():
        when = slot.starts_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
        kb.button(text=f"✖ {when}",
                  callback_data=TaskCardCb(action=Card.UNOFFER, id=task.id, to=slot.id))
        rows.append(1)
    kb.adjust(*rows)
    return kb.as_markup()


def open_keyboard(items: Sequence[tuple[str, Task]], closed_button: bool = False
                  ) -> InlineKeyboardMarkup | None:
    """One button per task (its label given), and the filter of the done and cancelled."""
    kb = InlineKeyboardBuilder()
    for label, task in items:
        kb.button(text=label, callback_data=TaskCardCb(action=Card.OPEN, id=task.id))
    if closed_button:
        kb.button(text=_("Done and cancelled"), callback_data=TaskCardCb(action=Card.CLOSED,
                                                                         id=0))
    kb.adjust(1)
    return kb.as_markup() if items or closed_button else None


def assign_keyboard(task: Task, staff: Sequence[User]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for user in staff:
        kb.button(text=user.full_name or str(user.telegram_id),
                  callback_data=TaskCardCb(action=Card.ASSIGN_TO, id=task.id, to=user.id))
    kb.adjust(2)
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
