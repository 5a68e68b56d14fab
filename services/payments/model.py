"""The values of payments: what a payment, an invoice's money and an import report are,
the payment statuses and the limits. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from services.invoices import OPEN_STATUSES

# Re-exported: the invoice's money belongs to invoices (shipments read it too).
from services.invoices.model import InvoiceMoney as InvoiceMoney
from services.money import CURRENCIES, from_minor
from services.payment_events import PaymentEvent, ReviewCandidate

SOURCES: Final = ("bank", "cash", "card")
#: The source of an outgoing payment, a refund (`services.payments.refunds`).
REFUND_SOURCE: Final = "refund"
DOC_NUMBER_MAX: Final = 64
REASON_MAX: Final = 500
#: A transfer typed in by hand and its line in the bank statement may differ by this many days.
TWIN_DAYS: Final = 7
#: Review messages sent per import; the rest wait in /payments.
REVIEW_PUSH_LIMIT: Final = 20
#: A statement applying money more often than this tells each manager (and the team chat)
#: once, in a digest, instead of once per payment: a bot may write about one message a
#: second into a chat, so a thousand pushes keep a manager's chat buzzing for many minutes
#: (and queueing them cost the import seconds). Customers still get their receipts.
DIGEST_ABOVE: Final = 1000
#: A statement is matched again when what it was matched against changed before its write
#: (another writer got there first); the last attempt writes whatever still holds.
MATCH_ATTEMPTS: Final = 3
#: Long loops over a statement's rows give the event loop a turn this often.
YIELD_EVERY: Final = 250


class PaymentStatus(StrEnum):
    ALLOCATED = "allocated"  # all of it went to invoices
    CREDIT = "credit"  # a remainder is the client's credit
    REVIEW = "review"  # a person chooses among candidates
    UNMATCHED = "unmatched"  # nobody recognised it
    IGNORED = "ignored"  # "Not ours"
    TWIN = "twin"  # the bank's line for a transfer already recorded by hand: no money twice
    REVERSED = "reversed"
    REFUND = "refund"  # money out: paid back to the client against a credit note


PENDING: Final = frozenset({PaymentStatus.REVIEW, PaymentStatus.UNMATCHED})


# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payment:
    id: int
    source: str
    external_id: str
    organization_id: int | None
    company_id: int | None
    amount_minor: int
    allocated_minor: int
    currency: str
    received_on: date
    payer_name: str
    purpose: str
    doc_number: str
    status: str
    created_by: int | None
    statement_id: int | None = None

    @property
    def amount(self) -> Decimal:
        return money(self.amount_minor, self.currency)

    @property
    def unallocated_minor(self) -> int:
        return self.amount_minor - self.allocated_minor

    @property
    def unallocated(self) -> Decimal:
        return money(self.unallocated_minor, self.currency)


@dataclass(frozen=True, slots=True)
class InvoiceParty:
    """Who hears about money on an invoice: its manager and the customer's bound chat."""

    invoice_id: int
    number_text: str
    company_name: str
    manager_chat: int
    manager_language: str | None
    customer_chat: int | None
    customer_language: str | None


@dataclass(frozen=True, slots=True)
class MatchNote:
    """Why a payment waits for a person (kept in the audit log as "payment.match")."""

    decision: str
    reason: str
    candidates: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OrgAccount:
    organization_id: int
    account: str
    currency: str


@dataclass(frozen=True, slots=True)
class NewPaymentRow:
    source: str
    external_id: str
    organization_id: int | None
    company_id: int | None
    statement_id: int | None
    amount_minor: int
    currency: str
    received_on: date
    payer_name: str
    payer_tax_id: str
    payer_account: str
    purpose: str
    doc_number: str
    status: str
    created_by: int | None
    direction: str = "in"  # "out": a refund
    credit_note_id: int | None = None


@dataclass(frozen=True, slots=True)
class InvoicePaidUpdate:
    invoice_id: int
    paid_minor: int
    status: str
    paid_at: datetime | None


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    payment: Payment
    events: tuple[PaymentEvent, ...] = ()
    duplicate: bool = False
    # A bank transfer typed in that an imported statement already had: that payment was
    # applied instead of recording the money a second time.
    from_statement: bool = False


@dataclass(frozen=True, slots=True)
class BalanceNote:
    account: str
    kind: str
    expected: Decimal
    actual: Decimal
    #: kind "currency": the balances' currency and the entries' (expected/actual = the stated
    #: opening and closing balances, not added to the entries).
    balance_currency: str = ""
    currency: str = ""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The summary of one statement import (counts are incoming payments to our accounts)."""

    format: str
    incoming: int
    new: int
    already: int
    auto: int
    review: int
    unmatched: int
    balances: tuple[BalanceNote, ...]
    statement_id: int | None
    events: tuple[PaymentEvent, ...] = ()
    review_held: int = 0  # review payments beyond REVIEW_PUSH_LIMIT, waiting in /payments
    twins: int = 0  # transfers already recorded by hand: confirmed, not counted again


@dataclass(frozen=True, slots=True)
class ReviewCard:
    payment: Payment
    reason: str
    candidates: tuple[ReviewCandidate, ...]


@dataclass(frozen=True, slots=True)
class CustomerChat:
    chat_id: int
    language: str | None
    invoice_number: str


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One payment with money on an invoice, as the invoice's payment list shows it."""

    payment: Payment
    on_invoice: Decimal  # how much of it went to this invoice
    can_reverse: bool  # may the viewer reverse it


@dataclass(frozen=True, slots=True)
class InvoiceMoneyCard:
    """What the "Record payment" menu shows for an invoice."""

    invoice_id: int
    number_text: str
    currency: str
    status: str
    total: Decimal
    paid: Decimal
    remaining: Decimal
    credit: Decimal  # the client's credit usable here
    payments: tuple[PaymentLine, ...]

    @property
    def payable(self) -> bool:
        return self.status in OPEN_STATUSES and self.remaining > 0


@dataclass
class _Applied:
    """One allocation made inside a unit of work, before events are built."""

    payment_id: int
    invoice_id: int
    amount_minor: int
    remaining_minor: int
    currency: str
    deal_stage: str | None = None
    deal_won: bool = False
    deal_stage_names: Mapping[str, str] | None = None


def money(minor: int, currency: str) -> Decimal:
    """Minor units → Decimal; a statement may carry a currency we do not sell in (CNY...)."""
    if currency in CURRENCIES:
        return from_minor(minor, currency)
    return Decimal(minor).scaleb(-2)
