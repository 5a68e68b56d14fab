"""e-Factura (UBL 2.1, CIUS-RO 1.0.9) built by ``build_einvoice`` for every tax mode: each file
passes the UBL XSD and the CIUS-RO schematron with 0 errors, and the totals read back from the
XML are ``compute_totals``' totals, to the cent."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from bot.einvoice.check import EInvoiceValidator
from services.einvoice import build_einvoice
from services.einvoice.ubl import write_ubl
from services.errors import InvalidInput
from services.money import round_money
from services.pricing import LineInput, compute_totals
from tests.unit.einvoice.parties import (
    BOOKS,
    BUYER,
    CHAIRS,
    EU_BUYER,
    EXEMPT,
    NOT_A_PAYER,
    ON_COLLECTION,
    SELLER,
    SERVICE,
    D,
)

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ISSUED = date(2026, 3, 5)
DUE = date(2026, 3, 20)
REASON = "Scutit cf. art. 292 alin. (1) lit. a) Cod fiscal"


def _base(**kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "seller": SELLER, "buyer": BUYER, "currency": "RON", "number": "SLS-2026-00042",
        "issue_date": ISSUED, "due_date": DUE,
    }
    args.update(kw)
    args.setdefault("units", ["buc."] * len(args["lines"]))
    return args


CASES: dict[str, dict[str, Any]] = {
    "standard_21": _base(lines=[CHAIRS, replace(SERVICE, quantity=D(3))]),
    "reduced_11": _base(lines=[BOOKS]),
    "mixed_rates_line_discounts": _base(lines=[
        replace(CHAIRS, discount_percent=D(10)),
        replace(BOOKS, discount_amount=D("12.30")),
        SERVICE,
    ], units=["buc.", "buc.", "ore"]),
    "exempt_with_reason": _base(lines=[EXEMPT, CHAIRS], vat_exemption_reason=REASON),
    "reverse_charge": _base(
        lines=[LineInput("Deșeuri feroase", D("2.350"), D("1200.00"), D(0)),
               LineInput("Lucrări de construcții", D(1), D("8000.00"), "none")],
        units=["t", "service"], reverse_charge=True),
    "eur_with_exchange_rate": _base(
        lines=[replace(CHAIRS, unit_price=D("95.40")), replace(BOOKS, unit_price=D("16.10"))],
        currency="EUR", exchange_rate=D("4.9771")),
    "document_discount_percent": _base(
        lines=[CHAIRS, BOOKS, SERVICE], total_discount_percent=D("7.5")),
    "on_total_document_discount_amount": _base(
        lines=[LineInput(f"Consumabil {i}", D(i % 4 + 1), D("3.33") + i, D(21 if i % 3 else 11))
               for i in range(1, 25)],
        tax_mode="on_total", total_discount_amount=D("57.77")),
    "included_line_and_document_discounts": _base(
        lines=[replace(CHAIRS, discount_percent=D(5)), replace(BOOKS, discount_amount=D("3.00")),
               replace(EXEMPT, unit_price=D("99.99"))],
        tax_mode="included", total_discount_percent=D(3), vat_exemption_reason=REASON),
    "credit_note": _base(
        lines=[replace(CHAIRS, quantity=D(1)), replace(BOOKS, quantity=D(2))],
        kind="credit_note", original_number="SLS-2026-00017", original_date=date(2026, 2, 11)),
    "credit_note_included_eur": _base(
        lines=[replace(SERVICE, unit_price=D("49.99"), discount_percent=D(15))],
        tax_mode="included", currency="EUR", exchange_rate=D("4.9765"), kind="credit_note",
        original_number="SLS-2026-00018", original_date=date(2026, 2, 12)),
    "seller_not_vat_payer": _base(
        seller=NOT_A_PAYER, lines=[replace(CHAIRS, vat_rate=D(0)), replace(EXEMPT)]),
    "vat_on_collection_paid_part": _base(
        seller=ON_COLLECTION, lines=[CHAIRS, BOOKS], paid_amount=D("500.00"),
        delivery_date=date(2026, 3, 2)),
    "no_due_date": _base(lines=[SERVICE], due_date=None),
    "buyer_not_vat_payer_zero_rate": _base(
        buyer=replace(BUYER, tax_id="14399840", vat_payer="no", legal_name="Ion Popescu PFA"),
        lines=[replace(BOOKS, vat_rate=D(0)), CHAIRS]),
}


def _totals(args: dict[str, Any]) -> Any:
    return compute_totals(
        args["lines"], args["currency"], args.get("tax_mode", "per_line"),
        total_discount_percent=args.get("total_discount_percent"),
        total_discount_amount=args.get("total_discount_amount"))


def _category(args: dict[str, Any], rate: Any) -> tuple[str, str | None]:
    if args["seller"].vat_payer == "no":
        return ("O", None)
    if args.get("reverse_charge"):
        return ("AE", "0")
    if rate == "none":
        return ("E", "0")
    return ("Z", "0") if rate == 0 else ("S", str(rate))


def _amount(doc: etree._Element, path: str) -> Decimal:
    values = doc.xpath(path, namespaces=NS)
    assert len(values) == 1, (path, values)
    return Decimal(values[0])


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    return {name: write_ubl(build_einvoice(**args)) for name, args in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_valid_and_totals_identical(name: str, built: dict[str, bytes],
                                    validator: EInvoiceValidator) -> None:
    xml = built[name]
    report = validator.validate_ubl(xml)
    assert report.errors == (), [(f.rule_id, f.text) for f in report.errors]
    args = CASES[name]
    totals = _totals(args)
    doc = etree.fromstring(xml)
    cur = args["currency"]
    money = "/*/cac:LegalMonetaryTotal/cbc:"
    assert _amount(doc, money + "TaxExclusiveAmount/text()") == totals.net_total
    assert _amount(doc, money + "TaxInclusiveAmount/text()") == totals.grand_total
    paid = args.get("paid_amount", D(0))
    assert _amount(doc, money + "PayableAmount/text()") == totals.grand_total - paid
    assert _amount(doc, f"/*/cac:TaxTotal/cbc:TaxAmount[@currencyID='{cur}']/text()") == (
        totals.vat_total)
    assert _amount(doc, money + "LineExtensionAmount/text()") - (
        _amount(doc, money + "AllowanceTotalAmount/text()")
        if doc.xpath(money + "AllowanceTotalAmount", namespaces=NS) else 0) == totals.net_total
    # One VAT breakdown row per category and rate, with our net and VAT of that rate (reverse
    # charge and "not subject" put every rate in one row: BR-AE-01, BR-O-01).
    rows = doc.xpath("/*/cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)
    got = {(r.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
            r.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS)):
           (Decimal(r.findtext("cbc:TaxableAmount", namespaces=NS)),
            Decimal(r.findtext("cbc:TaxAmount", namespaces=NS))) for r in rows}
    assert len(got) == len(rows)
    expected: dict[tuple[str, str | None], tuple[Decimal, Decimal]] = {}
    for b in totals.vat_breakdown:
        key = _category(args, b.rate)
        net, vat = expected.get(key, (D(0), D(0)))
        expected[key] = (net + b.net, vat + b.vat)
    assert got == expected
    # Each line: quantity x price / base quantity - allowance == line net, to the cent.
    for line in doc.xpath("/*/cac:InvoiceLine | /*/cac:CreditNoteLine", namespaces=NS):
        qty = Decimal(line.xpath("cbc:InvoicedQuantity | cbc:CreditedQuantity",
                                 namespaces=NS)[0].text)
        price = Decimal(line.findtext("cac:Price/cbc:PriceAmount", namespaces=NS))
        base = Decimal(line.findtext("cac:Price/cbc:BaseQuantity", default="1", namespaces=NS))
        allowance = sum((Decimal(a) for a in line.xpath(
            "cac:AllowanceCharge/cbc:Amount/text()", namespaces=NS)), Decimal(0))
        net = Decimal(line.findtext("cbc:LineExtensionAmount", namespaces=NS))
        assert round_money(qty * price / base, cur) - allowance == net
    if cur != "RON":
        ron = round_money(totals.vat_total * args["exchange_rate"], "RON")
        assert _amount(doc, "/*/cac:TaxTotal/cbc:TaxAmount[@currencyID='RON']/text()") == ron
        assert doc.findtext("cbc:TaxCurrencyCode", namespaces=NS) == "RON"


def test_at_least_ten_invoices_cover_every_tax_mode() -> None:
    assert len(CASES) >= 10
    modes = {a.get("tax_mode", "per_line") for a in CASES.values()}
    assert modes == {"per_line", "on_total", "included"}
    rates = {line.vat_rate for a in CASES.values() for line in a["lines"]}
    assert {D(21), D(11), "none"} <= rates


def _xml(name: str, built: dict[str, bytes]) -> etree._Element:
    return etree.fromstring(built[name])


def test_document_discount_is_one_allowance_per_vat_rate(built: dict[str, bytes]) -> None:
    args = CASES["document_discount_percent"]
    totals = _totals(args)
    doc = _xml("document_discount_percent", built)
    got = {
        Decimal(a.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS)):
        Decimal(a.findtext("cbc:Amount", namespaces=NS))
        for a in doc.xpath("/*/cac:AllowanceCharge", namespaces=NS)}
    expected: dict[Decimal, Decimal] = {}
    for line in totals.lines:
        assert not isinstance(line.vat_rate, str)
        expected[line.vat_rate] = expected.get(line.vat_rate, D(0)) + line.document_discount
    assert got == expected and len(got) == 2
    assert sum(got.values()) == totals.discount_total


def test_categories_reasons_and_romanian_words(built: dict[str, bytes]) -> None:
    exempt = _xml("exempt_with_reason", built)
    assert exempt.xpath("//cac:TaxSubtotal/cac:TaxCategory[cbc:ID='E']/cbc:TaxExemptionReason"
                        "/text()", namespaces=NS) == [REASON]
    reverse = _xml("reverse_charge", built)
    assert set(reverse.xpath("//cac:ClassifiedTaxCategory/cbc:ID/text()", namespaces=NS)) == {
        "AE"}
    assert reverse.xpath("//cac:TaxCategory[cbc:ID='AE']/cbc:TaxExemptionReasonCode/text()",
                         namespaces=NS) == ["VATEX-EU-AE"]
    assert "Taxare inversă" in reverse.xpath("/*/cbc:Note/text()", namespaces=NS)
    assert reverse.xpath("//cbc:InvoicedQuantity/@unitCode", namespaces=NS) == ["TNE", "C62"]
    collection = _xml("vat_on_collection_paid_part", built)
    assert collection.xpath("/*/cac:InvoicePeriod/cbc:DescriptionCode/text()",
                            namespaces=NS) == ["432"]
    assert "TVA la încasare" in collection.xpath("/*/cbc:Note/text()", namespaces=NS)
    assert collection.xpath("/*/cac:Delivery/cbc:ActualDeliveryDate/text()",
                            namespaces=NS) == ["2026-03-02"]
    eur = _xml("eur_with_exchange_rate", built)
    assert "Curs de schimb: 1 EUR = 4,9771 RON" in eur.xpath("/*/cbc:Note/text()", namespaces=NS)
    not_payer = _xml("seller_not_vat_payer", built)
    assert set(not_payer.xpath("//cac:ClassifiedTaxCategory/cbc:ID/text()", namespaces=NS)) == {
        "O"}
    assert not not_payer.xpath("//cac:PartyTaxScheme", namespaces=NS)


def test_parties_bucharest_sector_vat_ids(built: dict[str, bytes]) -> None:
    doc = _xml("standard_21", built)
    seller = "/*/cac:AccountingSupplierParty/cac:Party/"
    assert doc.xpath(seller + "cac:PostalAddress/cbc:CityName/text()", namespaces=NS) == [
        "SECTOR1"]
    assert doc.xpath(seller + "cac:PostalAddress/cbc:CountrySubentity/text()",
                     namespaces=NS) == ["RO-B"]
    assert doc.xpath(seller + "cac:PartyTaxScheme/cbc:CompanyID/text()", namespaces=NS) == [
        "RO18547290"]
    assert doc.xpath(seller + "cac:PartyLegalEntity/cbc:CompanyID/text()", namespaces=NS) == [
        "J40/1234/2010"]
    assert doc.xpath("//cac:PayeeFinancialAccount/cbc:ID/text()", namespaces=NS) == [
        "RO49AAAA1B31007593840000"]
    buyer = "/*/cac:AccountingCustomerParty/cac:Party/"
    assert doc.xpath(buyer + "cac:PartyLegalEntity/cbc:CompanyID/text()", namespaces=NS) == [
        "14399840"]
    assert doc.xpath(buyer + "cac:PartyTaxScheme/cbc:CompanyID/text()", namespaces=NS) == [
        "RO14399840"]
    # A buyer not registered for VAT: its CUI without "RO", and no VAT identifier.
    plain = _xml("buyer_not_vat_payer_zero_rate", built)
    assert plain.xpath(buyer + "cac:PartyLegalEntity/cbc:CompanyID/text()", namespaces=NS) == [
        "14399840"]
    assert not plain.xpath(buyer + "cac:PartyTaxScheme", namespaces=NS)
    assert set(plain.xpath("//cac:ClassifiedTaxCategory/cbc:ID/text()", namespaces=NS)) == {
        "Z", "S"}


def test_credit_note_references_the_original(built: dict[str, bytes]) -> None:
    doc = _xml("credit_note", built)
    assert etree.QName(doc).localname == "CreditNote"
    assert doc.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    ref = "/*/cac:BillingReference/cac:InvoiceDocumentReference/"
    assert doc.xpath(ref + "cbc:ID/text()", namespaces=NS) == ["SLS-2026-00017"]
    assert doc.xpath(ref + "cbc:IssueDate/text()", namespaces=NS) == ["2026-02-11"]
    assert doc.xpath("//cac:PaymentMeans/cbc:PaymentDueDate/text()", namespaces=NS) == [
        "2026-03-20"]


def test_missing_buyer_cui_fails_the_schematron_with_br_ro_120(
        validator: EInvoiceValidator) -> None:
    broken = replace(BUYER, tax_id="", vat_payer="")
    args = _base(buyer=broken, lines=[CHAIRS])
    with pytest.raises(InvalidInput) as refused:
        build_einvoice(**args)
    assert (refused.value.code, refused.value.params) == (
        "einvoice_buyer_missing", {"field": "cui"})
    report = validator.validate_ubl(write_ubl(build_einvoice(**args, check=False)))
    assert not report.valid
    assert "BR-RO-120" in report.error_ids
    assert any("Buyer legal registration identifier (BT-47)" in f.text for f in report.errors)


def test_missing_county_fails_with_br_ro_111(validator: EInvoiceValidator) -> None:
    args = _base(buyer=replace(BUYER, region=""), lines=[CHAIRS])
    with pytest.raises(InvalidInput) as refused:
        build_einvoice(**args)
    assert refused.value.params == {"field": "region"}
    report = validator.validate_ubl(write_ubl(build_einvoice(**args, check=False)))
    assert report.error_ids == ["BR-RO-111"]


@pytest.mark.parametrize(("change", "code", "params"), [
    ({"seller": replace(SELLER, country="MD")}, "einvoice_seller_not_ro", {"country": "MD"}),
    ({"buyer": EU_BUYER}, "einvoice_buyer_not_ro", {"country": "DE"}),
    ({"seller": replace(SELLER, iban="")}, "einvoice_seller_missing", {"field": "iban"}),
    ({"buyer": replace(BUYER, city="")}, "einvoice_buyer_missing", {"field": "city"}),
    ({"buyer": replace(BUYER, address=" ")}, "einvoice_buyer_missing", {"field": "address"}),
    ({"buyer": replace(BUYER, region="Cluj")}, "einvoice_bad_region",
     {"party": "buyer", "value": "Cluj"}),
    ({"seller": replace(SELLER, city="București")}, "einvoice_bad_sector",
     {"party": "seller", "value": "București"}),
    ({"currency": "EUR"}, "einvoice_no_rate", {"currency": "EUR"}),
    ({"lines": [EXEMPT]}, "einvoice_no_exemption_reason", {}),
    ({"lines": [CHAIRS], "reverse_charge": True}, "einvoice_reverse_charge_vat", {"line": 1}),
    ({"seller": NOT_A_PAYER, "lines": [EXEMPT, CHAIRS]}, "einvoice_vat_not_payer",
     {"line": 2}),
    ({"number": "ABC"}, "einvoice_number_digit", {}),
    ({"kind": "credit_note"}, "einvoice_no_original", {}),
    ({"lines": [replace(CHAIRS, name="x" * 101)]}, "einvoice_too_long",
     {"field": "line", "limit": 100, "line": 1}),
])
def test_refusals_name_what_is_missing(change: dict[str, Any], code: str,
                                       params: dict[str, Any]) -> None:
    args = _base(**{"lines": [CHAIRS], **change})
    with pytest.raises(InvalidInput) as refused:
        build_einvoice(**args)
    assert (refused.value.code, refused.value.params) == (code, params)


@pytest.mark.parametrize(("unit", "code"), [
    ("шт.", "H87"), ("pcs", "H87"), ("buc.", "H87"), ("ч.", "HUR"), ("hours", "HUR"),
    ("ore", "HUR"), ("услуга", "C62"), ("kg", "KGM"), ("мес.", "MON"), ("коробка", "C62"),
])
def test_unit_codes(unit: str, code: str) -> None:
    from services.einvoice import unit_code

    assert unit_code(unit) == code


def test_vat_rounding_drift_is_refused_and_on_total_passes(
        validator: EInvoiceValidator) -> None:
    # 220 lines of 0.07 at 21 %: each line's VAT rounds 0.0147 down to 0.01, the rate's VAT
    # on its total (15.40) is 3.23: a file with our per-line VAT (2.20) would fail BR-S-09.
    tiny = [LineInput(f"Șurub {i}", D(1), D("0.07"), D(21)) for i in range(220)]
    args = _base(lines=tiny)
    with pytest.raises(InvalidInput) as refused:
        build_einvoice(**args)
    assert (refused.value.code, refused.value.params) == (
        "einvoice_vat_rounding", {"rate": "21", "difference": "1.03"})
    report = validator.validate_ubl(write_ubl(build_einvoice(**args, check=False)))
    assert "BR-S-09" in report.error_ids
    (row,) = build_einvoice(**{**args, "tax_mode": "on_total"}).vat_breakdown
    assert (row.taxable, row.tax) == (D("15.40"), D("3.23"))


def test_notes_are_packed_within_the_limits(validator: EInvoiceValidator) -> None:
    mentions = [f"Mențiune {i}: livrare parțială conform comenzii" for i in range(40)]
    inv = build_einvoice(**_base(lines=[CHAIRS], notes="\n".join(mentions),
                                 seller=ON_COLLECTION))
    # 40 mentions packed in order, "; " between them, into 7 notes of at most 300
    # characters, then «TVA la încasare»: nothing lost, nothing cut.
    assert len(inv.notes) == 8 and inv.notes[-1] == "TVA la încasare"
    assert "; ".join(inv.notes[:-1]) == "; ".join(mentions)
    assert all(len(n) <= 300 for n in inv.notes)
    assert validator.validate_ubl(write_ubl(inv)).errors == ()
    with pytest.raises(InvalidInput) as refused:
        build_einvoice(**_base(lines=[CHAIRS], notes="x" * 301))
    assert refused.value.params == {"field": "text", "limit": 300}


def test_county_code_without_its_country_prefix_is_completed() -> None:
    inv = build_einvoice(**_base(lines=[CHAIRS], buyer=replace(BUYER, region="cj"),
                                 seller=replace(SELLER, region="B")))
    assert (inv.buyer.region, inv.seller.region, inv.seller.city) == ("RO-CJ", "RO-B", "SECTOR1")


def test_lines_without_units_take_the_printed_default() -> None:
    args = _base(lines=[CHAIRS])
    del args["units"]
    inv = build_einvoice(**args)
    assert [line.unit_code for line in inv.lines] == ["H87"]  # «buc.», as the PDF prints


def test_vat_on_collection_only_where_the_seller_charges_vat() -> None:
    charged = build_einvoice(**_base(seller=ON_COLLECTION, lines=[CHAIRS]))
    assert charged.tax_point_code == "432" and "TVA la încasare" in charged.notes
    reverse = build_einvoice(**_base(seller=ON_COLLECTION, lines=[replace(CHAIRS, vat_rate=D(0))],
                                     reverse_charge=True))
    assert reverse.tax_point_code is None and "TVA la încasare" not in reverse.notes
