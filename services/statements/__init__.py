"""Bank statement import: 1CClientBankExchange, camt.053/camt.054 and MT940 into one neutral model.

`parse_statement(data)` either returns a whole `Statement` or raises `StatementError` with a
stable code (and a line where one can be named); it never returns part of a file.
"""

from __future__ import annotations

import codecs
import re

from services.statements.camt import parse_camt053
from services.statements.generate import generate_1c
from services.statements.model import (
    AccountSection,
    BalanceMismatch,
    Statement,
    StatementError,
    StatementTransaction,
)
from services.statements.mt940 import parse_mt940
from services.statements.onec import parse_1c

__all__ = [
    "DEFAULT_MAX_BYTES",
    "AccountSection",
    "BalanceMismatch",
    "Statement",
    "StatementError",
    "StatementTransaction",
    "detect_format",
    "generate_1c",
    "parse_1c",
    "parse_camt053",
    "parse_mt940",
    "parse_statement",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_SNIFF = 65536
_CAMT_RE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.")
# MT940 needs an account and an opening balance (`:20:` is often left out); an MT942 has
# floor limits (`:34F:`) instead of the balance and is recognised so as to be refused by name.
_MT940_TAGS = (
    re.compile(rb"(?m)^(?:\{[^\n]*\{4:\s*)?:25:"),
    re.compile(rb"(?m)^(?::60[FM]:|:34F:)"),
)


def detect_format(data: bytes) -> str | None:
    """ "1c", "camt053", "camt054", "mt940" or None, from the content alone."""
    head = data[:_SNIFF].removeprefix(codecs.BOM_UTF8)
    if head.startswith(b"1CClientBankExchange"):
        return "1c"
    stripped = head.lstrip()
    if stripped.startswith(b"<"):
        camt = _CAMT_RE.search(head)
        return None if camt is None else "camt" + camt.group(1).decode("ascii")
    if all(tag.search(head) for tag in _MT940_TAGS):
        return "mt940"
    return None


def parse_statement(
    data: bytes, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Statement:
    """Parse an uploaded statement of any supported format. `filename` only names the file in
    errors: the content decides the format (users rename files; banks pick odd extensions)."""
    if len(data) > max_bytes:
        raise StatementError("too_large", None, f"{len(data)} bytes > {max_bytes}")
    if not data.removeprefix(codecs.BOM_UTF8).strip(b" \t\r\n\x00\x1a"):
        raise StatementError("empty", None, filename or "")
    kind = detect_format(data)
    if kind == "1c":
        return parse_1c(data)
    if kind in ("camt053", "camt054"):
        return parse_camt053(data)
    if kind == "mt940":
        return parse_mt940(data)
    raise StatementError("not_a_statement", None, filename or "unknown format")
