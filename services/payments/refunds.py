"""A refund: money paid back to a client against a credit note, recorded as an OUTGOING
payment (`direction` "out", `credit_note_id` set, source "refund", status "refund").

Invariants:
- at most what the credit note has not yet paid back, and never more than the client has
  actually overpaid on the invoice (paid + credited − total − refunded before): money never
  received is not refunded;
- the idempotency key is the action that records it (the refund prompt's message), never its
  content: a double tap records one refund, two genuine refunds are two;
- outgoing payments are not money in: they are left out of incoming payment lists, matching,
  credits and totals (their status "refund" is none of those the money-in queries read);
- scoped like the credit note: another manager's is NotFound;
- audited "payment.refund" with the client and the deal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, cast

from services.credit_notes import CreditNote, CreditNoteRepository, CreditNoteStatus
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.money import from_minor, to_minor
from services.payments.base import _Base
from services.payments.model import REFUND_SOURCE, NewPaymentRow, Payment, PaymentStatus
from services.payments.rules import clean_amount, manual_key
from services.users import Actor

if TYPE_CHECKING:
    from services.payments.ports import PaymentUnitOfWork


class RefundUow(Protocol):
    @property
    def credit_notes(self) -> CreditNoteRepository: ...


def refundable_minor(note: CreditNote, total_minor: int, paid_minor: int,
                     credited_minor: int, refunded_on_invoice: int) -> int:
    """What may still be paid back on `note`: its unrefunded part, at most the client's
    overpayment on the invoice."""
    overpaid = paid_minor + credited_minor - total_minor - refunded_on_invoice
    return max(min(note.refundable_minor, overpaid), 0)


class RefundMixin(_Base):
    """Refunds against credit notes."""

    async def refundable(self, actor: Actor, credit_note_id: int) -> tuple[CreditNote, Decimal]:
        """The credit note and what may be refunded on it now."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            note, left = await self._refundable_in(uow, actor, credit_note_id)
        return note, from_minor(left, note.currency)

    async def _refundable_in(self, uow: PaymentUnitOfWork, actor: Actor, credit_note_id: int,
                             lock: bool = False) -> tuple[CreditNote, int]:
        notes = cast(RefundUow, uow).credit_notes
        note = await notes.get(credit_note_id, actor.owner_scope(), lock=lock)
        if note is None:
            raise NotFound(entity="credit_note", id=credit_note_id)
        inv = await notes.invoice_money(note.invoice_id, None, lock=lock)
        if inv is None:
            raise NotFound(entity="credit_note", id=credit_note_id)
        left = refundable_minor(note, inv.total_minor, inv.paid_minor, inv.credited_minor,
                                await notes.refunded_on_invoice(inv.id))
        return note, left

    async def refund(self, actor: Actor, credit_note_id: int, amount: str | Decimal | None,
                     action_key: str) -> tuple[Payment, CreditNote, bool]:
        """Records the refund (None: all that may be refunded). Returns the outgoing payment,
        the credit note after it, and whether it was a repeat of the same action (nothing
        new recorded)."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow() as uow:
            notes = cast(RefundUow, uow).credit_notes
            key = manual_key(actor.id, f"refund:{credit_note_id}:{action_key}")
            note, left = await self._refundable_in(uow, actor, credit_note_id, lock=True)
            done = await uow.payments.by_external(REFUND_SOURCE, key)
            if done is not None:
                return done, note, True
            if left <= 0:
                raise Conflict("nothing_to_refund")
            minor = left if amount is None else to_minor(clean_amount(amount, note.currency),
                                                         note.currency)
            if minor > left:
                raise InvalidInput("refund_over", field="amount",
                                   most=from_minor(left, note.currency),
                                   currency=note.currency)
            payment_id = await uow.payments.insert_payment(NewPaymentRow(
                source=REFUND_SOURCE, external_id=key, organization_id=note.organization_id,
                company_id=note.company_id, statement_id=None, amount_minor=minor,
                currency=note.currency, received_on=self.today(), payer_name="",
                payer_tax_id="", payer_account="", purpose=note.number_text,
                doc_number=note.number_text, status=PaymentStatus.REFUND,
                created_by=actor.id, direction="out", credit_note_id=note.id))
            if payment_id is None:  # the same action, committed meanwhile
                raise Conflict("payment_done")
            refunded = note.refunded_minor + minor
            await notes.set_refunded(note.id, refunded,
                                     CreditNoteStatus.REFUNDED if refunded >= note.total_minor
                                     else CreditNoteStatus.ISSUED)
            await uow.audit.add(actor.id, "payment.refund", "payment", payment_id, {
                "credit_note_id": note.id, "credit_note": note.number_text,
                "invoice_id": note.invoice_id, "amount": str(from_minor(minor, note.currency)),
                "currency": note.currency}, company_id=note.company_id, deal_id=note.deal_id)
            payment = await uow.payments.get(payment_id)
            fresh = await notes.get(note.id, None)
            await uow.commit()
        assert payment is not None and fresh is not None
        return payment, fresh, False
