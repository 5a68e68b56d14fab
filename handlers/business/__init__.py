"""Telegram Business: Dealchat inside the manager's own Telegram (issue 20). The connection,
the business chat's messages, edits and deletions, /business, and the push about someone new
with "Make a lead" and "Exclude this chat".

callbacks.py, texts.py, keyboards.py (pure), parse.py (a business message in), router.py
(create_router; one handler per update kind and per button)."""

from handlers.business.keyboards import new_chat_keyboard
from handlers.business.router import create_router
from handlers.business.texts import new_chat_text

__all__ = ["create_router", "new_chat_keyboard", "new_chat_text"]
