"""Staff alerts, the minute job (`enqueue_alerts`): the morning digest, invoices that became
overdue, installments due, guarantee letters unpaid past their date, contracts ending, tasks
due, the meetings' client reminders and the report pushes (`report_pushes`). Everything due
since the job's watermark is enqueued and the watermark moves in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.alerts.digest import digest_hour, digest_window
from services.alerts.meetings import MeetingReminders
from services.alerts.model import (
    ALERT_KINDS,
    ALERTS_JOB,
    CONTRACT_STEPS,
    FIRST_RUN_LOOKBACK,
    TASK_LOOKAHEAD,
    StaffMember,
)
from services.alerts.ports import AlertRepository, AlertUnitOfWork
from services.alerts.report_pushes import ReportPushes
from services.outbox import NewOutboxMessage
from services.reminders import local_to_utc, validate_timezone


def contract_step(ends_on: date, today: date) -> int | None:
    """The alert step due for a contract: the smallest of 30 / 7 / 1 days that is not less
    than the days left (so a contract added 20 days before its end gets the 30-day alert
    at once, and each step fires once)."""
    left = (ends_on - today).days
    if left < 0:
        return None
    due = [s for s in CONTRACT_STEPS if left <= s]
    return min(due) if due else None


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


class StaffAlerts(ReportPushes, MeetingReminders):
    """The minute job and the staff alerts it enqueues."""

    async def enqueue_alerts(self) -> int:
        """The minute job: digests, overdue invoices, installments, guarantee letters,
        contracts, tasks, meetings, report pushes. Everything due since the job's watermark
        (its last successful run) is enqueued and the watermark moves to now in the same
        transaction, so a run that fails changes nothing and the next one covers its window
        too.
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
            messages += await self._report_pushes(uow, staff.values(), since, now)
            messages = await self._wanted(uow, messages)
            stored = await uow.outbox.enqueue(messages)
            await uow.alerts.set_watermark(ALERTS_JOB, now)
            await uow.commit()
        return stored

    @staticmethod
    async def _wanted(
        uow: AlertUnitOfWork, messages: list[NewOutboxMessage]
    ) -> list[NewOutboxMessage]:
        """Without the alerts their recipients turned off (the alert settings)."""
        off = await uow.alerts.optouts()
        return [
            m for m in messages
            if (m.recipient_user_id, ALERT_KINDS.get(m.kind)) not in off
        ]

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
        """Each member's digest at their hour local (`digest_hour`, else 09:00), late within
        `DIGEST_GRACE`; what it says is read at send time (`Digests`)."""
        out = []
        for member in staff:
            tz = self._tz(member.timezone)
            local = now.astimezone(validate_timezone(tz))
            start, latest = digest_window(local.date(), member.digest_hour, tz)
            if start <= now < latest:
                day = local.date().isoformat()
                out.append(
                    _staff_message(
                        f"digest:{member.id}:{day}",
                        member,
                        "digest",
                        now,
                        {"user_id": member.id, "day": day, "tz": tz,
                         "hour": digest_hour(member.digest_hour).hour},
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
            # Sent when the owner's working day starts (their digest hour), not at midnight.
            at = local_to_utc(datetime.combine(local_today, digest_hour(owner.digest_hour)), tz)
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
                        "owner_id": t.owner_id,
                        "title": t.title,
                        "due_at": t.due_at.isoformat(),
                        "tz": self._tz(owner.timezone),
                    },
                )
            )
        return out
