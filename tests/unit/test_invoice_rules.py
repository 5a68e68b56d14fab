"""Pure rules of invoices: number patterns, typed discounts and dates, status transitions,
pricing of a draft (one compute_totals call, minor units out)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.errors import Conflict, InvalidInput
from services.invoices import (
    INVOICE_TRANSITIONS,
    Line,
    Party,
    check_transition,
    clean_quantity,
    line_from_row,
    line_to_row,
    parse_discount,
    parse_due_date,
    price_document,
)
from services.numbering import format_number, validate_pattern
from services.pricing import NO_VAT, compute_totals

D = Decimal
TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(("pattern", "number"), [
    ("{prefix}-{yyyy}-{seq:05}", "INV-2026-00042"),
    ("{prefix}{yy}/{seq}", "INV26/42"),
    ("СЧ-{seq:04d}", "СЧ-0042"),
])
def test_number_patterns(pattern: str, number: str) -> None:
    assert format_number(validate_pattern(pattern), prefix="INV", year=2026, seq=42) == number


@pytest.mark.parametrize("pattern", ["{prefix}-{yyyy}", "{seq}{user}", "{seq!r}", "{seq:xyz}",
                                     "{seq", "", "{seq:0100}", "{0}{seq}"])
def test_bad_number_patterns(pattern: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_pattern(pattern)
    assert err.value.code == "bad_number_pattern"


@pytest.mark.parametrize(("text", "expected"), [
    ("10%", (D("10"), None)), ("12,5 %", (D("12.5"), None)), ("500", (None, D("500.00"))),
    ("1 200,50", (None, D("1200.50"))), ("0", (None, None)), ("0%", (None, None)),
])
def test_discounts(text: str, expected: tuple[object, object]) -> None:
    assert parse_discount(text, "RUB") == expected


@pytest.mark.parametrize(("text", "code"), [("150%", "discount_over_100"),
                                            ("-5%", "amount_negative"),
                                            ("10,005", "amount_too_many_decimals"),
                                            ("ten", "amount_not_a_number")])
def test_bad_discounts(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_discount(text, "RUB")
    assert err.value.code == code


@pytest.mark.parametrize(("text", "day"), [("25.12.2026", date(2026, 12, 25)),
                                           ("2026-04-01", date(2026, 4, 1)),
                                           ("10", date(2026, 3, 20)),
                                           ("+5 days", date(2026, 3, 15))])
def test_due_dates(text: str, day: date) -> None:
    assert parse_due_date(text, TODAY) == day


@pytest.mark.parametrize(("text", "code"), [("01.01.2026", "due_in_past"),
                                            ("31.02.2026", "bad_date"), ("soon", "bad_date"),
                                            ("9999", "due_too_far")])
def test_bad_due_dates(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_due_date(text, TODAY)
    assert err.value.code == code


@pytest.mark.parametrize("text", ["0", "-1", "−3", "0,000"])
def test_quantity_must_be_positive(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        clean_quantity(text)
    assert err.value.code == "quantity_not_positive"


def test_transitions() -> None:
    check_transition(INVOICE_TRANSITIONS, "draft", "issued")
    check_transition(INVOICE_TRANSITIONS, "overdue", "paid")
    for current, target in (("draft", "paid"), ("paid", "cancelled"), ("cancelled", "issued"),
                            ("issued", "draft"), ("partially_paid", "cancelled")):
        with pytest.raises(Conflict):
            check_transition(INVOICE_TRANSITIONS, current, target)


def test_price_document_is_compute_totals_in_minor_units() -> None:
    lines = [Line("A", D("3"), D("0.35"), D("22"), discount_percent=D("50")),
             Line("B", D("1"), D("10.00"), NO_VAT, kind="shipping")]
    priced, totals = price_document(lines, "EUR", "on_total", None, D("0.10"))
    expected = compute_totals([x.as_input() for x in lines], "EUR", "on_total",
                              total_discount_amount=D("0.10"))
    assert totals == expected.to_minor()
    assert [(x.position, x.net, x.vat, x.total) for x in priced] == [
        (r.index + 1, r.net, r.vat, r.gross) for r in expected.lines]
    # A line round-trips through its database row unchanged.
    for x in priced:
        assert line_from_row({**line_to_row(x, "EUR"), "product_id": None}, "EUR") == x


def test_empty_draft_prices_to_zero_but_refuses_a_fixed_discount() -> None:
    assert price_document([], "RUB", "per_line", None, None)[1]["grand_total"] == 0
    with pytest.raises(InvalidInput):
        price_document([], "RUB", "per_line", None, D("1.00"))


def test_party_snapshot_round_trip() -> None:
    party = Party(name="ООО Ромашка", tax_id="7707083893", tax_id_label="ИНН")
    assert Party.from_dict({**party.to_dict(), "unknown": "x"}) == party
