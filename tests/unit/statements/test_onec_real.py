"""1CClientBankExchange files published as test data (tests/data/statements/real/onec,
provenance in its README.md): the count and totals each source's tests assert, and the
refusals a file without documents and a file of payment orders get."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aiogram.utils.i18n import I18n

from handlers.payments import statement_error_text
from services.statements import StatementError, detect_format, parse_statement
from services.statements.model import Statement
from tests.unit.statements.paths import parse_real, real, sums

START = "СекцияДокумент"


def read(name: str) -> bytes:
    return real("onec", name)


def parse(name: str) -> Statement:
    return parse_real("onec", name)




@pytest.mark.parametrize("name", ["kilylabs_one_day_cp1251.txt", "kilylabs_one_day_utf8.txt"])
def test_kilylabs_one_day(name: str) -> None:
    # kilylabs tests/ClientBankExchange/Tests/ParserTest.php::goodFileProvider: 13 documents in
    # both files; ::testRemainings: НачальныйОстаток 45329.91; first document Номер 697162.
    statement = parse(name)
    assert sums(statement) == (13, Decimal("40000.00"), Decimal("41184.00"))
    [section] = statement.accounts
    assert (section.opening_balance, section.closing_balance) == (
        Decimal("45329.91"),
        Decimal("44145.91"),
    )
    assert statement.transactions[0].doc_number == "697162"
    assert statement.check_balances() == []


def test_odoo_ru_statement() -> None:
    # odoo-ru tests/test_loader.py: documents[0]['Получатель'] is "ИНН 0000000001\nЭнергоСистемы";
    # the file: 110978.00 − 108159.12 = 2818.88, one outgoing order.
    statement = parse("odoo-ru_kl_to_1c_cp1251.txt")
    assert statement.version == "1.01"
    assert sums(statement) == (1, Decimal(0), Decimal("108159.12"))
    [tx] = statement.transactions
    assert (tx.payee_inn, tx.payee_name) == ("0000000001", "ЭнергоСистемы")
    assert statement.check_balances() == []


def test_dronm_vtb_excerpt() -> None:
    # dronm/clbnk clbnk_test.go: TEST_DOC_COUNT = 3; sums 6936.00, 13056.00, 150000.00; payer
    # and payee accounts and INNs below. The section's totals cover the whole period while the
    # file holds three documents: the mismatch is reported, not hidden.
    statement = parse("dronm_kl_to_1c_cp1251.txt")
    assert [
        (t.amount, t.payer_account, t.payer_inn, t.payee_account, t.payee_inn)
        for t in statement.transactions
    ] == [
        (Decimal("6936.00"), "40702810000000074935", "7777777777", "47422810119484000074",
         "7702070139"),
        (Decimal("13056.00"), "40702810000000077777", "7123456789", "40702810267020000630",
         "7123456789012"),
        (Decimal("150000.00"), "40702810000000074935", "7123456777", "40702810267020000630",
         "7123456789012"),
    ]
    assert [t.payer_name for t in statement.transactions] == [
        'ООО "Наеб"', 'ООО "Рога и копыта"', 'ООО "Пупкин и К"'
    ]
    assert sums(statement) == (3, Decimal(0), Decimal("169992.00"))
    assert [m.kind for m in statement.check_balances()] == ["total_in", "total_out"]


def test_condo_excerpt() -> None:
    # open-condo-software/condo 1CClientBankExchangeToKeystoneObjects.js compares four parsed
    # transactions: 700 and 14000 paid out, 1052.98 and 1166.98 received.
    statement = parse("condo_1CClientBankExchange_utf8.txt")
    assert [(t.direction, t.amount) for t in statement.transactions] == [
        ("out", Decimal("700.00")),
        ("in", Decimal("1052.98")),
        ("in", Decimal("1166.98")),
        ("out", Decimal("14000.00")),
    ]
    assert sums(statement) == (4, Decimal("2219.96"), Decimal("14700.00"))


def test_file_without_documents_is_refused() -> None:
    # odoo-ru tests/test_input_data_types.py: "not statement.accounts", "not
    # statement.documents". Not a silent success: refused, on the КонецФайла line.
    raw = read("odoo-ru_1c_to_kl_min_cp1251.txt")
    assert detect_format(raw) == "1c"
    with pytest.raises(StatementError) as caught:
        parse_statement(raw)
    assert (caught.value.code, caught.value.line) == ("no_transactions", 3)


@pytest.mark.parametrize("fixed_end", [False, True])
def test_payment_orders_for_the_bank_are_refused_by_name(fixed_end: bool) -> None:
    # dronm/clbnk to_bank.txt: what that library writes for the bank (clbnk_test.go
    # TestMarshal): two orders under bare СекцияДокумент lines, no account section, no
    # ДатаПоступило/ДатаСписано. Its КонецФайла is UTF-8 inside cp1251; with it mended the
    # answer is the same.
    raw = read("dronm_to_bank_cp1251.txt")
    if fixed_end:
        raw = raw.replace("КонецФайла".encode(), "КонецФайла".encode("cp1251"))
    with pytest.raises(StatementError) as caught:
        parse_statement(raw, "to_bank.txt")
    assert (caught.value.code, caught.value.line) == ("payment_orders", 10)


def test_bare_document_section_line_parses() -> None:
    # The kilylabs statement with every `СекцияДокумент=<kind>` written bare, as dronm's
    # library writes them: the same 13 documents, kinds empty.
    text = read("kilylabs_one_day_utf8.txt").decode("utf-8")
    bare = "\n".join(
        START if line.startswith(START + "=") else line for line in text.split("\n")
    )
    assert bare.count(START + "=") == 0
    statement = parse_statement(bare.encode("utf-8"))
    assert sums(statement) == (13, Decimal("40000.00"), Decimal("41184.00"))
    assert {t.doc_kind for t in statement.transactions} == {""}
    assert statement.check_balances() == []


def test_an_orders_file_with_our_account_and_an_incoming_date_is_still_a_statement() -> None:
    # A statement without an account section (some banks omit it) is not mistaken for orders:
    # once any document says when money arrived or left, it is a statement.
    text = read("kilylabs_one_day_utf8.txt").decode("utf-8")
    start, end = text.index("СекцияРасчСчет"), text.index("КонецРасчСчет")
    cut = text[:start] + text[end + len("КонецРасчСчет") :]
    statement = parse_statement(cut.encode("utf-8"))
    assert (len(statement.transactions), statement.accounts) == (13, [])


@pytest.mark.parametrize(
    ("lang", "empty", "orders"),
    [
        ("en",
         "The statement was not imported: line 3: the statement has no transactions. "
         "Nothing was saved.",
         "The statement was not imported: line 10: this is a file of payment orders, not a "
         "statement. Nothing was saved."),
        ("ru",
         "Выписка не загружена: строка 3: в выписке нет ни одной операции. Ничего не "
         "сохранено.",
         "Выписка не загружена: строка 10: это файл платёжных поручений для банка, а не "
         "выписка. Ничего не сохранено."),
        ("ro",
         "Extrasul nu a fost importat: rândul 3: extrasul nu conține nicio tranzacție. Nu "
         "s-a salvat nimic.",
         "Extrasul nu a fost importat: rândul 10: acesta este un fișier de ordine de plată, "
         "nu un extras de cont. Nu s-a salvat nimic."),
    ],
)
def test_refusals_in_the_users_language(i18n: I18n, lang: str, empty: str,
                                        orders: str) -> None:
    errors = []
    for name in ("odoo-ru_1c_to_kl_min_cp1251.txt", "dronm_to_bank_cp1251.txt"):
        with pytest.raises(StatementError) as caught:
            parse(name)
        errors.append(caught.value)
    with i18n.context(), i18n.use_locale(lang):
        texts = [statement_error_text(err) for err in errors]
    assert texts == [empty, orders]
