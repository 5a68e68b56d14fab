"""Mail: the pushes of e-mails to the company mailbox (Make a lead, Reply, Open client, Make
a task, «It is theirs» for an unverified sender) and the reply step.

callbacks.py (MailCb, the reply state), texts.py, keyboards.py, router.py (create_router)."""

from handlers.mail.keyboards import push_keyboard
from handlers.mail.router import create_router
from handlers.mail.texts import mailbox_down_text, push_text, reply_failed_text

__all__ = ["create_router", "mailbox_down_text", "push_keyboard", "push_text",
           "reply_failed_text"]
