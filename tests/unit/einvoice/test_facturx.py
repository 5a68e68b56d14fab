"""Factur-X (CII D16B, EN 16931 profile) from the same inputs as e-Factura, for an EU buyer
invoiced in EUR: the XML passes the Factur-X EN16931 XSD and the CEN CII D16B XSD, and its
totals are ``compute_totals``' totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from bot.einvoice.check import EInvoiceValidator
from services.einvoice import build_einvoice
from services.einvoice.cii import write_cii
from services.errors import InvalidInput
from services.pricing import LineInput, compute_totals
from tests.unit.einvoice.parties import BOOKS, CHAIRS, EU_BUYER, EXEMPT, SELLER, SERVICE, D

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
MD_SELLER = replace(SELLER, country="MD", tax_id="1003600012345", region="", city="Chișinău",
                    postal_code="MD-2001", reg_number="", iban="MD24AG000225100013104168",
                    bik_or_bic="AGRNMD2X", vat_payer="yes")


def _base(**kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "seller": SELLER, "buyer": EU_BUYER, "currency": "EUR", "number": "SLS-2026-00077",
        "issue_date": date(2026, 4, 1), "due_date": date(2026, 4, 30), "profile": "en16931",
        "language": "en", "exchange_rate": D("4.9771"),
    }
    args.update(kw)
    args.setdefault("units", ["pcs"] * len(args["lines"]))
    return args


CASES: dict[str, dict[str, Any]] = {
    "intra_eu_reverse_charge": _base(
        lines=[replace(CHAIRS, vat_rate=D(0)), replace(SERVICE, vat_rate="none")],
        reverse_charge=True),
    "standard_with_discounts": _base(
        lines=[replace(CHAIRS, discount_percent=D(10)), BOOKS], total_discount_percent=D(4)),
    "included_mode": _base(
        lines=[replace(CHAIRS, discount_amount=D("20.00")), replace(BOOKS)],
        tax_mode="included", total_discount_amount=D("15.00")),
    "on_total_exempt": _base(
        lines=[SERVICE, EXEMPT], tax_mode="on_total", vat_exemption_reason="Article 132 VAT "
        "Directive", vat_exemption_code="VATEX-EU-132"),
    "credit_note": _base(lines=[replace(BOOKS, quantity=D(1))], kind="credit_note",
                         original_number="SLS-2026-00070", original_date=date(2026, 3, 1)),
    "moldovan_seller": _base(seller=MD_SELLER, lines=[
        LineInput("Software development", D(40), D("35.00"), D(0))], units=["hours"],
        exchange_rate=None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cii_valid_and_totals_identical(name: str, validator: EInvoiceValidator) -> None:
    args = CASES[name]
    xml = write_cii(build_einvoice(**args))
    report = validator.validate_cii(xml)
    assert report.errors == (), [(f.rule_id, f.text) for f in report.errors]
    totals = compute_totals(args["lines"], "EUR", args.get("tax_mode", "per_line"),
                            total_discount_percent=args.get("total_discount_percent"),
                            total_discount_amount=args.get("total_discount_amount"))
    doc = etree.fromstring(xml)
    sums = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"

    def amount(path: str) -> Decimal:
        (value,) = doc.xpath(sums + path, namespaces=NS)
        return Decimal(value)

    assert amount("TaxBasisTotalAmount/text()") == totals.net_total
    assert amount("TaxTotalAmount[@currencyID='EUR']/text()") == totals.vat_total
    assert amount("GrandTotalAmount/text()") == totals.grand_total
    assert amount("DuePayableAmount/text()") == totals.grand_total
    basis = doc.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
                      "ram:BasisAmount/text()", namespaces=NS)
    assert sum(Decimal(b) for b in basis) == totals.net_total
    kind = doc.xpath("/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode/text()",
                     namespaces=NS)
    assert kind == (["381"] if args.get("kind") == "credit_note" else ["380"])


@pytest.mark.parametrize(("change", "code", "params"), [
    ({"currency": "RON"}, "facturx_not_eur", {"currency": "RON"}),
    ({"buyer": replace(EU_BUYER, country="RU")}, "facturx_buyer_not_eu", {"country": "RU"}),
])
def test_facturx_refusals(change: dict[str, Any], code: str, params: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        build_einvoice(**_base(lines=[CHAIRS], **change))
    assert (refused.value.code, refused.value.params) == (code, params)
