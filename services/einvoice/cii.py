"""An ``EInvoice`` as UN/CEFACT Cross Industry Invoice D16B, Factur-X / ZUGFeRD EN 16931
profile (guideline ``urn:cen.eu:en16931:2017``), UTF-8 bytes: the XML a Factur-X PDF/A-3
embeds (the PDF is made in ``bot/``, with the factur-x library).

Element order follows the D16B schema. BT-8 («TVA la încasare», paid-to date) is the VAT
breakdown's ``DueDateTypeCode`` 72 in CII; BT-111 a second ``TaxTotalAmount`` in the tax
currency; the credited invoice (BG-3) ``InvoiceReferencedDocument``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.einvoice.model import EN16931_ID, TYPE_CODES, EInvoice, EParty
from services.einvoice.ubl import money, number_text
from services.einvoice.xmlwriter import Node, document

NS_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
#: UNTDID 2475 as CII uses it for BT-8: 72 = paid to date (EN 16931's 432).
CII_TAX_POINT_PAID = "72"


def _date(parent: Node, name: str, day: date, prefix: str = "udt") -> None:
    parent.add(name).add(f"{prefix}:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _party(parent: Node, name: str, party: EParty) -> None:
    p = parent.add(name)
    p.add("ram:Name", party.name)
    if party.legal_id or party.trading_name:
        legal = p.add("ram:SpecifiedLegalOrganization")
        legal.text_child("ram:ID", party.legal_id)
        legal.text_child("ram:TradingBusinessName", party.trading_name)
    if party.phone or party.email:
        contact = p.add("ram:DefinedTradeContact")
        if party.phone:
            contact.add("ram:TelephoneUniversalCommunication").add("ram:CompleteNumber",
                                                                   party.phone)
        if party.email:
            contact.add("ram:EmailURIUniversalCommunication").add("ram:URIID", party.email)
    addr = p.add("ram:PostalTradeAddress")
    addr.text_child("ram:PostcodeCode", party.postal_code)
    addr.text_child("ram:LineOne", party.street)
    addr.text_child("ram:CityName", party.city)
    addr.add("ram:CountryID", party.country)
    addr.text_child("ram:CountrySubDivisionName", party.region)
    if party.vat_id:
        p.add("ram:SpecifiedTaxRegistration").add("ram:ID", party.vat_id, schemeID="VA")


def _tax(parent: Node, category: str, rate: Decimal | None) -> None:
    parent.add("ram:TypeCode", "VAT")
    parent.add("ram:CategoryCode", category)
    if rate is not None:
        parent.add("ram:RateApplicablePercent", number_text(rate))


def _allowance(parent: Node, amount: Decimal, reason: str, reason_code: str) -> Node:
    ac = parent.add("ram:SpecifiedTradeAllowanceCharge")
    ac.add("ram:ChargeIndicator").add("udt:Indicator", "false")
    ac.add("ram:ActualAmount", money(amount))
    ac.add("ram:ReasonCode", reason_code)
    ac.add("ram:Reason", reason)
    return ac


def write_cii(inv: EInvoice) -> bytes:
    """The CII XML of ``inv`` (TypeCode 380, or 381 for a credit note)."""
    cur = inv.currency
    root = Node("rsm:CrossIndustryInvoice")
    root.add("rsm:ExchangedDocumentContext").add(
        "ram:GuidelineSpecifiedDocumentContextParameter").add("ram:ID", EN16931_ID)
    doc = root.add("rsm:ExchangedDocument")
    doc.add("ram:ID", inv.number)
    doc.add("ram:TypeCode", TYPE_CODES[inv.kind])
    _date(doc, "ram:IssueDateTime", inv.issue_date)
    for note in inv.notes:
        doc.add("ram:IncludedNote").add("ram:Content", note)

    tx = root.add("rsm:SupplyChainTradeTransaction")
    for line in inv.lines:
        item = tx.add("ram:IncludedSupplyChainTradeLineItem")
        item.add("ram:AssociatedDocumentLineDocument").add("ram:LineID", line.position)
        item.add("ram:SpecifiedTradeProduct").add("ram:Name", line.name)
        price = item.add("ram:SpecifiedLineTradeAgreement").add("ram:NetPriceProductTradePrice")
        exponent = line.price.as_tuple().exponent
        price.add("ram:ChargeAmount", number_text(line.price)
                  if isinstance(exponent, int) and exponent < -2 else money(line.price))
        if line.base_quantity is not None:
            price.add("ram:BasisQuantity", number_text(line.base_quantity),
                      unitCode=line.unit_code)
        item.add("ram:SpecifiedLineTradeDelivery").add(
            "ram:BilledQuantity", number_text(line.quantity), unitCode=line.unit_code)
        settle = item.add("ram:SpecifiedLineTradeSettlement")
        _tax(settle.add("ram:ApplicableTradeTax"), line.category, line.rate)
        if line.allowance:
            _allowance(settle, line.allowance, inv.discount_reason, "95")
        settle.add("ram:SpecifiedTradeSettlementLineMonetarySummation").add(
            "ram:LineTotalAmount", money(line.net))

    agreement = tx.add("ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", inv.seller)
    _party(agreement, "ram:BuyerTradeParty", inv.buyer)
    delivery = tx.add("ram:ApplicableHeaderTradeDelivery")
    if inv.delivery_date is not None:
        _date(delivery.add("ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime",
              inv.delivery_date)
    else:
        # The element is required even when it says nothing.
        delivery.text = ""

    settlement = tx.add("ram:ApplicableHeaderTradeSettlement")
    if inv.payment is not None:
        settlement.text_child("ram:PaymentReference", inv.payment.reference)
    if inv.tax_currency:
        settlement.add("ram:TaxCurrencyCode", inv.tax_currency)
    settlement.add("ram:InvoiceCurrencyCode", cur)
    if inv.payment is not None:
        means = settlement.add("ram:SpecifiedTradeSettlementPaymentMeans")
        means.add("ram:TypeCode", inv.payment.means_code)
        account = means.add("ram:PayeePartyCreditorFinancialAccount")
        account.add("ram:IBANID", inv.payment.iban)
        account.text_child("ram:AccountName", inv.payment.account_name)
        if inv.payment.bic:
            means.add("ram:PayeeSpecifiedCreditorFinancialInstitution").add(
                "ram:BICID", inv.payment.bic)
    for row in inv.vat_breakdown:
        tax = settlement.add("ram:ApplicableTradeTax")
        tax.add("ram:CalculatedAmount", money(row.tax))
        tax.add("ram:TypeCode", "VAT")
        tax.text_child("ram:ExemptionReason", row.exemption_reason)
        tax.add("ram:BasisAmount", money(row.taxable))
        tax.add("ram:CategoryCode", row.category)
        tax.text_child("ram:ExemptionReasonCode", row.exemption_code)
        if inv.tax_point_code:
            tax.add("ram:DueDateTypeCode", CII_TAX_POINT_PAID)
        if row.rate is not None:
            tax.add("ram:RateApplicablePercent", number_text(row.rate))
    for allowance in inv.allowances:
        ac = _allowance(settlement, allowance.amount, allowance.reason, allowance.reason_code)
        _tax(ac.add("ram:CategoryTradeTax"), allowance.category, allowance.rate)
    if inv.payment_terms or inv.due_date is not None:
        terms = settlement.add("ram:SpecifiedTradePaymentTerms")
        terms.text_child("ram:Description", inv.payment_terms)
        if inv.due_date is not None:
            _date(terms, "ram:DueDateDateTime", inv.due_date)
    t = inv.totals
    sums = settlement.add("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    sums.add("ram:LineTotalAmount", money(t.line_total))
    if t.allowance_total:
        sums.add("ram:AllowanceTotalAmount", money(t.allowance_total))
    sums.add("ram:TaxBasisTotalAmount", money(t.tax_exclusive))
    sums.add("ram:TaxTotalAmount", money(t.vat_total), currencyID=cur)
    if inv.tax_currency and t.vat_in_tax_currency is not None:
        sums.add("ram:TaxTotalAmount", money(t.vat_in_tax_currency),
                 currencyID=inv.tax_currency)
    sums.add("ram:GrandTotalAmount", money(t.tax_inclusive))
    if t.prepaid:
        sums.add("ram:TotalPrepaidAmount", money(t.prepaid))
    sums.add("ram:DuePayableAmount", money(t.payable))
    if inv.preceding is not None:
        ref = settlement.add("ram:InvoiceReferencedDocument")
        ref.add("ram:IssuerAssignedID", inv.preceding[0])
        _date(ref, "ram:FormattedIssueDateTime", inv.preceding[1], prefix="qdt")
    return document(root, {"rsm": NS_RSM, "qdt": NS_QDT, "ram": NS_RAM, "udt": NS_UDT})
