from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.statements import StatementError, parse_mt940, parse_statement
from tests.unit.statements.paths import data


def test_incoming_and_outgoing_with_balances() -> None:
    statement = parse_statement(data("mt940_by.sta"), "statement.sta")

    assert statement.format == "mt940"
    [section] = statement.accounts
    assert section.account == "BY13NBRB3600900000002Z00AB00"
    assert section.currency == "BYN"
    assert (section.opening_balance, section.closing_balance) == (
        Decimal("1000.00"),
        Decimal("2250.50"),
    )
    assert statement.check_balances() == []
    incoming, fee = statement.transactions
    assert (incoming.direction, incoming.amount, incoming.doc_number) == (
        "in",
        Decimal("1500.50"),
        "INV-77",
    )
    assert incoming.purpose == "Оплата по счету 77 от 01.03.2026, ООО Клиент, УНП 190000001"
    assert incoming.doc_date == date(2026, 3, 2)
    assert incoming.line == 5
    assert incoming.payee_account == section.account
    assert (fee.direction, fee.amount, fee.doc_kind) == ("out", Decimal("250.00"), "NMSC")
    assert fee.doc_number == "BANK000112"  # NONREF falls back to the bank's reference
    assert fee.line == 7


def test_swift_envelope_two_statements_and_wrapped_details() -> None:
    statement = parse_mt940(data("mt940_multi.sta"))
    assert [s.closing_balance for s in statement.accounts] == [
        Decimal("150.00"),
        Decimal("-50.00"),
    ]
    assert statement.check_balances() == []
    first, second = statement.transactions
    assert first.purpose == (
        "First line of a long purpose that the bank wrapped at exactly sixty-five characters, "
        "and more"
    )
    assert (second.direction, second.line, second.purpose) == ("out", 16, "Rent March")


_BASE = ":20:X\n:25:NL91ABNA0417164300\n:60F:C260301EUR0,00\n{body}:62F:C260301EUR{closing}\n"


def test_mismatch_warns_and_long_details_are_kept() -> None:
    purpose = "A" * 64 + " " + "B" * 400
    body = ":61:2603010301C10,00NTRFREF//B\n:86:" + purpose + "\n"
    statement = parse_mt940(_BASE.format(body=body, closing="11,00").encode())
    assert statement.transactions[0].purpose == purpose
    assert statement.warnings == [
        "balance_mismatch: account NL91ABNA0417164300: closing_balance stated 11.00, "
        "computed 10.00"
    ]


@pytest.mark.parametrize(
    ("body", "code", "line"),
    [
        # the date is checked after the line was read: the statement's first line is named
        (":61:2602310231C10,00NTRFREF//B\n", "bad_date", 1),
        # a line the library cannot read is named itself
        (":61:garbage\n", "bad_mt940", 4),
    ],
)
def test_library_errors_become_statement_errors(body: str, code: str, line: int) -> None:
    with pytest.raises(StatementError) as caught:
        parse_mt940(_BASE.format(body=body, closing="10,00").encode())
    assert caught.value.code == code
    assert caught.value.line == line
