"""Real banks' MT940 exports (tests/data/statements/real/mt940, provenance in its README.md).

Each file is checked against what its source repository asserts about it: WoLpH/mt940 keeps a
`.yml` dump of the parse next to each file (transactions, and the last `:60F:` / `:62F:` read,
under `final_opening_balance` / `final_closing_balance`); fruitl00p/php-mt940 asserts in the
bank engine's `ParseTest.php` (statement count, start/end dates, start − end "delta price",
first transaction). Sums in/out are the sums of the `.yml` transactions' amounts by sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from services.statements import Statement, StatementError, parse_statement
from tests.unit.statements.paths import DATA

REAL = DATA / "real" / "mt940"


def real(name: str) -> Statement:
    return parse_statement((REAL / name).read_bytes(), name)


@dataclass(frozen=True)
class Expected:
    file: str
    source: str  # where the expectation comes from
    count: int
    total_in: str
    total_out: str
    #: (section index, opening, closing) of the statement the source names
    balances: tuple[int, str, str]
    sections: int
    #: the file's own balances do not add up (anonymised by its contributor)
    mismatched: bool = False


_W = "WoLpH/mt940@d3f8b44 mt940_tests/"
WOLPH = [
    Expected(
        "abnamro_jejik.sta",
        _W + "jejik/abnamro.yml",
        10,
        "0",
        "345.93",
        (0, "3236.28", "876.84"),
        2,
        mismatched=True,
    ),
    Expected(
        "ing_jejik.sta",
        _W + "jejik/ing.yml",
        7,
        "4.68",
        "50.27",
        (0, "0.00", "3.47"),
        1,
        mismatched=True,
    ),
    Expected(
        "knab_jejik.sta",
        _W + "jejik/knab.yml",
        3,
        "1000",
        "7260",
        (1, "3058.98", "798.98"),
        2,
        mismatched=True,
    ),
    Expected(
        "rabobank_jejik.sta",
        _W + "jejik/rabobank-iban.yml",
        4,
        "0",
        "70.00",
        (1, "965.00", "930.00"),
        2,
    ),
    Expected("sns_jejik.sta", _W + "jejik/sns.yml", 2, "0", "25.00", (1, "1209.56", "1209.56"), 2),
    Expected(
        "triodos_jejik.sta",
        _W + "jejik/triodos.yml",
        2,
        "0",
        "715.70",
        (0, "4975.09", "4370.79"),
        1,
        mismatched=True,
    ),
    Expected(
        "postfinance_jejik.sta",
        _W + "jejik/postfinance.yml",
        4,
        "239.3",
        "79.9",
        (0, "0", "229.2"),
        2,
        mismatched=True,
    ),
    Expected("mbank.sta", _W + "mBank/mt940.yml", 3, "0.03", "0", (0, "0.40", "0.43"), 1),
    Expected(
        "sberbank.sta",
        _W + "sberbank/171011_01234945.yml",
        3,
        "0",
        "9437.00",
        (0, "627311.30", "617874.30"),
        1,
    ),
    Expected(
        "raiffeisen_hu.sta",
        _W + "self-provided/raiffeisen-cmi.yml",
        7,
        "2066637.00",
        "3078850.50",
        (0, "25170637.10", "25281687.60"),
        1,
        mismatched=True,
    ),
]


@pytest.mark.parametrize("case", WOLPH, ids=lambda case: case.file)
def test_counts_and_totals_match_the_source(case: Expected) -> None:
    statement = real(case.file)

    assert statement.format == "mt940"
    assert len(statement.transactions) == case.count
    assert len(statement.accounts) == case.sections
    received = sum((t.amount for t in statement.transactions if t.direction == "in"), Decimal(0))
    paid = sum((t.amount for t in statement.transactions if t.direction == "out"), Decimal(0))
    assert (received, paid) == (Decimal(case.total_in), Decimal(case.total_out))
    index, opening, closing = case.balances
    section = statement.accounts[index]
    assert (section.opening_balance, section.closing_balance) == (
        Decimal(opening),
        Decimal(closing),
    )
    assert bool(statement.check_balances()) is case.mismatched
    assert all(t.line > 0 and not t.reversal for t in statement.transactions)


def test_postfinance_last_statement_closes_where_the_source_says() -> None:
    # postfinance.yml: final_closing_balance 159.6 (the second statement's :62F:)
    assert real("postfinance_jejik.sta").accounts[1].closing_balance == Decimal("159.6")


def test_asn_swift_blocks_iban_references_and_31_statements() -> None:
    # WoLpH/mt940 mt940_tests/test_tags.py::test_ASNB_tags: account NL81ASNB9999999999, 8
    # transactions, last statement 404.81 -> 501.23, first one D 65.00 with the customer
    # reference NL47INGB9999999999 (an IBAN where SWIFT allows 16 characters)
    statement = real("asn_wolph.940")

    assert len(statement.transactions) == 8
    assert {s.account for s in statement.accounts} == {"NL81ASNB9999999999"}
    assert len(statement.accounts) == 31
    last = statement.accounts[-1]
    assert (last.opening_balance, last.closing_balance) == (Decimal("404.81"), Decimal("501.23"))
    first = statement.transactions[0]
    assert (first.direction, first.amount, first.currency) == ("out", Decimal("65.00"), "EUR")
    assert first.doc_number == "NL47INGB9999999999"
    # anonymised: its check digits are wrong, so it is not taken for the payee's account
    assert first.payee_account == ""
    assert first.purpose.startswith("NL47INGB9999999999 hr gjlm paulissen")
    assert (first.line, first.doc_kind) == (6, "NOVB")
    assert statement.check_balances() == []


def test_dresdner_rc_reversals_are_debits_and_the_bank_balances_agree() -> None:
    # betterplace/sepa_mt9401.yml: 97 transactions, last statement 0 -> 50.05. Its sums
    # (in 5188884.70, out 14457201.08) count the two "RCR204,88" lines as credits; SWIFT's
    # RC is the reversal of a credit, a debit, and only read so do the bank's own :60F: +
    # entries = :62F: hold (check_balances() is empty).
    statement = real("dresdner_betterplace.sta")

    assert len(statement.transactions) == 97
    assert len(statement.accounts) == 26
    reversed_twice = Decimal("409.76")
    received = sum((t.amount for t in statement.transactions if t.direction == "in"), Decimal(0))
    paid = sum((t.amount for t in statement.transactions if t.direction == "out"), Decimal(0))
    assert received == Decimal("5188884.70") - reversed_twice
    assert paid == Decimal("14457201.08") + reversed_twice
    last = statement.accounts[-1]
    assert (last.opening_balance, last.closing_balance) == (Decimal("0"), Decimal("50.05"))
    assert statement.check_balances() == []
    reversals = [t for t in statement.transactions if t.reversal]
    assert [(t.direction, t.amount, t.line) for t in reversals] == [
        ("out", Decimal("204.88"), 19),
        ("out", Decimal("204.88"), 101),
    ]


_K = "fruitl00p/php-mt940@e3f16c0 test/Parser/Banking/Mt940/Engine/"


@dataclass(frozen=True)
class KingsquareCase:
    file: str
    source: str
    statements: int
    start: date
    end: date
    delta: str | None  # start price − end price of the first statement
    first: tuple[str, str]  # first transaction: direction, amount


KINGSQUARE = [
    KingsquareCase(
        "zenith_kingsquare.sta",
        _K + "Zetb/ParseTest.php",
        1,
        date(2020, 12, 18),
        date(2020, 11, 30),
        "3743.91",
        ("in", "220000"),
    ),
    KingsquareCase(
        "bunq_kingsquare.sta",
        _K + "Bunq/ParseTest.php",
        1,
        date(2019, 1, 31),
        date(2019, 5, 31),
        "26.67",
        ("in", "2"),
    ),
    KingsquareCase(
        "asn_kingsquare.sta",
        _K + "Asn/ParseTest.php",
        7,
        date(2020, 1, 2),
        date(2020, 1, 2),
        "2000",
        ("out", "2000"),
    ),
    KingsquareCase(
        "penta_kingsquare.sta",
        _K + "Penta/ParseTest.php",
        1,
        date(2020, 9, 30),
        date(2020, 9, 30),
        "10576.30",
        ("out", "20"),
    ),
    KingsquareCase(
        "kontist_kingsquare.sta",
        _K + "Kontist/ParseTest.php",
        1,
        date(2021, 1, 31),
        date(2021, 2, 18),
        "-395.76",
        ("in", "50"),
    ),
    KingsquareCase(
        "sparkasse_kingsquare.sta",
        _K + "Spk/ParseTest.php",
        4,
        date(2010, 2, 17),
        date(2010, 2, 17),
        None,
        ("in", "80"),
    ),
    KingsquareCase(
        "hsbc_kingsquare.sta",
        _K + "Hsbc/ParseTest.php",
        1,
        date(2012, 3, 29),
        date(2012, 3, 29),
        "0.00",
        ("out", "20000"),
    ),
]


@pytest.mark.parametrize("case", KINGSQUARE, ids=lambda case: case.file)
def test_statements_dates_and_first_entry_match_the_source(case: KingsquareCase) -> None:
    statement = real(case.file)
    first_section = statement.accounts[0]

    assert len(statement.accounts) == case.statements
    assert (first_section.date_from, first_section.date_to) == (case.start, case.end)
    if case.delta is not None:
        opening, closing = first_section.opening_balance, first_section.closing_balance
        assert opening is not None and closing is not None
        assert opening - closing == Decimal(case.delta)
    first = statement.transactions[0]
    assert (first.direction, first.amount) == (case.first[0], Decimal(case.first[1]))


def test_sparkasse_ten_entries_and_last_statement_dates() -> None:
    # Spk/ParseTest.php: 10 transactions in all; the last statement starts and ends 18-02-2010
    statement = real("sparkasse_kingsquare.sta")
    assert len(statement.transactions) == 10
    last = statement.accounts[-1]
    assert (last.date_from, last.date_to) == (date(2010, 2, 18), date(2010, 2, 18))
    assert statement.check_balances() == []


def test_entry_dates_of_first_and_last_transactions() -> None:
    # the ParseTest.php files' testParseTransactionEntryTimestamp
    for name, first, last in [
        ("zenith_kingsquare.sta", date(2020, 11, 30), date(2020, 11, 30)),
        ("bunq_kingsquare.sta", date(2019, 1, 31), date(2019, 5, 24)),
        ("penta_kingsquare.sta", date(2020, 9, 2), date(2020, 9, 30)),
        ("kontist_kingsquare.sta", date(2021, 2, 15), date(2021, 2, 17)),
    ]:
        transactions = real(name).transactions
        assert (transactions[0].doc_date, transactions[-1].doc_date) == (first, last), name
    # Asn: the first statement's only transaction is entered 02-01-2020
    asn = real("asn_kingsquare.sta")
    assert [t.doc_date for t in asn.transactions[:2]] == [date(2020, 1, 2), date(2020, 1, 8)]


def test_zenith_entries_without_a_type_code_stay_apart() -> None:
    # Zenith Bank writes ":61:2011301130CN220000,00//19239782213": no NTRF-style type code,
    # and ":28C: /1"; every :61: is its own transaction
    statement = real("zenith_kingsquare.sta")
    assert len(statement.transactions) == 8
    assert [t.line for t in statement.transactions] == [6, 8, 10, 12, 14, 16, 18, 20]
    assert {t.doc_kind for t in statement.transactions} == {""}
    assert statement.transactions[0].doc_number == "19239782213"
    assert statement.check_balances() == []


def test_hsbc_balances_that_do_not_add_up_are_reported() -> None:
    # Hsbc/ParseTest.php: start 0.00, end 0.00, HKD, first transaction D 20000
    statement = real("hsbc_kingsquare.sta")
    assert statement.accounts[0].currency == "HKD"
    assert statement.warnings == [
        "balance_mismatch: account 808XXXXXX292: closing_balance stated 0.00, computed -20000.00"
    ]


def test_mbank_mt942_is_refused_by_name() -> None:
    # mBank/mt942.yml parses it as three bookings; they are the day's interim report and would
    # be imported again with the day's MT940, so we refuse it, naming the :34F: line
    with pytest.raises(StatementError) as caught:
        real("mbank_mt942.sta")
    assert (caught.value.code, caught.value.line) == ("mt942_intraday", 5)


def test_old_rabobank_decimal_points_are_refused_not_misread() -> None:
    # Rabo/ParseTest.php reads this pre-SEPA Rabobank format ("EUR000000001000.12"); the
    # library would read 1000.12 as 1000, so the file is refused at its first such balance
    with pytest.raises(StatementError) as caught:
        real("rabobank_old_kingsquare.sta")
    assert (caught.value.code, caught.value.line) == ("bad_amount", 5)
    assert caught.value.detail == ":60F:C030106EUR000000000000.00"


def test_at_least_twelve_files_from_six_banks() -> None:
    files = sorted(p.name for p in REAL.iterdir() if p.suffix in (".sta", ".940"))
    banks = {name.split("_")[0] for name in files}
    assert len(files) >= 12
    assert len(banks) >= 6
