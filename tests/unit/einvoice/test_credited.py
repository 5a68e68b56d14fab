"""A credit note from its stored amounts (``build_credit_einvoice``): never priced again, so
its totals are the sums of the stored nets and VATs; valid under the UBL XSD and CIUS-RO in
each shape a stored line can take (a plain line priced per unit; a discounted line, or prices
with VAT, written as the net for the whole quantity); in EUR with the VAT in RON; refused,
naming the field, like an invoice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from bot.einvoice.check import EInvoiceValidator
from services.einvoice.credited import CreditedLine, build_credit_einvoice
from services.einvoice.ubl import write_ubl
from services.errors import InvalidInput
from tests.unit.einvoice.parties import BUYER, EU_BUYER, SELLER

D = Decimal
NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
PLAIN = CreditedLine("Scaun de birou", "buc.", D(1), D("450.00"), D(21), D("450.00"),
                     D("94.50"))
# 2 of 3 books at 80.55 after 10 % off the line and a share of the document discount.
DISCOUNTED = CreditedLine("Carte tehnică", "buc.", D(2), D("80.55"), D(11), D("137.74"),
                          D("15.15"), discounted=True)


def credit(*lines: CreditedLine, **kw: object) -> bytes:
    args: dict[str, object] = {
        "seller": SELLER, "buyer": BUYER, "lines": lines, "currency": "RON",
        "number": "CN-2026-00001", "issue_date": date(2026, 3, 20),
        "original_number": "SLS-2026-00042", "original_date": date(2026, 3, 2),
        "reason": "Retur marfă"}
    args.update(kw)
    return write_ubl(build_credit_einvoice(**args))  # type: ignore[arg-type]


def text(doc: etree._Element, path: str) -> list[str]:
    return [str(x) for x in doc.xpath(path, namespaces=NS)]


@pytest.mark.parametrize("shape", ["plain_and_discounted", "prices_with_vat", "eur"])
def test_valid_with_the_stored_totals(shape: str, validator: EInvoiceValidator) -> None:
    kw: dict[str, object] = {}
    if shape == "prices_with_vat":
        kw["prices_include_vat"] = True
    if shape == "eur":
        kw.update(currency="EUR", exchange_rate=D("4.9771"))
    xml = credit(PLAIN, DISCOUNTED, **kw)
    report = validator.validate(xml)
    assert (report.kind, report.error_ids) == ("ubl-credit-note", [])
    doc = etree.fromstring(xml)
    net, vat = D("587.74"), D("109.65")  # the stored sums
    assert text(doc, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount/text()") == [str(net)]
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == [str(net + vat)]
    assert text(doc, "cac:TaxTotal/cbc:TaxAmount/text()")[0] == str(vat)
    assert text(doc, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()") == [
        "SLS-2026-00042"]
    assert "Retur marfă" in text(doc, "cbc:Note/text()")
    # The discounted line: its net for the whole credited quantity.
    assert text(doc, "cac:CreditNoteLine[2]/cac:Price/cbc:PriceAmount/text()") == ["137.74"]
    assert text(doc, "cac:CreditNoteLine[2]/cac:Price/cbc:BaseQuantity/text()") == ["2"]
    first_price = text(doc, "cac:CreditNoteLine[1]/cac:Price/cbc:PriceAmount/text()")
    assert first_price == ["450.00"]
    if shape == "eur":  # BT-111: the VAT in RON beside the VAT in EUR
        assert text(doc, "cac:TaxTotal/cbc:TaxAmount[@currencyID='RON']/text()") == [
            str((vat * D("4.9771")).quantize(D("0.01")))]


def test_refused_like_an_invoice() -> None:
    with pytest.raises(InvalidInput) as refused:
        credit(PLAIN, buyer=EU_BUYER)
    assert refused.value.code == "einvoice_buyer_not_ro"
    with pytest.raises(InvalidInput) as refused:
        credit(PLAIN, buyer=replace(BUYER, region=""))
    assert (refused.value.code, refused.value.params["field"]) == ("einvoice_buyer_missing",
                                                                   "region")
    with pytest.raises(InvalidInput) as refused:
        credit(PLAIN, currency="EUR")
    assert refused.value.code == "einvoice_no_rate"
