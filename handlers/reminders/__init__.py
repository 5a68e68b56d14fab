"""Reminders: `/reminders` (the next planned customer reminders with snooze / skip / stop),
`/clienttz` (a client's time zone), admins' `/outbox` health, and the buttons customers press
on a reminder ("I've paid", a meeting's Confirm / Reschedule), whose answer reaches the
manager; the morning digest's pages and `/alerts` (each person's alert settings). Also the
texts and keyboards of the messages the outbox sends (`bot/outbox_sender`).

callbacks.py, keyboards.py, texts.py (render: the outbox's messages), digest.py (the morning
digest), settings.py (/alerts), router.py."""

from handlers.reminders.digest import render_digest
from handlers.reminders.router import create_router
from handlers.reminders.texts import lang_of, render, stalled_text

__all__ = ["create_router", "lang_of", "render", "render_digest", "stalled_text"]
