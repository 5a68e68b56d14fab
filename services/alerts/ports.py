"""The ports of the alerts: the reminder and alert queries (`storage/alerts.py`) and the unit
of work they run in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from services.alerts.model import (
    ContractEnding,
    DigestItem,
    GuaranteeDue,
    InstallmentDue,
    InvoiceTarget,
    MeetingTarget,
    OutboxRowInfo,
    OverdueInvoice,
    QuoteExpiry,
    StaffMember,
    TaskDue,
    Upcoming,
)
from services.kernel import UnitOfWork, UowFactory
from services.outbox import OutboxRepository
from services.users import User


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
    async def meeting_slots(self, task_id: int, after: datetime) -> list[tuple[int, datetime]]:
        """The times offered for a meeting later than `after` (id, start), earliest first."""
        ...

    async def move_meeting(self, task_id: int, starts_at: datetime, ends_at: datetime | None,
                           slot_id: int) -> None:
        """The meeting starts at the offered time `slot_id`, which is no longer offered."""
        ...

    async def close_meeting(self, task_id: int, status: str, at: datetime) -> None: ...
    async def cancel_meeting_reminders(self, task_id: int, except_keys: Sequence[str] = ()
                                       ) -> int:
        """Cancels the meeting's client reminders still pending, but those keyed
        `except_keys`; returns how many."""
        ...

    async def digest_items(
        self,
        owner_id: int | None,
        yesterday_start: datetime,
        day_start: datetime,
        day_end: datetime,
        today: date,
        limit: int,
    ) -> list[DigestItem]:
        """The morning digest's items of `owner_id`'s (None: everybody's), at most `limit` of
        each section, in each section's order: money allocated to their invoices in
        [yesterday_start, day_start), open invoices overdue (due before `today`) and due
        `today`, open tasks due before `day_end`, meetings and calls starting in
        [day_start, day_end). The payments waiting for review come from `WaitingPayments`."""
        ...
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
    async def report_optouts(self, kind: str) -> set[int]:
        """Ids of the users who turned the report push `kind` ("weekly", "monthly") off."""
        ...

    async def optouts(self, user_id: int | None = None) -> set[tuple[int, str]]:
        """(user id, kind) of every push and alert kind turned off (only `user_id`'s when
        given)."""
        ...

    async def set_optout(self, user_id: int, kind: str, off: bool, at: datetime) -> None: ...
    async def set_digest_hour(self, user_id: int, hour: int) -> None: ...

    async def active_user(self, user_id: int) -> User | None:
        """The user while active (as an actor of the reports); None otherwise."""
        ...
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


class ReportFigures(Protocol):
    """The report pushes' figures, from the reports feature (above the alerts: `bot/` wires
    `services.reports.pushes.ReportPushFigures` in)."""

    def gets_push(self, role: str, kind: str) -> bool:
        """Whether a staff member of `role` gets the push `kind` ("weekly", "monthly")."""
        ...

    async def figures(self, actor: User, kind: str, occasion: date) -> Any:
        """What the push due on `occasion` (a Monday, a 1st) tells `actor`, read now as the
        actor (their scope, their time zone)."""
        ...


class WaitingPayments(Protocol):
    """The payments waiting for a person's decision, for the morning digest, from the payments
    feature (above the alerts: `bot/` wires `services.payments.digest.ReviewsForDigest` in)."""

    async def waiting(self, actor: User, limit: int) -> list[DigestItem]:
        """At most `limit` payments waiting for `actor`'s decision, as `actor` sees them,
        oldest first (section REVIEW, `ref_id` the payment)."""
        ...


class AlertRepos(Protocol):
    """The repositories `replan_invoice` works with, inside any unit of work that has them."""

    @property
    def alerts(self) -> AlertRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...


class AlertUnitOfWork(AlertRepos, UnitOfWork, Protocol):
    """The alert jobs' unit of work: alerts and the outbox, nothing else."""


AlertUowFactory = UowFactory[AlertUnitOfWork]
