"""What follows an issued invoice's cancellation, inside the cancelling unit of work: its
pending payment reminders are withdrawn (the planner plans none for a cancelled invoice, and
the sender drops any row it still meets), and a customer who had received the invoice is told,
in their language, through the outbox. The deal is not moved."""

from __future__ import annotations

from datetime import datetime

from services.alerts import AlertRepos, replan_invoice
from services.invoices.model import Invoice, S
from services.notices import INVOICE_CANCELLED, notice


def reached_customer(doc: Invoice) -> bool:
    """The invoice was sent to the customer (delivered into their chat or seen by them)."""
    return doc.sent_at is not None or doc.status in (S.SENT, S.VIEWED)


async def after_cancel(uow: AlertRepos, doc: Invoice, reason: str | None,
                       now: datetime) -> None:
    target = await uow.alerts.invoice_target(doc.id)
    await replan_invoice(uow, doc.id, now)
    if target is None or not reached_customer(doc):
        return
    if target.chat_id is None or target.chat_dead:
        return
    key = f"inv{doc.id}:cancel:{target.chat_id}:{INVOICE_CANCELLED}"
    await uow.outbox.enqueue([notice(key, INVOICE_CANCELLED, target.chat_id, now,
                                     target.language,
                                     {"number": doc.number_text or "", "invoice_id": doc.id})])
