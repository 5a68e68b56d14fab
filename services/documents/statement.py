"""The client statement (акт сверки): a client's invoices and payments in one currency with the
running balance, printed by the same renderer as documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from services.documents.labels import format_date, labels_for
from services.documents.model import DocumentLabels, Lang
from services.documents.views import PartyView
from services.money import check_currency, format_money, round_money

# --- the client statement (акт сверки) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementRow:
    day: date
    document: str
    debit: Decimal  # invoiced: the client owes more
    credit: Decimal  # paid
    balance: Decimal  # > 0: the client owes us


@dataclass(frozen=True, slots=True)
class StatementView:
    """A client's invoices and payments in one currency, oldest first, with the running
    balance; printed by the same renderer as documents (``kind`` "statement")."""

    language: Lang
    currency: str
    issue_date: date
    seller: PartyView
    buyer: PartyView
    rows: tuple[StatementRow, ...]
    total_debit: Decimal
    total_credit: Decimal
    closing: Decimal
    closing_text: str
    logo: bytes | None = field(default=None, repr=False)
    stamp: bytes | None = field(default=None, repr=False)
    signature: bytes | None = field(default=None, repr=False)
    kind: str = "statement"
    number: str = ""
    qr_payload: None = None

    @property
    def labels(self) -> DocumentLabels:
        return labels_for(self.language)

    @property
    def title(self) -> str:
        labels = self.labels
        return (f"{labels.statement} "
                f"{labels.period.format(date=format_date(self.issue_date, self.language))}")


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One invoice or refund (debit), payment or credit note (credit) for
    `build_statement_view`."""

    day: date
    kind: Literal["invoice", "payment", "credit_note", "refund"]
    number: str
    amount: Decimal


def build_statement_view(*, seller: PartyView, buyer: PartyView, currency: str,
                         issue_date: date, entries: Sequence[StatementEntry],
                         language: Lang = "ru", logo: bytes | None = None,
                         stamp: bytes | None = None, signature: bytes | None = None
                         ) -> StatementView:
    """Rows oldest first (an invoice before a payment of the same day), running balance,
    totals and the closing sentence, all in `language`."""
    labels = labels_for(language)
    currency = check_currency(currency)
    rows: list[StatementRow] = []
    balance = debit_total = credit_total = Decimal("0.00")
    zero = round_money(Decimal(0), currency)
    for e in sorted(entries, key=lambda x: (x.day, x.kind != "invoice", x.number)):
        amount = round_money(e.amount, currency)
        if e.kind == "invoice":
            text = f"{labels.invoice} {labels.number_sign} {e.number}"
            debit, credit = amount, zero
        elif e.kind == "credit_note":
            text = f"{labels.credit_note_row} {labels.number_sign} {e.number}"
            debit, credit = zero, amount
        elif e.kind == "refund":
            sign = f" {labels.number_sign} {e.number}" if e.number else ""
            text = f"{labels.refund_row}{sign}"
            debit, credit = amount, zero
        else:
            sign = f" {labels.number_sign} {e.number}" if e.number else ""
            text = f"{labels.payment_row}{sign}"
            debit, credit = zero, amount
        balance += debit - credit
        debit_total += debit
        credit_total += credit
        rows.append(StatementRow(e.day, text, debit, credit, balance))
    names = {"seller": seller.display_name, "buyer": buyer.display_name}
    shown = format_money(abs(balance), currency, language)
    if balance > 0:
        closing_text = labels.owed_to_seller.format(amount=shown, **names)
    elif balance < 0:
        closing_text = labels.owed_to_buyer.format(amount=shown, **names)
    else:
        closing_text = labels.settled
    return StatementView(language, currency, issue_date, seller, buyer, tuple(rows),
                         round_money(debit_total, currency), round_money(credit_total, currency),
                         round_money(balance, currency), closing_text, logo, stamp, signature)
