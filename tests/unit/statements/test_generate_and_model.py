from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.statements import (
    AccountSection,
    Statement,
    StatementTransaction,
    generate_1c,
    parse_statement,
)

OWN = "40702810900000012345"
BIC = "044525974"


def _transactions(count: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "direction": rng.choice(["in", "out"]),
            "amount": Decimal(rng.randint(1, 10**8)) / 100,
            "date": date(2026, 1, 1) + timedelta(days=rng.randint(0, 58)),
            "number": str(index + 1),
            "kind": "Банковский ордер" if index % 10 == 0 else "Платежное поручение",
            "counterparty_name": f'ООО "Контрагент {index}"',
            "counterparty_inn": "7707083893",
            "counterparty_account": f"40702810{index:012d}",
            "purpose": f"Оплата по счету № {index} от 01.01.2026",
        }
        for index in range(count)
    ]


def test_generated_10000_documents_round_trip() -> None:
    source = _transactions(10_000)
    raw = generate_1c(OWN, BIC, source, opening_balance=Decimal("1000000.00"))

    started = time.perf_counter()
    statement = parse_statement(raw, "bench.txt")
    elapsed = time.perf_counter() - started
    print(f"\nparsed {len(raw) / 1e6:.1f} MB, 10,000 documents, in {elapsed:.3f} s")

    assert statement.encoding == "cp1251"
    assert statement.warnings == []
    assert statement.check_balances() == []
    assert len(statement.transactions) == 10_000
    for tx, expected in zip(statement.transactions, source, strict=True):
        assert (tx.direction, tx.amount, tx.doc_date, tx.doc_number, tx.doc_kind) == (
            expected["direction"],
            expected["amount"],
            expected["date"],
            expected["number"],
            expected["kind"],
        )
        assert tx.account == OWN
        counterparty = tx.payer_name if tx.direction == "in" else tx.payee_name
        assert counterparty == expected["counterparty_name"]
    assert len({tx.stable_key() for tx in statement.transactions}) == 10_000
    [section] = statement.accounts
    assert section.opening_balance == Decimal("1000000.00")
    assert section.closing_balance == Decimal("1000000.00") + sum(
        (tx.amount if tx.direction == "in" else -tx.amount for tx in statement.transactions),
        Decimal(0),
    )


@pytest.mark.parametrize(
    ("encoding", "claim", "expected"),
    [
        ("cp1251", "Windows", "cp1251"),
        ("cp866", "DOS", "cp866"),
        ("utf-8-sig", "Windows", "utf-8"),
        ("utf-8", "Windows", "utf-8"),
        ("cp1251", "DOS", "cp1251"),  # the header lies the other way: the bytes decide
    ],
)
def test_generated_encodings(encoding: str, claim: str, expected: str) -> None:
    source = _transactions(20)
    raw = generate_1c(OWN, BIC, source, encoding=encoding, header_encoding_claim=claim)
    statement = parse_statement(raw)
    assert statement.encoding == expected
    assert [tx.payer_name or tx.payee_name for tx in statement.transactions]
    assert statement.transactions[0].purpose == "Оплата по счету № 0 от 01.01.2026"


def test_reimport_and_overlap_give_the_same_keys() -> None:
    source = _transactions(30)
    first = parse_statement(generate_1c(OWN, BIC, source[:20]))
    overlapping = parse_statement(generate_1c(OWN, BIC, source[10:], version="1.02"))
    keys_first = {tx.stable_key() for tx in first.transactions}
    keys_second = {tx.stable_key() for tx in overlapping.transactions}
    assert len(keys_first & keys_second) == 10
    assert len(keys_first | keys_second) == 30
    again = parse_statement(generate_1c(OWN, BIC, source[:20], encoding="cp866"))
    assert [tx.stable_key() for tx in again.transactions] == [
        tx.stable_key() for tx in first.transactions
    ]


def _tx(**changes: object) -> StatementTransaction:
    values: dict[str, object] = {
        "direction": "in",
        "amount": Decimal("100.00"),
        "currency": "RUB",
        "doc_number": "42",
        "doc_date": date(2026, 3, 2),
        "value_date": date(2026, 3, 2),
        "doc_kind": "Платежное поручение",
        "payer_name": "ООО Ромашка",
        "payer_inn": "7707083893",
        "payer_kpp": "",
        "payer_account": "40702810500000054321",
        "payer_bank_bic": "044525225",
        "payee_name": "ООО Дилчат",
        "payee_inn": "",
        "payee_account": OWN,
        "purpose": "Оплата",
        "line": 20,
        "account": OWN,
    }
    values.update(changes)
    return StatementTransaction(**values)  # type: ignore[arg-type]


def test_stable_key_ignores_purpose_and_line_but_not_money() -> None:
    base = _tx()
    assert len(base.stable_key()) == 64
    assert _tx(purpose="другое", line=999, raw={"x": "y"}).stable_key() == base.stable_key()
    assert _tx(amount=Decimal("100")).stable_key() == base.stable_key()
    assert base.stable_key(OWN) == base.stable_key()
    for change in (
        {"amount": Decimal("100.01")},
        {"doc_number": "43"},
        {"doc_date": date(2026, 3, 3)},
        {"payer_account": "40702810500000054322"},
        {"payer_inn": "7707083894"},
        {"direction": "out"},
    ):
        assert _tx(**change).stable_key() != base.stable_key(), change
    assert base.stable_key("40702810000000000000") != base.stable_key()


def test_check_balances_sums_sections_of_the_same_account() -> None:
    def section(opening: str, total_in: str, total_out: str, closing: str) -> AccountSection:
        return AccountSection(
            account=OWN,
            currency="RUB",
            date_from=None,
            date_to=None,
            opening_balance=Decimal(opening),
            total_in=Decimal(total_in),
            total_out=Decimal(total_out),
            closing_balance=Decimal(closing),
        )

    statement = Statement(
        format="1c",
        encoding="cp1251",
        version="1.03",
        sender="",
        accounts=[section("0", "100", "0", "100"), section("100", "50", "30", "120")],
        transactions=[
            _tx(amount=Decimal("100")),
            _tx(amount=Decimal("50"), doc_number="2"),
            _tx(amount=Decimal("30"), direction="out"),
        ],
    )
    assert statement.check_balances() == []
    broken = Statement(
        format="1c",
        encoding="cp1251",
        version="1.03",
        sender="",
        accounts=statement.accounts,
        transactions=statement.transactions[:2],
    )
    [mismatch] = broken.check_balances()
    assert (mismatch.kind, mismatch.expected, mismatch.actual) == (
        "total_out",
        Decimal("30"),
        Decimal("0"),
    )
