"""How a search text is read: document numbers in the payment matcher's spellings, amounts as
people type them, payment order numbers, bank accounts and IBANs, and the archive word."""

from __future__ import annotations

import pytest

from services.matching.normalize import _fold_prefix
from services.search import (
    NumberRef,
    account_key,
    amount_range,
    archive_query,
    number_refs,
    order_numbers,
    search_keys,
)

PREFIXES = frozenset({_fold_prefix("INV"), _fold_prefix("Q"), _fold_prefix("СЧ")})


@pytest.mark.parametrize(("typed", "expected"), [
    ("INV-2026-00042", NumberRef(42, "inv", 2026)),
    ("inv 2026 42", NumberRef(42, "inv", 2026)),
    ("inv2026/42", NumberRef(42, "inv", 2026)),
    ("№INV-2026-42", NumberRef(42, "inv", 2026)),
    ("ІNV-2026-42", NumberRef(42, "inv", 2026)),  # a Cyrillic І typed for the Latin I
    ("СЧ-2026-00042", NumberRef(42, _fold_prefix("СЧ"), 2026)),
    ("сч 42", NumberRef(42)),
    ("счёт № 42", NumberRef(42)),
    ("Счет 42 от 01.11.2026", NumberRef(42)),
    ("№42", NumberRef(42)),
    ("# 42", NumberRef(42)),
    ("42", NumberRef(42)),
    ("00042", NumberRef(42)),
    ("INV-42", NumberRef(42)),  # "inv" is an invoice word for the matcher
    ("Q 7", NumberRef(7, "q")),
])
def test_document_numbers(typed: str, expected: NumberRef) -> None:
    assert number_refs(typed, PREFIXES) == (expected,)


@pytest.mark.parametrize("typed", [
    "882694,40", "882 694", "1 200,50", "01.11.2026", "р/счет 40702810900000001234",
    "договор 42", "ABC-42", "НДС 22%", "1234567890",
])
def test_not_document_numbers(typed: str) -> None:
    assert number_refs(typed, PREFIXES) == ()


def test_a_year_and_series_must_fit() -> None:
    ref = NumberRef(42, "inv", 2026)
    assert ref.fits("INV", 2026) and ref.fits(" inv ", 2026)
    assert not ref.fits("INV", 2025) and not ref.fits("Q", 2026) and not ref.fits(None, 2026)
    assert NumberRef(42).fits(None, None) and NumberRef(42, year=2026).fits("Q", 2026)


@pytest.mark.parametrize(("typed", "expected"), [
    ("882694,40", (88269440, 88269440)),
    ("882694.4", (88269440, 88269440)),
    ("882 694,40", (88269440, 88269440)),
    ("882\u00a0694,40", (88269440, 88269440)),
    ("882\u202f694,40 ₽", (88269440, 88269440)),
    ("882 694", (88269400, 88269499)),  # a whole number: every amount of that whole unit
    ("882694", (88269400, 88269499)),
    ("882 694 р.", (88269400, 88269499)),
    ("882 694 руб", (88269400, 88269499)),
    ("1,200,000", (120000000, 120000099)),
    ("1.200,50 lei", (120050, 120050)),
    ("42", (4200, 4299)),
])
def test_amounts(typed: str, expected: tuple[int, int]) -> None:
    assert amount_range(typed) == expected


@pytest.mark.parametrize("typed", ["1,005", "1.200", "0", "-5", "12-34", "882 69", "abc",
                                   "+7 912 345-67-89", "1 2 3"])
def test_not_amounts(typed: str) -> None:
    assert amount_range(typed) is None


@pytest.mark.parametrize(("typed", "expected"), [
    ("40702810900000001234", "40702810900000001234"),
    ("4070 2810 9000 0000 1234", "40702810900000001234"),
    ("р/с 40702810900000001234", "40702810900000001234"),
    ("расчетный счет 40702810900000001234", "40702810900000001234"),
    ("RO49 AAAA 1B31 0075 9384 0000", "RO49AAAA1B31007593840000"),
    ("ro49aaaa1b31007593840000", "RO49AAAA1B31007593840000"),
    ("IBAN: MD24 AG00 0225 1000 1310 4168", "MD24AG000225100013104168"),
    ("BY13 NBRB 3600 9000 0000 2Z00 AB00", "BY13NBRB3600900000002Z00AB00"),
])
def test_accounts(typed: str, expected: str) -> None:
    assert account_key(typed) == expected


@pytest.mark.parametrize("typed", ["7707083893", "4070281090000000123", "RO49", "Ромашка",
                                   "+7 912 345 67 89"])
def test_not_accounts(typed: str) -> None:
    assert account_key(typed) is None


def test_payment_order_numbers() -> None:
    assert order_numbers("15") == ("15",)
    assert order_numbers("п/п 15") == ("15",)
    assert order_numbers("платёжка № 15") == ("15",)
    assert order_numbers("платежное поручение 15") == ("15",)
    assert order_numbers("пко-1") == ("пко-1", "ПКО-1")
    assert order_numbers("12-34") == () and order_numbers("Ромашка") == ()


def test_archive_word() -> None:
    assert archive_query("архив Ромашка") == ("Ромашка", True)
    assert archive_query("  ARCHIVE   ромашка ") == ("ромашка", True)
    assert archive_query("arhivă Lumina") == ("Lumina", True)
    assert archive_query("Архивариус") == ("Архивариус", False)
    assert archive_query("архив") == ("архив", False)
    keys = search_keys("архив Ромашка", "RU")
    assert keys.archived and keys.name_prefix == "ромашка"


def test_all_readings_of_one_text() -> None:
    keys = search_keys("882 694,40", "RU", PREFIXES)
    assert keys.amount == (88269440, 88269440) and keys.numbers == ()
    assert keys.phone is None and keys.account is None and not keys.archived
    keys = search_keys("INV-2026-00042", "RU", PREFIXES)
    assert keys.numbers == (NumberRef(42, "inv", 2026),) and keys.amount is None
    keys = search_keys("Ромашка", "RU", PREFIXES)
    assert (keys.numbers, keys.amount, keys.doc_numbers, keys.account) == ((), None, (), None)
