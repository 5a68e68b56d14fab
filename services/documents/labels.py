"""The words of a document in its language (``labels_for``, from the ``documents`` gettext
catalogs) and the dates it prints (``format_date``, Babel's CLDR data).

The msgids are the English words; ``pgettext("column", ...)`` marks the table's column headings,
whose words can differ from the same English word elsewhere on the page ("No." is «№» in both
places in Russian, but «Nr. crt.» as a Romanian column and «nr.» before a number).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Final

from babel.dates import format_date as babel_format_date

from services.documents.catalog import translations
from services.documents.model import LANGUAGES, DocumentLabels

# CLDR's own patterns give «5 марта 2026 г.» with a narrow no-break space before «г.» and
# "3/5/26" / "March 5, 2026" in English; documents keep what they have always printed: a plain
# space before «г.», ISO dates and "5 March 2026" in English. Month names are CLDR's (the
# Russian genitive «марта» in a date, as accountants write it).
_SHORT_DATE: Final = {"ru": "dd.MM.yyyy", "en": "yyyy-MM-dd", "ro": "dd.MM.yyyy"}
_LONG_DATE: Final = {"ru": "d MMMM yyyy 'г.'", "en": "d MMMM yyyy", "ro": "d MMMM yyyy"}


@cache
def labels_for(language: str) -> DocumentLabels:
    """The words of a document in ``language`` (ru, en, ro); ValueError for any other."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported document language: {language!r}")
    catalog = translations(language)
    _, pgettext = catalog.gettext, catalog.pgettext
    return DocumentLabels(
        invoice=_("Invoice"),
        quote=_("Quote"),
        receipt=_("Receipt"),
        act=_("Certificate of completion"),
        delivery_note=_("Delivery note"),
        statement=_("Statement of account"),
        number_sign=_("No."),
        dated=_("of"),
        seller=_("Seller"),
        buyer=_("Buyer"),
        bank_of_recipient=_("Beneficiary's bank"),
        recipient=_("Beneficiary"),
        bik=_("BIK"),
        bic=_("BIC"),
        account_no=_("Account No."),
        corr_account=_("Corr. account"),
        iban=_("IBAN"),
        bank=_("Bank"),
        kpp=_("KPP"),
        phone=_("Phone"),
        email=_("E-mail"),
        col_position=pgettext("column", "No."),
        col_name=pgettext("column", "Description"),
        col_quantity=pgettext("column", "Qty"),
        col_unit=pgettext("column", "Unit"),
        col_price=pgettext("column", "Unit price"),
        col_discount=pgettext("column", "Discount"),
        col_vat_rate=pgettext("column", "VAT rate"),
        col_vat=pgettext("column", "VAT"),
        col_total=pgettext("column", "Amount"),
        amount_before_discount=_("Amount before discount"),
        discount=_("Discount"),
        total=_("Total"),
        vat=_("VAT"),
        vat_included=_("Including VAT"),
        without_vat=_("Without VAT"),
        grand_total=_("Total due"),
        items_summary_pattern=_("{count} item(s), total {amount}"),
        amount_in_words=_("Amount in words"),
        due_date=_("Due date"),
        valid_until=_("This quote is valid until"),
        accept_note=_(
            "To accept this quote, reply in the chat or sign and return a copy. "
            "We will then issue an invoice."
        ),
        purpose=_("Payment reference"),
        notes=_("Notes"),
        paid=_("Paid"),
        remaining=_("Balance due"),
        director=_("Director"),
        accountant=_("Accountant"),
        chief_accountant=_("Chief accountant"),
        cashier=_("Cashier"),
        received_from=_("Received from"),
        basis=_("For"),
        receipt_sum=_("Amount"),
        including=_("including"),
        stamp_place=_("Stamp"),
        page=_("Page"),
        default_unit=_("pcs"),
        act_statement=_(
            "The services listed above have been performed in full and on time. "
            "The customer has no claims as to their scope, quality or timing."
        ),
        performer_signature=_("Contractor"),
        customer_signature=_("Customer"),
        shipper=_("Supplier (shipper)"),
        consignee=_("Buyer (consignee)"),
        released_by=_("Released by"),
        received_by=_("Received by"),
        delivery_statement=_(
            "The goods were received in full; no claims as to quantity or quality."
        ),
        period=_("as of {date}"),
        col_date=pgettext("column", "Date"),
        col_document=pgettext("column", "Document"),
        col_debit=pgettext("column", "Debit"),
        col_credit=pgettext("column", "Credit"),
        col_balance=pgettext("column", "Balance"),
        payment_row=_("Payment"),
        credit_note_row=_("Credit note"),
        refund_row=_("Refund"),
        owed_to_seller=_("{buyer} owes {seller}: {amount}"),
        owed_to_buyer=_("{seller} owes {buyer} (prepayment): {amount}"),
        settled=_("Nothing is owed: the accounts are settled."),
        qr_gost=_("Payment QR: GOST R 56042-2014 (ST00012)"),
        qr_epc=_("Payment QR: SEPA EPC QR (EPC069-12)"),
        qr_none=_("No payment QR"),
        qr_reasons={
            "no_standard_for_currency": _("there is no payment QR standard for {currency}"),
            "missing_requisites": _("the seller's bank details are incomplete"),
            "no_iban": _("the seller has no IBAN"),
            "nothing_to_pay": _("nothing to pay"),
            "not_an_invoice": _("this document is not an invoice"),
            "invalid": _("the seller's bank details did not validate ({code})"),
        },
        invoice_payment=_("Payment of invoice {number} of {day}"),
        purpose_vat=_("VAT {rate}% {amount}"),
        purpose_with_vat=_("{purpose}, incl. {vat}"),
        purpose_without_vat=_("{purpose}, without VAT"),
        # --- issue 16, credit notes (part "cn") ---
        cn_title=pgettext("document", "Credit note"),
        cn_ukd=_("Universal corrective document"),
        cn_corrective_invoice=_("Corrective invoice"),
        cn_reference=_("Credits invoice No. {number} of {day}"),
        cn_reason=pgettext("credit_note", "Reason for the credit note"),
        cn_status=pgettext("credit_note", "Status"),
        cn_status_note=_(
            "1 — corrective invoice and primary document; 2 — primary document only"),
        cn_before=_("before the change"),
        cn_after=_("after the change"),
        cn_increase=pgettext("credit_note", "increase"),
        cn_decrease=pgettext("credit_note", "decrease"),
        cn_total_increase=_("Total increase"),
        cn_total_decrease=_("Total decrease"),
        cn_col_net=pgettext("column", "Amount without VAT"),
        cn_col_gross=pgettext("column", "Amount with VAT"),
        cn_col_row=pgettext("column", "Row"),
        cn_currency=_("Currency: name, code"),
        cn_seller_ids=_("Seller's INN/KPP"),
        cn_buyer_ids=_("Buyer's INN/KPP"),
        cn_address=pgettext("credit_note", "Address"),
        cn_basis=_("Basis for the correction"),
        cn_head=_("Head of the organization or other authorized person"),
        cn_poa=_("by power of attorney No. {number} of {day}"),
        cn_reg_number=_("Reg. No."),
        cn_fiscal_code=_("Tax ID"),
        cn_negative_note=_("Negative amounts are credited to the buyer."),
        cn_total_net=_("Total without VAT"),
        cn_total_credited=_("Total credited"),
        cn_reverse_charge=_("Reverse charge"),
        cn_exempt=_("VAT exemption"),
        cn_vat_on_collection=_("VAT on collection"),
        cn_issued_by=pgettext("credit_note", "Issued by"),
        cn_received_by=pgettext("credit_note", "Received by"),
        cn_upd_reference=_("to the UPD No. {number} of {day}"),
        # issue 16, the factură and the intl invoice (r16-ro)
        series_number=_("Series {series} No. {number}"),
        issue_date=_("Issue date"),
        delivery_date=_("Delivery date"),
        reg_number=_("Reg. No."),
        county=_("County"),
        postal_code=_("Postal code"),
        reverse_charge=_("Reverse charge"),
        exempt=_("Exempt"),
        exemption=_("VAT exempt: {reason}"),
        vat_on_collection=_("VAT on collection"),
        exchange_rate=_("Exchange rate: 1 {currency} = {rate} {local}"),
        local_vat_total=_("Total VAT in {currency}"),
        local_grand_total=_("Total in {currency}"),
        local_vat_row=_("{row} in {currency}"),
        vat_payer_no=_("Not registered for VAT"),
        tax_invoice=pgettext("document", "Tax invoice"),
        # --- issue 16, RU/BY/MD act and UPD (helper "ru") --------------------------------
        services_act=_("Certificate of services rendered"),
        basis_label=_("Basis"),
        basis_invoice=_("Invoice No. {number} of {day}"),
        basis_contract=_("Contract No. {number} of {day}"),
        col_service=pgettext("column", "Work, services"),
        total_with_vat=_("Total including VAT"),
        act_summary_pattern=_("{count} service(s) rendered, total {amount}"),
        by_poa=_("under power of attorney No. {number} of {day}"),
        authorized_person=_("Authorized person"),
        signature_hint=_("(signature)"),
        name_hint=_("(full name)"),
        position_hint=_("(position)"),
        upd=_("Universal transfer document"),
        upd_form=_upd_form(pgettext),
        contract=_contract_words(pgettext),
    )


def _upd_form(pgettext: Callable[[str, str], str]) -> dict[str, str]:
    """The UPD's fixed words (the FNS's recommended form), context "upd"."""
    return {
        "vat_invoice": pgettext("upd", "VAT invoice"),
        "correction": pgettext("upd", "Correction No."),
        "status": pgettext("upd", "Status"),
        "status_note": pgettext("upd", "1 – VAT invoice and transfer document (act); "
                                       "2 – transfer document (act)"),
        "seller": pgettext("upd", "Seller"),
        "address": pgettext("upd", "Address"),
        "seller_ids": pgettext("upd", "Seller's INN/KPP"),
        "shipper": pgettext("upd", "Shipper and its address"),
        "consignee": pgettext("upd", "Consignee and its address"),
        "same": pgettext("upd", "same as the seller"),
        "payment_doc": pgettext("upd", "To payment document No."),
        "shipping_doc": pgettext("upd", "Shipping document: lines {first}–{last} No."),
        "buyer": pgettext("upd", "Buyer"),
        "buyer_ids": pgettext("upd", "Buyer's INN/KPP"),
        "currency": pgettext("upd", "Currency: name, code"),
        "contract_id": pgettext("upd", "Government contract (agreement) identifier"),
        "col_code": pgettext("upd", "Code of goods, work, services"),
        "col_name": pgettext("upd", "Name of goods (description of work performed, "
                                    "services rendered), property right"),
        "col_unit": pgettext("upd", "Unit of measure"),
        "col_unit_code": pgettext("upd", "code"),
        "col_unit_name": pgettext("upd", "symbol (national)"),
        "col_quantity": pgettext("upd", "Quantity (volume)"),
        "col_price": pgettext("upd", "Price (rate) per unit of measure"),
        "col_net": pgettext("upd", "Cost of goods (work, services), property rights "
                                   "without tax, total"),
        "col_excise": pgettext("upd", "Including excise"),
        "col_rate": pgettext("upd", "Tax rate"),
        "col_vat": pgettext("upd", "Tax charged to the buyer"),
        "col_gross": pgettext("upd", "Cost of goods (work, services), property rights "
                                     "with tax, total"),
        "col_country": pgettext("upd", "Country of origin"),
        "col_country_code": pgettext("upd", "digital code"),
        "col_country_name": pgettext("upd", "short name"),
        "col_declaration": pgettext("upd", "Customs declaration or traceable batch No."),
        "no_excise": pgettext("upd", "no excise"),
        "no_vat": pgettext("upd", "without VAT"),
        "total": pgettext("upd", "Total to pay"),
        "head": pgettext("upd", "Head of the organization or other authorized person"),
        "chief_accountant": pgettext("upd", "Chief accountant or other authorized person"),
        "basis": pgettext("upd", "Basis of transfer (delivery) / receipt (acceptance)"),
        "transport": pgettext("upd", "Transport and cargo data"),
        "handed_over": pgettext("upd", "Goods (cargo) handed over / services, results of "
                                       "work, rights delivered"),
        "received": pgettext("upd", "Goods (cargo) received / services, results of work, "
                                    "rights accepted"),
        "shipped_on": pgettext("upd", "Date of shipment, transfer (delivery)"),
        "received_on": pgettext("upd", "Date of receipt (acceptance)"),
        "other_shipment": pgettext("upd", "Other information on the shipment, transfer"),
        "other_receipt": pgettext("upd", "Other information on the receipt, acceptance"),
        "responsible": pgettext("upd", "Responsible for recording the transaction "
                                       "correctly"),
        "author": pgettext("upd", "Name of the economic entity that drew up the document"),
        "date_blank": pgettext("upd", "“___” __________ 20__"),
    }


def _contract_words(pgettext: Callable[[str, str], str]) -> dict[str, str]:
    """The contract's fixed words and clauses (`services.documents.contract`), by key. The
    roles: a contract of services only is between a contractor and a customer (the act's
    `performer_signature` and `customer_signature`), any other between a supplier and a
    purchaser. `days_<category>` is "{days} days" in the plural
    form CLDR gives the number (the Russian «в течение 21 календарного дня»)."""
    return {
        "title_services": pgettext("contract", "Services agreement"),
        "title_supply": pgettext("contract", "Supply agreement"),
        "seller_supply": pgettext("contract", "Supplier"),
        "buyer_supply": pgettext("contract", "Purchaser"),
        "party_intro": pgettext("contract", "{party} (the “{role}”)"),
        "acting": pgettext("contract", ", represented by {who}, acting under "
                                       "{authority}"),
        "charter": pgettext("contract", "the articles of association"),
        "poa": pgettext("contract", "power of attorney No. {number} of {day}"),
        "preamble": pgettext("contract", "{seller}, on the one hand, and {buyer}, on the "
                                         "other hand, have concluded this agreement as "
                                         "follows:"),
        "h_subject": pgettext("contract", "1. Subject of the agreement"),
        "subject_services": pgettext("contract", "The Contractor undertakes to render, and "
                                                 "the Customer to accept and pay for, the "
                                                 "services listed in the specification "
                                                 "below."),
        "subject_supply": pgettext("contract", "The Supplier undertakes to deliver, and the "
                                               "Purchaser to accept and pay for, the goods "
                                               "and services listed in the specification "
                                               "below."),
        "specification": pgettext("contract", "Specification"),
        "h_price": pgettext("contract", "2. Price and payment"),
        "price": pgettext("contract", "The price of the agreement is {amount} ({words})."),
        "payment": pgettext("contract", "Payment is made by bank transfer to the account "
                                        "given in section 5 within {days} of the date of "
                                        "the invoice."),
        "days_one": pgettext("contract days: one", "{days} day"),
        "days_few": pgettext("contract days: few", "{days} days"),
        "days_many": pgettext("contract days: many", "{days} days"),
        "days_other": pgettext("contract days: other", "{days} days"),
        "h_term": pgettext("contract", "3. Term of the agreement"),
        "term": pgettext("contract", "The agreement comes into force on {start} and remains "
                                     "in force until {end} inclusive."),
        "h_final": pgettext("contract", "4. Final provisions"),
        "final": pgettext("contract", "Disputes are settled by negotiation and, failing "
                                      "agreement, in court. The agreement is made in two "
                                      "copies of equal legal force, one for each party."),
        "h_parties": pgettext("contract", "5. Details and signatures of the parties"),
        "ogrn": pgettext("contract", "OGRN"),
    }


def format_date(day: date, language: str, *, long: bool = False) -> str:
    """Short: "05.03.2026" (ru, ro), "2026-03-05" (en). Long: «5 марта 2026 г.»,
    "5 March 2026", "5 martie 2026"."""
    patterns = _LONG_DATE if long else _SHORT_DATE
    try:
        pattern = patterns[language]
    except KeyError:
        raise ValueError(f"unsupported document language: {language!r}") from None
    return babel_format_date(day, pattern, locale=language)
