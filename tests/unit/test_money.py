"""Money: what a person types, minor units, formatting."""

from decimal import Decimal

import pytest

from services.money import (
    AmountError,
    CurrencyMismatchError,
    Money,
    UnknownCurrencyError,
    check_currency,
    format_money,
    from_minor,
    parse_amount,
    parse_percent,
    parse_quantity,
    round_money,
    to_minor,
)

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200", "1200.00"),
        ("1 200,50", "1200.50"),
        ("1 200.50", "1200.50"),
        ("1\u00a0200,50", "1200.50"),
        ("1\u202f200,50", "1200.50"),
        ("1.200,50", "1200.50"),
        ("1,200.50", "1200.50"),
        ("12,5", "12.50"),
        (",5", "0.50"),
        ("  7  ", "7.00"),
        ("+7", "7.00"),
        ("1,200,000", "1200000.00"),
        ("1.200.000,05", "1200000.05"),
        ("1 234 567,89", "1234567.89"),
        ("0", "0.00"),
        ("999 999 999 999,99", "999999999999.99"),
    ],
)
def test_parse_amount_accepts_what_people_type(text: str, expected: str) -> None:
    result = parse_amount(text)
    assert result == Decimal(expected)
    assert str(result) == expected  # always at minor-unit precision


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "not_a_number"),
        ("abc", "not_a_number"),
        ("12,", "not_a_number"),
        ("1e5", "not_a_number"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("1,2,3", "not_a_number"),
        ("12 00", "not_a_number"),
        ("1 ,5", "not_a_number"),
        ("1.200,50,1", "not_a_number"),
        ("1,20.000", "not_a_number"),
        ("₽100", "not_a_number"),
        ("10.555", "too_many_decimals"),
        ("0,001", "too_many_decimals"),
        ("-5", "negative"),
        ("\u22125,00", "negative"),
        ("1 000 000 000 000", "too_large"),
    ],
)
def test_parse_amount_refuses(text: str, code: str) -> None:
    with pytest.raises(AmountError) as error:
        parse_amount(text)
    assert error.value.code == code


@pytest.mark.parametrize("text", ["1,005", "1.200", "12,345"])
def test_single_separator_with_three_digits_is_decimal_so_money_refuses_it(text: str) -> None:
    # Documented rule: never guess "1,005" as 1005; the user is asked to retype.
    with pytest.raises(AmountError) as error:
        parse_amount(text)
    assert error.value.code == "too_many_decimals"


def test_thousands_readings_that_are_unambiguous() -> None:
    assert parse_amount("1 005") == Decimal("1005")
    assert parse_amount("1,005,000") == Decimal("1005000")
    assert parse_amount("1,005.00") == Decimal("1005")
    assert parse_amount("1.005,00") == Decimal("1005")


def test_negative_amount_when_allowed() -> None:
    assert parse_amount("-1 200,50", allow_negative=True) == Decimal("-1200.50")
    assert parse_amount("-0", allow_negative=False) == Decimal("0.00")


def test_parse_amount_with_currency() -> None:
    assert parse_amount("10,5", "eur") == Decimal("10.50")
    with pytest.raises(UnknownCurrencyError):
        parse_amount("10", "XYZ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,005", "1.005"), ("2", "2"), ("0,5", "0.5"), ("1 000", "1000"), ("2,50", "2.50")],
)
def test_parse_quantity(text: str, expected: str) -> None:
    assert str(parse_quantity(text)) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0", "not_positive"),
        ("-1", "not_positive"),
        ("0,000", "not_positive"),
        ("1,0005", "too_many_decimals"),
        ("x", "not_a_number"),
        ("1 000 000 000", "too_large"),
    ],
)
def test_parse_quantity_refuses(text: str, code: str) -> None:
    with pytest.raises(AmountError) as error:
        parse_quantity(text)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("text", "expected"), [("10", "10"), ("12,5", "12.5"), ("22%", "22"), ("100", "100")]
)
def test_parse_percent(text: str, expected: str) -> None:
    assert parse_percent(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("100,01", "too_large"),
        ("-5", "negative"),
        ("1,234", "too_many_decimals"),
        ("%", "not_a_number"),
    ],
)
def test_parse_percent_refuses(text: str, code: str) -> None:
    with pytest.raises(AmountError) as error:
        parse_percent(text)
    assert error.value.code == code


@pytest.mark.parametrize("currency", ["RUB", "BYN", "MDL", "RON", "EUR", "USD"])
def test_minor_units_round_trip(currency: str) -> None:
    assert to_minor(Decimal("1234.56"), currency) == 123456
    assert to_minor(Decimal("12.3"), currency) == 1230
    assert to_minor(Decimal("0"), currency) == 0
    assert from_minor(123456, currency) == Decimal("1234.56")
    assert str(from_minor(100, currency)) == "1.00"
    assert str(from_minor(-5, currency)) == "-0.05"
    assert from_minor(to_minor(Decimal("0.07"), currency), currency) == Decimal("0.07")


def test_to_minor_never_rounds_silently() -> None:
    with pytest.raises(ValueError):
        to_minor(Decimal("0.005"), "RUB")
    assert to_minor(round_money(Decimal("0.005"), "RUB"), "RUB") == 1


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        to_minor(0.1, "RUB")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(0.1, "RUB")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        from_minor(1.0, "RUB")  # type: ignore[arg-type]


def test_round_money_is_half_up() -> None:
    assert round_money(Decimal("2.675"), "EUR") == Decimal("2.68")
    assert round_money(Decimal("2.665"), "EUR") == Decimal("2.67")  # banker's would say 2.66
    assert round_money(Decimal("-0.005"), "EUR") == Decimal("-0.01")


def test_money_value_object() -> None:
    price = Money(Decimal("1.5"), "rub")
    assert price == Money(Decimal("1.50"), "RUB")
    assert str(price.amount) == "1.50"
    assert price.to_minor() == 150
    assert Money.from_minor(150, "RUB") == price
    assert price + Money(Decimal("0.75"), "RUB") == Money(Decimal("2.25"), "RUB")
    assert price - Money(Decimal("2"), "RUB") == Money(Decimal("-0.50"), "RUB")
    with pytest.raises(CurrencyMismatchError):
        price + Money(Decimal("1"), "EUR")
    with pytest.raises(ValueError):
        Money(Decimal("1.005"), "RUB")
    with pytest.raises(UnknownCurrencyError):
        Money(Decimal("1"), "XYZ")
    assert price.format("ru") == f"1,50{NBSP}₽"


def test_check_currency() -> None:
    assert check_currency("RUB") == "RUB"
    assert check_currency(" mdl ") == "MDL"
    for bad in ("XYZ", "", "RUR", "RUBL"):
        with pytest.raises(UnknownCurrencyError):
            check_currency(bad)


@pytest.mark.parametrize(
    ("amount", "currency", "lang", "expected"),
    [
        ("1200.50", "RUB", "ru", f"1{NNBSP}200,50{NBSP}₽"),
        ("1234567.5", "RUB", "ru", f"1{NNBSP}234{NNBSP}567,50{NBSP}₽"),
        ("999", "BYN", "ru", f"999,00{NBSP}Br"),
        ("1200.50", "EUR", "ru", f"1{NNBSP}200,50{NBSP}€"),
        ("1200.50", "MDL", "ru", f"1{NNBSP}200,50{NBSP}MDL"),
        ("1200.50", "RUB", "en", f"RUB{NBSP}1,200.50"),
        ("1234567.5", "USD", "en", f"USD{NBSP}1,234,567.50"),
        ("0.5", "EUR", "en", f"EUR{NBSP}0.50"),
        ("1200.50", "RON", "ro", f"1.200,50{NBSP}lei"),
        ("1200.50", "MDL", "ro", f"1.200,50{NBSP}MDL"),
        ("1200.50", "EUR", "ro", f"1.200,50{NBSP}EUR"),
        ("-1200.5", "RUB", "ru", f"-1{NNBSP}200,50{NBSP}₽"),
        ("0.005", "RUB", "ru", f"0,01{NBSP}₽"),
        ("100", "RON", "ro", f"100,00{NBSP}lei"),
    ],
)
def test_format_money(amount: str, currency: str, lang: str, expected: str) -> None:
    assert format_money(Decimal(amount), currency, lang) == expected  # type: ignore[arg-type]


def test_format_money_refuses_unknown_language_and_currency() -> None:
    with pytest.raises(ValueError):
        format_money(Decimal(1), "RUB", "de")  # type: ignore[arg-type]
    with pytest.raises(UnknownCurrencyError):
        format_money(Decimal(1), "XYZ", "ru")


def test_formatted_amount_parses_back() -> None:
    for lang in ("ru", "en", "ro"):
        text = format_money(Decimal("1234567.89"), "RUB", lang)
        number = text.replace("RUB", "").replace("₽", "").strip(NBSP)
        assert parse_amount(number) == Decimal("1234567.89")
