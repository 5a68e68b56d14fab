"""An ``EInvoice`` as UBL 2.1 ``Invoice`` / ``CreditNote`` for e-Factura (CIUS-RO 1.0.9:
CustomizationID ``...#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1``), UTF-8 bytes.

Element order follows the UBL 2.1 schemas (an ``xsd:sequence`` everywhere). Where EN 16931
puts a business term in UBL:

* BT-8 (VAT point date code, «TVA la încasare» = 432): ``cac:InvoicePeriod/cbc:DescriptionCode``;
* BT-9 (due date): ``cbc:DueDate`` in an Invoice, ``cac:PaymentMeans/cbc:PaymentDueDate``
  in a CreditNote (UBL-CR-412);
* BT-111 (VAT in RON): a second ``cac:TaxTotal`` holding only ``cbc:TaxAmount``;
* BT-31 / BT-48 (VAT ids) ``cac:PartyTaxScheme`` with scheme VAT; BT-30 / BT-47
  ``cac:PartyLegalEntity/cbc:CompanyID``; BT-33 ``cbc:CompanyLegalForm``.

The exchange rate itself has no business term (``cac:TaxExchangeRate`` is refused by
UBL-CR-490): it is written as a note, beside BT-111.
"""

from __future__ import annotations

from decimal import Decimal

from services.einvoice.model import CIUS_RO_ID, TYPE_CODES, EInvoice, EParty, EVatSubtotal
from services.einvoice.xmlwriter import Node, document

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def number_text(value: Decimal) -> str:
    """2 -> "2", 1.50 -> "1.5", 21 -> "21": no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def _address(parent: Node, party: EParty) -> None:
    addr = parent.add("cac:PostalAddress")
    addr.text_child("cbc:StreetName", party.street)
    addr.text_child("cbc:CityName", party.city)
    addr.text_child("cbc:PostalZone", party.postal_code)
    addr.text_child("cbc:CountrySubentity", party.region)
    addr.add("cac:Country").text_child("cbc:IdentificationCode", party.country)


def _party(root: Node, wrapper: str, party: EParty, seller: bool) -> None:
    p = root.add(wrapper).add("cac:Party")
    if party.trading_name and party.trading_name != party.name:
        p.add("cac:PartyName").add("cbc:Name", party.trading_name)
    _address(p, party)
    if party.vat_id:
        scheme = p.add("cac:PartyTaxScheme")
        scheme.add("cbc:CompanyID", party.vat_id)
        scheme.add("cac:TaxScheme").add("cbc:ID", "VAT")
    legal = p.add("cac:PartyLegalEntity")
    legal.add("cbc:RegistrationName", party.name)
    legal.text_child("cbc:CompanyID", party.legal_id)
    if seller:
        legal.text_child("cbc:CompanyLegalForm", party.legal_info)
    if party.phone or party.email:
        contact = p.add("cac:Contact")
        contact.text_child("cbc:Telephone", party.phone)
        contact.text_child("cbc:ElectronicMail", party.email)


def _tax_category(parent: Node, name: str, category: str, rate: Decimal | None,
                  reason_code: str = "", reason: str = "") -> None:
    cat = parent.add(name)
    cat.add("cbc:ID", category)
    if rate is not None:
        cat.add("cbc:Percent", number_text(rate))
    cat.text_child("cbc:TaxExemptionReasonCode", reason_code)
    cat.text_child("cbc:TaxExemptionReason", reason)
    cat.add("cac:TaxScheme").add("cbc:ID", "VAT")


def _subtotal(total: Node, row: EVatSubtotal, currency: str) -> None:
    sub = total.add("cac:TaxSubtotal")
    sub.add("cbc:TaxableAmount", money(row.taxable), currencyID=currency)
    sub.add("cbc:TaxAmount", money(row.tax), currencyID=currency)
    _tax_category(sub, "cac:TaxCategory", row.category, row.rate, row.exemption_code,
                  row.exemption_reason)


def write_ubl(inv: EInvoice) -> bytes:
    """The e-Factura XML of ``inv`` (an Invoice, or a CreditNote for kind "credit_note")."""
    credit = inv.kind == "credit_note"
    cur = inv.currency
    root = Node("CreditNote" if credit else "Invoice")
    root.add("cbc:CustomizationID", CIUS_RO_ID)
    root.add("cbc:ID", inv.number)
    root.add("cbc:IssueDate", inv.issue_date.isoformat())
    if not credit and inv.due_date is not None:
        root.add("cbc:DueDate", inv.due_date.isoformat())
    root.add("cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", TYPE_CODES[inv.kind])
    for note in inv.notes:
        root.add("cbc:Note", note)
    root.add("cbc:DocumentCurrencyCode", cur)
    if inv.tax_currency:
        root.add("cbc:TaxCurrencyCode", inv.tax_currency)
    if inv.tax_point_code:
        root.add("cac:InvoicePeriod").add("cbc:DescriptionCode", inv.tax_point_code)
    if inv.preceding is not None:
        ref = root.add("cac:BillingReference").add("cac:InvoiceDocumentReference")
        ref.add("cbc:ID", inv.preceding[0])
        ref.add("cbc:IssueDate", inv.preceding[1].isoformat())
    _party(root, "cac:AccountingSupplierParty", inv.seller, seller=True)
    _party(root, "cac:AccountingCustomerParty", inv.buyer, seller=False)
    if inv.delivery_date is not None:
        root.add("cac:Delivery").add("cbc:ActualDeliveryDate", inv.delivery_date.isoformat())
    if inv.payment is not None:
        means = root.add("cac:PaymentMeans")
        means.add("cbc:PaymentMeansCode", inv.payment.means_code)
        if credit and inv.due_date is not None:
            means.add("cbc:PaymentDueDate", inv.due_date.isoformat())
        means.text_child("cbc:PaymentID", inv.payment.reference)
        account = means.add("cac:PayeeFinancialAccount")
        account.add("cbc:ID", inv.payment.iban)
        account.text_child("cbc:Name", inv.payment.account_name)
        if inv.payment.bic:
            account.add("cac:FinancialInstitutionBranch").add("cbc:ID", inv.payment.bic)
    if inv.payment_terms:
        root.add("cac:PaymentTerms").add("cbc:Note", inv.payment_terms)
    for allowance in inv.allowances:
        ac = root.add("cac:AllowanceCharge")
        ac.add("cbc:ChargeIndicator", "false")
        ac.add("cbc:AllowanceChargeReasonCode", allowance.reason_code)
        ac.add("cbc:AllowanceChargeReason", allowance.reason)
        ac.add("cbc:Amount", money(allowance.amount), currencyID=cur)
        _tax_category(ac, "cac:TaxCategory", allowance.category, allowance.rate)
    tax_total = root.add("cac:TaxTotal")
    tax_total.add("cbc:TaxAmount", money(inv.totals.vat_total), currencyID=cur)
    for row in inv.vat_breakdown:
        _subtotal(tax_total, row, cur)
    if inv.tax_currency and inv.totals.vat_in_tax_currency is not None:
        root.add("cac:TaxTotal").add("cbc:TaxAmount", money(inv.totals.vat_in_tax_currency),
                                     currencyID=inv.tax_currency)
    t = inv.totals
    legal = root.add("cac:LegalMonetaryTotal")
    legal.add("cbc:LineExtensionAmount", money(t.line_total), currencyID=cur)
    legal.add("cbc:TaxExclusiveAmount", money(t.tax_exclusive), currencyID=cur)
    legal.add("cbc:TaxInclusiveAmount", money(t.tax_inclusive), currencyID=cur)
    if t.allowance_total:
        legal.add("cbc:AllowanceTotalAmount", money(t.allowance_total), currencyID=cur)
    if t.prepaid:
        legal.add("cbc:PrepaidAmount", money(t.prepaid), currencyID=cur)
    legal.add("cbc:PayableAmount", money(t.payable), currencyID=cur)
    for line in inv.lines:
        el = root.add("cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        el.add("cbc:ID", line.position)
        el.add("cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
               number_text(line.quantity), unitCode=line.unit_code)
        el.add("cbc:LineExtensionAmount", money(line.net), currencyID=cur)
        if line.allowance:
            ac = el.add("cac:AllowanceCharge")
            ac.add("cbc:ChargeIndicator", "false")
            ac.add("cbc:AllowanceChargeReasonCode", "95")
            ac.add("cbc:AllowanceChargeReason", inv.discount_reason)
            ac.add("cbc:Amount", money(line.allowance), currencyID=cur)
        item = el.add("cac:Item")
        item.add("cbc:Name", line.name)
        _tax_category(item, "cac:ClassifiedTaxCategory", line.category, line.rate)
        price = el.add("cac:Price")
        exact = isinstance(line.price.as_tuple().exponent, int) and (
            line.price.as_tuple().exponent < -2)  # type: ignore[operator]
        price.add("cbc:PriceAmount", number_text(line.price) if exact else money(line.price),
                  currencyID=cur)
        if line.base_quantity is not None:
            price.add("cbc:BaseQuantity", number_text(line.base_quantity),
                      unitCode=line.unit_code)
    ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    return document(root, {"": ns, "cac": NS_CAC, "cbc": NS_CBC})
