"""The neutral bank statement model every format parser produces.

Invariants:
- money is `Decimal`, never float; transaction amounts are positive, `direction` says which way;
- a parser returns a whole `Statement` or raises `StatementError`: there is no partial result;
- `StatementTransaction.stable_key()` depends only on what the bank says about the payment, so
  re-importing the same file, or an overlapping one, yields the same keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from services.errors import DomainError

Direction = Literal["in", "out"]
StatementFormat = Literal["1c", "camt053", "camt054", "mt940"]

_CENT = Decimal("0.01")


class StatementError(DomainError):
    """The file cannot be imported. `code` is stable (handlers translate it); `line` is the
    1-based line in the file where the problem is, when a line can be named."""

    code = "statement_invalid"

    def __init__(self, code: str, line: int | None = None, detail: str = "") -> None:
        super().__init__(code, line=line, detail=detail)
        self.line = line
        self.detail = detail


@dataclass(frozen=True, kw_only=True)
class StatementTransaction:
    direction: Direction
    amount: Decimal
    currency: str
    doc_number: str
    doc_date: date
    value_date: date | None
    doc_kind: str
    payer_name: str
    payer_inn: str
    payer_kpp: str
    payer_account: str
    payer_bank_bic: str
    payee_name: str
    payee_inn: str
    payee_kpp: str = ""
    payee_account: str
    payee_bank_bic: str = ""
    purpose: str
    line: int
    #: Our own account this movement belongs to ("" when the file does not say).
    account: str = ""
    #: The bank undoes an earlier booking (MT940 RC / RD): money moves, but it is nobody's
    #: payment, so it is never matched to an invoice.
    reversal: bool = False
    #: Every key/value the bank sent for this document, unknown ones included.
    raw: dict[str, str] = field(default_factory=dict, hash=False)

    def stable_key(self, account: str | None = None) -> str:
        """Idempotency key: sha256 hex over own account, document date, document number,
        direction, amount and the payer's account and INN. `account` defaults to the
        transaction's own account."""
        own = self.account if account is None else account
        parts = (
            own.strip(),
            self.doc_date.isoformat(),
            self.doc_number.strip(),
            self.direction,
            str(self.amount.quantize(_CENT)),
            self.payer_account.strip(),
            self.payer_inn.strip(),
        )
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class AccountSection:
    """One account's balances for a period, as the bank states them (None when absent)."""

    account: str
    currency: str
    date_from: date | None
    date_to: date | None
    opening_balance: Decimal | None
    total_in: Decimal | None
    total_out: Decimal | None
    closing_balance: Decimal | None
    #: The currency the bank stated the balances in, when it is not `currency` (the entries'):
    #: such balances are reported, never added to the entries.
    balance_currency: str = ""


@dataclass(frozen=True)
class BalanceMismatch:
    """A statement that does not add up. `kind`: "closing_balance" (opening + in − out ≠
    closing), "total_in" / "total_out" (documents' sum ≠ the stated total), "currency" (the
    balances are in `balance_currency`, the entries in `currency`: not checked, not mixed;
    `expected`/`actual` are then the stated opening and closing balances)."""

    account: str
    kind: Literal["closing_balance", "total_in", "total_out", "currency"]
    expected: Decimal
    actual: Decimal
    balance_currency: str = ""
    currency: str = ""

    def __str__(self) -> str:
        if self.kind == "currency":
            return (
                f"balance_currency: account {self.account}: balances in "
                f"{self.balance_currency}, entries in {self.currency}: not checked"
            )
        return (
            f"balance_mismatch: account {self.account}: {self.kind} stated {self.expected}, "
            f"computed {self.actual}"
        )


@dataclass(frozen=True, kw_only=True)
class Statement:
    format: StatementFormat
    encoding: str
    version: str
    sender: str
    accounts: list[AccountSection]
    transactions: list[StatementTransaction]
    warnings: list[str] = field(default_factory=list)

    def check_balances(self) -> list[BalanceMismatch]:
        """Per section: opening + in − out = closing. Per account: the documents' sums equal
        the sum of the sections' stated totals (a file may hold one section per day)."""
        mismatches: list[BalanceMismatch] = []
        stated_in: dict[str, Decimal | None] = {}
        stated_out: dict[str, Decimal | None] = {}
        for section in self.accounts:
            opening, total_in = section.opening_balance, section.total_in
            total_out, closing = section.total_out, section.closing_balance
            if section.balance_currency and section.balance_currency != section.currency:
                mismatches.append(_currency_note(section))
            elif (
                opening is not None
                and total_in is not None
                and total_out is not None
                and closing is not None
            ):
                computed = opening + total_in - total_out
                if computed != closing:
                    mismatches.append(
                        BalanceMismatch(section.account, "closing_balance", closing, computed)
                    )
            stated_in[section.account] = _add(stated_in, section.account, section.total_in)
            stated_out[section.account] = _add(stated_out, section.account, section.total_out)

        sums_in: dict[str, Decimal] = {}
        sums_out: dict[str, Decimal] = {}
        for tx in self.transactions:
            target = sums_in if tx.direction == "in" else sums_out
            target[tx.account] = target.get(tx.account, Decimal(0)) + tx.amount
        for account, stated in stated_in.items():
            actual = sums_in.get(account, Decimal(0))
            if stated is not None and stated != actual:
                mismatches.append(BalanceMismatch(account, "total_in", stated, actual))
        for account, stated in stated_out.items():
            actual = sums_out.get(account, Decimal(0))
            if stated is not None and stated != actual:
                mismatches.append(BalanceMismatch(account, "total_out", stated, actual))
        return mismatches


def _currency_note(section: AccountSection) -> BalanceMismatch:
    zero = Decimal("0.00")
    return BalanceMismatch(
        section.account,
        "currency",
        section.opening_balance if section.opening_balance is not None else zero,
        section.closing_balance if section.closing_balance is not None else zero,
        balance_currency=section.balance_currency,
        currency=section.currency,
    )


def _add(totals: dict[str, Decimal | None], account: str, value: Decimal | None) -> Decimal | None:
    """Running sum per account that turns unknown (None) once any section lacks the total."""
    if account in totals and totals[account] is None:
        return None
    if value is None:
        return None
    return (totals.get(account) or Decimal(0)) + value


def with_balance_warnings(statement: Statement) -> Statement:
    """The same statement with its balance mismatches appended to `warnings`."""
    mismatches = statement.check_balances()
    if not mismatches:
        return statement
    return Statement(
        format=statement.format,
        encoding=statement.encoding,
        version=statement.version,
        sender=statement.sender,
        accounts=statement.accounts,
        transactions=statement.transactions,
        warnings=[*statement.warnings, *(str(m) for m in mismatches)],
    )
