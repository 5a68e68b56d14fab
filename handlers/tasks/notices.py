"""The task notices the outbox sender renders (services/tasks/notices.py builds them), in
the recipient's language, with a button that opens the task."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.tasks.callbacks import Card, TaskCardCb
from handlers.tasks.texts import KIND_ICONS
from services.tasks import zone_of


def _open(task_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open task"), callback_data=TaskCardCb(action=Card.OPEN, id=task_id))
    return kb.as_markup()


def task_assigned(p: Mapping[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    title = html.escape(str(p.get("title") or ""))
    icon = KIND_ICONS.get(str(p.get("kind")), "📌")
    text = _("{who} assigned you a task:").format(who=html.escape(str(p.get("who") or "")))
    text += f"\n{icon} <b>{title}</b>"
    if when := p.get("when"):
        local = datetime.fromisoformat(str(when)).astimezone(zone_of(p.get("tz"), "UTC"))
        label = _("Due: {when}") if p.get("kind") in (None, "task") else _("Starts: {when}")
        text += "\n" + label.format(when=local.strftime("%d.%m %H:%M"))
    return text, _open(int(p["task_id"]))


def meeting_answer(p: Mapping[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the client answered to a meeting reminder (services/alerts/meeting_answers.py),
    the times in the manager's zone, with a button to open the meeting."""
    zone = zone_of(p.get("tz"), "UTC")

    def at(key: str) -> str:
        value = p.get(key)
        if not value:
            return "—"
        return datetime.fromisoformat(str(value)).astimezone(zone).strftime("%d.%m.%Y %H:%M")

    who = html.escape(str(p.get("customer") or ""))
    title = html.escape(str(p.get("title") or ""))
    answer = p.get("answer")
    if answer == "confirm":
        text = _("{who} confirmed the meeting «{title}» on {when}.").format(
            who=who, title=title, when=at("when"))
    elif answer == "cancel":
        text = _("{who} cancelled the meeting «{title}» on {when}. It is marked cancelled and "
                 "its reminders stopped.").format(who=who, title=title, when=at("when"))
    elif answer == "moved":
        text = _("{who} moved the meeting «{title}» to {when} (it was {was}), one of the times "
                 "you offered.").format(who=who, title=title, when=at("when"), was=at("was"))
    else:
        text = _("{who} asks to move the meeting «{title}» on {when} to another time:").format(
            who=who, title=title, when=at("when"))
        text += "\n\n" + html.escape(str(p.get("text") or ""))
    return text, _open(int(p["task_id"]))


def task_comment(p: Mapping[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    heading = _("{who} commented on the task «{title}»:").format(
        who=html.escape(str(p.get("who") or "")), title=html.escape(str(p.get("title") or "")))
    return heading + "\n\n" + html.escape(str(p.get("text") or "")), _open(int(p["task_id"]))
