"""camt.053 / camt.054 files published by banks and by ISO 20022 parsers as test data
(tests/data/statements/real/camt, provenance in its README.md).

For each file: the number of transactions and their totals, with the expectation's source in
a comment: the publishing project's own test where it asserts them, else the figures the bank
states in the file (opening + credits − debits = closing, TxsSummry)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from aiogram.utils.i18n import I18n

from handlers.payments import summary_text
from services.payments import BalanceNote, ImportReport
from services.statements import StatementError, detect_format, parse_statement
from services.statements.model import Statement
from tests.unit.statements.paths import parse_real, real, sums


def read(name: str) -> bytes:
    return real("camt", name)


def parse(name: str) -> Statement:
    return parse_real("camt", name)




@dataclass(frozen=True)
class Case:
    name: str
    version: str
    count: int
    total_in: str
    total_out: str
    #: (kind, expected, actual) of every balance note, [] when the file adds up.
    notes: tuple[tuple[str, str, str], ...] = ()


CASES = [
    # genkgo/camt test/Unit/Camt053/EndToEndTest.php::testEntries: one statement, one entry of
    # 8.85 EUR credited; ::testBalance: opening 18.15 EUR, closing −27.00 SEK (another currency:
    # reported, not checked against the EUR entry).
    Case("genkgo_camt053.v2.minimal.xml", "camt.053.001.02", 1, "8.85", "0",
         (("currency", "18.15", "-27.00"),)),
    Case("genkgo_camt053.v3.xml", "camt.053.001.03", 1, "8.85", "0",
         (("currency", "18.15", "-27.00"),)),
    Case("genkgo_camt053.v4.xml", "camt.053.001.04", 1, "8.85", "0",
         (("currency", "18.15", "-27.00"),)),
    Case("genkgo_camt053.v8.xml", "camt.053.001.08", 1, "8.85", "0",
         (("currency", "18.15", "-27.00"),)),
    # genkgo test/Unit/EntryIteratorTest.php iterates the two statements' entries; the file's
    # balances: 18.15 + 8.85 = 27.00, then 27.00 − 7.00 = 20.00.
    Case("genkgo_camt053.v2.multi.statement.xml", "camt.053.001.02", 2, "8.85", "7.00"),
    # genkgo test/Unit/Camt054/EndToEndTest.php: one notification, one entry of −200000 SEK
    # (amount −20000000 in minor units).
    Case("genkgo_camt054.v2.xml", "camt.054.001.02", 1, "0", "200000.00"),
    Case("genkgo_camt054.v4.xml", "camt.054.001.04", 1, "0", "200000.00"),
    Case("genkgo_camt054.v8.xml", "camt.054.001.08", 1, "0", "200000.00"),
    # viafintech/camt_parser spec: first entry and transaction 2 EUR (entry_spec.rb,
    # transaction_spec.rb), opening balance 33.06 (account_balance_spec.rb); the file:
    # 33.06 + 1.00 − 11.00 = 23.06, four entries, one a batch of two.
    Case("viafintech_053_valid_example.xml", "camt.053.001.02", 5, "1.00", "11.00"),
    # PostFinance v4: transaction_spec.rb finds 100 CHF from Hans Kaufmann in entry 7; the file:
    # 322152.16 + 1810.56 − 1272.95 = 322689.77 over 13 entries split into 32 transactions.
    Case("viafintech_053_valid_example_v4.xml", "camt.053.001.04", 32, "1810.56", "1272.95"),
    # UBS v8: transaction_spec.rb: 88.85 CHF in entry 2, 20.97 EUR in entry 3. The sample's
    # balances are illustrative and do not add up: that is reported.
    Case("viafintech_053_valid_example_v8.xml", "camt.053.001.08", 3, "563.25", "20.97",
         (("closing_balance", "84515.25", "83264.23"),)),
    # ING: TxsSummry covers the period (7329.80 + 28422.40 − 12714.00 = 23038.20), the file
    # holds three of its entries: the totals are reported as not matching.
    Case("viafintech_053_valid_example_with_batch.xml", "camt.053.001.02", 3, "7688.00",
         "4753.74", (("total_in", "28422.40", "7688.00"), ("total_out", "12714.00", "4753.74"))),
    # Wise (camt.053.001.10, a newer version than we know: parsed, with a warning); one of
    # the 14 entries its TxsSummry counts; its debit total is written negative (−509.12).
    Case("viafintech_053_valid_example_with_datetime.xml", "camt.053.001.10", 1, "195.86",
         "0", (("total_in", "1115.92", "195.86"), ("total_out", "509.12", "0"))),
    # PostFinance camt.054 (notification_spec.rb): four entries, two of them split by TxDtls.
    Case("viafintech_054_valid_example.xml", "camt.054.001.04", 5, "80.56", "21.53"),
    # Deutsche Bank Belgium monthly statements: OPBD + credits − debits = CLBD as stated.
    Case("subite_BE68793230773034-202411.xml", "camt.053.001.02", 268, "180000.00",
         "151831.25"),
    Case("subite_BE68793230773034-202412.xml", "camt.053.001.02", 264, "100400.00",
         "145974.01"),
    Case("subite_account_statement.xml", "camt.053.001.02", 3, "789904.40", "789904.40"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_real_file_count_and_totals(case: Case) -> None:
    statement = parse(case.name)

    assert statement.version == case.version
    assert statement.format == ("camt054" if ".054." in case.version else "camt053")
    assert detect_format(read(case.name)) == statement.format
    assert sums(statement) == (case.count, Decimal(case.total_in), Decimal(case.total_out))
    notes = [(m.kind, str(m.expected), str(m.actual)) for m in statement.check_balances()]
    assert notes == list(case.notes)


def test_banks_own_balances_add_up() -> None:
    # The stated balances themselves (not our sums): opening + stated in − stated out = closing.
    for name, opening, closing in [
        ("subite_BE68793230773034-202411.xml", "59370.37", "87539.12"),
        ("subite_BE68793230773034-202412.xml", "87539.12", "41965.11"),
        ("viafintech_053_valid_example_v4.xml", "322152.16", "322689.77"),
        ("viafintech_053_valid_example.xml", "33.06", "23.06"),
    ]:
        [section] = parse(name).accounts
        assert (section.opening_balance, section.closing_balance) == (
            Decimal(opening),
            Decimal(closing),
        ), name


def test_genkgo_entry_as_its_tests_read_it_in_every_version() -> None:
    # genkgo EndToEndTest::testEntries: booked 2014-12-31, value 2015-01-02, debtor
    # "NAME NAME" (Dbtr/Nm up to .04, Dbtr/Pty/Nm in .08), creditor "Company Name",
    # creditor reference 4654654654654654.
    for version in ("v2.minimal", "v3", "v4", "v8"):
        [tx] = parse(f"genkgo_camt053.{version}.xml").transactions
        assert (tx.direction, tx.amount, tx.currency) == ("in", Decimal("8.85"), "EUR")
        assert (tx.doc_date, tx.value_date) == (date(2014, 12, 31), date(2015, 1, 2))
        assert (tx.payer_name, tx.payee_name) == ("NAME NAME", "Company Name"), version
        assert tx.purpose == "4654654654654654"
        assert tx.account == "NL26VAYB8060476890"


def test_balances_in_another_currency_are_reported_not_mixed() -> None:
    statement = parse("genkgo_camt053.v3.xml")
    [section] = statement.accounts
    assert (section.currency, section.balance_currency) == ("EUR", "SEK")
    assert statement.warnings == [
        "balance_currency: account NL26VAYB8060476890: balances in SEK, entries in EUR: "
        "not checked"
    ]
    [note] = statement.check_balances()
    assert (note.kind, note.balance_currency, note.currency) == ("currency", "SEK", "EUR")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Account NL26VAYB8060476890: the balances are stated in SEK, the payments in "
               "EUR; the balances were not checked."),
        ("ru", "Счёт NL26VAYB8060476890: остатки указаны в SEK, платежи — в EUR; остатки не "
               "проверялись."),
        ("ro", "Contul NL26VAYB8060476890: soldurile sunt exprimate în SEK, plățile în EUR; "
               "soldurile nu au fost verificate."),
    ],
)
def test_the_user_sees_the_currency_note_in_their_language(
    i18n: I18n, lang: str, expected: str
) -> None:
    statement = parse("genkgo_camt053.v3.xml")
    notes = tuple(
        BalanceNote(m.account, m.kind, m.expected, m.actual, m.balance_currency, m.currency)
        for m in statement.check_balances()
    )
    report = ImportReport(format=statement.format, incoming=1, new=1, already=0, auto=0,
                          review=0, unmatched=1, balances=notes, statement_id=None)
    with i18n.context(), i18n.use_locale(lang):
        text = summary_text(report)
    assert text.splitlines()[1] == expected


def test_postfinance_v4_transaction_its_parser_names() -> None:
    # viafintech transaction_spec.rb 'version 4': 100 CHF, name "Hans Kaufmann".
    statement = parse("viafintech_053_valid_example_v4.xml")
    found = [t for t in statement.transactions if "Hans Kaufmann" in (t.payer_name, t.payee_name)]
    assert Decimal("100.00") in [t.amount for t in found]


def test_ubs_v8_entries_as_its_parser_reads_them() -> None:
    # viafintech transaction_spec.rb 'version 8': 88.85 (CHF), then 20.97 EUR.
    first, second, third = parse("viafintech_053_valid_example_v8.xml").transactions
    assert (second.amount, second.currency, second.direction) == (Decimal("88.85"), "CHF", "in")
    assert (third.amount, third.currency, third.direction) == (Decimal("20.97"), "EUR", "out")
    assert first.payer_name == "Jon Doe"


def test_camt054_credit_notification_without_balances() -> None:
    statement = parse("viafintech_054_valid_example.xml")
    [section] = statement.accounts
    assert (section.opening_balance, section.closing_balance) == (None, None)
    assert section.account == "CH0309000000250090342"
    credits = [t for t in statement.transactions if t.direction == "in"]
    assert [t.amount for t in credits] == [Decimal("15.00"), Decimal("9.00"), Decimal("56.56")]
    assert credits[0].payer_name == "Rutschmann Pia"


def test_wise_newer_version_is_parsed_with_a_warning() -> None:
    statement = parse("viafintech_053_valid_example_with_datetime.xml")
    assert statement.warnings[0] == "unsupported_version: camt.053.001.10"
    [section] = statement.accounts
    assert (section.total_in, section.total_out) == (Decimal("1115.92"), Decimal("509.12"))


def test_central_bank_entries_without_dates_are_refused_with_the_line() -> None:
    # Its balances carry no CdtDbtInd (accepted: the amount's sign); its entries have neither
    # BookgDt nor ValDt: refused by name, on the (single) line the entries are on.
    with pytest.raises(StatementError) as caught:
        parse("subite_LT625883379695428516_camt053_2024-03-13.xml")
    assert (caught.value.code, caught.value.line) == ("missing_field", 2)
    assert caught.value.detail == "Ntry without BookgDt or ValDt"


@pytest.mark.parametrize("version", ["05", "06", "07"])
def test_postfinance_v4_file_reads_the_same_under_the_05_to_07_namespaces(version: str) -> None:
    # No bank sample of .05-.07 was found; their elements for what we read are those of .04
    # (the .08 party change aside), so the PostFinance file under each namespace must give
    # the same figures.
    raw = read("viafintech_053_valid_example_v4.xml").replace(
        b"camt.053.001.04", f"camt.053.001.{version}".encode()
    )
    statement = parse_statement(raw)
    assert statement.version == f"camt.053.001.{version}"
    assert statement.warnings == []
    assert sums(statement) == (32, Decimal("1810.56"), Decimal("1272.95"))
    assert statement.check_balances() == []


def test_central_bank_balances_without_credit_debit_indicator_read_as_stated() -> None:
    # The same file without its undated entries: both statements' balances, which carry no
    # CdtDbtInd, read as the positive amounts written (the first one's entries, had they
    # dates, would take 24557140.69 to 24045029.50: −365000 + 1662459.30 − 15 − 1714731.41
    # − 94724.08 − 100).
    raw = read("subite_LT625883379695428516_camt053_2024-03-13.xml")
    without_entries = re.sub(rb"<Ntry>.*?</Ntry>", b"", raw)
    first, second = parse_statement(without_entries).accounts
    assert (first.account, first.opening_balance, first.closing_balance) == (
        "LT625883379695428516", Decimal("24557140.69"), Decimal("24045029.50"))
    assert (second.account, second.opening_balance, second.closing_balance) == (
        "LT414319056143772570", Decimal("4801.55"), Decimal("4801.55"))
    assert Decimal("24557140.69") - 365000 + Decimal("1662459.30") - 15 - Decimal(
        "1714731.41") - Decimal("94724.08") - 100 == first.closing_balance
