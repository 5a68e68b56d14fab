"""Payment events: what a payment did that people are told about (services.notices turns
them into outbox messages; handlers/payments.py holds their texts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PaymentApplied:
    """Money reached an invoice: its manager is told at once, the customer gets a receipt."""

    payment_id: int
    invoice_id: int
    invoice_number: str
    company_name: str
    amount: Decimal
    remaining: Decimal
    currency: str
    manager_chat: int
    manager_language: str | None
    customer_chat: int | None
    customer_language: str | None
    deal_stage: str | None = None  # the stage the deal moved to, if it moved
    deal_won: bool = False  # ...and that stage is "won" (the invoice was shipped before)
    #: that stage's own configured name per language (the push names it as the team does)
    deal_stage_names: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ReviewCandidate:
    invoice_id: int
    number_text: str
    company_name: str
    remaining: Decimal


@dataclass(frozen=True, slots=True)
class ReviewNeeded:
    """A payment needs a person: sent to the manager of its candidate invoices (only their
    own candidates as buttons), or to the importer when no candidate has an owner."""

    payment_id: int
    amount: Decimal
    currency: str
    received_on: date
    payer_name: str
    purpose: str
    reason: str
    recipient_chat: int
    recipient_language: str | None
    candidates: tuple[ReviewCandidate, ...]


@dataclass(frozen=True, slots=True)
class PaymentDigest:
    """A large statement's money told once per recipient instead of once per payment (the
    customers still get their receipts): to a manager for their invoices, to the team chat
    (`team`) for all of them."""

    statement_id: int
    filename: str
    recipient_chat: int
    recipient_language: str | None
    payments: int  # payments with money on the recipient's invoices
    totals: tuple[tuple[str, Decimal], ...]  # (currency, amount applied), by currency
    paid: int  # invoices now paid in full
    partial: int  # invoices paid in part
    deals_won: int
    deals_moved: int  # deals moved to the paid stage, not (yet) won
    team: bool = False


PaymentEvent = PaymentApplied | ReviewNeeded | PaymentDigest
