"""SWIFT MT940 customer statements, read with the `mt940` library (mt-940 on PyPI).

We split the file at `:20:` ourselves (one block per statement, so each keeps its own
balances), map every `:61:` to its line, and turn anything the library raises or warns about
into StatementError / Statement.warnings: callers never see a library exception.
"""

from __future__ import annotations

import codecs
import re
import warnings
from datetime import date
from decimal import Decimal
from typing import Any

import mt940

from services.statements.model import (
    AccountSection,
    Direction,
    Statement,
    StatementError,
    StatementTransaction,
    with_balance_warnings,
)

# A SWIFT FIN envelope around block 4: "{1:...}{2:...}{4:" before the tags, "-}" after.
_ENVELOPE_RE = re.compile(r"^(?:\{[0-9A-Z]:[^{}]*\})*\{4:\s*")
_LIBRARY_ERRORS = (
    RuntimeError,
    ValueError,
    ArithmeticError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
)
_SWIFT_LINE = 65  # MT940 wraps :86: at 65 characters, often in the middle of a word


def parse_mt940(data: bytes) -> Statement:
    """Parse a whole MT940 file (one or more statements) or raise StatementError."""
    if not data.strip():
        raise StatementError("empty", None, "the file is empty")
    body = data.removeprefix(codecs.BOM_UTF8)
    encoding = "utf-8"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # SWIFT's character set is Latin; Russian banks that stray from it use cp1251.
        encoding = "cp1251"
        try:
            text = body.decode("cp1251")
        except UnicodeDecodeError:
            raise StatementError("bad_encoding", None, "not UTF-8 or cp1251") from None
    lines = [_unwrap(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    starts = [index for index, line in enumerate(lines) if line.startswith(":20:")]
    if not starts:
        raise StatementError("not_a_statement", None, "no :20: tag")

    statement_warnings: list[str] = []
    accounts: list[AccountSection] = []
    transactions: list[StatementTransaction] = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        section, entries = _parse_block(lines, start, end, statement_warnings)
        accounts.append(section)
        transactions.extend(entries)
    statement = Statement(
        format="mt940",
        encoding=encoding,
        version="MT940",
        sender="",
        accounts=accounts,
        transactions=transactions,
        warnings=statement_warnings,
    )
    return with_balance_warnings(statement)


def _unwrap(line: str) -> str:
    line = _ENVELOPE_RE.sub("", line.rstrip())
    return "" if line in ("-}", "-", "}") else line


def _parse_block(
    lines: list[str], start: int, end: int, statement_warnings: list[str]
) -> tuple[AccountSection, list[StatementTransaction]]:
    block = "\n".join(lines[start:end])
    entry_lines = [index + 1 for index in range(start, end) if lines[index].startswith(":61:")]
    collection = mt940.models.Transactions(options=mt940.Options.all())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            collection.parse(block)
        except _LIBRARY_ERRORS as exc:
            message = str(exc.args[0] if exc.args else exc)[:200]
            bad_date = "out of range" in message or "must be in" in message
            code = "bad_date" if bad_date else "bad_mt940"
            raise StatementError(code, start + 1, message) from None
    for warning in caught:
        statement_warnings.append(f"line {start + 1}: mt940: {warning.message}")
    if len(collection.transactions) != len(entry_lines):
        raise StatementError(
            "bad_mt940",
            start + 1,
            f"{len(entry_lines)} :61: lines but {len(collection.transactions)} transactions read",
        )

    info = collection.data
    account = str(info.get("account_identification") or "").strip()
    if not account:
        raise StatementError("missing_field", start + 1, ":25: account is missing")
    opening, opening_date, opening_currency = _balance(
        info, "final_opening_balance", "opening_balance", "intermediate_opening_balance"
    )
    closing, closing_date, closing_currency = _balance(
        info, "final_closing_balance", "closing_balance", "intermediate_closing_balance"
    )
    currency = collection.currency or opening_currency or closing_currency or ""

    entries = [
        _transaction(tx.data, account, currency, line)
        for tx, line in zip(collection.transactions, entry_lines, strict=True)
    ]
    total_in = _sum_entries(info.get("sum_credit_entries"))
    total_out = _sum_entries(info.get("sum_debit_entries"))
    if total_in is None:
        total_in = sum((t.amount for t in entries if t.direction == "in"), Decimal("0.00"))
    if total_out is None:
        total_out = sum((t.amount for t in entries if t.direction == "out"), Decimal("0.00"))
    section = AccountSection(
        account=account,
        currency=currency,
        date_from=opening_date,
        date_to=closing_date,
        opening_balance=opening,
        total_in=total_in,
        total_out=total_out,
        closing_balance=closing,
    )
    return section, entries


def _balance(info: dict[str, Any], *keys: str) -> tuple[Decimal | None, date | None, str]:
    for key in keys:
        balance = info.get(key)
        amount = getattr(balance, "amount", None)
        if isinstance(amount, mt940.models.Amount):
            day = getattr(balance, "date", None)
            day = day if isinstance(day, date) else None
            return amount.amount, _plain_date(day), amount.currency or ""
    return None, None, ""


def _sum_entries(value: object) -> Decimal | None:
    if isinstance(value, mt940.models.Amount):
        return abs(value.amount)
    return None


def _plain_date(value: date | None) -> date | None:
    return None if value is None else date(value.year, value.month, value.day)


def _details(text: str) -> str:
    """Join :86: continuation lines: a full 65-character line was wrapped mid-word."""
    parts = [part.strip() for part in text.split("\n")]
    raw_lines = text.split("\n")
    out = ""
    for index, part in enumerate(parts):
        if not part:
            continue
        if out:
            wrapped = len(raw_lines[index - 1].rstrip()) >= _SWIFT_LINE
            out += part if wrapped else " " + part
        else:
            out = part
    return out


def _transaction(
    data: dict[str, Any], account: str, currency: str, line: int
) -> StatementTransaction:
    amount_obj = data.get("amount")
    if not isinstance(amount_obj, mt940.models.Amount):
        raise StatementError("missing_field", line, ":61: amount is missing")
    status = str(data.get("status") or "").upper()
    direction: Direction = "in" if status in ("C", "RD") else "out"
    amount = abs(amount_obj.amount)
    value_date = _plain_date(data.get("date"))
    booked = _plain_date(data.get("entry_date"))
    doc_date = booked or value_date
    if doc_date is None:
        raise StatementError("missing_field", line, ":61: date is missing")
    customer_ref = str(data.get("customer_reference") or "").strip()
    bank_ref = str(data.get("bank_reference") or "").strip()
    number = customer_ref if customer_ref and customer_ref.upper() != "NONREF" else bank_ref
    purpose = _details(str(data.get("transaction_details") or data.get("purpose") or ""))
    other_name = str(data.get("applicant_name") or "").strip()
    other_account = str(data.get("applicant_iban") or "").strip()
    other_bic = str(data.get("applicant_bin") or "").strip()
    if direction == "in":
        payer = (other_name, other_account, other_bic)
        payee = ("", account, "")
    else:
        payer = ("", account, "")
        payee = (other_name, other_account, other_bic)
    raw = {
        key: str(value)
        for key, value in data.items()
        if value is not None and isinstance(value, (str, int, Decimal, date, mt940.models.Amount))
    }
    return StatementTransaction(
        direction=direction,
        amount=amount,
        currency=amount_obj.currency or currency,
        doc_number=number,
        doc_date=doc_date,
        value_date=value_date,
        doc_kind=str(data.get("id") or "").strip(),
        payer_name=payer[0],
        payer_inn="",
        payer_kpp="",
        payer_account=payer[1],
        payer_bank_bic=payer[2],
        payee_name=payee[0],
        payee_inn="",
        payee_account=payee[1],
        payee_bank_bic=payee[2],
        purpose=purpose,
        line=line,
        account=account,
        raw=raw,
    )
