"""The payments waiting for a decision, as the morning digest lists them
(`services.alerts.ports.WaitingPayments`): the /payments queue of the reader, by the same rule
(`PaymentService.review_queue`: a manager's own, a head's and an admin's all)."""

from __future__ import annotations

from services.alerts import DigestItem, DigestSection
from services.payments.service import PaymentService
from services.users import User


class ReviewsForDigest:
    """`WaitingPayments` over the PaymentService."""

    def __init__(self, payments: PaymentService) -> None:
        self._payments = payments

    async def waiting(self, actor: User, limit: int) -> list[DigestItem]:
        cards = await self._payments.review_queue(actor, limit)
        return [
            DigestItem(
                DigestSection.REVIEW,
                card.payment.id,
                card.payment.payer_name,
                amount_minor=card.payment.unallocated_minor,
                currency=card.payment.currency,
                day=card.payment.received_on,
            )
            for card in cards
        ]
