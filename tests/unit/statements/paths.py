"""Where the statement samples live: ours in tests/data/statements, the public ones (real
files with their licences) in ../shared/samples/bank-statements next to the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

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
