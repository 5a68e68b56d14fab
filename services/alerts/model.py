"""The alerts' values: constants, the configuration, what the queries return and what the
sender renders (frozen dataclasses), and `zone_name`, the configured time zone rule every use
case shares."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from services.money import open_minor
from services.outbox import OutboxStats
from services.reminders import (
    DEFAULT_SEND_HOUR,
    InstallmentForReminders,
    QuietHours,
    ReminderConfigError,
    validate_timezone,
)

logger = logging.getLogger(__name__)

OPEN_INVOICE_STATUSES: tuple[str, ...] = ("issued", "sent", "viewed", "partially_paid", "overdue")
# Not yet overdue: these become "overdue" the day after the due date.
BECOME_OVERDUE: tuple[str, ...] = ("issued", "sent", "viewed", "partially_paid")
COUNTRY_TIMEZONES = {
    "RU": "Europe/Moscow",
    "BY": "Europe/Minsk",
    "MD": "Europe/Chisinau",
    "RO": "Europe/Bucharest",
}
CONTRACT_STEPS: tuple[int, ...] = (30, 7, 1)
# A digest not sent within this long after its hour (the bot was down) is not worth sending:
# the day is under way (09:00 -> by noon).
DIGEST_GRACE = timedelta(hours=3)
# The hours a person may choose for the digest, local. It lists the day's work ("due today",
# "meetings today") and is sent late only within DIGEST_GRACE, so its whole window must lie
# in the day it speaks of: from 20:00 the window ends by 23:00 (midnight even on the night a
# clock moves by an hour), while at 22:00 or 23:00 it would cross midnight, where the minute
# job, which looks for today's digest, would never send a late one and a timely one would
# list a day already over. Before 05:00 it would wake the person for a day not yet begun.
# An hour stored before this rule reads as the nearest allowed one (`digest_hour`).
DIGEST_HOURS = range(5, 21)
# The alert kinds a person turns on and off (`report_optouts` rows): the outbox kind -> the
# opt-out kind. The report pushes (REPORT_PUSH_KINDS) are switched in the same table.
ALERT_KINDS = {
    "digest": "digest",
    "overdue_alert": "overdue",
    "installment_alert": "installment",
    "guarantee_alert": "guarantee",
    "contract_alert": "contract",
    "task_alert": "task",
}
# Tasks and meeting reminders are enqueued this long before their moment, so the drain (every
# few seconds) sends them on time rather than at the next run of the minute job.
TASK_LOOKAHEAD = timedelta(minutes=10)
FIRST_RUN_LOOKBACK = timedelta(days=1)
ALERTS_JOB = "alerts"
QUOTES_JOB = "quotes"
SNOOZE = timedelta(days=1)
UPCOMING_LIMIT = 10
# The morning digest's screenful: this many items (each a line and a button), then "More".
DIGEST_PAGE = 8
INVOICE_KINDS = frozenset(
    {
        "invoice_due_soon",
        "invoice_due_today",
        "invoice_overdue",
        "installment_due_soon",
        "installment_due_today",
        "installment_overdue",
    }
)
MEETING_KINDS_PREFIX = "meeting_"
CUSTOMER_PAID_ACTION = "invoice.customer_paid"
# What a client answers to a meeting reminder (the manager's notice says which): confirmed,
# cancelled, moved to a time the manager offered, or a wish for another time typed.
MEETING_ANSWERS = ("confirm", "cancel", "moved", "wish")
# A typed wish for another meeting time, at most this many characters.
WISH_MAX = 1000
# The report pushes (services/alerts/report_pushes.py): outbox kind -> the opt-out kind.
REPORT_PUSH_KINDS = {"report_weekly": "weekly", "report_monthly": "monthly"}
REPORT_PUSH_HOUR = time(9)
# The staff alerts whose buttons act on their invoice (services/alerts/alert_buttons.py).
REMIND_ALERT_KINDS = frozenset({"overdue_alert", "installment_alert"})
CALL_ALERT_KINDS = frozenset({"overdue_alert", "guarantee_alert"})


# --- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertConfig:
    default_timezone: str = "Europe/Moscow"
    quiet: QuietHours = field(default_factory=QuietHours)
    send_hour: time = DEFAULT_SEND_HOUR
    # A planned reminder whose moment passed less than this long ago is still enqueued
    # (an invoice issued at 10:30 gets its 10:00 "due today"); older ones are stale.
    late_grace: timedelta = timedelta(hours=6)


@dataclass(frozen=True)
class InvoiceTarget:
    """An invoice as its reminders need it: the money, the ladder and where the customer is."""

    invoice_id: int
    owner_id: int
    status: str
    due_date: date | None
    number: str
    currency: str
    total_minor: int
    paid_minor: int
    reminders_paused: bool
    reminders_stopped: bool
    ladder: list[Any] | None
    country: str | None
    chat_id: int | None
    chat_dead: bool
    email: str | None
    timezone: str | None
    language: str | None
    company_name: str = ""
    installments: tuple[InstallmentForReminders, ...] = ()
    credited_minor: int = 0
    company_id: int | None = None

    @property
    def remaining_minor(self) -> int:
        return open_minor(self.total_minor, self.paid_minor, self.credited_minor)

    @property
    def is_open(self) -> bool:
        return (
            self.status in OPEN_INVOICE_STATUSES
            and not self.reminders_paused
            and not self.reminders_stopped
        )


@dataclass(frozen=True)
class StaffMember:
    id: int
    telegram_id: int
    role: str
    timezone: str | None
    language: str | None
    chat_dead: bool = False
    digest_hour: int | None = None  # the local hour of the morning digest; None: DIGEST_HOUR


@dataclass(frozen=True)
class OverdueInvoice:
    invoice_id: int
    owner_id: int
    number: str
    due_date: date
    currency: str
    remaining_minor: int
    company_name: str


@dataclass(frozen=True)
class InstallmentDue:
    installment_id: int
    invoice_id: int
    owner_id: int
    number: str
    due_date: date
    currency: str
    remaining_minor: int


@dataclass(frozen=True)
class GuaranteeDue:
    """A shipment on credit whose guarantee letter promised payment by `promised`, of an
    invoice still not paid in full."""

    shipment_id: int
    invoice_id: int
    owner_id: int
    number: str
    promised: date
    currency: str
    remaining_minor: int
    company_name: str


@dataclass(frozen=True)
class QuoteExpiry:
    """A sent quote past its validity date, and where its customer is (the quote's contact
    bound to Telegram, else a contact of its company bound to Telegram)."""

    quote_id: int
    owner_id: int
    number: str
    valid_until: date
    company_name: str
    chat_id: int | None
    chat_dead: bool
    language: str | None
    timezone: str | None
    country: str | None


@dataclass(frozen=True)
class ContractEnding:
    contract_id: int
    owner_id: int
    title: str
    number: str | None
    ends_on: date


@dataclass(frozen=True)
class TaskDue:
    task_id: int
    owner_id: int
    title: str
    due_at: datetime


@dataclass(frozen=True)
class MeetingTarget:
    """A meeting reminded to the client, and where the client is: the meeting's contact, else
    a contact of its company bound to Telegram (the primary one first). `slots`: the times
    the manager offers, future ones only, when the client asked to reschedule."""

    task_id: int
    owner_id: int
    title: str
    status: str
    starts_at: datetime
    chat_id: int | None
    timezone: str | None
    language: str | None
    contact_name: str = ""
    ends_at: datetime | None = None
    company_id: int | None = None
    deal_id: int | None = None
    slots: tuple[tuple[int, datetime], ...] = ()


class DigestSection(StrEnum):
    """The morning digest's groups, in the order it shows them."""

    PAID = "paid"  # money in yesterday: an allocation to an invoice
    OVERDUE = "overdue"  # an open invoice past its due date
    DUE = "due"  # an open invoice due today
    TASKS = "tasks"  # an open task due today or overdue
    EVENTS = "events"  # a meeting or a call today
    REVIEW = "review"  # a payment waiting for the reader's decision


@dataclass(frozen=True)
class DigestItem:
    """One line of the morning digest and what its button opens: the invoice (PAID, OVERDUE,
    DUE), the task or event (TASKS, EVENTS) or the payment's review (REVIEW), by `ref_id`.
    `owner_id` / `owner_name`: whose it is (a head's digest groups by it); None for a payment
    waiting for review, which is the team's until someone decides."""

    section: DigestSection
    ref_id: int
    title: str  # the invoice's number, the task's title, the payer
    owner_id: int | None = None
    owner_name: str = ""
    company: str = ""
    amount_minor: int = 0
    currency: str = ""
    day: date | None = None  # the due date; the day a payment was received
    at: datetime | None = None  # a task's due time, an event's start
    kind: str = ""  # task | meeting | call


@dataclass(frozen=True)
class DigestPage:
    """A screenful of the digest of `day` (the reader's local day): the items of page `page`
    (from 0) of `pages`, numbered from `first`; `team`: grouped per manager (a head's or an
    admin's digest)."""

    day: date
    items: tuple[DigestItem, ...]
    page: int
    pages: int
    total: int
    team: bool
    timezone: str

    @property
    def first(self) -> int:
        return self.page * DIGEST_PAGE + 1


@dataclass(frozen=True)
class AlertSettings:
    """A person's alert settings: the digest's local hour, the alert kinds turned off
    (ALERT_KINDS' values) and the report pushes they get (and which of them are off)."""

    digest_hour: int
    off: frozenset[str]
    reports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Upcoming:
    """A pending customer reminder as `/reminders` shows it."""

    outbox_id: int
    invoice_id: int
    number: str
    kind: str
    step: int | None
    due_at: datetime
    channel: str
    company_name: str
    timezone: str = "UTC"


@dataclass(frozen=True)
class OutboxRowInfo:
    """An outbox row as its buttons need it: `owner_id` is its invoice's owner (a customer
    reminder's); `kind` and `payload` say what a staff alert was about (its buttons)."""

    outbox_id: int
    status: str
    invoice_id: int | None
    owner_id: int | None
    due_at: datetime
    kind: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxHealth:
    stats: OutboxStats
    last_drain_at: datetime | None
    drain_late: bool


@dataclass(frozen=True)
class CustomerAnswer:
    """Something a customer pressed on a reminder; the handler tells the manager."""

    manager: StaffMember
    subject_id: int
    title: str
    answer: str


@dataclass(frozen=True)
class Composed:
    """What the sender renders for a claimed row; `facts` depend on the kind."""

    kind: str
    language: str | None
    timezone: str
    facts: Any = None


# --- pure rules ------------------------------------------------------------------------------


def zone_name(config: AlertConfig, *candidates: str | None) -> str:
    """The first valid IANA zone among `candidates` (a contact's, a company's, the country's),
    else the configured default. A bad stored zone is skipped, never a crash."""
    for name in candidates:
        if not name:
            continue
        try:
            validate_timezone(name)
        except ReminderConfigError:
            logger.warning("unknown stored time zone %r skipped", name)
            continue
        return name
    return config.default_timezone
