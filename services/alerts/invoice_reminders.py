"""Customer payment reminders: an invoice's ladder (the organization's, else the default) planned
into the outbox, replanned after anything that changes the invoice (`replan_invoice`, inside
the caller's unit of work), and the daily pass over open invoices with a step around today."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from services.alerts.base import AlertServiceBase
from services.alerts.model import COUNTRY_TIMEZONES, AlertConfig, InvoiceTarget, zone_name
from services.alerts.ports import AlertRepos
from services.outbox import NewOutboxMessage, reminder_messages
from services.reminders import (
    InvoiceForReminders,
    Ladder,
    ReminderConfigError,
    plan_invoice_reminders,
)

logger = logging.getLogger(__name__)



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


class InvoiceReminders(AlertServiceBase):
    """Replanning one invoice's reminders, and every open invoice's (the daily job)."""

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
