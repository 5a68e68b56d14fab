"""What a colleague is told about a task (outbox rows written with the change, rendered in
the recipient's language by handlers/notices.py)."""

from __future__ import annotations

from datetime import datetime

from services.notices import TASK_ASSIGNED, TASK_COMMENT, notice
from services.outbox import NewOutboxMessage
from services.tasks.model import Task
from services.users import Actor, User


def _who(actor: Actor) -> str:
    return actor.full_name or str(actor.telegram_id)


def assigned_notice(actor: Actor, task: Task, target: User, now: datetime,
                    default_timezone: str) -> NewOutboxMessage:
    """The assignee is told, with a button to open the task. Keyed by this assignment (the
    task, the assignee, when)."""
    when = task.when
    return notice(
        f"task{task.id}:assign:to{target.id}:{now.isoformat()}:chat{target.telegram_id}",
        TASK_ASSIGNED, target.telegram_id, now, target.language,
        {"task_id": task.id, "title": task.title, "kind": task.kind, "who": _who(actor),
         "when": when.isoformat() if when else None,
         "tz": target.timezone or default_timezone},
        recipient_user_id=target.id)


def comment_notice(actor: Actor, task: Task, comment_id: int, text: str, recipient: User,
                   now: datetime) -> NewOutboxMessage:
    """The other party of a task (its owner or the one who set it) is told of a comment."""
    return notice(
        f"task{task.id}:comment{comment_id}:chat{recipient.telegram_id}",
        TASK_COMMENT, recipient.telegram_id, now, recipient.language,
        {"task_id": task.id, "title": task.title, "who": _who(actor), "text": text},
        recipient_user_id=recipient.id)
