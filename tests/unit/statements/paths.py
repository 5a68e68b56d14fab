"""Where the statement samples live: ours in tests/data/statements, the public ones (real
files with their licences) in ../shared/samples/bank-statements next to the repository."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from services.statements import parse_statement
from services.statements.model import Statement

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA = REPO_ROOT / "tests" / "data" / "statements"
PUBLIC = REPO_ROOT.parent / "shared" / "samples" / "bank-statements"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def public(name: str) -> bytes:
    path = PUBLIC / name
    if not path.is_file():
        pytest.skip(f"public sample {path} is absent (it lives outside the repository)")
    return path.read_bytes()


def real(kind: str, name: str) -> bytes:
    """A bank's published file, kept in tests/data/statements/real/<kind> with its provenance."""
    return (DATA / "real" / kind / name).read_bytes()


def parse_real(kind: str, name: str) -> Statement:
    return parse_statement(real(kind, name), name)


def sums(statement: Statement) -> tuple[int, Decimal, Decimal]:
    """Count of transactions, total in, total out."""
    total_in = sum((t.amount for t in statement.transactions if t.direction == "in"), Decimal(0))
    total_out = sum((t.amount for t in statement.transactions if t.direction == "out"), Decimal(0))
    return len(statement.transactions), total_in, total_out
