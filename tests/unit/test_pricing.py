"""Golden tests of the document arithmetic. Expected figures are computed by hand (comments)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from services.pricing import (
    MAX_LINES,
    NO_VAT,
    LineInput,
    PricingError,
    Totals,
    VatRate,
    allocate,
    compute_totals,
    default_vat,
    vat_rates_for,
)

D = Decimal


def line(
    qty: str,
    price: str,
    rate: VatRate | int = 22,
    *,
    name: str = "x",
    pct: str | None = None,
    amt: str | None = None,
    kind: str = "item",
    currency: str | None = None,
) -> LineInput:
    return LineInput(
        name=name,
        quantity=D(qty),
        unit_price=D(price),
        vat_rate=rate if isinstance(rate, str) else D(rate),
        discount_percent=D(pct) if pct is not None else None,
        discount_amount=D(amt) if amt is not None else None,
        kind=kind,  # type: ignore[arg-type]
        currency=currency,
    )


def totals_of(t: Totals) -> tuple[str, str, str, str, str]:
    return (
        str(t.subtotal),
        str(t.discount_total),
        str(t.net_total),
        str(t.vat_total),
        str(t.grand_total),
    )


def assert_consistent(t: Totals) -> None:
    """The rounding rule's promise: totals are sums of the rounded line amounts."""
    q = D("0.01")
    for r in t.lines:
        for value in (r.amount, r.discount, r.net, r.vat, r.gross):
            assert value == value.quantize(q) and value.as_tuple().exponent == -2
        assert r.net + r.vat == r.gross
        assert r.line_discount + r.document_discount == r.discount
        if t.tax_mode == "included":
            assert r.amount - r.discount == r.gross
        else:
            assert r.amount - r.discount == r.net
    assert t.subtotal == sum(r.amount for r in t.lines)
    assert t.discount_total == sum(r.discount for r in t.lines)
    assert t.net_total == sum(r.net for r in t.lines)
    assert t.vat_total == sum(r.vat for r in t.lines)
    assert t.grand_total == t.net_total + t.vat_total
    assert t.vat_total == sum(b.vat for b in t.vat_breakdown)
    assert t.net_total == sum(b.net for b in t.vat_breakdown)
    minor = t.to_minor()
    lines_minor = t.lines_to_minor()
    assert minor["grand_total"] == sum(m["gross"] for m in lines_minor)
    assert minor["vat_total"] == sum(m["vat"] for m in lines_minor)


# --- tax modes ------------------------------------------------------------------------------


def test_per_line_mode_with_every_kind_of_rate() -> None:
    t = compute_totals(
        [
            line("2", "1500.00", 22),  # 3000.00, VAT 660.00
            line("3", "33.335", 22),  # 100.005 -> 100.01, VAT 22.0022 -> 22.00
            line("1", "10.00", 10),  # VAT 1.00
            line("1", "50.00", NO_VAT),  # without VAT
            line("1", "20.00", 0),  # VAT 0 %
        ],
        "RUB",
    )
    assert [str(r.amount) for r in t.lines] == ["3000.00", "100.01", "10.00", "50.00", "20.00"]
    assert [str(r.vat) for r in t.lines] == ["660.00", "22.00", "1.00", "0.00", "0.00"]
    assert totals_of(t) == ("3180.01", "0.00", "3180.01", "683.00", "3863.01")
    assert [(b.rate, str(b.net), str(b.vat), str(b.gross)) for b in t.vat_breakdown] == [
        (D(22), "3100.01", "682.00", "3782.01"),
        (D(10), "10.00", "1.00", "11.00"),
        (D(0), "20.00", "0.00", "20.00"),
        ("none", "50.00", "0.00", "50.00"),
    ]
    assert t.to_minor() == {
        "subtotal": 318001,
        "discount_total": 0,
        "net_total": 318001,
        "vat_total": 68300,
        "grand_total": 386301,
    }
    assert not t.prices_include_vat
    assert_consistent(t)


def test_half_cent_rounds_up() -> None:
    # 1 x 0.25 at 10 %: VAT 0.025 -> 0.03 (banker's rounding would give 0.02)
    t = compute_totals([line("1", "0.25", 10)], "EUR")
    assert (str(t.vat_total), str(t.grand_total)) == ("0.03", "0.28")
    # 1 x 0.125 -> amount 0.13
    assert compute_totals([line("1", "0.125", 0)], "EUR").lines[0].amount == D("0.13")


def test_three_times_33_335() -> None:
    t = compute_totals([line("3", "33.335", 20)], "RUB")
    # 100.005 -> 100.01; VAT 20.002 -> 20.00; not 3 x 33.34 = 100.02
    assert totals_of(t) == ("100.01", "0.00", "100.01", "20.00", "120.01")


def test_on_total_differs_from_per_line_and_still_adds_up() -> None:
    lines = [line("1", "0.03", 20), line("1", "0.03", 20), line("1", "0.03", 20)]
    per_line = compute_totals(lines, "RUB", "per_line")
    # each line: 0.006 -> 0.01, total 0.03
    assert str(per_line.vat_total) == "0.03"
    on_total = compute_totals(lines, "RUB", "on_total")
    # 0.09 x 20 % = 0.018 -> 0.02, allocated 0.01 each (0.03), remainder -0.01 to the
    # largest line (a tie: the first one)
    assert str(on_total.vat_total) == "0.02"
    assert [str(r.vat) for r in on_total.lines] == ["0.00", "0.01", "0.01"]
    assert totals_of(on_total) == ("0.09", "0.00", "0.09", "0.02", "0.11")
    assert_consistent(on_total)


def test_on_total_several_rates_eur() -> None:
    t = compute_totals(
        [
            line("3", "19.99", 21),  # 59.97
            line("1", "0.99", 21),  # 0.99   -> rate 21: 60.96 x 0.21 = 12.8016 -> 12.80
            line("2", "4.99", 11),  # 9.98   -> rate 11: 1.0978 -> 1.10
        ],
        "EUR",
        "on_total",
    )
    # 12.80 allocated: 59.97/60.96 -> 12.59, 0.99/60.96 -> 0.21
    assert [str(r.vat) for r in t.lines] == ["12.59", "0.21", "1.10"]
    assert [(b.rate, str(b.vat)) for b in t.vat_breakdown] == [(D(21), "12.80"), (D(11), "1.10")]
    assert totals_of(t) == ("70.94", "0.00", "70.94", "13.90", "84.84")
    assert_consistent(t)


def test_included_mode_extracts_vat() -> None:
    t = compute_totals(
        [
            line("1", "100.00", 22),  # 100 x 22 / 122 = 18.0327 -> 18.03, net 81.97
            line("1", "50.00", 10),  # 50 x 10 / 110 = 4.5454 -> 4.55, net 45.45
            line("1", "30.00", NO_VAT),  # net 30.00
        ],
        "RUB",
        "included",
    )
    assert [(str(r.net), str(r.vat), str(r.gross)) for r in t.lines] == [
        ("81.97", "18.03", "100.00"),
        ("45.45", "4.55", "50.00"),
        ("30.00", "0.00", "30.00"),
    ]
    assert totals_of(t) == ("180.00", "0.00", "157.42", "22.58", "180.00")
    assert t.prices_include_vat
    assert_consistent(t)


def test_included_mode_with_line_discount() -> None:
    # 122.00 - 10 % = 109.80 gross; VAT 109.80 x 22 / 122 = 19.80; net 90.00
    t = compute_totals([line("1", "122.00", 22, pct="10")], "RUB", "included")
    r = t.lines[0]
    assert (str(r.discount), str(r.net), str(r.vat), str(r.gross)) == (
        "12.20",
        "90.00",
        "19.80",
        "109.80",
    )


def test_included_mode_with_document_discount() -> None:
    t = compute_totals(
        [line("1", "100.00", 22), line("1", "50.00", 10)],
        "RUB",
        "included",
        total_discount_amount=D("15.00"),
    )
    # shares 10.00 / 5.00; 90.00 -> VAT 16.2295 -> 16.23; 45.00 -> VAT 4.0909 -> 4.09
    assert [str(r.document_discount) for r in t.lines] == ["10.00", "5.00"]
    assert [str(r.vat) for r in t.lines] == ["16.23", "4.09"]
    assert totals_of(t) == ("150.00", "15.00", "114.68", "20.32", "135.00")
    assert_consistent(t)


# --- discounts ------------------------------------------------------------------------------


def test_line_discounts_percent_and_amount() -> None:
    t = compute_totals(
        [
            # 999.90 x 15 % = 149.985 -> 149.99; net 849.91; VAT 186.9802 -> 186.98
            line("10", "99.99", 22, pct="15"),
            # 500.00 - 100.00 = 400.00; VAT 88.00
            line("1", "500.00", 22, amt="100"),
        ],
        "RUB",
    )
    assert [(str(r.discount), str(r.net), str(r.vat)) for r in t.lines] == [
        ("149.99", "849.91", "186.98"),
        ("100.00", "400.00", "88.00"),
    ]
    assert totals_of(t) == ("1499.90", "249.99", "1249.91", "274.98", "1524.89")
    assert_consistent(t)


def test_full_line_discount_is_allowed() -> None:
    t = compute_totals([line("1", "10.00", 22, pct="100"), line("1", "5", 22)], "RUB")
    assert totals_of(t) == ("15.00", "10.00", "5.00", "1.10", "6.10")


def test_document_discount_remainder_goes_to_the_largest_line() -> None:
    t = compute_totals(
        [line("1", "10.00", 0), line("1", "10.00", 0), line("1", "10.01", 0)],
        "RUB",
        total_discount_amount=D("1.00"),
    )
    # 1.00 x 10.00 / 30.01 = 0.3332 -> 0.33 (x2), 10.01 share 0.3336 -> 0.33; 0.99 + 0.01 rest
    assert [str(r.document_discount) for r in t.lines] == ["0.33", "0.33", "0.34"]
    assert str(t.discount_total) == "1.00"
    assert_consistent(t)


def test_document_discount_negative_remainder() -> None:
    t = compute_totals([line("1", "0.01", 0)] * 3, "RUB", total_discount_amount=D("0.02"))
    # each 0.0067 -> 0.01 = 0.03, remainder -0.01 taken from the first (tied largest) line
    assert [str(r.document_discount) for r in t.lines] == ["0.00", "0.01", "0.01"]
    assert_consistent(t)


def test_document_discount_spills_when_the_largest_line_cannot_take_it() -> None:
    t = compute_totals([line("1", "0.01", 0)] * 6, "RUB", total_discount_amount=D("0.02"))
    # each 0.0033 -> 0.00; remainder 0.02, but a line can lose at most its own 0.01
    assert [str(r.document_discount) for r in t.lines] == [
        "0.01",
        "0.01",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
    ]
    assert all(r.net >= 0 for r in t.lines)
    assert_consistent(t)


def test_document_discount_percent_skips_shipping() -> None:
    t = compute_totals(
        [line("1", "100.00", 20), line("1", "50.00", 20, kind="shipping")],
        "BYN",
        total_discount_percent=D("10"),
    )
    # 10 % of the items only (100.00): 10.00; item VAT 18.00, shipping VAT 10.00
    assert [str(r.document_discount) for r in t.lines] == ["10.00", "0.00"]
    assert totals_of(t) == ("150.00", "10.00", "140.00", "28.00", "168.00")
    assert_consistent(t)


def test_document_discount_on_top_of_line_discounts_on_total_mode() -> None:
    t = compute_totals(
        [line("3", "33.335", 22), line("1", "10", NO_VAT)],
        "RUB",
        "on_total",
        total_discount_percent=D("10"),
    )
    # base 100.01 + 10.00 = 110.01; 10 % = 11.001 -> 11.00; shares 10.00 / 1.00
    # VAT 22 %: 90.01 x 0.22 = 19.8022 -> 19.80
    assert [str(r.document_discount) for r in t.lines] == ["10.00", "1.00"]
    assert totals_of(t) == ("110.01", "11.00", "99.01", "19.80", "118.81")
    assert_consistent(t)


def test_allocate_parts_sum_exactly() -> None:
    weights = [D("33.33"), D("33.33"), D("33.34")]
    parts = allocate(D("10.00"), weights, "EUR")
    assert parts == [D("3.33"), D("3.33"), D("3.34")]
    assert allocate(D("0"), weights, "EUR") == [D("0.00")] * 3


# --- currencies, many lines -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "rate", "expected_vat"),
    [("RUB", 22, "220.00"), ("RON", 21, "210.00"), ("MDL", 8, "80.00"), ("BYN", 20, "200.00")],
)
def test_several_currencies(currency: str, rate: int, expected_vat: str) -> None:
    t = compute_totals([line("4", "250.00", rate, currency=currency)], currency.lower())
    assert t.currency == currency
    assert str(t.vat_total) == expected_vat
    assert t.to_minor()["net_total"] == 100000


@pytest.mark.parametrize("mode", ["per_line", "on_total", "included"])
def test_hundred_lines_totals_are_sums_of_rounded_lines(mode: str) -> None:
    rates: list[VatRate] = [D(22), D(10), D(0), NO_VAT]
    lines = [
        line(
            f"{1 + i % 7}.{i % 1000:03d}",
            f"{i * 7 % 500}.{i * 13 % 1000:03d}5",
            rates[i % 4],
            pct=str(i % 5 * 3) if i % 3 == 0 else None,
            kind="shipping" if i % 10 == 9 else "item",
        )
        for i in range(100)
    ]
    t = compute_totals(lines, "RUB", mode, total_discount_percent=D("7.5"))  # type: ignore[arg-type]
    assert len(t.lines) == 100
    assert_consistent(t)
    # independent check of the line amounts: round(quantity x price) HALF_UP
    for src, r in zip(lines, t.lines, strict=True):
        assert r.amount == (src.quantity * src.unit_price).quantize(D("0.01"), ROUND_HALF_UP)
    if mode == "per_line":
        for r in t.lines:
            if r.vat_rate != NO_VAT:
                expected = (r.net * D(r.vat_rate) / 100).quantize(D("0.01"), ROUND_HALF_UP)
                assert r.vat == expected


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "kwargs", "code", "index"),
    [
        ([line("1", "1"), line("0", "1")], {}, "quantity_not_positive", 1),
        ([line("-1", "1")], {}, "quantity_not_positive", 0),
        ([line("1", "-0.01")], {}, "price_negative", 0),
        ([line("1", "1", pct="100.01")], {}, "discount_over_100", 0),
        ([line("1", "1", pct="-1")], {}, "discount_negative", 0),
        ([line("1", "1", pct="1", amt="1")], {}, "discount_both", 0),
        ([line("1", "10", amt="10.01")], {}, "discount_over_line", 0),
        (
            [line("1", "10")],
            {"total_discount_amount": D("10.01")},
            "total_discount_over_total",
            None,
        ),
        ([line("1", "10")], {"total_discount_percent": D("101")}, "discount_over_100", None),
        (
            [line("1", "10", kind="shipping")],
            {"total_discount_amount": D("1")},
            "total_discount_over_total",
            None,
        ),
        (
            [line("1", "1", currency="RUB"), line("1", "1", currency="EUR")],
            {},
            "mixed_currency",
            1,
        ),
        ([], {}, "no_lines", None),
        ([line("1", "1")] * (MAX_LINES + 1), {}, "too_many_lines", None),
        ([line("1", "1", 100)], {}, "vat_rate_invalid", 0),
        ([line("1", "1", "7%")], {}, "vat_rate_invalid", 0),  # type: ignore[arg-type]
        ([line("1", "1")], {"tax_mode": "gross"}, "bad_tax_mode", None),
        ([line("1", "1", kind="gift")], {}, "bad_line_kind", 0),
        ([line("1000000", "1000000")], {}, "amount_too_large", 0),
    ],
)
def test_pricing_errors(
    lines: list[LineInput], kwargs: dict[str, object], code: str, index: int | None
) -> None:
    with pytest.raises(PricingError) as error:
        compute_totals(lines, "RUB", **kwargs)  # type: ignore[arg-type]
    assert error.value.code == code
    assert error.value.line_index == index


def test_exactly_max_lines_is_fine() -> None:
    assert compute_totals([line("1", "1")] * MAX_LINES, "RUB").subtotal == D("500.00")


def test_float_is_a_programming_error() -> None:
    bad = LineInput("x", 1.5, D(1), D(22))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compute_totals([bad], "RUB")


# --- VAT rates by country -------------------------------------------------------------------


def test_vat_rates_by_country_and_date() -> None:
    assert vat_rates_for("RU", date(2026, 1, 1)) == [D(22), D(10), D(0), "none"]
    assert vat_rates_for("RU", date(2025, 12, 31)) == [D(20), D(10), D(0), "none"]
    assert vat_rates_for("RO", date(2025, 8, 1)) == [D(21), D(11), D(0)]
    assert vat_rates_for("RO", date(2025, 7, 31)) == [D(19), D(9), D(5), D(0)]
    assert vat_rates_for("by", date(2026, 1, 1)) == [D(20), D(10), D(0), "none"]
    assert vat_rates_for("MD", date(2026, 1, 1)) == [D(20), D(8), D(0), "none"]


def test_default_vat() -> None:
    assert default_vat("RU", on=date(2026, 3, 1)) == D(22)
    assert default_vat("RU", on=date(2025, 3, 1)) == D(20)
    assert default_vat("RO", on=date(2025, 9, 1)) == D(21)
    assert default_vat("RO", on=date(2025, 1, 1)) == D(19)
    assert default_vat("BY") == D(20)
    assert default_vat("MD") == D(20)
    with pytest.raises(PricingError) as error:
        default_vat("DE")
    assert error.value.code == "unknown_country"
