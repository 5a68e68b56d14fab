"""Amounts in words: exact strings, as they will be printed on invoices."""

from decimal import Decimal

import pytest
from num2words import num2words

from services.money import UnknownCurrencyError
from services.words import amount_in_words

TABLE = [
    # RUB ru
    ("0.01", "RUB", "ru", "Ноль рублей 01 копейка"),
    ("1", "RUB", "ru", "Один рубль 00 копеек"),
    ("2", "RUB", "ru", "Два рубля 00 копеек"),
    ("5", "RUB", "ru", "Пять рублей 00 копеек"),
    ("11", "RUB", "ru", "Одиннадцать рублей 00 копеек"),
    ("21", "RUB", "ru", "Двадцать один рубль 00 копеек"),
    ("1001", "RUB", "ru", "Одна тысяча один рубль 00 копеек"),
    # RUB en
    ("0.01", "RUB", "en", "Zero roubles and 01 kopek"),
    ("1", "RUB", "en", "One rouble and 00 kopeks"),
    ("2", "RUB", "en", "Two roubles and 00 kopeks"),
    ("5", "RUB", "en", "Five roubles and 00 kopeks"),
    ("11", "RUB", "en", "Eleven roubles and 00 kopeks"),
    ("21", "RUB", "en", "Twenty-one roubles and 00 kopeks"),
    ("1001", "RUB", "en", "One thousand and one roubles and 00 kopeks"),
    # RUB ro
    ("0.01", "RUB", "ro", "Zero ruble și o copeică"),
    ("1", "RUB", "ro", "O rublă"),
    ("2", "RUB", "ro", "Două ruble"),
    ("5", "RUB", "ro", "Cinci ruble"),
    ("11", "RUB", "ro", "Unsprezece ruble"),
    ("21", "RUB", "ro", "Douăzeci și una de ruble"),
    ("1001", "RUB", "ro", "Una mie una ruble"),
    # BYN ru
    ("0.01", "BYN", "ru", "Ноль белорусских рублей 01 копейка"),
    ("1", "BYN", "ru", "Один белорусский рубль 00 копеек"),
    ("2", "BYN", "ru", "Два белорусских рубля 00 копеек"),
    ("5", "BYN", "ru", "Пять белорусских рублей 00 копеек"),
    ("11", "BYN", "ru", "Одиннадцать белорусских рублей 00 копеек"),
    ("21", "BYN", "ru", "Двадцать один белорусский рубль 00 копеек"),
    ("1001", "BYN", "ru", "Одна тысяча один белорусский рубль 00 копеек"),
    # BYN en
    ("0.01", "BYN", "en", "Zero Belarusian roubles and 01 kopek"),
    ("1", "BYN", "en", "One Belarusian rouble and 00 kopeks"),
    ("2", "BYN", "en", "Two Belarusian roubles and 00 kopeks"),
    ("5", "BYN", "en", "Five Belarusian roubles and 00 kopeks"),
    ("11", "BYN", "en", "Eleven Belarusian roubles and 00 kopeks"),
    ("21", "BYN", "en", "Twenty-one Belarusian roubles and 00 kopeks"),
    ("1001", "BYN", "en", "One thousand and one Belarusian roubles and 00 kopeks"),
    # BYN ro
    ("0.01", "BYN", "ro", "Zero ruble belaruse și o copeică"),
    ("1", "BYN", "ro", "O rublă belarusă"),
    ("2", "BYN", "ro", "Două ruble belaruse"),
    ("5", "BYN", "ro", "Cinci ruble belaruse"),
    ("11", "BYN", "ro", "Unsprezece ruble belaruse"),
    ("21", "BYN", "ro", "Douăzeci și una de ruble belaruse"),
    ("1001", "BYN", "ro", "Una mie una ruble belaruse"),
    # EUR ru
    ("0.01", "EUR", "ru", "Ноль евро 01 цент"),
    ("1", "EUR", "ru", "Один евро 00 центов"),
    ("2", "EUR", "ru", "Два евро 00 центов"),
    ("5", "EUR", "ru", "Пять евро 00 центов"),
    ("11", "EUR", "ru", "Одиннадцать евро 00 центов"),
    ("21", "EUR", "ru", "Двадцать один евро 00 центов"),
    ("1001", "EUR", "ru", "Одна тысяча один евро 00 центов"),
    # EUR en
    ("0.01", "EUR", "en", "Zero euro and 01 cent"),
    ("1", "EUR", "en", "One euro and 00 cents"),
    ("2", "EUR", "en", "Two euro and 00 cents"),
    ("5", "EUR", "en", "Five euro and 00 cents"),
    ("11", "EUR", "en", "Eleven euro and 00 cents"),
    ("21", "EUR", "en", "Twenty-one euro and 00 cents"),
    ("1001", "EUR", "en", "One thousand and one euro and 00 cents"),
    # EUR ro
    ("0.01", "EUR", "ro", "Zero euro și un cent"),
    ("1", "EUR", "ro", "Un euro"),
    ("2", "EUR", "ro", "Doi euro"),
    ("5", "EUR", "ro", "Cinci euro"),
    ("11", "EUR", "ro", "Unsprezece euro"),
    ("21", "EUR", "ro", "Douăzeci și unu de euro"),
    ("1001", "EUR", "ro", "Una mie unu euro"),
    # USD ru
    ("0.01", "USD", "ru", "Ноль долларов 01 цент"),
    ("1", "USD", "ru", "Один доллар 00 центов"),
    ("2", "USD", "ru", "Два доллара 00 центов"),
    ("5", "USD", "ru", "Пять долларов 00 центов"),
    ("11", "USD", "ru", "Одиннадцать долларов 00 центов"),
    ("21", "USD", "ru", "Двадцать один доллар 00 центов"),
    ("1001", "USD", "ru", "Одна тысяча один доллар 00 центов"),
    # USD en
    ("0.01", "USD", "en", "Zero dollars and 01 cent"),
    ("1", "USD", "en", "One dollar and 00 cents"),
    ("2", "USD", "en", "Two dollars and 00 cents"),
    ("5", "USD", "en", "Five dollars and 00 cents"),
    ("11", "USD", "en", "Eleven dollars and 00 cents"),
    ("21", "USD", "en", "Twenty-one dollars and 00 cents"),
    ("1001", "USD", "en", "One thousand and one dollars and 00 cents"),
    # USD ro
    ("0.01", "USD", "ro", "Zero dolari și un cent"),
    ("1", "USD", "ro", "Un dolar"),
    ("2", "USD", "ro", "Doi dolari"),
    ("5", "USD", "ro", "Cinci dolari"),
    ("11", "USD", "ro", "Unsprezece dolari"),
    ("21", "USD", "ro", "Douăzeci și unu de dolari"),
    ("1001", "USD", "ro", "Una mie unu dolari"),
    # RON ru
    ("0.01", "RON", "ru", "Ноль румынских леев 01 бан"),
    ("1", "RON", "ru", "Один румынский лей 00 бань"),
    ("2", "RON", "ru", "Два румынских лея 00 бань"),
    ("5", "RON", "ru", "Пять румынских леев 00 бань"),
    ("11", "RON", "ru", "Одиннадцать румынских леев 00 бань"),
    ("21", "RON", "ru", "Двадцать один румынский лей 00 бань"),
    ("1001", "RON", "ru", "Одна тысяча один румынский лей 00 бань"),
    # RON en
    ("0.01", "RON", "en", "Zero lei and 01 ban"),
    ("1", "RON", "en", "One leu and 00 bani"),
    ("2", "RON", "en", "Two lei and 00 bani"),
    ("5", "RON", "en", "Five lei and 00 bani"),
    ("11", "RON", "en", "Eleven lei and 00 bani"),
    ("21", "RON", "en", "Twenty-one lei and 00 bani"),
    ("1001", "RON", "en", "One thousand and one lei and 00 bani"),
    # RON ro
    ("0.01", "RON", "ro", "Zero lei și un ban"),
    ("1", "RON", "ro", "Un leu"),
    ("2", "RON", "ro", "Doi lei"),
    ("5", "RON", "ro", "Cinci lei"),
    ("11", "RON", "ro", "Unsprezece lei"),
    ("21", "RON", "ro", "Douăzeci și unu de lei"),
    ("1001", "RON", "ro", "Una mie unu lei"),
    # MDL ru
    ("0.01", "MDL", "ru", "Ноль леев 01 бан"),
    ("1", "MDL", "ru", "Один лей 00 бань"),
    ("2", "MDL", "ru", "Два лея 00 бань"),
    ("5", "MDL", "ru", "Пять леев 00 бань"),
    ("11", "MDL", "ru", "Одиннадцать леев 00 бань"),
    ("21", "MDL", "ru", "Двадцать один лей 00 бань"),
    ("1001", "MDL", "ru", "Одна тысяча один лей 00 бань"),
    # MDL en
    ("0.01", "MDL", "en", "Zero lei and 01 ban"),
    ("1", "MDL", "en", "One leu and 00 bani"),
    ("2", "MDL", "en", "Two lei and 00 bani"),
    ("5", "MDL", "en", "Five lei and 00 bani"),
    ("11", "MDL", "en", "Eleven lei and 00 bani"),
    ("21", "MDL", "en", "Twenty-one lei and 00 bani"),
    ("1001", "MDL", "en", "One thousand and one lei and 00 bani"),
    # MDL ro
    ("0.01", "MDL", "ro", "Zero lei și un ban"),
    ("1", "MDL", "ro", "Un leu"),
    ("2", "MDL", "ro", "Doi lei"),
    ("5", "MDL", "ro", "Cinci lei"),
    ("11", "MDL", "ro", "Unsprezece lei"),
    ("21", "MDL", "ro", "Douăzeci și unu de lei"),
    ("1001", "MDL", "ro", "Una mie unu lei"),
]


@pytest.mark.parametrize(("amount", "currency", "lang", "expected"), TABLE)
def test_amount_in_words_table(amount: str, currency: str, lang: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), currency, lang) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "currency", "lang", "expected"),
    [
        ("1234.56", "RUB", "ru", "Одна тысяча двести тридцать четыре рубля 56 копеек"),
        ("5.00", "RUB", "ru", "Пять рублей 00 копеек"),
        ("2000000.02", "RUB", "ru", "Два миллиона рублей 02 копейки"),
        ("22.21", "RUB", "ru", "Двадцать два рубля 21 копейка"),
        ("1234.56", "MDL", "ru", "Одна тысяча двести тридцать четыре лея 56 бань"),
        ("1234.56", "RON", "ru", "Одна тысяча двести тридцать четыре румынских лея 56 бань"),
        (
            "1234.56",
            "USD",
            "en",
            "One thousand, two hundred and thirty-four dollars and 56 cents",
        ),
        (
            "1234.56",
            "RON",
            "ro",
            "Una mie două sute treizeci și patru de lei și cincizeci și șase de bani",
        ),
        ("20", "MDL", "ro", "Douăzeci de lei"),
        ("12", "RUB", "ro", "Douăsprezece ruble"),
        ("22.02", "RUB", "ro", "Douăzeci și două de ruble și două copeici"),
        ("2000000.02", "EUR", "ro", "Două milioane de euro și doi cenți"),
        ("0", "EUR", "en", "Zero euro and 00 cents"),
    ],
)
def test_amount_in_words_more(amount: str, currency: str, lang: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), currency, lang) == expected  # type: ignore[arg-type]


def test_trailing_zeros_do_not_matter() -> None:
    assert amount_in_words(Decimal("1.5"), "RUB", "ru") == "Один рубль 50 копеек"
    assert amount_in_words(Decimal("1.50"), "RUB", "ru") == "Один рубль 50 копеек"


def test_int_is_refused_because_num2words_reads_it_as_minor_units() -> None:
    with pytest.raises(TypeError):
        amount_in_words(100, "RUB", "ru")  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["1.005", "-1", "NaN"])
def test_bad_amounts_are_refused(amount: str) -> None:
    with pytest.raises(ValueError):
        amount_in_words(Decimal(amount), "RUB", "ru")


def test_unknown_currency_and_language() -> None:
    with pytest.raises(UnknownCurrencyError):
        amount_in_words(Decimal(1), "XYZ", "ru")
    with pytest.raises(ValueError):
        amount_in_words(Decimal(1), "RUB", "de")  # type: ignore[arg-type]


def test_num2words_itself_is_left_unchanged() -> None:
    amount_in_words(Decimal("1"), "MDL", "ru")
    amount_in_words(Decimal("21"), "EUR", "ro")
    # Our additions live in private subclasses, not in num2words' shared converters.
    with pytest.raises(NotImplementedError):
        num2words(Decimal("1"), lang="ru", to="currency", currency="MDL")
    assert num2words(Decimal("1"), lang="ro", to="currency", currency="RON") == "un leu"
    assert num2words(Decimal("1000"), lang="ro") == "o mie"
