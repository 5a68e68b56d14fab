"""What customers press on invoice reminders ("I've paid"); the manager is told through the
outbox. A meeting reminder's answers are in `meeting_answers`."""

from __future__ import annotations

from datetime import datetime

from services.alerts.base import AlertServiceBase
from services.alerts.invoice_reminders import replan_invoice
from services.alerts.model import (
    CUSTOMER_PAID_ACTION,
    OPEN_INVOICE_STATUSES,
    CustomerAnswer,
    StaffMember,
)
from services.errors import InvalidInput, NotFound
from services.notices import REMINDER_ANSWER, notice
from services.outbox import NewOutboxMessage


class CustomerAnswers(AlertServiceBase):
    """A customer's answer to a reminder."""

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


def _answer_notice(cause: str, manager: StaffMember, customer: str, title: str, answer: str,
                   now: datetime) -> NewOutboxMessage:
    """The manager told what the customer answered to a reminder (in their language)."""
    return notice(f"{cause}:chat{manager.telegram_id}", REMINDER_ANSWER, manager.telegram_id,
                  now, manager.language,
                  {"customer": customer, "title": title, "answer": answer},
                  recipient_user_id=manager.id)
