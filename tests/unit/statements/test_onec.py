from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from services.statements import StatementError, parse_1c, parse_statement
from tests.unit.statements.paths import data, public

OWN = "40702810900000012345"


# -- public, real files ------------------------------------------------------------------------


def test_kilylabs_one_day_has_13_documents_and_reconciles() -> None:
    statement = parse_statement(public("kilylabs_one_day_cp1251.txt"), "one_day.txt")

    assert statement.format == "1c"
    assert statement.encoding == "cp1251"
    assert statement.version == "1.02"
    assert statement.sender == "Банк Клиент Онлайн"
    assert Counter(tx.doc_kind for tx in statement.transactions) == {
        "Банковский ордер": 6,
        "Платежное поручение": 7,
    }
    [section] = statement.accounts
    assert section.account == "40702810200000000001"
    assert section.currency == "RUB"
    assert (section.opening_balance, section.total_in, section.total_out) == (
        Decimal("45329.91"),
        Decimal("40000.00"),
        Decimal("41184.00"),
    )
    assert section.closing_balance == Decimal("44145.91")
    assert statement.check_balances() == []
    assert statement.warnings == []
    incoming = [tx for tx in statement.transactions if tx.direction == "in"]
    assert sorted(tx.amount for tx in incoming) == [
        Decimal("6000.00"),
        Decimal("14000.00"),
        Decimal("20000.00"),
    ]
    assert all(tx.value_date == date(2016, 1, 11) for tx in statement.transactions)
    first = statement.transactions[0]
    assert (first.doc_kind, first.doc_number, first.amount, first.line) == (
        "Банковский ордер",
        "697162",
        Decimal("83.23"),
        20,
    )
    assert first.direction == "out"  # only ДатаСписано says so: the payer account is masked
    assert first.raw["КвитанцияСодержание"] == "статус документа: Внешний "


def test_kilylabs_utf8_variant_parses_identically() -> None:
    cp1251 = parse_1c(public("kilylabs_one_day_cp1251.txt"))
    utf8 = parse_1c(public("kilylabs_one_day_utf8.txt"))

    assert utf8.encoding == "utf-8"  # although its header says Кодировка=Windows
    assert utf8.transactions == cp1251.transactions
    assert utf8.accounts == cp1251.accounts
    assert utf8.transactions[0].payer_bank_bic == "044525716"


def test_odoo_ru_file_version_101_with_blank_line_in_header() -> None:
    statement = parse_statement(public("odoo-ru_kl_to_1c_cp1251.txt"))

    assert statement.version == "1.01"
    assert statement.warnings == []
    [tx] = statement.transactions
    assert tx.direction == "out"
    assert tx.amount == Decimal("108159.12")
    assert tx.doc_date == date(2023, 3, 31)
    assert tx.value_date == date(2023, 4, 3)
    assert (tx.payer_inn, tx.payer_kpp, tx.payee_name) == (
        "0000000002",
        "000000002",
        "ЭнергоСистемы",
    )
    assert tx.purpose == "Оплата по счету N 1024 от 01.01.23г 18026,52"
    assert statement.check_balances() == []


# -- constructed files: encodings and layout ----------------------------------------------------


def _expected_shape(statement_bytes: bytes, encoding: str) -> None:
    statement = parse_statement(statement_bytes)
    assert statement.encoding == encoding
    assert [(tx.direction, tx.amount, tx.doc_kind) for tx in statement.transactions] == [
        ("in", Decimal("1500.00"), "Платежное поручение"),
        ("out", Decimal("3000.00"), "Платежное поручение"),
        ("out", Decimal("150.00"), "Банковский ордер"),
    ]
    incoming = statement.transactions[0]
    assert incoming.payer_name == 'ООО "Ромашка"'
    assert incoming.payee_account == OWN
    assert incoming.purpose == "Оплата по счету № 42 от 01.03.2026. В т.ч. НДС 22%"
    assert statement.check_balances() == []
    assert statement.warnings == []


def test_cp866_file_with_dos_claim() -> None:
    _expected_shape(data("onec_cp866_dos.txt"), "cp866")


def test_utf8_with_bom_claiming_windows() -> None:
    raw = data("onec_utf8_bom_windows.txt")
    assert raw.startswith(b"\xef\xbb\xbf") and "Кодировка=Windows".encode() in raw
    _expected_shape(raw, "utf-8")


def test_blank_lines_in_header_and_between_sections() -> None:
    statement = parse_statement(data("onec_blank_lines.txt"))
    assert statement.sender == "Тестовый банк"
    assert [tx.line for tx in statement.transactions] == [24, 50, 70]
    _expected_shape(data("onec_blank_lines.txt"), "cp1251")


def test_cp1251_cp866_and_utf8_files_give_the_same_transactions() -> None:
    cp866 = parse_1c(data("onec_cp866_dos.txt")).transactions
    utf8 = parse_1c(data("onec_utf8_bom_windows.txt")).transactions
    assert cp866 == utf8


def test_amount_with_comma_and_integer_amount() -> None:
    statement = parse_1c(data("onec_comma_amount.txt"))
    assert statement.transactions[0].amount == Decimal("1500.00")
    assert statement.transactions[2].amount == Decimal("150.00")  # "Сумма=150"


def test_five_thousand_character_purpose_is_kept_whole() -> None:
    statement = parse_1c(data("onec_long_purpose.txt"))
    purpose = statement.transactions[0].purpose
    assert len(purpose) == 5000
    assert purpose.startswith("Оплата по договору поставки № 2026/15")


def test_outgoing_payment_recognised_by_our_account_without_write_off_date() -> None:
    statement = parse_1c(data("onec_outgoing_by_account.txt"))
    outgoing = statement.transactions[1]
    assert outgoing.direction == "out"
    assert outgoing.value_date is None
    assert outgoing.payer_account == OWN
    assert outgoing.payee_name == "ИП Иванов Иван Иванович"
    assert outgoing.account == OWN


def test_balance_mismatch_is_reported_not_raised() -> None:
    statement = parse_1c(data("onec_balance_mismatch.txt"))
    mismatches = statement.check_balances()
    assert {(m.kind, m.expected, m.actual) for m in mismatches} == {
        ("closing_balance", Decimal("8350.01"), Decimal("8450.00")),
        ("total_in", Decimal("1600.00"), Decimal("1500.00")),
    }
    assert statement.warnings == [str(m) for m in mismatches]
    assert all(OWN in w for w in statement.warnings)


# -- constructed files: errors, each naming its line --------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "line", "detail"),
    [
        ("onec_missing_amount.txt", "missing_field", 46, "Сумма"),
        ("onec_bad_date.txt", "bad_date", 22, "31.02.2026"),
        ("onec_negative_amount.txt", "negative_amount", 49, "-3000.00"),
        ("onec_truncated.txt", "truncated", 65, "КонецДокумента"),
        ("onec_no_end_of_file.txt", "truncated", None, "КонецФайла"),
    ],
)
def test_broken_files_raise_with_line(name: str, code: str, line: int | None, detail: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(data(name))
    assert caught.value.code == code
    if line is not None:
        assert caught.value.line == line
    assert detail in caught.value.detail


def test_bad_date_line_points_at_the_date() -> None:
    with pytest.raises(StatementError) as caught:
        parse_1c(data("onec_bad_date.txt"))
    line = caught.value.line
    assert line is not None
    text = data("onec_bad_date.txt").decode("cp1251").split("\r\n")
    assert text[line - 1] == "Дата=31.02.2026"


def _mini(document: str, *, header: str = "", tail: str = "КонецФайла\n") -> bytes:
    return (
        "1CClientBankExchange\nВерсияФормата=1.03\nКодировка=Windows\n"
        f"РасчСчет={OWN}\n{header}{document}{tail}"
    ).encode("cp1251")


_DOC = "СекцияДокумент=Платежное поручение\nНомер=1\nДата=02.03.2026\n{extra}КонецДокумента\n"


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ("Сумма=12.345\nДатаПоступило=02.03.2026\n", "bad_amount"),
        ("Сумма=1e5\nДатаПоступило=02.03.2026\n", "bad_amount"),
        ("Сумма=abc\nДатаПоступило=02.03.2026\n", "bad_amount"),
        ("Сумма=10\nДатаПоступило=2026-03-02\n", "bad_date"),
        ("Сумма=10\nДатаПоступило=32.01.2026\n", "bad_date"),
        ("Сумма=10\nПолучательСчет=40702810100000000009\n", "unknown_direction"),
    ],
)
def test_small_errors(extra: str, code: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_1c(_mini(_DOC.format(extra=extra)))
    assert caught.value.code == code
    assert caught.value.line is not None and caught.value.line >= 5


def test_document_without_date_is_missing_field_at_its_start() -> None:
    raw = _mini("СекцияДокумент=Платежное поручение\nСумма=5\nКонецДокумента\n")
    with pytest.raises(StatementError) as caught:
        parse_1c(raw)
    assert (caught.value.code, caught.value.line) == ("missing_field", 5)


def test_nested_document_is_a_structure_error() -> None:
    raw = _mini("СекцияДокумент=Платежное поручение\nСумма=5\n" + _DOC.format(extra="Сумма=1\n"))
    with pytest.raises(StatementError) as caught:
        parse_1c(raw)
    assert (caught.value.code, caught.value.line) == ("bad_structure", 5)


def test_lf_only_and_unknown_keys_kept_in_raw() -> None:
    doc = _DOC.format(extra="Сумма=7.5\nПолучательСчет=" + OWN + "\nНовыйКлючБанка=42\n")
    statement = parse_1c(_mini(doc))
    [tx] = statement.transactions
    assert (tx.direction, tx.amount, tx.raw["НовыйКлючБанка"]) == ("in", Decimal("7.50"), "42")
    assert tx.value_date is None
    assert statement.accounts == []


def test_unsupported_version_is_a_warning() -> None:
    raw = _mini(_DOC.format(extra="Сумма=1\nДатаПоступило=02.03.2026\n")).replace(
        b"=1.03", b"=2.00"
    )
    assert parse_1c(raw).warnings == ["unsupported_version: ВерсияФормата='2.00'"]


def test_wrong_first_line_and_empty_file() -> None:
    with pytest.raises(StatementError) as caught:
        parse_1c(b"Hello\r\n1CClientBankExchange\r\n")
    assert (caught.value.code, caught.value.line) == ("not_a_statement", 1)
    with pytest.raises(StatementError) as caught:
        parse_1c(b"\r\n  \r\n")
    assert caught.value.code == "empty"
