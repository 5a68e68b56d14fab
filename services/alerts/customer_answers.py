"""What customers press on reminders: "I've paid" on an invoice reminder, Confirm / Reschedule
on a meeting reminder; the manager is told through the outbox."""

from __future__ import annotations

from datetime import datetime

from services.alerts.base import AlertServiceBase
from services.alerts.invoice_reminders import replan_invoice
from services.alerts.model import (
    CUSTOMER_PAID_ACTION,
    MEETING_ANSWERS,
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
