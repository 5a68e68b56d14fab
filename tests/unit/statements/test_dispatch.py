from __future__ import annotations

import random

import pytest

from services.statements import StatementError, detect_format, parse_statement
from tests.unit.statements.paths import data, public


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("onec_cp866_dos.txt", "1c"),
        ("onec_utf8_bom_windows.txt", "1c"),
        ("camt053_v02.xml", "camt053"),
        ("camt053_v08.xml", "camt053"),
        ("mt940_by.sta", "mt940"),
        ("mt940_multi.sta", "mt940"),
        ("not_a_statement.pdf", None),
        ("not_a_statement.png", None),
    ],
)
def test_detect_format(name: str, expected: str | None) -> None:
    assert detect_format(data(name)) == expected


def test_public_samples_are_detected_as_1c() -> None:
    assert detect_format(public("odoo-ru_kl_to_1c_cp1251.txt")) == "1c"


@pytest.mark.parametrize(
    "raw",
    [
        random.Random(20260302).randbytes(4096),
        b"%PDF-1.4\n" + random.Random(1).randbytes(500),
        b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(500),
        b"<html><body>1CClientBankExchange</body></html>",
        b"Name;Amount\nRomashka;1500.00\n",
    ],
    ids=["random", "pdf", "png", "html", "csv"],
)
def test_not_a_statement(raw: bytes) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(raw, "upload.bin")
    assert caught.value.code == "not_a_statement"


@pytest.mark.parametrize("name", ["not_a_statement.pdf", "not_a_statement.png"])
def test_real_pdf_and_png_files_are_not_statements(name: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(data(name), name)
    assert caught.value.code == "not_a_statement"
    assert caught.value.detail == name


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\xef\xbb\xbf\r\n"])
def test_empty(raw: bytes) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(raw)
    assert caught.value.code == "empty"


def test_too_large_is_refused_before_parsing() -> None:
    raw = data("onec_cp866_dos.txt")
    with pytest.raises(StatementError) as caught:
        parse_statement(raw, max_bytes=len(raw) - 1)
    assert caught.value.code == "too_large"
    assert parse_statement(raw, max_bytes=len(raw)).transactions


@pytest.mark.parametrize(
    "name", ["onec_utf8_bom_windows.txt", "camt053_v08.xml", "mt940_multi.sta"]
)
def test_damaged_files_parse_whole_or_raise_statement_error(name: str) -> None:
    """Flip, drop and duplicate bytes: the parsers either return a statement or raise
    StatementError, never another exception (a partial import must be impossible)."""
    original = data(name)
    rng = random.Random(name)
    for _ in range(300):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 6)):
            position = rng.randrange(len(damaged))
            action = rng.randrange(3)
            if action == 0:
                damaged[position] = rng.randrange(256)
            elif action == 1:
                del damaged[position : position + rng.randint(1, 40)]
            else:
                damaged[position:position] = damaged[position : position + rng.randint(1, 40)]
        try:
            parse_statement(bytes(damaged))
        except StatementError:
            pass
