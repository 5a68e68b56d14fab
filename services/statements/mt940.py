"""SWIFT MT940 customer statements, read with the `mt940` library (mt-940 on PyPI).

Before the library sees a file we undo what banks' exports do to it, keeping every logical
line's number in the file: SWIFT envelopes (`{1:…}{2:…}{4:` … `-}`) are dropped, a short field
continued on the next line (`:28C:0000` then `0`) is joined, and lines cut at one fixed width in
the middle of a field are glued back. We split the file into statements ourselves (at `:20:`, or
at `:25:` when a bank leaves `:20:` out), map every `:61:` to its line, and turn anything the
library raises or warns about into StatementError / Statement.warnings: callers never see a
library exception. An MT942 intraday report is refused by name: it has no booked balances.
"""

from __future__ import annotations

import codecs
import re
import warnings
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

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
_TAG_RE = re.compile(r"^:(?P<tag>\d\d[A-Z]?|NS):")
# Application header "{2:O942..." (output) or "{2:I942..." (input): an MT942 message.
_MT942_HEADER_RE = re.compile(r"\{2:[IO]942")
# Tags whose value is one short line: a following line without a tag continues the value.
_TEXT_RE = re.compile(r"^[0-9A-Za-z/,.+\- ]{1,35}$")
_NUMBER_RE = re.compile(r"^[0-9/]{1,11}$")
_AMOUNT_RE = re.compile(r"^[0-9,]{1,16}$")
_SHORT_TAGS = {
    "20": _TEXT_RE,
    "21": _TEXT_RE,
    "25": _TEXT_RE,
    "28": _NUMBER_RE,
    "28C": _NUMBER_RE,
    **{balance: _AMOUNT_RE for balance in ("60F", "60M", "62F", "62M", "64", "65")},
}
_LIBRARY_ERRORS = (
    RuntimeError,
    ValueError,
    ArithmeticError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
)
# "030109C000000000300.00NMSC": a '.' where SWIFT has the decimal comma would be read as
# 300 with ".00NMSC" as the reference, so such a file is refused instead.
_POINT_AMOUNT_RE = re.compile(r"^\d{6}(?:\d{4})?R?[DC][A-Z]?\n?\d[\d,]*\.\d")
_POINT_BALANCE_RE = re.compile(r"^:6[0-5][FM]?:[DC]\d{6}[A-Z]{3}\d[\d,]*\.\d")
_IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_NO_TYPE = " "  # stands for a missing transaction type code; read back as ""
_SWIFT_LINE = 65  # MT940 wraps :86: at 65 characters, often in the middle of a word
_MIN_CUT_LINES = 3  # full-width lines a file needs before we believe it was cut at that width
_MIN_CUT_WIDTH = 24  # narrower "widths" are short files' longest lines, not a cut
_FREE_TEXT_TAGS = frozenset({"86", "NS"})


class _Statement(mt940.tags.Statement):
    """`:61:` as SWIFT writes it (16x reference, //16x bank reference), unless the line holds
    an IBAN (up to 34 characters) where a reference goes, as Dutch banks (ASN, SNS, RegioBank)
    export it: SWIFT's lengths would cut the IBAN in two, or not match at all. That wider
    reading is also the fallback for supplementary details over several lines."""

    wide: ClassVar[re.Pattern[str]] = re.compile(
        r"""^
        (?P<year>\d{2})(?P<month>\d{2})(?P<day>\d{2})
        (?P<entry_month>\d{2})?(?P<entry_day>\d{2})?
        (?P<status>R?[DC])
        (?P<funds_code>[A-Z])?
        \n?
        (?P<amount>\d[\d,]{0,14})
        (?P<id>[A-Z][A-Z0-9]{3})?
        (?P<customer_reference>[^/\n]{0,34})
        (?://(?P<bank_reference>[^\n]{0,34}))?
        (?:\n(?P<extra_details>[\s\S]*))?
        $""",
        re.VERBOSE,
    )

    def parse(self, transactions: mt940.models.Transactions, value: str) -> dict[str, str | None]:
        if _POINT_AMOUNT_RE.match(value):
            raise ValueError(f"amount with a decimal point: {value[:40]!r}", self, value)
        wide = self.wide.match(value)
        if wide is not None and (self.re.match(value) is None or _names_an_iban(wide)):
            found: dict[str, str | None] = wide.groupdict()
        else:
            found = super().parse(transactions, value)
        # The library starts a new transaction only at a :61: with a type code ("NTRF");
        # Zenith Bank sends none, and every line after the first would merge into it.
        found["id"] = found.get("id") or _NO_TYPE
        return found


def _names_an_iban(match: re.Match[str]) -> bool:
    references = (match.group("customer_reference"), match.group("bank_reference"))
    return any(ref is not None and _is_iban(ref.strip()) for ref in references)


def _is_iban(text: str) -> bool:
    """Shaped like an IBAN and its check digits agree (ISO 13616: mod 97 = 1)."""
    if _IBAN_RE.match(text) is None:
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


class _StatementNumber(mt940.tags.StatementNumber):
    """`:28C:` is not used for import: a blank or odd statement number ("  /1") is no reason
    to refuse a statement."""

    pattern: ClassVar[str] = r"""^\s*
    (?P<statement_number>\d{0,5})
    (?:/?(?P<sequence_number>\d{0,5}))?
    [\s\S]*$"""


_TAGS: dict[int | str, mt940.tags.Tag] = {61: _Statement(), 28: _StatementNumber()}


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
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    _refuse_mt942(raw_lines)
    lines, numbers = _logical_lines(raw_lines)
    starts = _statement_starts(lines)
    if not starts:
        raise StatementError("not_a_statement", None, "no :20: or :25: tag")

    statement_warnings: list[str] = []
    accounts: list[AccountSection] = []
    transactions: list[StatementTransaction] = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        section, entries = _parse_block(lines[start:end], numbers[start:end], statement_warnings)
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


def _refuse_mt942(raw_lines: list[str]) -> None:
    """An MT942 (interim transaction report: `{2:O942` header, or `:34F:` floor limits and no
    `:60F:` opening balance) lists bookings of an unfinished day; importing it would import
    them again with the day's MT940."""
    floor_line: int | None = None
    has_opening = False
    for number, line in enumerate(raw_lines, start=1):
        if _MT942_HEADER_RE.search(line):
            raise StatementError("mt942_intraday", number, line.strip()[:60])
        bare = _ENVELOPE_RE.sub("", line)
        has_opening = has_opening or bare.startswith((":60F:", ":60M:"))
        if floor_line is None and bare.startswith(":34F:"):
            floor_line = number
    if floor_line is not None and not has_opening:
        raise StatementError("mt942_intraday", floor_line, raw_lines[floor_line - 1].strip()[:60])


def _unwrap(line: str) -> str:
    line = _ENVELOPE_RE.sub("", line.rstrip())
    return "" if line in ("-}", "-", "}") or line.startswith("-}{5:") else line


def _cut_width(lines: list[str]) -> int | None:
    """The width the file's lines were cut at, if they were: a few lines share the longest
    length, and at least one of them, followed by a line without a tag, is not free text
    (a `:61:` cut in its amount or reference). Free text (`:86:`) wrapped at its longest line
    is no proof: banks wrap it on purpose, and its lines are read as wrapped."""
    width = max((len(line) for line in lines), default=0)
    full = [i for i, line in enumerate(lines[:-1]) if len(line) == width]
    if width < _MIN_CUT_WIDTH or len(full) < _MIN_CUT_LINES:
        return None
    tags = _line_tags(lines)
    for i in full:
        following = lines[i + 1]
        if not following or _TAG_RE.match(following):
            continue
        if tags[i] not in _FREE_TEXT_TAGS:
            return width
    return None


def _line_tags(lines: list[str]) -> list[str]:
    """For each line, the tag whose value it is part of ("" before the first tag)."""
    current = ""
    tags: list[str] = []
    for line in lines:
        tag = _TAG_RE.match(line)
        current = tag.group("tag") if tag is not None else current
        tags.append(current)
    return tags


def _logical_lines(raw_lines: list[str]) -> tuple[list[str], list[int]]:
    """The file's lines with envelopes dropped and cut or continued fields joined, and the
    1-based line number in the file where each one starts."""
    unwrapped = [_unwrap(line) for line in raw_lines]
    width = _cut_width(unwrapped)
    lines: list[str] = []
    numbers: list[int] = []
    previous_full = False
    for number, line in enumerate(unwrapped, start=1):
        joined = bool(lines) and bool(line) and _TAG_RE.match(line) is None
        if joined and previous_full:
            lines[-1] += line
        elif joined and _continues_short_tag(lines[-1], line):
            lines[-1] += line.strip()
        else:
            lines.append(line)
            numbers.append(number)
        previous_full = width is not None and len(line) == width
    return lines, numbers


def _continues_short_tag(previous: str, line: str) -> bool:
    tag = _TAG_RE.match(previous)
    if tag is None or tag.group("tag") not in _SHORT_TAGS:
        return False
    return _SHORT_TAGS[tag.group("tag")].match(line.strip()) is not None


def _statement_starts(lines: list[str]) -> list[int]:
    """Indices where a statement begins: each `:20:`, or each `:25:` in a file of a bank
    that leaves `:20:` out."""
    marker = ":20:" if any(line.startswith(":20:") for line in lines) else ":25:"
    return [index for index, line in enumerate(lines) if line.startswith(marker)]


def _refuse_second_account(lines: list[str], numbers: list[int]) -> None:
    """A second `:25:` inside one statement (a mangled `:86:`, say) would silently replace
    the account the whole statement belongs to."""
    accounts = [n for line, n in zip(lines, numbers, strict=True) if line.startswith(":25:")]
    if len(accounts) > 1:
        raise StatementError("bad_mt940", accounts[1], lines[numbers.index(accounts[1])][:80])


def _refuse_point_balances(lines: list[str], numbers: list[int]) -> None:
    """The library would read the balance "C030107EUR000000002145.23" as 2145."""
    for line, number in zip(lines, numbers, strict=True):
        if _POINT_BALANCE_RE.match(line):
            raise StatementError("bad_amount", number, line[:80])


def _parse_block(
    lines: list[str], numbers: list[int], statement_warnings: list[str]
) -> tuple[AccountSection, list[StatementTransaction]]:
    start = numbers[0]
    _refuse_second_account(lines, numbers)
    _refuse_point_balances(lines, numbers)
    block = "\n".join(lines)
    entry_lines = [numbers[i] for i, line in enumerate(lines) if line.startswith(":61:")]
    collection = mt940.models.Transactions(options=mt940.Options.all(), tags=_TAGS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            collection.parse(block)
        except _LIBRARY_ERRORS as exc:
            message = str(exc.args[0] if exc.args else exc)
            code = _error_code(message)
            line, text = _failed_line(exc, lines, numbers)
            detail = message[:200] if code == "bad_date" else text[:80]
            raise StatementError(code, line, detail) from None
    for warning in caught:
        statement_warnings.append(f"line {start}: mt940: {warning.message}")
    if len(collection.transactions) != len(entry_lines):
        raise StatementError(
            "bad_mt940",
            start,
            f"{len(entry_lines)} :61: lines but {len(collection.transactions)} transactions read",
        )

    info = collection.data
    account = str(info.get("account_identification") or "").strip()
    if not account:
        raise StatementError("missing_field", start, ":25: account is missing")
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


def _error_code(message: str) -> str:
    if "out of range" in message or "must be in" in message:
        return "bad_date"
    return "bad_amount" if "decimal point" in message else "bad_mt940"


def _failed_line(exc: BaseException, lines: list[str], numbers: list[int]) -> tuple[int, str]:
    """The file line of the tag whose value the library could not read (it passes the value
    as the exception's last argument) and that line's text; else the statement's first line."""
    value = exc.args[-1] if len(exc.args) > 1 else None
    if isinstance(value, str) and value.strip():
        first = value.strip().split("\n", 1)[0]
        for line, number in zip(lines, numbers, strict=True):
            if first in line:
                return number, line
    return numbers[0], lines[0]


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
    # RC (reversal of a credit) takes money out, RD (reversal of a debit) brings it back.
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
    # ASN/SNS put the other party's IBAN where the reference goes: it is their account.
    iban = next((ref for ref in (customer_ref, bank_ref) if _is_iban(ref)), "")
    other_account = str(data.get("applicant_iban") or "").strip() or iban
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
        reversal=status.startswith("R"),
        raw=raw,
    )
