"""The pure rules of the invoice's market fields and the factură's mentions (issue 16)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.documents import PartyView, build_invoice_view, county_name, split_series
from services.documents.market import printed_party
from services.errors import InvalidInput
from services.invoices import clean_exemption_reason, parse_delivery_date, parse_exchange_rate
from services.pricing import LineInput

D = Decimal


@pytest.mark.parametrize(("number", "expected"), [
    ("DMO-2026-00001", ("DMO-2026", "00001")),
    ("INV-00042", ("INV", "00042")),
    ("FCT/2026/7", ("FCT/2026", "7")),
    ("A12", ("A", "12")),
    ("42", None),
    ("2026-0001", None),  # no letter: no series to name
    ("—", None),  # a draft
    ("DMO-2026", ("DMO", "2026")),
])
def test_series_and_number_are_split_when_the_pattern_allows(
        number: str, expected: tuple[str, str] | None) -> None:
    assert split_series(number) == expected


def test_a_number_without_series_prints_as_the_number() -> None:
    seller = PartyView(name="Demo SRL", country="RO")
    lines = [LineInput("Servicii", D(1), D("10"), D(21))]
    with_series = build_invoice_view(seller=seller, buyer=PartyView(name="B"), lines=lines,
                                     currency="RON", number="DMO-2026-00001",
                                     issue_date=date(2026, 3, 5), language="ro", layout="intl")
    assert with_series.numbered == "Seria DMO-2026 nr. 00001"
    assert with_series.heading == "Factură"
    plain = build_invoice_view(seller=seller, buyer=PartyView(name="B"), lines=lines,
                               currency="RON", number="42", issue_date=date(2026, 3, 5),
                               language="ro", layout="intl")
    assert plain.numbered == "nr. 42"


def test_cif_has_the_ro_prefix_only_for_a_vat_payer() -> None:
    payer = PartyView(name="A", country="RO", tax_id="18547290", vat_payer="yes")
    assert printed_party(payer).tax_id == "RO18547290"
    assert printed_party(PartyView(name="A", country="RO", tax_id="RO18547290",
                                   vat_payer="yes")).tax_id == "RO18547290"
    assert printed_party(PartyView(name="A", country="RO", tax_id="RO18547290",
                                   vat_payer="no")).tax_id == "18547290"
    md = PartyView(name="F", country="MD", tax_id="1003600000000", vat_payer="yes")
    assert printed_party(md) == md


def test_county_names() -> None:
    assert [county_name(c) for c in ("RO-CJ", "RO-B", "RO-IS", "RO-ZZ", "MD-CU")] == [
        "Cluj", "București", "Iași", "RO-ZZ", "MD-CU"]


def test_exchange_rate_as_typed() -> None:
    assert parse_exchange_rate("4,9750") == D("4.9750")
    assert parse_exchange_rate(" 4.975 ") == D("4.975")
    assert parse_exchange_rate("90") == D("90")
    for bad in ("0", "-4.97", "abc", "4.1234567", "4,97 RON", "", "1e3"):
        with pytest.raises(InvalidInput) as err:
            parse_exchange_rate(bad)
        assert (err.value.code, err.value.params["field"]) == ("bad_exchange_rate",
                                                               "exchange_rate")


def test_delivery_date_and_exemption_reason_as_typed() -> None:
    assert parse_delivery_date("02.03.2026") == date(2026, 3, 2)
    assert parse_delivery_date("2026-03-02") == date(2026, 3, 2)
    with pytest.raises(InvalidInput) as err:
        parse_delivery_date("31.02.2026")
    assert err.value.code == "bad_date" and err.value.params["field"] == "delivery_date"
    assert clean_exemption_reason("  art. 292\nalin. (2) ") == "art. 292 alin. (2)"
    for bad, code in ((" ", "empty"), ("x" * 301, "too_long")):
        with pytest.raises(InvalidInput) as err:
            clean_exemption_reason(bad)
        assert err.value.code == code


def test_foreign_currency_view_converts_each_rate_and_sums_the_rows() -> None:
    view = build_invoice_view(
        seller=PartyView(name="S", country="RO"), buyer=PartyView(name="B"),
        lines=[LineInput("A", D(3), D("33.33"), D(21)), LineInput("B", D(1), D("9.99"), D(11))],
        currency="EUR", number="X-1", issue_date=date(2026, 3, 5), language="ro",
        layout="intl", tax_mode="on_total", exchange_rate=D("4.9771"),
        accounting_currency="RON", delivery_date=date(2026, 3, 5))
    assert view.local_currency == "RON" and view.exchange_rate == D("4.9771")
    assert view.exchange_rate_text == "4,9771"
    assert [r.vat for r in view.local_vat_breakdown] == [
        (r.vat * D("4.9771")).quantize(D("0.01")) for r in view.vat_breakdown]
    assert view.local_vat_total == sum((r.vat for r in view.local_vat_breakdown), D(0))
    assert view.delivery_date is None  # the same day as the issue: not printed twice
    same = build_invoice_view(
        seller=PartyView(name="S", country="RO"), buyer=PartyView(name="B"),
        lines=[LineInput("A", D(1), D("10"), D(21))], currency="RON", number="X-2",
        issue_date=date(2026, 3, 5), language="ro", layout="intl",
        exchange_rate=D("1"), accounting_currency="RON")
    assert same.local_currency == "" and same.exchange_rate is None
