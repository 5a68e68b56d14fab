"""Tasks (a to-do with a due time) and events (a meeting or a call with a start and an end).

Invariants:
- times are stored in UTC; what a manager types ("25.11 15:00", "tomorrow 10:00",
  "завтра 10:00") is read in the manager's own time zone (users.timezone, else the default);
- a task's status is one of TASK_STATUSES, an event's one of EVENT_STATUSES;
- every read and write is scoped by the actor: another manager's task is NotFound (a task
  a manager set for a colleague stays in their reach: see services/tasks/team.py);
- a task's status change is audited "task.<new status>" (moving it: "task.deferred";
  reopening a done or cancelled one: "task.restore"), with its client and deal;
- "cancelled" archives a task: it leaves /today, /week and the deal card;
- a task created on a deal belongs to a deal the actor may see (else NotFound), and is linked
  to the deal's contact (a meeting's client reminders go to that person's Telegram); an event
  may be linked to a client (a company or a contact) of the actor's own only (`set_client`);
- a meeting reminded to the client has its reminders planned, moved or stopped in the same
  transaction as the change (`meetings`, the alerts feature wired by `bot/`);
- a meeting reminded to the client may carry up to SLOTS_MAX other times offered to the
  client (services/tasks/slots.py)."""

from services.tasks.model import (
    CANCELLED,
    CLOSED_STATUSES,
    DAY_WORDS,
    DEFAULT_EVENT_LENGTH,
    DEFAULT_HOUR,
    EVENT_STATUSES,
    SLOTS_MAX,
    TASK_STATUSES,
    TITLE_MAX,
    WEEK_DAYS,
    MeetingSlot,
    Task,
    TaskCard,
    TaskComment,
    TaskDraft,
    TaskKind,
    Today,
    Week,
    clean_comment,
    clean_title,
    next_work_day_at,
    parse_end,
    parse_when,
    zone_of,
)
from services.tasks.ports import (
    TaskCommentRepository,
    TaskDeal,
    TaskDeals,
    TaskRepository,
    TaskUnitOfWork,
)
from services.tasks.service import (
    TaskService,
)

__all__ = [
    "CANCELLED",
    "CLOSED_STATUSES",
    "DAY_WORDS",
    "DEFAULT_EVENT_LENGTH",
    "DEFAULT_HOUR",
    "EVENT_STATUSES",
    "SLOTS_MAX",
    "TASK_STATUSES",
    "TITLE_MAX",
    "WEEK_DAYS",
    "MeetingSlot",
    "Task",
    "TaskCard",
    "TaskComment",
    "TaskCommentRepository",
    "TaskDeal",
    "TaskDeals",
    "TaskDraft",
    "TaskKind",
    "TaskRepository",
    "TaskService",
    "TaskUnitOfWork",
    "Today",
    "Week",
    "clean_comment",
    "clean_title",
    "next_work_day_at",
    "parse_end",
    "parse_when",
    "zone_of",
]
