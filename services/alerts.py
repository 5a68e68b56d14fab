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
* staff alerts: the morning digest at 09:00 local (`digest:{user}:{local date}`), an invoice
  that became overdue (`overdue:{invoice}`), an installment due (10:00 local on its date,
  `installment:{installment}:due`), a guarantee letter's promised date passed unpaid (10:00
  local the day after, `guarantee:{shipment}:{date}`), a contract ending in 30 / 7 / 1 days
  (09:00 local, `contract:{contract}:{days}d`), a task due (`task:{task}:{due time}`), a
  quote expired (`QuoteService.expire_due`: the manager and the customer's bound chat,
  `quote:{quote}:expired:{valid until}...`);
* meetings with "remind the client": 24 h and 2 h before, with Confirm / Reschedule buttons.

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
only until noon local of its day (`DIGEST_LATEST`): a stale digest is dropped, the next
morning brings a fresh one.

Every moment is UTC; local wall time is used only to decide when in the reader's day.
Every read and write of a manager is scoped by `owner_scope()`: another manager's reminder is
NotFound.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from services.clock import Clock
from services.errors import Forbidden, InvalidInput, NotFound
from services.notices import REMINDER_ANSWER, notice
from services.outbox import (
    NewOutboxMessage,
    OutboxItem,
    OutboxRepository,
    OutboxStats,
    reminder_messages,
)
from services.reminders import (
    DEFAULT_SEND_HOUR,
    DIGEST_HOUR,
    MEETING_OFFSETS,
    InstallmentForReminders,
    InvoiceForReminders,
    Ladder,
    QuietHours,
    ReminderConfigError,
    local_to_utc,
    next_allowed,
    plan_invoice_reminders,
    plan_meeting_reminders,
    validate_timezone,
)
from services.users import Actor, Role

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
DIGEST_LATEST = time(12)  # a digest not sent by noon (the bot was down) is not worth sending
STALE_DEAL_DAYS = 14
# Tasks and meeting reminders are enqueued this long before their moment, so the drain (every
# few seconds) sends them on time rather than at the next run of the minute job.
TASK_LOOKAHEAD = timedelta(minutes=10)
FIRST_RUN_LOOKBACK = timedelta(days=1)
ALERTS_JOB = "alerts"
QUOTES_JOB = "quotes"
SNOOZE = timedelta(days=1)
UPCOMING_LIMIT = 10
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
MEETING_ANSWERS = ("confirm", "reschedule")


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

    @property
    def remaining_minor(self) -> int:
        return max(self.total_minor - self.paid_minor, 0)

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
    task_id: int
    owner_id: int
    title: str
    status: str
    starts_at: datetime
    chat_id: int | None
    timezone: str | None
    language: str | None
    contact_name: str = ""


@dataclass(frozen=True)
class DigestFacts:
    tasks_today: int
    tasks_overdue: int
    invoices_due_today: int
    invoices_overdue: int
    overdue_minor: dict[str, int]
    stale_deals: int
    contracts_ending: int


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
    outbox_id: int
    status: str
    invoice_id: int | None
    owner_id: int | None
    due_at: datetime


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


# --- ports -----------------------------------------------------------------------------------


class AlertRepository(Protocol):
    """The reminder and alert queries (`storage/alerts.py`); runs in the caller's transaction."""

    async def invoice_target(self, invoice_id: int) -> InvoiceTarget | None: ...

    async def invoices_due_on(self, days: Sequence[date], after_id: int, limit: int) -> list[int]:
        """Ids of open invoices (not paused nor stopped) whose due date is one of `days`,
        by id after `after_id`: a lookup of `ix_invoices_status_due` per (status, day)."""
        ...

    async def installment_invoices_due_on(self, days: Sequence[date]) -> list[int]: ...
    async def organization_ladders(self) -> list[list[Any]]: ...
    async def paused_with_new_payment(self) -> list[int]:
        """Invoices paused by the customer's "I've paid" that got a payment since."""
        ...

    async def set_invoice_flags(self, invoice_id: int, **flags: bool) -> None: ...
    async def newly_overdue(self, today: date, limit: int) -> list[OverdueInvoice]: ...
    async def mark_overdue(self, invoice_ids: Sequence[int]) -> None: ...
    async def staff(self) -> list[StaffMember]: ...
    async def user(self, user_id: int) -> StaffMember | None: ...
    async def admins(self) -> list[StaffMember]: ...
    async def watermark(self, job: str) -> datetime | None:
        """The moment the job last ran successfully; None before its first run."""
        ...

    async def set_watermark(self, job: str, at: datetime) -> None:
        """Moves the job's watermark to `at`, never backwards (two processes may race)."""
        ...

    async def installments_due(self, start: date, end: date) -> list[InstallmentDue]:
        """Open installments of open invoices due in [start, end]."""
        ...

    async def installment(self, installment_id: int) -> InstallmentDue | None:
        """The installment while it is open and its invoice open; else None."""
        ...

    async def guarantees_due(self, start: date, end: date) -> list[GuaranteeDue]:
        """Guarantee letters promising payment in [start, end] of invoices still unpaid."""
        ...

    async def guarantee(self, shipment_id: int) -> GuaranteeDue | None:
        """The guarantee letter while its invoice is open and not paid in full; else None."""
        ...

    async def quotes_past_validity(self, before: date) -> list[QuoteExpiry]:
        """Sent quotes whose validity date is before `before`."""
        ...

    async def quote_state(self, quote_id: int) -> tuple[str, date | None] | None:
        """The quote's status and validity date; None when it does not exist."""
        ...

    async def contracts_ending(self, start: date, end: date) -> list[ContractEnding]: ...
    async def contract(self, contract_id: int) -> ContractEnding | None: ...
    async def tasks_due(self, start: datetime, end: datetime) -> list[TaskDue]:
        """Open tasks (kind "task") due in [start, end)."""
        ...

    async def task(self, task_id: int) -> TaskDue | None:
        """The task while it is open (kind "task"); else None."""
        ...

    async def meetings_between(self, start: datetime, end: datetime) -> list[MeetingTarget]: ...
    async def meeting(self, task_id: int) -> MeetingTarget | None: ...
    async def digest(
        self,
        owner_id: int,
        day_start: datetime,
        day_end: datetime,
        today: date,
        stale_before: datetime,
    ) -> DigestFacts: ...
    async def upcoming(
        self, owner_id: int | None, now: datetime, limit: int
    ) -> list[Upcoming]: ...
    async def outbox_row(self, outbox_id: int) -> OutboxRowInfo | None: ...
    async def reschedule_row(self, outbox_id: int, due_at: datetime) -> bool: ...
    async def set_row_status(self, outbox_id: int, status: str, expect: Sequence[str]) -> bool: ...
    async def revive(self, keys: Sequence[str], now: datetime) -> int:
        """Pending again: rows with these keys that were cancelled (a resumed invoice)."""
        ...

    async def mark_chat_dead(self, telegram_id: int) -> None: ...
    async def company_for_timezone(self, company_id: int, owner_id: int | None) -> str | None:
        """The company's name, None when absent or not owned."""
        ...

    async def set_company_timezone(self, company_id: int, timezone: str) -> None: ...
    async def clients(self, owner_id: int | None, limit: int) -> list[tuple[int, str]]: ...
    async def customer_invoice(self, invoice_id: int, telegram_id: int) -> InvoiceTarget | None:
        """The invoice when its contact (or a contact of its company) is bound to this
        Telegram id; None otherwise."""
        ...

    async def audit(
        self,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: int,
        data: dict[str, Any],
        at: datetime | None = None,
    ) -> None: ...


class AlertRepos(Protocol):
    """The repositories `replan_invoice` works with, inside any unit of work that has them."""

    @property
    def alerts(self) -> AlertRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...


class AlertUnitOfWork(AlertRepos, Protocol):

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class AlertUowFactory(Protocol):
    def __call__(self, readonly: bool = False) -> AlertUnitOfWork: ...


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


def ladder_of(config_value: list[Any] | None) -> Ladder:
    """The organization's ladder; a broken one (duplicate step ...) falls back to the
    default with a warning, so one bad setting never stops every reminder."""
    try:
        return Ladder.parse(config_value)
    except ReminderConfigError as err:
        logger.warning("organization ladder %r refused (%s): default used", config_value, err)
        return Ladder()


def customer_channel(target: InvoiceTarget) -> tuple[str, int | None, str | None] | None:
    """Telegram when the customer's chat is bound and alive, else e-mail, else nothing."""
    if target.chat_id is not None and not target.chat_dead:
        return "telegram", target.chat_id, None
    if target.email:
        return "email", None, target.email
    return None


def invoice_messages(target: InvoiceTarget, config: AlertConfig) -> list[NewOutboxMessage]:
    """Every planned reminder of the invoice (past ones included: `replan_invoice` keeps
    their keys so a due but not yet sent reminder is never cancelled)."""
    channel = customer_channel(target)
    if channel is None:
        return []
    tz = zone_name(config, target.timezone, COUNTRY_TIMEZONES.get(target.country or ""))
    planned = plan_invoice_reminders(
        InvoiceForReminders(
            invoice_id=target.invoice_id,
            status=target.status,
            due_date=target.due_date,
            installments=target.installments,
            reminders_paused=target.reminders_paused,
            reminders_stopped=target.reminders_stopped,
        ),
        ladder_of(target.ladder),
        tz,
        config.quiet,
        config.send_hour,
    )
    name, chat_id, email = channel
    return reminder_messages(
        planned,
        name,
        chat_id=chat_id,
        email=email,
        invoice_id=target.invoice_id,
        payload={"lang": target.language, "tz": tz},
    )


def contract_step(ends_on: date, today: date) -> int | None:
    """The alert step due for a contract: the smallest of 30 / 7 / 1 days that is not less
    than the days left (so a contract added 20 days before its end gets the 30-day alert
    at once, and each step fires once)."""
    left = (ends_on - today).days
    if left < 0:
        return None
    due = [s for s in CONTRACT_STEPS if left <= s]
    return min(due) if due else None


def ladder_days(ladders: Iterable[Ladder], today: date) -> list[date]:
    """The due dates for which some ladder has a step today (±1 day for time zones)."""
    days: set[date] = set()
    for ladder in ladders:
        for step in ladder.steps:
            for shift in (-1, 0, 1):
                days.add(today - timedelta(days=step - shift))
    return sorted(days)


async def replan_invoice(
    uow: AlertRepos,
    invoice_id: int,
    now: datetime,
    config: AlertConfig | None = None,
    *,
    payment_received: bool = False,
) -> tuple[int, int]:
    """Makes the invoice's pending reminders match its current state, inside the caller's
    unit of work (the caller commits). Call it after anything that changes an invoice's
    reminders: issued, sent, due date moved, payment (`payment_received=True` also ends an
    "I've paid" pause), cancelled. Safe to repeat. Returns (enqueued, cancelled)."""
    config = config or AlertConfig()
    target = await uow.alerts.invoice_target(invoice_id)
    if target is None:  # deleted: nothing may go out for it any more
        return 0, await uow.outbox.cancel_for_invoice(invoice_id)
    if payment_received and target.reminders_paused:
        await uow.alerts.set_invoice_flags(invoice_id, reminders_paused=False)
        target = await uow.alerts.invoice_target(invoice_id)
        assert target is not None
    messages = invoice_messages(target, config)
    keys = [m.key for m in messages]
    fresh = [m for m in messages if m.due_at >= now - config.late_grace]
    enqueued = await uow.outbox.enqueue(fresh)
    await uow.alerts.revive([m.key for m in fresh], now)
    cancelled = await uow.outbox.cancel_for_invoice(invoice_id, except_keys=keys)
    return enqueued, cancelled


def _staff_message(
    key: str, member: StaffMember, kind: str, due_at: datetime, payload: dict[str, Any]
) -> NewOutboxMessage:
    return NewOutboxMessage(
        key=key,
        channel="telegram",
        kind=kind,
        due_at=due_at,
        chat_id=member.telegram_id,
        payload={"lang": member.language, **payload},
        recipient_user_id=member.id,
    )


async def job_since(repo: AlertRepository, job: str, now: datetime) -> datetime:
    """Where the job's window starts: its watermark (the last successful run), or, on a first
    run, `FIRST_RUN_LOOKBACK` before now (a fresh install does not alert on ancient history)."""
    mark = await repo.watermark(job)
    return mark if mark is not None else now - FIRST_RUN_LOOKBACK


def quote_expires_at(valid_until: date, tz: str) -> datetime:
    """A quote is valid through its date: it expires at the next local midnight."""
    return local_to_utc(datetime.combine(valid_until + timedelta(days=1), time(0)), tz)


def quote_expiry_messages(
    quote: QuoteExpiry, owner: StaffMember | None, now: datetime, config: AlertConfig
) -> list[NewOutboxMessage]:
    """"The quote expired" to its manager and, when their Telegram chat is bound and alive, to
    the customer: at the send hour (10:00) local on the day after the validity date; the
    customer's moved out of quiet hours and never into the past (a late one goes at the next
    allowed moment)."""
    day = quote.valid_until + timedelta(days=1)
    base = f"quote:{quote.quote_id}:expired:{quote.valid_until.isoformat()}"
    payload = {
        "quote_id": quote.quote_id,
        "number": quote.number,
        "company": quote.company_name,
        "valid_until": quote.valid_until.isoformat(),
    }
    out = []
    if owner is not None:
        tz = zone_name(config, owner.timezone)
        at = local_to_utc(datetime.combine(day, config.send_hour), tz)
        out.append(_staff_message(base, owner, "quote_expired", at, {**payload, "tz": tz}))
    if quote.chat_id is not None and not quote.chat_dead:
        tz = zone_name(config, quote.timezone, COUNTRY_TIMEZONES.get(quote.country or ""))
        planned = local_to_utc(datetime.combine(day, config.send_hour), tz)
        out.append(
            NewOutboxMessage(
                key=f"{base}:chat{quote.chat_id}",
                channel="telegram",
                kind="quote_expired_customer",
                due_at=next_allowed(max(planned, now), tz, config.quiet),
                chat_id=quote.chat_id,
                payload={"lang": quote.language, **payload, "tz": tz},
            )
        )
    return out


def meeting_lead(kind: str) -> timedelta | None:
    """The lead of a meeting reminder from its kind ("meeting_24h", "meeting_90m")."""
    rest = kind.removeprefix(MEETING_KINDS_PREFIX)
    try:
        if rest.endswith("h"):
            return timedelta(hours=int(rest[:-1]))
        if rest.endswith("m"):
            return timedelta(minutes=int(rest[:-1]))
    except ValueError:
        return None
    return None


# --- the service -----------------------------------------------------------------------------


class AlertService:
    """Scheduler jobs (each takes the clock's now) and the managers' reminder controls."""

    def __init__(
        self, uow: AlertUowFactory, clock: Clock, config: AlertConfig | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.config = config or AlertConfig()
        self.last_drain_at: datetime | None = None
        self._stall_reported = False

    def _tz(self, *candidates: str | None) -> str:
        return zone_name(self.config, *candidates)

    # --- jobs ------------------------------------------------------------------------------

    async def replan(self, invoice_id: int, *, payment_received: bool = False) -> tuple[int, int]:
        async with self._uow() as uow:
            result = await replan_invoice(
                uow, invoice_id, self._clock.now(), self.config, payment_received=payment_received
            )
            await uow.commit()
        return result

    async def replan_open_invoices(self, chunk: int = 200) -> int:
        """Every open invoice with a ladder step around today gets its reminders planned;
        an "I've paid" pause ends when a payment arrived since. Returns invoices planned."""
        now = self._clock.now()
        today = now.date()
        async with self._uow(readonly=True) as uow:
            ladders = [ladder_of(c) for c in await uow.alerts.organization_ladders()]
            days = ladder_days([Ladder(), *ladders], today)
            resumed = await uow.alerts.paused_with_new_payment()
            with_installments = await uow.alerts.installment_invoices_due_on(days)
        for invoice_id in resumed:
            await self.replan(invoice_id, payment_received=True)
        planned = len(resumed)
        after = 0
        while True:
            async with self._uow(readonly=True) as uow:
                ids = await uow.alerts.invoices_due_on(days, after, chunk)
            if not ids:
                break
            await self._replan_many(ids, now)
            planned += len(ids)
            after = ids[-1]
        if with_installments:
            await self._replan_many(with_installments, now)
            planned += len(with_installments)
        return planned

    async def _replan_many(self, ids: Sequence[int], now: datetime) -> None:
        async with self._uow() as uow:
            for invoice_id in ids:
                await replan_invoice(uow, invoice_id, now, self.config)
            await uow.commit()

    async def enqueue_alerts(self) -> int:
        """The minute job: digests, overdue invoices, installments, guarantee letters,
        contracts, tasks, meetings. Everything due since the job's watermark (its last
        successful run) is enqueued and the watermark moves to now in the same transaction,
        so a run that fails changes nothing and the next one covers its window too.
        Returns how many new outbox rows were stored."""
        now = self._clock.now()
        stored = 0
        async with self._uow() as uow:
            since = min(await job_since(uow.alerts, ALERTS_JOB, now), now)
            staff = {s.id: s for s in await uow.alerts.staff()}
            messages = self._digests(staff.values(), now)
            messages += await self._overdue(uow, staff, now)
            messages += await self._installments(uow, staff, since, now)
            messages += await self._guarantees(uow, staff, since, now)
            messages += await self._contracts(uow, staff, since, now)
            messages += await self._tasks(uow, staff, since, now)
            messages += await self._meetings(uow, since, now)
            stored = await uow.outbox.enqueue(messages)
            await uow.alerts.set_watermark(ALERTS_JOB, now)
            await uow.commit()
        return stored

    def _local_today(self, member: StaffMember, now: datetime) -> date:
        return now.astimezone(validate_timezone(self._tz(member.timezone))).date()

    def _day_window(
        self, member: StaffMember, since: datetime, now: datetime
    ) -> tuple[str, date, date]:
        """The member's zone and the local days from the watermark's to today's."""
        tz = self._tz(member.timezone)
        zone = validate_timezone(tz)
        return tz, since.astimezone(zone).date(), now.astimezone(zone).date()

    def _digests(self, staff: Iterable[StaffMember], now: datetime) -> list[NewOutboxMessage]:
        out = []
        for member in staff:
            tz = self._tz(member.timezone)
            local = now.astimezone(validate_timezone(tz))
            start = local_to_utc(datetime.combine(local.date(), DIGEST_HOUR), tz)
            latest = local_to_utc(datetime.combine(local.date(), DIGEST_LATEST), tz)
            if start <= now < latest:
                day = local.date().isoformat()
                out.append(
                    _staff_message(
                        f"digest:{member.id}:{day}",
                        member,
                        "digest",
                        now,
                        {"user_id": member.id, "day": day, "tz": tz},
                    )
                )
        return out

    async def _overdue(
        self, uow: AlertUnitOfWork, staff: dict[int, StaffMember], now: datetime
    ) -> list[NewOutboxMessage]:
        found = await uow.alerts.newly_overdue(now.date(), 500)
        out = []
        newly = []
        for inv in found:
            owner = staff.get(inv.owner_id)
            # "Overdue" begins on the owner's local day after the due date.
            if owner is None or self._local_today(owner, now) <= inv.due_date:
                continue
            newly.append(inv.invoice_id)
            out.append(
                _staff_message(
                    f"overdue:{inv.invoice_id}",
                    owner,
                    "overdue_alert",
                    now,
                    {
                        "invoice_id": inv.invoice_id,
                        "number": inv.number,
                        "due_date": inv.due_date.isoformat(),
                        "currency": inv.currency,
                        "remaining_minor": inv.remaining_minor,
                        "company": inv.company_name,
                    },
                )
            )
        await uow.alerts.mark_overdue(newly)
        return out

    async def _installments(
        self, uow: AlertUnitOfWork, staff: dict[int, StaffMember], since: datetime, now: datetime
    ) -> list[NewOutboxMessage]:
        """Installments whose day came since the watermark's day: at the send hour (when the
        customer's own reminder goes) on the due date, late after downtime. Whole days, so an
        installment added today for today is told too (its key makes it once)."""
        out = []
        found = await uow.alerts.installments_due(
            (since - timedelta(days=1)).date(), (now + timedelta(days=1)).date()
        )
        for inst in found:
            owner = staff.get(inst.owner_id)
            if owner is None:
                continue
            tz, first, today = self._day_window(owner, since, now)
            at = local_to_utc(datetime.combine(inst.due_date, self.config.send_hour), tz)
            if not first <= inst.due_date <= today or at > now:
                continue
            out.append(
                _staff_message(
                    f"installment:{inst.installment_id}:due",
                    owner,
                    "installment_alert",
                    at,
                    {
                        "invoice_id": inst.invoice_id,
                        "installment_id": inst.installment_id,
                        "number": inst.number,
                        "due_date": inst.due_date.isoformat(),
                        "currency": inst.currency,
                        "remaining_minor": inst.remaining_minor,
                        "tz": tz,
                    },
                )
            )
        return out

    async def _guarantees(
        self, uow: AlertUnitOfWork, staff: dict[int, StaffMember], since: datetime, now: datetime
    ) -> list[NewOutboxMessage]:
        """Guarantee letters whose promised date passed unpaid: the manager is told at the
        send hour local on the day after (late after downtime, once per promised date)."""
        out = []
        found = await uow.alerts.guarantees_due(
            (since - timedelta(days=2)).date(), now.date()
        )
        for g in found:
            owner = staff.get(g.owner_id)
            if owner is None:
                continue
            tz, first, today = self._day_window(owner, since, now)
            day = g.promised + timedelta(days=1)
            at = local_to_utc(datetime.combine(day, self.config.send_hour), tz)
            if not first <= day <= today or at > now:
                continue
            out.append(
                _staff_message(
                    f"guarantee:{g.shipment_id}:{g.promised.isoformat()}",
                    owner,
                    "guarantee_alert",
                    at,
                    {
                        "shipment_id": g.shipment_id,
                        "invoice_id": g.invoice_id,
                        "number": g.number,
                        "company": g.company_name,
                        "promised": g.promised.isoformat(),
                        "currency": g.currency,
                        "remaining_minor": g.remaining_minor,
                        "tz": tz,
                    },
                )
            )
        return out

    async def _contracts(
        self, uow: AlertUnitOfWork, staff: dict[int, StaffMember], since: datetime, now: datetime
    ) -> list[NewOutboxMessage]:
        """The step due today (`contract_step`: a step missed while the bot was down is told
        late, with the days actually left); a contract that ended since the watermark's day
        without its last step (the bot was down over its end) gets that step late."""
        today = now.date()
        out = []
        found = await uow.alerts.contracts_ending(
            min(since.date(), today) - timedelta(days=1), today + timedelta(days=31)
        )
        for c in found:
            owner = staff.get(c.owner_id)
            if owner is None:
                continue
            tz, first, local_today = self._day_window(owner, since, now)
            step = contract_step(c.ends_on, local_today)
            if step is None:
                if not first < c.ends_on < local_today:
                    continue
                step = min(CONTRACT_STEPS)
            # Sent in the owner's working day, not at midnight.
            at = local_to_utc(datetime.combine(local_today, DIGEST_HOUR), tz)
            out.append(
                _staff_message(
                    f"contract:{c.contract_id}:{step}d",
                    owner,
                    "contract_alert",
                    max(at, now),
                    {
                        "contract_id": c.contract_id,
                        "title": c.title,
                        "number": c.number,
                        "ends_on": c.ends_on.isoformat(),
                        "days_left": (c.ends_on - local_today).days,
                        "step": step,
                        "tz": tz,
                    },
                )
            )
        return out

    async def _tasks(
        self, uow: AlertUnitOfWork, staff: dict[int, StaffMember], since: datetime, now: datetime
    ) -> list[NewOutboxMessage]:
        """Open tasks due since the watermark (late after downtime) or within the look-ahead
        (enqueued for their exact moment)."""
        out = []
        for t in await uow.alerts.tasks_due(since, now + TASK_LOOKAHEAD):
            owner = staff.get(t.owner_id)
            if owner is None:
                continue
            stamp = t.due_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
            out.append(
                _staff_message(
                    f"task:{t.task_id}:{stamp}",
                    owner,
                    "task_alert",
                    t.due_at,
                    {
                        "task_id": t.task_id,
                        "title": t.title,
                        "due_at": t.due_at.isoformat(),
                        "tz": self._tz(owner.timezone),
                    },
                )
            )
        return out

    async def _meetings(
        self, uow: AlertUnitOfWork, since: datetime, now: datetime
    ) -> list[NewOutboxMessage]:
        """Client reminders of meetings not yet started whose moment (24 h / 2 h before) is
        since the watermark or within the look-ahead."""
        out: list[NewOutboxMessage] = []
        horizon = now + TASK_LOOKAHEAD
        found = await uow.alerts.meetings_between(
            max(now, since + min(MEETING_OFFSETS)), horizon + max(MEETING_OFFSETS)
        )
        for meet in found:
            if meet.chat_id is None:
                continue
            tz = self._tz(meet.timezone)
            try:
                planned = plan_meeting_reminders(meet.task_id, meet.starts_at, since, tz)
            except ReminderConfigError:
                continue
            out += reminder_messages(
                [p for p in planned if p.due_at_utc <= horizon],
                "telegram",
                chat_id=meet.chat_id,
                payload={"lang": meet.language, "tz": tz, "task_id": meet.task_id},
            )
        return out


    async def plan_meeting(self, actor: Actor, task_id: int) -> int:
        """Plans a meeting's client reminders now (after it is created or moved); a
        meeting in the past is refused ("meeting_in_past")."""
        now = self._clock.now()
        async with self._uow() as uow:
            meet = await uow.alerts.meeting(task_id)
            if meet is None or (actor.owner_scope() not in (None, meet.owner_id)):
                raise NotFound()
            tz = self._tz(meet.timezone)
            planned = plan_meeting_reminders(meet.task_id, meet.starts_at, now, tz)
            if meet.chat_id is None:
                return 0
            count = await uow.outbox.enqueue(
                reminder_messages(
                    planned,
                    "telegram",
                    chat_id=meet.chat_id,
                    payload={"lang": meet.language, "tz": tz, "task_id": meet.task_id},
                )
            )
            await uow.commit()
        return count

    # --- at send time -----------------------------------------------------------------------

    async def compose(self, item: OutboxItem) -> Composed | None:
        """The facts to render for a claimed row, read now; None when the message no longer
        applies (invoice deleted, paid, cancelled, paused or stopped; meeting moved, closed or
        started, or a later reminder of it already due; task closed or moved; installment or
        guarantee letter paid; quote no longer expired; digest past noon of its day): the row
        is then cancelled instead of sent. Late rows (the bot was down) pass the same test."""
        lang = item.payload.get("lang")
        tz = str(item.payload.get("tz") or self.config.default_timezone)
        now = self._clock.now()
        if item.kind in INVOICE_KINDS:
            invoice_id = item.invoice_id or item.payload.get("invoice_id")
            if not isinstance(invoice_id, int):
                return None
            async with self._uow(readonly=True) as uow:
                target = await uow.alerts.invoice_target(invoice_id)
            if target is None or not target.is_open:
                return None
            return Composed(item.kind, lang or target.language, tz, target)
        if item.kind.startswith(MEETING_KINDS_PREFIX):
            task_id = item.payload.get("task_id") or item.payload.get("meeting_id")
            if not isinstance(task_id, int):
                return None
            async with self._uow(readonly=True) as uow:
                meet = await uow.alerts.meeting(task_id)
            starts = item.payload.get("starts_at")
            if (
                meet is None
                or meet.status != "planned"
                or (starts and meet.starts_at != datetime.fromisoformat(str(starts)))
                or meet.starts_at <= now
            ):
                return None
            lead = meeting_lead(item.kind)
            if lead is not None and any(
                other < lead and meet.starts_at - other <= now for other in MEETING_OFFSETS
            ):
                return None  # late: a later reminder of the same meeting is due as well
            return Composed(item.kind, lang or meet.language, tz, meet)
        if item.kind == "digest":
            user_id = int(item.payload["user_id"])
            day = date.fromisoformat(str(item.payload["day"]))
            start = local_to_utc(datetime.combine(day, time(0)), tz)
            end = local_to_utc(datetime.combine(day + timedelta(days=1), time(0)), tz)
            if now >= local_to_utc(datetime.combine(day, DIGEST_LATEST), tz):
                return None  # a morning digest after noon is stale: tomorrow's comes
            async with self._uow(readonly=True) as uow:
                facts = await uow.alerts.digest(
                    user_id, start, end, day, self._clock.now() - timedelta(days=STALE_DEAL_DAYS)
                )
            return Composed(item.kind, lang, tz, facts)
        payload = dict(item.payload)
        # Alerts checked at send time: the payload to render (refreshed), or None to cancel.
        checks: dict[str, Callable[[dict[str, Any], datetime], Awaitable[dict[str, Any] | None]]]
        checks = {
            "task_alert": self._task_applies,
            "contract_alert": self._contract_applies,
            "installment_alert": self._installment_applies,
            "guarantee_alert": self._guarantee_applies,
            "quote_expired": self._quote_applies,
            "quote_expired_customer": self._quote_applies,
        }
        check = checks.get(item.kind)
        if check is not None:
            fresh = await check(payload, now)
            if fresh is None:
                return None
            payload = fresh
        return Composed(item.kind, lang, tz, payload)

    async def _task_applies(self, p: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        task_id = p.get("task_id")
        if not isinstance(task_id, int):
            return p
        async with self._uow(readonly=True) as uow:
            task = await uow.alerts.task(task_id)
        if task is None or task.due_at != datetime.fromisoformat(str(p["due_at"])):
            return None
        return p

    async def _contract_applies(
        self, p: dict[str, Any], now: datetime
    ) -> dict[str, Any] | None:
        """Told with the days left at send time; a step overtaken while it waited (the bot was
        down over a step's day or the end) gives way to the current one, enqueued by the
        same run that came back."""
        step = p.get("step")
        if not isinstance(step, int):
            return p  # enqueued before contract alerts carried their step
        async with self._uow(readonly=True) as uow:
            c = await uow.alerts.contract(int(p["contract_id"]))
        if c is None or c.ends_on.isoformat() != p.get("ends_on"):
            return None  # deleted, or its end moved: the new end gets its own alerts
        today = now.astimezone(validate_timezone(self._tz(p.get("tz")))).date()
        current = contract_step(c.ends_on, today)
        if current is None and today > c.ends_on:
            current = min(CONTRACT_STEPS)  # ended: the last step is the current one
        if current is not None and current < step:
            return None
        return {**p, "days_left": (c.ends_on - today).days}

    async def _installment_applies(
        self, p: dict[str, Any], now: datetime
    ) -> dict[str, Any] | None:
        installment_id = p.get("installment_id")
        if not isinstance(installment_id, int):
            return p  # enqueued before installments carried their id
        async with self._uow(readonly=True) as uow:
            inst = await uow.alerts.installment(installment_id)
        if inst is None or inst.remaining_minor <= 0:
            return None
        today = now.astimezone(validate_timezone(self._tz(p.get("tz")))).date()
        return {**p, "remaining_minor": inst.remaining_minor, "late": today > inst.due_date}

    async def _guarantee_applies(
        self, p: dict[str, Any], now: datetime
    ) -> dict[str, Any] | None:
        async with self._uow(readonly=True) as uow:
            found = await uow.alerts.guarantee(int(p["shipment_id"]))
        if found is None or found.promised.isoformat() != p.get("promised"):
            return None
        return {**p, "remaining_minor": found.remaining_minor}

    async def _quote_applies(self, p: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        async with self._uow(readonly=True) as uow:
            state = await uow.alerts.quote_state(int(p["quote_id"]))
        if state is None:
            return None
        status, valid_until = state
        if status != "expired" or valid_until is None or valid_until.isoformat() != p.get(
            "valid_until"
        ):
            return None  # reopened (and maybe sent again with a new date) since
        return p

    async def chat_blocked(self, item: OutboxItem, now: datetime) -> StaffMember | None:
        """A chat answered 403: marks it dead, enqueues an e-mail copy of a customer
        reminder when the customer has an address, and an alert to the invoice's manager.
        Returns the manager told (None for a staff chat)."""
        async with self._uow() as uow:
            if item.chat_id is not None:
                await uow.alerts.mark_chat_dead(item.chat_id)
            invoice_id = item.invoice_id
            target = await uow.alerts.invoice_target(invoice_id) if invoice_id else None
            if target is None:
                await uow.commit()
                return None
            owner = await uow.alerts.user(target.owner_id)
            messages = []
            if target.email:
                messages.append(
                    NewOutboxMessage(
                        key=f"{item.key}:fallback"[:200],
                        channel="email",
                        kind=item.kind,
                        due_at=now,
                        email=target.email,
                        payload=dict(item.payload),
                        invoice_id=target.invoice_id,
                    )
                )
            if owner is not None:
                messages.append(
                    _staff_message(
                        f"blocked:{target.invoice_id}:{item.chat_id}",
                        owner,
                        "chat_blocked",
                        now,
                        {
                            "invoice_id": target.invoice_id,
                            "number": target.number,
                            "company": target.company_name,
                            "email": target.email or "",
                        },
                    )
                )
            await uow.outbox.enqueue(messages)
            # The remaining steps go by e-mail (or nowhere) from now on.
            await replan_invoice(uow, target.invoice_id, now, self.config)
            await uow.commit()
        return owner

    # --- managers -------------------------------------------------------------------------

    async def upcoming(self, actor: Actor, limit: int = UPCOMING_LIMIT) -> list[Upcoming]:
        async with self._uow(readonly=True) as uow:
            return await uow.alerts.upcoming(actor.owner_scope(), self._clock.now(), limit)

    async def _own_row(self, uow: AlertUnitOfWork, actor: Actor, outbox_id: int) -> OutboxRowInfo:
        row = await uow.alerts.outbox_row(outbox_id)
        scope = actor.owner_scope()
        if row is None or row.owner_id is None or scope not in (None, row.owner_id):
            raise NotFound()
        return row

    async def snooze(self, actor: Actor, outbox_id: int) -> datetime:
        """Moves a pending reminder by a day (out of the customer's quiet hours)."""
        async with self._uow() as uow:
            row = await self._own_row(uow, actor, outbox_id)
            if row.status != "pending":
                raise InvalidInput("reminder_not_pending")
            target = await uow.alerts.invoice_target(row.invoice_id or 0)
            tz = self._tz(
                target.timezone if target else None,
                COUNTRY_TIMEZONES.get(target.country or "") if target else None,
            )
            moved = next_allowed(
                max(row.due_at, self._clock.now()) + SNOOZE, tz, self.config.quiet
            )
            if not await uow.alerts.reschedule_row(outbox_id, moved):
                raise InvalidInput("reminder_not_pending")
            await uow.alerts.audit(
                actor.id, "reminder.snoozed", "outbox", outbox_id, {"to": moved.isoformat()}
            )
            await uow.commit()
        return moved

    async def cancel_claimed(self, outbox_id: int) -> None:
        """A claimed row whose message no longer applies becomes "cancelled" (the
        dispatcher's mark_sent then finds it no longer claimed and changes nothing)."""
        async with self._uow() as uow:
            await uow.alerts.set_row_status(outbox_id, "cancelled", ("claimed",))
            await uow.commit()

    async def skip(self, actor: Actor, outbox_id: int) -> None:
        """This one reminder is not sent (status "skipped": replanning never revives it)."""
        async with self._uow() as uow:
            await self._own_row(uow, actor, outbox_id)
            if not await uow.alerts.set_row_status(outbox_id, "skipped", ("pending",)):
                raise InvalidInput("reminder_not_pending")
            await uow.alerts.audit(actor.id, "reminder.skipped", "outbox", outbox_id, {})
            await uow.commit()

    async def _invoice_flag(self, actor: Actor, invoice_id: int, **flags: bool) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            target = await uow.alerts.invoice_target(invoice_id)
            scope = actor.owner_scope()
            if target is None or scope not in (None, target.owner_id):
                raise NotFound()
            await uow.alerts.set_invoice_flags(invoice_id, **flags)
            _, cancelled = await replan_invoice(uow, invoice_id, now, self.config)
            await uow.alerts.audit(
                actor.id,
                "reminders." + ",".join(f"{k}={v}" for k, v in flags.items()),
                "invoice",
                invoice_id,
                {},
            )
            await uow.commit()
        return cancelled

    async def stop(self, actor: Actor, invoice_id: int) -> int:
        """No more reminders for this invoice; returns how many pending were cancelled."""
        return await self._invoice_flag(actor, invoice_id, reminders_stopped=True)

    async def resume(self, actor: Actor, invoice_id: int) -> None:
        """Reminders again (after "stop" or the customer's "I've paid")."""
        await self._invoice_flag(
            actor, invoice_id, reminders_stopped=False, reminders_paused=False
        )

    async def clients(self, actor: Actor, limit: int = 20) -> list[tuple[int, str]]:
        async with self._uow(readonly=True) as uow:
            return await uow.alerts.clients(actor.owner_scope(), limit)

    async def set_client_timezone(self, actor: Actor, company_id: int, text: str) -> str:
        """Sets a client company's time zone (its contacts without their own use it);
        an unknown zone is refused with "unknown_timezone"."""
        name = text.strip()
        try:
            validate_timezone(name)
        except ReminderConfigError:
            raise InvalidInput("unknown_timezone", field="timezone") from None
        async with self._uow() as uow:
            if await uow.alerts.company_for_timezone(company_id, actor.owner_scope()) is None:
                raise NotFound()
            await uow.alerts.set_company_timezone(company_id, name)
            await uow.alerts.audit(
                actor.id, "company.timezone", "company", company_id, {"timezone": name}
            )
            await uow.commit()
        return name

    async def health(
        self, actor: Actor, late_after: timedelta = timedelta(seconds=60)
    ) -> OutboxHealth:
        if actor.role != Role.ADMIN:
            raise Forbidden()
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            stats = await uow.outbox.stats(now)
        late = self.last_drain_at is None or now - self.last_drain_at > late_after
        return OutboxHealth(stats, self.last_drain_at, late)

    async def stalled(
        self, now: datetime, late_after: timedelta = timedelta(seconds=60)
    ) -> list[StaffMember]:
        """The admins to alert because the drain job has not run for more than `late_after`;
        each stall is reported once (until the drain runs again). The caller sends the alert
        directly, not through the outbox that is stuck."""
        if self.last_drain_at is not None and now - self.last_drain_at <= late_after:
            self._stall_reported = False
            return []
        if self._stall_reported:
            return []
        self._stall_reported = True
        async with self._uow(readonly=True) as uow:
            return await uow.alerts.admins()

    # --- customers ------------------------------------------------------------------------

    async def customer_paid(self, telegram_id: int, invoice_id: int,
                            customer_name: str = "") -> CustomerAnswer:
        """The customer pressed "I've paid" on a reminder: reminders pause until a payment
        arrives or the manager resumes; the manager is told (through the outbox, once per
        customer and invoice)."""
        now = self._clock.now()
        async with self._uow() as uow:
            target = await uow.alerts.customer_invoice(invoice_id, telegram_id)
            if target is None:
                raise NotFound()
            if target.status not in OPEN_INVOICE_STATUSES:
                raise InvalidInput("invoice_closed")
            manager = await uow.alerts.user(target.owner_id)
            if manager is None:
                raise NotFound()
            await uow.alerts.set_invoice_flags(invoice_id, reminders_paused=True)
            await uow.alerts.audit(
                None,
                CUSTOMER_PAID_ACTION,
                "invoice",
                invoice_id,
                {"telegram_user_id": telegram_id},
                at=now,
            )
            await replan_invoice(uow, invoice_id, now, self.config)
            await uow.outbox.enqueue([_answer_notice(
                f"remind-paid:inv{invoice_id}:{telegram_id}", manager, customer_name,
                target.number, "paid", now)])
            await uow.commit()
        return CustomerAnswer(manager, invoice_id, target.number, "paid")

    async def meeting_answer(self, telegram_id: int, task_id: int, answer: str,
                             customer_name: str = "") -> CustomerAnswer:
        """The client's answer to a meeting reminder; the manager is told through the outbox
        (once per answer)."""
        if answer not in MEETING_ANSWERS:
            raise InvalidInput("unknown_answer")
        async with self._uow() as uow:
            meet = await uow.alerts.meeting(task_id)
            if meet is None or meet.chat_id != telegram_id:
                raise NotFound()
            manager = await uow.alerts.user(meet.owner_id)
            if manager is None:
                raise NotFound()
            await uow.alerts.audit(
                None, f"meeting.{answer}", "task", task_id, {"telegram_user_id": telegram_id}
            )
            await uow.outbox.enqueue([_answer_notice(
                f"meeting:{task_id}:{meet.starts_at.isoformat()}:{answer}:{telegram_id}",
                manager, customer_name, meet.title, answer, self._clock.now())])
            await uow.commit()
        return CustomerAnswer(manager, task_id, meet.title, answer)


def _answer_notice(cause: str, manager: StaffMember, customer: str, title: str, answer: str,
                   now: datetime) -> NewOutboxMessage:
    """The manager told what the customer answered to a reminder (in their language)."""
    return notice(f"{cause}:chat{manager.telegram_id}", REMINDER_ANSWER, manager.telegram_id,
                  now, manager.language,
                  {"customer": customer, "title": title, "answer": answer},
                  recipient_user_id=manager.id)
