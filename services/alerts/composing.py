"""At send time: the facts a claimed row renders, read now, or None when its message no longer
applies (the row is then cancelled); a chat that blocked the bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from services.alerts.digest import Digests
from services.alerts.invoice_reminders import replan_invoice
from services.alerts.meetings import meeting_lead
from services.alerts.model import (
    ALERT_KINDS,
    CONTRACT_STEPS,
    INVOICE_KINDS,
    MEETING_KINDS_PREFIX,
    REPORT_PUSH_KINDS,
    Composed,
    StaffMember,
)
from services.alerts.report_pushes import ReportPushes
from services.alerts.staff_alerts import _staff_message, contract_step
from services.outbox import NewOutboxMessage, OutboxItem
from services.reminders import MEETING_OFFSETS, validate_timezone


class Composing(ReportPushes, Digests):
    """What the sender asks before and after sending a claimed row."""

    async def compose(self, item: OutboxItem) -> Composed | None:
        """The facts to render for a claimed row, read now; None when the message no longer
        applies (invoice deleted, paid, cancelled, paused or stopped; meeting moved, closed or
        started, or a later reminder of it already due; task closed, moved or assigned to someone
        else; installment or
        guarantee letter paid; quote no longer expired; a digest with nothing to say or past its
        grace (`digest`); a report push stale or turned off: `report_pushes`; an alert kind its
        recipient turned off since): the row is then cancelled instead of sent.
        Late rows (the bot was down) pass the same test."""
        lang = item.payload.get("lang")
        tz = str(item.payload.get("tz") or self.config.default_timezone)
        now = self._clock.now()
        if await self._turned_off(item):
            return None
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
        if item.kind in REPORT_PUSH_KINDS:
            return await self._report_push_composed(item, now)
        if item.kind == "digest":
            return await self._digest_composed(item, now)
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

    async def _turned_off(self, item: OutboxItem) -> bool:
        """Whether the recipient turned this alert kind off after it was enqueued."""
        kind = ALERT_KINDS.get(item.kind)
        if kind is None or item.recipient_user_id is None:
            return False
        async with self._uow(readonly=True) as uow:
            off = await uow.alerts.optouts(item.recipient_user_id)
        return (item.recipient_user_id, kind) in off

    async def _task_applies(self, p: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        task_id = p.get("task_id")
        if not isinstance(task_id, int):
            return p
        async with self._uow(readonly=True) as uow:
            task = await uow.alerts.task(task_id)
        if task is None or task.due_at != datetime.fromisoformat(str(p["due_at"])):
            return None
        if p.get("owner_id", task.owner_id) != task.owner_id:
            return None  # assigned to a colleague since: it is theirs, no longer this user's
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
            if invoice_id is None and item.kind in INVOICE_KINDS:
                invoice_id = item.payload.get("invoice_id")  # a reminder a manager sent now
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

    async def cancel_claimed(self, outbox_id: int) -> None:
        """A claimed row whose message no longer applies becomes "cancelled" (the
        dispatcher's mark_sent then finds it no longer claimed and changes nothing)."""
        async with self._uow() as uow:
            await uow.alerts.set_row_status(outbox_id, "cancelled", ("claimed",))
            await uow.commit()
