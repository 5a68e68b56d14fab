"""The data of matching: an incoming payment, an open invoice, the result for one payment
(decision, allocations, candidates), and the stable scores and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from services.matching.normalize import _norm_account
from services.money import CURRENCIES, to_minor
from services.statements.model import StatementTransaction

Decision = Literal["auto", "review", "unmatched"]
MatchRule = Literal["number", "tax_id", "account", "amount", "none"]

#: How far after the due date an amount-only match is still offered for review.
DUE_GRACE: Final = timedelta(days=30)
#: Candidate lists built from amounts or companies are cut to this many (oldest due first).
MAX_CANDIDATES: Final = 10

# Candidate scores: higher is more certain. Stable, so a UI may sort or colour by them.
SCORE_NUMBER: Final = 100
SCORE_TAX_ID_AMOUNT: Final = 90
SCORE_ACCOUNT_AMOUNT: Final = 80
SCORE_NUMBER_AMBIGUOUS: Final = 70
SCORE_NUMBER_MISMATCH: Final = 60
SCORE_AMOUNT_DATE: Final = 40
SCORE_AMOUNT_OUTSIDE_WINDOW: Final = 20
SCORE_SAME_COMPANY: Final = 10


# --- the data ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IncomingPayment:
    """Money received. ``amount_minor`` is in the currency's minor units (kopecks, bani)."""

    key: str
    amount_minor: int
    currency: str
    received_on: date
    purpose: str = ""
    payer_name: str = ""
    payer_tax_id: str = ""
    payer_account: str = ""
    doc_number: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise TypeError(f"amount_minor must be int, not {type(self.amount_minor).__name__}")
        object.__setattr__(self, "currency", self.currency.strip().upper())

    @classmethod
    def from_transaction(
        cls, tx: StatementTransaction, own_account: str = ""
    ) -> IncomingPayment | None:
        """The payment a statement line records, or None when it is not money coming in: an
        outgoing movement, or one whose payer account is ``own_account`` itself.

        ``key`` is ``tx.stable_key(own_account)`` (the transaction's own account when
        ``own_account`` is empty), so re-importing a statement gives the same keys. The date is
        the bank's value date (``ДатаПоступило``), else the document date.
        """
        if tx.direction != "in":
            return None
        own = _norm_account(own_account)
        if own and _norm_account(tx.payer_account) == own:
            return None
        currency = tx.currency.strip().upper()
        if currency in CURRENCIES:
            amount_minor = to_minor(tx.amount, currency)
        else:
            # Not a product currency, so no invoice can match; parsers keep 2 decimals.
            amount_minor = int(tx.amount.scaleb(2).to_integral_value())
        return cls(
            key=tx.stable_key(own_account or None),
            amount_minor=amount_minor,
            currency=currency,
            received_on=tx.value_date or tx.doc_date,
            purpose=tx.purpose,
            payer_name=tx.payer_name,
            payer_tax_id=tx.payer_inn,
            payer_account=tx.payer_account,
            doc_number=tx.doc_number,
        )


@dataclass(frozen=True, kw_only=True)
class OpenInvoice:
    """An issued invoice with something (or, within a batch, nothing any more) left to pay.

    ``open_minor`` is ``total_minor`` minus what was already paid; ``0 <= open <= total``.
    ``confirmed_accounts`` are the client company's payer accounts a person has confirmed.
    """

    id: int
    number_text: str
    number: int
    series_prefix: str
    year: int
    company_id: int
    company_tax_id: str
    confirmed_accounts: frozenset[str]
    currency: str
    total_minor: int
    open_minor: int
    issue_date: date
    due_date: date
    owner_id: int

    def __post_init__(self) -> None:
        for name in ("total_minor", "open_minor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be int, not {type(value).__name__}")
        if not 0 <= self.open_minor <= self.total_minor:
            raise ValueError(f"invoice {self.id}: open amount outside 0..total")
        object.__setattr__(self, "currency", self.currency.strip().upper())


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    amount_minor: int


@dataclass(frozen=True)
class Candidate:
    """An invoice a person may choose; ``reason`` is a stable code, ``score`` 0..100."""

    invoice_id: int
    reason: str
    score: int


@dataclass(frozen=True)
class MatchResult:
    """What to do with one payment.

    ``reason`` is a stable code (see `services.matching`); ``rule`` says which rule decided.
    ``allocations`` are filled for ``auto`` only; ``overpayment_minor`` is the client's credit.
    ``company_id`` is set when one client is identified (auto results always have it).
    """

    payment_key: str
    decision: Decision
    allocations: list[Allocation]
    candidates: list[Candidate]
    reason: str
    overpayment_minor: int = 0
    company_id: int | None = None
    rule: MatchRule = "none"
