"""Tasks and events: the /task flow, /today and /week, the task card (statuses, defer to a
date, assign to a colleague, comments) and the list of done and cancelled ones."""

from handlers.tasks.flow import start_task_flow
from handlers.tasks.router import create_router
from handlers.tasks.texts import task_line

__all__ = ["create_router", "start_task_flow", "task_line"]
