"""What tasks look like in the chat: a line (/today, /week), the card, the week."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta, tzinfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from services.tasks import WEEK_DAYS, Task, TaskCard, Week

KIND_NAMES = {"task": __("Task"), "meeting": __("Meeting"), "call": __("Call")}
KIND_ICONS = {"task": "📌", "meeting": "🤝", "call": "📞"}
STATUS_NAMES = {
    "planned": __("planned"), "not_started": __("not started"), "waiting": __("waiting"),
    "deferred": __("deferred"), "in_progress": __("in progress"), "done": __("done"),
    "held": __("held"), "not_held": __("not held"), "cancelled": __("cancelled"),
}
WEEKDAYS = (__("Mon"), __("Tue"), __("Wed"), __("Thu"), __("Fri"), __("Sat"), __("Sun"))
BUTTON_TITLE = 40
# /week lists at most this many (a Telegram message has room for about that many lines).
WEEK_LIMIT = 60


def day_label(day: date) -> str:
    """"Mon 07.12" in the user's language."""
    return f"{WEEKDAYS[day.weekday()]} {day.strftime('%d.%m')}"


def when_text(task: Task, zone: tzinfo, today: date | None = None) -> str:
    start = task.when
    if start is None:
        return "—"
    local = start.astimezone(zone)
    text = local.strftime("%H:%M") if today == local.date() else local.strftime("%d.%m %H:%M")
    if task.is_event and task.ends_at is not None:
        text += "–" + task.ends_at.astimezone(zone).strftime("%H:%M")
    return text


def status_text(task: Task, zone: tzinfo) -> str:
    if task.status == "deferred" and task.when is not None:
        return _("deferred until {day}").format(
            day=task.when.astimezone(zone).strftime("%d.%m"))
    return str(STATUS_NAMES.get(task.status, task.status))


def overdue_since(task: Task, zone: tzinfo, today: date) -> str | None:
    """"overdue since 03.12" for an open one due before `today` (in `zone`)."""
    if not task.is_open or task.when is None:
        return None
    due = task.when.astimezone(zone).date()
    if due >= today:
        return None
    return _("overdue since {day}").format(day=due.strftime("%d.%m"))


def task_line(task: Task, zone: tzinfo, now: datetime | None = None,
              today: date | None = None) -> str:
    icon = "✅" if not task.is_open else KIND_ICONS.get(task.kind, "•")
    if task.status == "cancelled":
        icon = "✖️"
    overdue = task.is_open and now is not None and task.when is not None and task.when < now
    mark = "⚠️ " if overdue else ""
    kind = str(KIND_NAMES.get(task.kind, task.kind))
    line = f"{icon} {mark}{kind}: {html.escape(task.title)} · {when_text(task, zone, today)}"
    line += f" ({status_text(task, zone)})"
    if task.remind_client:
        line += " 🔔"
    if today is not None and (late := overdue_since(task, zone, today)):
        line += f" ⚠️ {late}"
    return line


def card_text(card: TaskCard, zone: tzinfo) -> str:
    task = card.task
    icon = KIND_ICONS.get(task.kind, "•")
    kind = str(KIND_NAMES.get(task.kind, task.kind))
    lines = [f"{icon} {kind}: <b>{html.escape(task.title)}</b>"]
    when = when_text(task, zone)
    lines.append((_("Starts: {when}") if task.is_event else _("Due: {when}")).format(when=when))
    lines.append(_("Status: {status}").format(status=status_text(task, zone)))
    if card.client:
        lines.append(_("Client: {name}").format(name=html.escape(card.client)))
    lines.append(_("Responsible: {name}").format(name=html.escape(card.owner_name)))
    if card.creator_name:
        lines.append(_("Set by: {name}").format(name=html.escape(card.creator_name)))
    if card.slots:
        lines.append(_("Times offered to the client:"))
        lines += ["• " + s.starts_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
                  for s in card.slots]
    if card.comments:
        lines.append("")
        lines.append(_("Comments:"))
        for c in card.comments:
            at = c.created_at.astimezone(zone).strftime("%d.%m %H:%M")
            lines.append(f"{at} {html.escape(c.author_name)}: {html.escape(c.text)}")
    return "\n".join(lines)


def week_items(week: Week) -> list[tuple[date | None, Task]]:
    """Every task of the week with its day (None = overdue), in the order shown."""
    items: list[tuple[date | None, Task]] = [(None, t) for t in week.overdue]
    for day, tasks in week.days:
        items.extend((day, t) for t in tasks)
    return items[:WEEK_LIMIT]


def week_text(week: Week, zone: tzinfo) -> str:
    last = week.start + timedelta(days=WEEK_DAYS - 1)
    lines = [_("Week {start}–{end}: {count}").format(
        start=week.start.strftime("%d.%m"), end=last.strftime("%d.%m"), count=week.count)]
    group: date | bool | None = False
    for day, task in week_items(week):
        if day != group:
            group = day
            title = "⚠️ " + _("Overdue") if day is None else day_label(day)
            lines += ["", f"<b>{title}</b>"]
        lines.append(task_line(task, zone, today=day or week.start))
    if week.count > WEEK_LIMIT:
        lines += ["", _("…and {count} more.").format(count=week.count - WEEK_LIMIT)]
    return "\n".join(lines)


def item_label(task: Task, day: date | None, zone: tzinfo) -> str:
    """A button opening the task in a list: "⚠️ 18.11 Call Anna", "Fri 20.11 15:00 Call"."""
    title = task.title if len(task.title) <= BUTTON_TITLE else task.title[:BUTTON_TITLE - 1] + "…"
    local = task.when.astimezone(zone) if task.when else None
    if day is None:
        head = "⚠️ " + (local.strftime("%d.%m") if local else "—")
    else:
        head = day_label(day) + (local.strftime(" %H:%M") if local else "")
    return f"{head} {KIND_ICONS.get(task.kind, '•')} {title}"
