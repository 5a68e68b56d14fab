"""Card payments inside Telegram (Bot Payments): the offer behind the customer's Pay button,
the pre-checkout check and the capture of `successful_payment`.

Invariants:
- the payload of a Telegram invoice is opaque and signed: "<invoice id>:<amount minor>:<mac>"
  (HMAC-SHA256 with the app's secret), so a forged or edited payload is refused;
- pre-checkout refuses (a code for the customer's language) when the invoice is paid,
  cancelled or no longer open, or when what is due changed since the Telegram invoice was sent;
- a payment is captured EXACTLY ONCE per `telegram_payment_charge_id` (source "telegram",
  `INSERT … ON CONFLICT DO NOTHING`): a repeated update records nothing more;
- money for an unknown or no longer payable invoice is still recorded, as an "unmatched"
  payment for a person to look at, and its manager (else the admins) is told; never a crash;
- otherwise the payment goes to the invoice like any other (paid amount, status, the deal's
  move, installments and reminders: `services.settlement`), in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from services.clock import Clock
from services.customers import CustomerService
from services.deals import DealService
from services.errors import Conflict, InvalidInput
from services.invoices import OPEN_STATUSES
from services.kernel import UowFactory
from services.money import from_minor, open_minor, to_minor
from services.notices import payment_messages
from services.payment_events import PaymentApplied, PaymentEvent, ReviewNeeded
from services.payments import (
    InvoicePaidUpdate,
    NewPaymentRow,
    Payment,
    PaymentStatus,
    money,
    settled,
    status_after,
)
from services.payments.ports import PaymentUnitOfWork
from services.settlement import Settlement
from services.users import Role, UserRepository


class CardPaymentUnitOfWork(PaymentUnitOfWork, Protocol):
    """A money use case that also tells the staff (an unmatched card payment)."""

    @property
    def users(self) -> UserRepository: ...

SOURCE: Final = "telegram"
TITLE_MAX: Final = 32


@dataclass(frozen=True, slots=True)
class CardOffer:
    """What the bot puts into sendInvoice."""

    invoice_id: int
    number_text: str
    currency: str
    amount_minor: int
    payload: str


@dataclass(frozen=True, slots=True)
class CardCapture:
    payment: Payment
    events: tuple[PaymentEvent, ...] = ()
    duplicate: bool = False
    matched: bool = True


@dataclass(frozen=True, slots=True)
class PayloadRef:
    invoice_id: int
    amount_minor: int


def sign(secret: bytes, invoice_id: int, amount_minor: int) -> str:
    body = f"{invoice_id}:{amount_minor}"
    mac = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{body}:{mac}"


def read_payload(secret: bytes, payload: str) -> PayloadRef | None:
    """The reference in a payload we signed; None when it is not ours or was altered."""
    parts = payload.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    expected = sign(secret, int(parts[0]), int(parts[1]))
    if not hmac.compare_digest(expected, payload):
        return None
    return PayloadRef(int(parts[0]), int(parts[1]))


class CardPaymentService:
    def __init__(self, uow: UowFactory[CardPaymentUnitOfWork], clock: Clock,
                 customers: CustomerService,
                 deals: DealService, secret: bytes,
                 settlement: Settlement | None = None,
                 team_chat_id: int | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._customers = customers
        self._deals = deals
        self._secret = secret
        self._settlement = settlement or Settlement(deals)
        self._team_chat = team_chat_id

    async def offer(self, telegram_id: int, invoice_id: int) -> CardOffer:
        """The Telegram invoice for what is still due on the customer's own invoice."""
        header = await self._customers.check_access(telegram_id, "invoice", invoice_id)
        if header.status not in OPEN_STATUSES:
            raise Conflict("card_invoice_closed")
        minor = to_minor(header.remaining, header.currency)
        if minor <= 0:
            raise Conflict("card_invoice_closed")
        return CardOffer(header.id, header.number_text or f"#{header.id}", header.currency,
                         minor, sign(self._secret, header.id, minor))

    async def check(self, payload: str, currency: str, total_minor: int) -> None:
        """Pre-checkout: raises Conflict with the reason to refuse, returns when it may go."""
        ref = read_payload(self._secret, payload)
        if ref is None or ref.amount_minor != total_minor:
            raise InvalidInput("card_payload", field="payload")
        async with self._uow(readonly=True) as uow:
            inv = await uow.payments.invoice_money(ref.invoice_id, None)
        if inv is None:
            raise InvalidInput("card_payload", field="payload")
        if inv.status == "paid" or (inv.status in OPEN_STATUSES and inv.open_minor <= 0):
            raise Conflict("card_invoice_paid")
        if inv.status not in OPEN_STATUSES:
            raise Conflict("card_invoice_closed")
        if inv.currency != currency or inv.open_minor != ref.amount_minor:
            raise Conflict("card_amount_changed")

    async def capture(self, payload: str, currency: str, total_minor: int, charge_id: str,
                      payer_name: str = "", provider_charge_id: str = "") -> CardCapture:
        """Records a successful payment once; see the module's invariants."""
        now = self._clock.now()
        ref = read_payload(self._secret, payload)
        async with self._uow() as uow:
            repo = uow.payments
            inv = (await repo.invoice_money(ref.invoice_id, None, lock=True)
                   if ref is not None else None)
            payable = (inv is not None and inv.status in OPEN_STATUSES and inv.open_minor > 0
                       and inv.currency == currency)
            payment_id = await repo.insert_payment(NewPaymentRow(
                source=SOURCE, external_id=charge_id[:128],
                organization_id=inv.organization_id if inv else None,
                company_id=inv.company_id if inv else None, statement_id=None,
                amount_minor=total_minor, currency=currency, received_on=now.date(),
                payer_name=payer_name[:300], payer_tax_id="", payer_account="",
                purpose=f"telegram {provider_charge_id}"[:300],
                doc_number=(inv.number_text if inv else "")[:64],
                status=PaymentStatus.ALLOCATED if payable else PaymentStatus.UNMATCHED,
                created_by=None))
            if payment_id is None:
                existing = await repo.by_external(SOURCE, charge_id[:128])
                assert existing is not None
                return CardCapture(existing, (), duplicate=True)
            if not payable:
                events = await self._unmatched_events(uow, payment_id, inv.id if inv else None,
                                                      total_minor, currency, payer_name, now)
                await uow.audit.add(None, "payment.telegram_unmatched", "payment", payment_id,
                                    {"payload": payload[:128]})
                payment = await repo.get(payment_id)
                assert payment is not None
                await uow.outbox.enqueue(payment_messages(events, now, self._team_chat))
                await uow.commit()
                return CardCapture(payment, events, matched=False)
            assert inv is not None
            take = min(total_minor, inv.open_minor)
            await repo.add_allocations([(payment_id, inv.id, take)], None, now)
            paid = inv.paid_minor + take
            status = status_after(inv, paid, now.date())
            update = InvoicePaidUpdate(inv.id, paid, status, now if status == "paid" else None)
            await repo.set_invoices_paid([update])
            move = (await self._settlement.after_money(uow, [settled(inv, update)], None,
                                                       now)).get(inv.id)
            if take < total_minor:
                await repo.set_status(payment_id, PaymentStatus.CREDIT)
            await uow.audit.add(None, "payment.record", "payment", payment_id,
                                {"invoice_id": inv.id, "amount_minor": total_minor,
                                 "source": SOURCE})
            parties = await repo.invoice_parties([inv.id])
            party = parties[inv.id]
            event = PaymentApplied(
                payment_id=payment_id, invoice_id=inv.id, invoice_number=party.number_text,
                company_name=party.company_name, amount=from_minor(take, currency),
                remaining=from_minor(open_minor(inv.total_minor, paid, inv.credited_minor),
                                     currency), currency=currency,
                manager_chat=party.manager_chat, manager_language=party.manager_language,
                customer_chat=party.customer_chat, customer_language=party.customer_language,
                deal_stage=move.stage if move else None, deal_won=move.won if move else False,
                deal_stage_names=move.names if move else None)
            payment = await repo.get(payment_id)
            assert payment is not None
            await uow.outbox.enqueue(payment_messages([event], now, self._team_chat))
            await uow.commit()
        return CardCapture(payment, (event,))

    async def _unmatched_events(self, uow: CardPaymentUnitOfWork, payment_id: int,
                                invoice_id: int | None,
                                amount_minor: int, currency: str, payer_name: str,
                                now: datetime) -> tuple[PaymentEvent, ...]:
        repo = uow.payments
        targets: list[tuple[int, str | None]] = []
        if invoice_id is not None:
            party = (await repo.invoice_parties([invoice_id])).get(invoice_id)
            if party is not None:
                targets.append((party.manager_chat, party.manager_language))
        if not targets:
            staff = await uow.users.staff(active_only=True)
            targets = [(u.telegram_id, u.language) for u in staff if u.role == Role.ADMIN]
        return tuple(ReviewNeeded(
            payment_id=payment_id, amount=money(amount_minor, currency), currency=currency,
            received_on=now.date(), payer_name=payer_name, purpose="Telegram",
            reason="telegram_unmatched", recipient_chat=chat, recipient_language=lang,
            candidates=()) for chat, lang in targets)
