"""The managers' reminder controls (`/reminders`, `/clienttz`): the pending reminders, snooze,
skip, stop and resume an invoice's reminders, a client's time zone. Every read and write is
scoped by `owner_scope()`: another manager's reminder is NotFound."""

from __future__ import annotations

from datetime import datetime

from services.alerts.base import AlertServiceBase
from services.alerts.invoice_reminders import replan_invoice
from services.alerts.model import (
    COUNTRY_TIMEZONES,
    SNOOZE,
    UPCOMING_LIMIT,
    OutboxRowInfo,
    Upcoming,
)
from services.alerts.ports import AlertUnitOfWork
from services.errors import InvalidInput, NotFound
from services.reminders import ReminderConfigError, next_allowed, validate_timezone
from services.users import Actor


class ReminderControls(AlertServiceBase):
    """A manager's reminders."""

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
