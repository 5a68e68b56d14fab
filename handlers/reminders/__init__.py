"""Reminders: `/reminders` (the next planned customer reminders with snooze / skip / stop),
`/clienttz` (a client's time zone), admins' `/outbox` health, and the buttons customers press
on a reminder ("I've paid", a meeting's Confirm / Reschedule), whose answer reaches the
manager. Also the texts and keyboards of the messages the outbox sends (`bot/outbox_sender`).

callbacks.py, keyboards.py, texts.py (render: the outbox's messages), router.py."""

from handlers.reminders.router import create_router
from handlers.reminders.texts import lang_of, render, stalled_text

__all__ = ["create_router", "lang_of", "render", "stalled_text"]
