"""Reminders and alerts as use cases: what goes into the outbox, for whom, and when.

The scheduler in `bot/` is only a clock: every job here takes `now` and looks at our tables,
and everything it decides to send is written to the outbox with an idempotency key, so a job
that runs twice, or after a restart, never doubles a message:

* customer payment reminders: the invoice's ladder (the organization's, else -3, 0, +1, +7,
  +14 days) at 10:00 in the customer's time zone, moved out of quiet hours (21:00-09:00 and
  weekends), keys `inv:{invoice}:step:{offset}:{due date}...` (`services.reminders`);
  installments get the ladder on their own due dates;
* a paid, cancelled, paused ("I've paid") or stopped invoice has no pending reminder left
  (`replan_invoice` cancels them) and, should one still be claimed, the sender finds the
  invoice closed at send time and cancels the row instead of sending it;
* staff alerts: the morning digest at each person's hour local, 09:00 unless set
  (`digest:{user}:{local date}`; its items read at send time, none: no digest, `digest`), an
  invoice
  that became overdue (`overdue:{invoice}`), an installment due (10:00 local on its date,
  `installment:{installment}:due`), a guarantee letter's promised date passed unpaid (10:00
  local the day after, `guarantee:{shipment}:{date}`), a contract ending in 30 / 7 / 1 days
  (at the owner's digest hour local, `contract:{contract}:{days}d`), a task due
  (`task:{task}:{due time}`), a quote expired (`QuoteService.expire_due`: the manager and
  the customer's bound chat, `quote:{quote}:expired:{valid until}...`);
* meetings with "remind the client": 24 h and 2 h before into the client's chat (the
  meeting's contact, else its company's contact bound to Telegram), with Confirm /
  Reschedule (a time the manager offered, or a wish typed) / Cancel (`meeting_answers`);
* report pushes (`report_pushes`): heads' weekly report Monday 09:00 local
  (`report:weekly:{user}:{monday}`), admins' monthly one the 1st 09:00 local
  (`report:monthly:{user}:{yyyy-mm}`), never to a user who turned it off.

Nothing is missed across downtime. The alerts job (and the quote job) keeps a watermark in the
database, the moment of its last successful run, and handles everything due in
(watermark, now], advancing the watermark in the same transaction as the rows it enqueues. A
bot that was down sends each alert once, late, instead of never; a first run (no watermark)
looks back `FIRST_RUN_LOOKBACK` only, so a fresh install does not alert on ancient history.
Late messages are still checked at send time (`compose`): a task done or moved, an
installment or a guarantee letter paid, a quote reopened, a meeting moved or already started
cancels the row; a contract alert is told with the days left at send time. Where a newer
message says the same, only the newer goes: of a meeting's reminders the latest one due (the
24 h one is dropped once the 2 h one is due too), of a contract's steps the current one (a
contract that ended while the bot was down is told "ended"). The morning digest is sent late
only within `DIGEST_GRACE` of its hour: a stale digest is dropped, the next morning brings a
fresh one. Each person turns each alert kind off and on (`settings`, ALERT_KINDS): a kind
turned off is not enqueued for them, and one enqueued before is cancelled at send time. A
report push is sent late until the next one of its kind is due (the figures are of a closed
week or month); only the latest occasion is enqueued, and an opt-out pressed after the
enqueue cancels the row at send time.

Each staff alert's buttons name its own outbox row (`alert_buttons`): "remind the customer now"
is one more customer reminder keyed by that row (`alert:{row}:remind`), refused for an invoice
paid or closed since; the call task and the renewal deal are made by `services.alert_actions`.

Every moment is UTC; local wall time is used only to decide when in the reader's day.
Every read and write of a manager is scoped by `owner_scope()`: another manager's reminder is
NotFound.
"""

from __future__ import annotations

from services.alerts.alert_buttons import AlertButtons, AlertInvoice, remind_key
from services.alerts.composing import Composing
from services.alerts.customer_answers import CustomerAnswers, _answer_notice
from services.alerts.digest import Digests, arrange, digest_window, page_of
from services.alerts.invoice_reminders import (
    InvoiceReminders,
    customer_channel,
    invoice_messages,
    ladder_days,
    ladder_of,
    replan_invoice,
)
from services.alerts.meeting_answers import MeetingAnswers, clean_wish, meeting_mark
from services.alerts.meetings import MeetingReminders, meeting_lead, meeting_messages
from services.alerts.model import (
    ALERT_KINDS,
    ALERTS_JOB,
    BECOME_OVERDUE,
    CALL_ALERT_KINDS,
    CONTRACT_STEPS,
    COUNTRY_TIMEZONES,
    CUSTOMER_PAID_ACTION,
    DIGEST_GRACE,
    DIGEST_HOURS,
    DIGEST_PAGE,
    FIRST_RUN_LOOKBACK,
    INVOICE_KINDS,
    MEETING_ANSWERS,
    MEETING_KINDS_PREFIX,
    OPEN_INVOICE_STATUSES,
    QUOTES_JOB,
    REMIND_ALERT_KINDS,
    REPORT_PUSH_HOUR,
    REPORT_PUSH_KINDS,
    SNOOZE,
    TASK_LOOKAHEAD,
    UPCOMING_LIMIT,
    WISH_MAX,
    AlertConfig,
    AlertSettings,
    Composed,
    ContractEnding,
    CustomerAnswer,
    DigestItem,
    DigestPage,
    DigestSection,
    GuaranteeDue,
    InstallmentDue,
    InvoiceTarget,
    MeetingTarget,
    OutboxHealth,
    OutboxRowInfo,
    OverdueInvoice,
    QuoteExpiry,
    StaffMember,
    TaskDue,
    Upcoming,
    zone_name,
)
from services.alerts.outbox_health import OutboxHealthChecks
from services.alerts.ports import (
    AlertRepos,
    AlertRepository,
    AlertUnitOfWork,
    AlertUowFactory,
    ReportFigures,
    WaitingPayments,
)
from services.alerts.quote_expiry import quote_expires_at, quote_expiry_messages
from services.alerts.reminder_controls import ReminderControls
from services.alerts.report_pushes import latest_occasion, next_occasion, occasion_key
from services.alerts.service import AlertService
from services.alerts.settings import AlertSettingsService, parse_hour
from services.alerts.staff_alerts import StaffAlerts, _staff_message, contract_step, job_since

__all__ = [
    "ALERTS_JOB",
    "ALERT_KINDS",
    "BECOME_OVERDUE",
    "CALL_ALERT_KINDS",
    "CONTRACT_STEPS",
    "COUNTRY_TIMEZONES",
    "CUSTOMER_PAID_ACTION",
    "DIGEST_GRACE",
    "DIGEST_HOURS",
    "DIGEST_PAGE",
    "FIRST_RUN_LOOKBACK",
    "INVOICE_KINDS",
    "MEETING_ANSWERS",
    "MEETING_KINDS_PREFIX",
    "OPEN_INVOICE_STATUSES",
    "QUOTES_JOB",
    "REMIND_ALERT_KINDS",
    "REPORT_PUSH_HOUR",
    "REPORT_PUSH_KINDS",
    "SNOOZE",
    "TASK_LOOKAHEAD",
    "UPCOMING_LIMIT",
    "WISH_MAX",
    "AlertButtons",
    "AlertConfig",
    "AlertInvoice",
    "AlertRepos",
    "AlertRepository",
    "AlertService",
    "AlertSettings",
    "AlertSettingsService",
    "AlertUnitOfWork",
    "AlertUowFactory",
    "Composed",
    "Composing",
    "ContractEnding",
    "CustomerAnswer",
    "CustomerAnswers",
    "DigestItem",
    "DigestPage",
    "DigestSection",
    "Digests",
    "GuaranteeDue",
    "InstallmentDue",
    "InvoiceReminders",
    "InvoiceTarget",
    "MeetingAnswers",
    "MeetingReminders",
    "MeetingTarget",
    "OutboxHealth",
    "OutboxHealthChecks",
    "OutboxRowInfo",
    "OverdueInvoice",
    "QuoteExpiry",
    "ReminderControls",
    "ReportFigures",
    "StaffAlerts",
    "StaffMember",
    "TaskDue",
    "Upcoming",
    "WaitingPayments",
    "_answer_notice",
    "_staff_message",
    "arrange",
    "clean_wish",
    "contract_step",
    "customer_channel",
    "digest_window",
    "invoice_messages",
    "job_since",
    "ladder_days",
    "ladder_of",
    "latest_occasion",
    "meeting_lead",
    "meeting_mark",
    "meeting_messages",
    "next_occasion",
    "occasion_key",
    "page_of",
    "parse_hour",
    "quote_expires_at",
    "quote_expiry_messages",
    "remind_key",
    "replan_invoice",
    "zone_name",
]
