"""MT940 as banks' exports bend it: each dialect parses to the same statement a clean file
gives, or is refused with its reason and line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aiogram.utils.i18n import I18n

from bot.i18n import DOMAIN, LOCALES
from handlers.payments import statement_error_text
from services.statements import (
    Statement,
    StatementError,
    StatementTransaction,
    detect_format,
    parse_mt940,
    parse_statement,
)
from tests.unit.statements.paths import DATA

REAL = DATA / "real" / "mt940"
# A valid IBAN (check digits agree) of 27 characters: longer than SWIFT's 16x/23x references.
FR_IBAN = "FR1420041010050500013M02606"


def mt940(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def essentials(tx: StatementTransaction) -> tuple[object, ...]:
    return (tx.direction, tx.amount, tx.doc_date, tx.doc_number, tx.account, tx.reversal)


def same_statement(a: Statement, b: Statement) -> None:
    assert a.accounts == b.accounts
    assert [essentials(t) for t in a.transactions] == [essentials(t) for t in b.transactions]


def test_iban_in_the_bank_reference_is_kept_whole_and_is_the_payers_account() -> None:
    statement = parse_mt940(
        mt940(
            ":20:X",
            ":25:NL91ABNA0417164300",
            ":60F:C260301EUR0,00",
            f":61:2603010301C10,00NTRFNONREF//{FR_IBAN}",
            ":86:Invoice 77",
            ":62F:C260301EUR10,00",
        )
    )
    [tx] = statement.transactions
    assert tx.raw["bank_reference"] == FR_IBAN  # SWIFT's 23x would have cut it at "…M0"
    assert (tx.doc_number, tx.payer_account, tx.purpose) == (FR_IBAN, FR_IBAN, "Invoice 77")
    assert statement.check_balances() == []


def test_a_16_character_reference_that_only_looks_like_an_iban_is_not_an_account() -> None:
    statement = parse_mt940(
        mt940(
            ":20:X",
            ":25:NL91ABNA0417164300",
            ":60F:C260301EUR0,00",
            ":61:2603010301C10,00NTRFNONREF//DE85920B84F8E98D",
            ":62F:C260301EUR10,00",
        )
    )
    [tx] = statement.transactions
    assert (tx.doc_number, tx.payer_account) == ("DE85920B84F8E98D", "")


def test_short_fields_continued_on_the_next_line() -> None:
    statement = parse_statement(
        mt940(
            ":20:STARTUMS",
            ":25:NL91ABNA",
            "0417164300",
            ":28C:0000",
            "0",
            ":60F:C260301EUR100,",
            "00",
            ":61:2603010301C10,00NTRFREF77//B1",
            ":86:Invoice 77",
            ":62F:C260301EUR110,00",
        )
    )
    [section] = statement.accounts
    assert section.account == "NL91ABNA0417164300"
    assert (section.opening_balance, section.closing_balance) == (
        Decimal("100.00"),
        Decimal("110.00"),
    )
    assert statement.transactions[0].line == 8  # the line in the file, not after joining
    assert statement.check_balances() == []


def test_a_file_without_20_splits_into_statements_at_25() -> None:
    original = (REAL / "sns_jejik.sta").read_bytes()
    lines = original.decode().split("\n")
    stripped = "\n".join(line for line in lines if not line.startswith(":20:")).encode()

    assert detect_format(stripped) == "mt940"
    without = parse_statement(stripped)
    same_statement(without, parse_statement(original))
    assert len(without.accounts) == 2


def test_second_25_inside_one_statement_is_refused_with_its_line() -> None:
    # betterplace/sepa_snippet_broken.sta (WoLpH/mt940): a mangled :86: reads as ":25:"
    data = mt940(
        ":20:T089414086000001",
        ":25:50880050/0194787400888",
        ":60F:C070903EUR0,00",
        ":61:0709070904CR50990,05NTRFNONREF//0724710333343453",
        ":25:166?00GUTSCHRIFT?100399",
        ":62F:C070904EUR50990,05",
    )
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    assert (caught.value.code, caught.value.line) == ("bad_mt940", 5)
    assert caught.value.detail == ":25:166?00GUTSCHRIFT?100399"


def cut(data: bytes, width: int) -> bytes:
    """Every line cut into pieces of `width` characters, as some exports write them."""
    pieces: list[str] = []
    for line in data.decode().replace("\r\n", "\n").split("\n"):
        pieces += [line[i : i + width] for i in range(0, len(line), width)] or [""]
    return "\n".join(pieces).encode()


@pytest.mark.parametrize(
    ("name", "width"),
    [
        ("dresdner_betterplace.sta", 30),
        ("sparkasse_kingsquare.sta", 32),
        ("mbank.sta", 40),
        ("bunq_kingsquare.sta", 25),
    ],
)
def test_lines_cut_at_a_fixed_width_read_as_the_uncut_file(name: str, width: int) -> None:
    original = (REAL / name).read_bytes()
    data = cut(original, width)
    lines = data.decode().split("\n")
    assert max(len(line) for line in lines) == width
    # the cut goes through :61: fields (amount, references), not only through free text
    assert any(
        line.startswith(":61:") and len(line) == width and not lines[i + 1].startswith(":")
        for i, line in enumerate(lines)
    )

    whole, pieces = parse_mt940(original), parse_mt940(data)

    same_statement(pieces, whole)
    assert [t.purpose.replace(" ", "") for t in pieces.transactions] == [
        t.purpose.replace(" ", "") for t in whole.transactions
    ]
    assert all(lines[t.line - 1].startswith(":61:") for t in pieces.transactions)


def test_rc_and_rd_reversals_move_money_and_are_marked() -> None:
    statement = parse_mt940(
        mt940(
            ":20:X",
            ":25:NL91ABNA0417164300",
            ":60F:C260301EUR100,00",
            ":61:2603010301RD10,00NTRFREF1//B1",  # a debit undone: money back
            ":61:2603010301RCR30,00NTRFREF2//B2",  # a credit undone (funds code R)
            ":61:2603010301C5,00NTRFREF3//B3",
            ":62F:C260301EUR85,00",
        )
    )
    assert [(t.direction, t.amount, t.reversal) for t in statement.transactions] == [
        ("in", Decimal("10.00"), True),
        ("out", Decimal("30.00"), True),
        ("in", Decimal("5.00"), False),
    ]
    assert statement.check_balances() == []


def test_mt942_by_its_header_is_refused_by_name() -> None:
    data = mt940(
        "{1:F01BANKNL2AXXXX0000000000}{2:O942BANKNL2AXXXXN}{4:",
        ":20:INTRADAY",
        ":25:NL91ABNA0417164300",
        ":28C:1/1",
        ":60F:C260301EUR100,00",
        ":61:2603010301C5,00NTRFREF3//B3",
        "-}",
    )
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    assert (caught.value.code, caught.value.line) == ("mt942_intraday", 1)


def test_mt942_without_header_is_recognised_and_refused() -> None:
    data = mt940(
        ":20:INTRADAY",
        ":25:NL91ABNA0417164300",
        ":28C:1/1",
        ":34F:EURD0,00",
        ":13D:2603011200+0100",
        ":61:2603010301C5,00NTRFREF3//B3",
    )
    assert detect_format(data) == "mt940"
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    assert (caught.value.code, caught.value.line) == ("mt942_intraday", 4)


def test_amount_with_a_decimal_point_is_refused_not_read_as_a_whole_number() -> None:
    data = mt940(
        ":20:X",
        ":25:NL91ABNA0417164300",
        ":60F:C260301EUR0,00",
        ":61:260301C000000000300.50NMSCNONREF",
        ":62F:C260301EUR300,50",
    )
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    assert (caught.value.code, caught.value.line) == ("bad_amount", 4)
    assert caught.value.detail == ":61:260301C000000000300.50NMSCNONREF"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "en",
            "The statement was not imported: line 5: this is an MT942 intraday report, not a "
            "statement; send the day's MT940 statement (:34F:PLN0). Nothing was saved.",
        ),
        (
            "ru",
            "Выписка не загружена: строка 5: это промежуточный отчёт MT942 за день, а не "
            "выписка; пришлите выписку MT940 за этот день (:34F:PLN0). Ничего не "
            "сохранено.",
        ),
        (
            "ro",
            "Extrasul nu a fost importat: rândul 5: acesta este un raport intrazilnic MT942, nu "
            "un extras de cont; trimiteți extrasul MT940 al zilei (:34F:PLN0). Nu s-a "
            "salvat nimic.",
        ),
    ],
)
def test_the_user_reads_the_refusal_in_their_language(locale: str, expected: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement((REAL / "mbank_mt942.sta").read_bytes())
    i18n = I18n(path=LOCALES, default_locale="en", domain=DOMAIN)
    with i18n.context(), i18n.use_locale(locale):
        assert statement_error_text(caught.value) == expected
