"""What a staff alert's buttons do that belongs to the alerts: "remind the customer now" on an
overdue invoice or an installment, and reading which invoice or contract an alert was about
(the call task and the renewal deal are made by `services.alert_actions`, above tasks and
deals).

Every button names the alert's own outbox row: that row is the cause, so its id makes the
idempotency key (`alert:{row}:remind`), never the text or the amount. The row's invoice or
contract is checked against the actor's scope (`owner_scope()`): another manager's alert is
NotFound, as if absent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.alerts.base import AlertServiceBase
from services.alerts.invoice_reminders import customer_channel
from services.alerts.model import (
    CALL_ALERT_KINDS,
    COUNTRY_TIMEZONES,
    OPEN_INVOICE_STATUSES,
    REMIND_ALERT_KINDS,
    InvoiceTarget,
    OutboxRowInfo,
)
from services.alerts.ports import AlertUnitOfWork
from services.errors import Conflict, NotFound
from services.outbox import NewOutboxMessage
from services.reminders import next_allowed, validate_timezone
from services.users import Actor

REMIND_ACTION = "invoice.reminded_now"


@dataclass(frozen=True)
class AlertInvoice:
    """The invoice a staff alert was about, as its buttons need it."""

    outbox_id: int
    invoice_id: int
    number: str
    company_id: int | None
    company_name: str


def remind_key(outbox_id: int) -> str:
    return f"alert:{outbox_id}:remind"


class AlertButtons(AlertServiceBase):
    """The alert buttons' use cases that need only the alerts and the outbox."""

    async def _alert_row(self, uow: AlertUnitOfWork, outbox_id: int,
                         kinds: frozenset[str]) -> OutboxRowInfo:
        row = await uow.alerts.outbox_row(outbox_id)
        if row is None or row.kind not in kinds:
            raise NotFound()
        return row

    async def _alert_target(self, uow: AlertUnitOfWork, actor: Actor,
                            row: OutboxRowInfo) -> InvoiceTarget:
        """The alert's invoice in the actor's reach; Conflict("already_paid") once it is paid
        or closed (the button is stale: nothing is done)."""
        invoice_id = row.payload.get("invoice_id")
        target = await uow.alerts.invoice_target(invoice_id) \
            if isinstance(invoice_id, int) else None
        scope = actor.owner_scope()
        if target is None or scope not in (None, target.owner_id):
            raise NotFound()
        if target.status not in OPEN_INVOICE_STATUSES or target.remaining_minor <= 0:
            raise Conflict("already_paid")
        return target

    async def alert_invoice(self, actor: Actor, outbox_id: int) -> AlertInvoice:
        """The open invoice of an overdue or guarantee letter alert (its "call task")."""
        async with self._uow(readonly=True) as uow:
            row = await self._alert_row(uow, outbox_id, CALL_ALERT_KINDS)
            target = await self._alert_target(uow, actor, row)
        return AlertInvoice(outbox_id, target.invoice_id, target.number, target.company_id,
                            target.company_name)

    async def alert_contract(self, outbox_id: int) -> int:
        """The contract a contract alert was about (the contracts check the actor's scope)."""
        async with self._uow(readonly=True) as uow:
            row = await self._alert_row(uow, outbox_id, frozenset({"contract_alert"}))
        contract_id = row.payload.get("contract_id")
        if not isinstance(contract_id, int):
            raise NotFound()
        return contract_id

    async def remind_now(self, actor: Actor, outbox_id: int) -> datetime | None:
        """An overdue invoice's or an installment's reminder to the customer, enqueued now
        (moved out of the customer's quiet hours, as the ladder's are) to their bound chat,
        else their e-mail. Once per alert (`remind_key`): a second press is
        Conflict("already_done"). Nothing is enqueued for a paid or closed invoice or a paid
        installment ("already_paid"), one whose reminders are stopped or paused
        ("reminders_off"), or a customer with no chat and no e-mail ("no_customer_channel").
        Returns None when it goes now, else the moment the customer's quiet hours end."""
        now = self._clock.now()
        async with self._uow() as uow:
            row = await self._alert_row(uow, outbox_id, REMIND_ALERT_KINDS)
            target = await self._alert_target(uow, actor, row)
            tz = self._tz(target.timezone, COUNTRY_TIMEZONES.get(target.country or ""))
            today = now.astimezone(validate_timezone(tz)).date()
            payload: dict[str, object] = {"invoice_id": target.invoice_id, "lang":
                                          target.language, "tz": tz}
            if row.kind == "installment_alert":
                inst = await uow.alerts.installment(int(row.payload["installment_id"]))
                if inst is None or inst.remaining_minor <= 0:
                    raise Conflict("already_paid")
                due = inst.due_date
                kind = "installment_overdue" if today > due else "installment_due_today"
                payload["installment_id"] = inst.installment_id
            else:
                due = target.due_date or today
                kind = "invoice_overdue"
            if target.reminders_stopped or target.reminders_paused:
                raise Conflict("reminders_off")
            channel = customer_channel(target)
            if channel is None:
                raise Conflict("no_customer_channel")
            name, chat_id, email = channel
            at = next_allowed(now, tz, self.config.quiet)
            payload.update({"due_date": due.isoformat(), "step": (today - due).days})
            # No invoice_id on the row: replanning the ladder cancels the invoice's pending rows
            # it did not plan, and this one is the manager's. A paid invoice still cancels it
            # at send time (`compose` reads the invoice id from the payload).
            message = NewOutboxMessage(key=remind_key(outbox_id), channel=name, kind=kind,
                                       due_at=at, chat_id=chat_id, email=email,
                                       payload=payload)
            if not await uow.outbox.enqueue([message]):
                raise Conflict("already_done")
            await uow.alerts.audit(actor.id, REMIND_ACTION, "invoice", target.invoice_id,
                                   {"outbox_id": outbox_id, "kind": kind}, at=now)
            await uow.commit()
        return at if at > now else None
