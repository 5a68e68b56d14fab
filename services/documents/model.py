"""The document's kinds, layouts and languages, and the fixed words of a document in one
language (``DocumentLabels``; ``services.documents.labels`` fills them from the catalogs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from services.documents.formatting import format_quantity
from services.payment_qr import Standard
from services.pricing import TaxMode, VatRate

DocumentKind = Literal["invoice", "quote", "receipt", "act", "delivery_note", "upd",
                       "contract"]
Layout = Literal["ru", "intl"]
Lang = Literal["ru", "en", "ro"]

DOCUMENT_KINDS: Final = ("invoice", "quote", "receipt", "act", "delivery_note", "upd",
                         "contract")
#: What an issued invoice can also be printed as (`as_printed`; the act and the UPD, numbered
#: in their own series, by `as_transfer`).
PRINT_KINDS: Final = ("act", "upd", "delivery_note", "receipt")
#: Printed from an invoice in their own gapless series (`services.documents.transfer`).
TRANSFER_KINDS: Final = ("act", "upd")
#: Sellers whose act is «Акт выполненных работ (оказанных услуг)» / «Act de prestare a
#: serviciilor» (issue 16): Russia, Belarus, Moldova.
SERVICES_ACT_COUNTRIES: Final = ("RU", "BY", "MD")
LAYOUTS: Final = ("ru", "intl")
LANGUAGES: Final = ("ru", "en", "ro")


# --- labels --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentLabels:
    """The fixed words of a document in one language, from the ``documents`` gettext catalog
    of the document's own language (chosen per document, not per user): ``labels_for``."""

    invoice: str
    quote: str
    receipt: str
    act: str
    delivery_note: str
    statement: str
    number_sign: str
    dated: str
    seller: str
    buyer: str
    bank_of_recipient: str
    recipient: str
    bik: str
    bic: str
    account_no: str
    corr_account: str
    iban: str
    bank: str
    kpp: str
    phone: str
    email: str
    col_position: str
    col_name: str
    col_quantity: str
    col_unit: str
    col_price: str
    col_discount: str
    col_vat_rate: str
    col_vat: str
    col_total: str
    amount_before_discount: str
    discount: str
    total: str
    vat: str
    vat_included: str
    without_vat: str
    grand_total: str
    items_summary_pattern: str
    amount_in_words: str
    due_date: str
    valid_until: str
    accept_note: str
    purpose: str
    notes: str
    paid: str
    remaining: str
    director: str
    accountant: str
    chief_accountant: str
    cashier: str
    received_from: str
    basis: str
    receipt_sum: str
    including: str
    stamp_place: str
    page: str
    default_unit: str
    act_statement: str
    performer_signature: str
    customer_signature: str
    shipper: str
    consignee: str
    released_by: str
    received_by: str
    delivery_statement: str
    period: str
    col_date: str
    col_document: str
    col_debit: str
    col_credit: str
    col_balance: str
    payment_row: str
    owed_to_seller: str
    owed_to_buyer: str
    settled: str
    qr_gost: str
    qr_epc: str
    qr_none: str
    qr_reasons: dict[str, str]
    invoice_payment: str  # "Payment of invoice {number} of {day}": a payment purpose, a basis
    purpose_vat: str  # "VAT {rate}% {amount}": one rate in a Russian payment purpose
    purpose_with_vat: str  # "{purpose}, incl. {vat}"
    purpose_without_vat: str  # "{purpose}, without VAT"
    credit_note_row: str = "Credit note"  # a statement row: a credit (issue 13)
    refund_row: str = "Refund"  # a statement row: money paid back, a debit
    # --- issue 16, credit notes (part "cn"): the storno, the credit note and the УКД ---
    cn_title: str = "Credit note"  # the document: «Factură de stornare», «Кредит-нота»
    cn_ukd: str = "Universal corrective document"  # «Универсальный корректировочный документ»
    cn_corrective_invoice: str = "Corrective invoice"  # «Корректировочный счёт-фактура»
    cn_reference: str = "to invoice No. {number} of {day}"
    cn_reason: str = "Reason"
    cn_status: str = "Status"
    cn_status_note: str = ""
    cn_before: str = "before the change"
    cn_after: str = "after the change"
    cn_increase: str = "increase"
    cn_decrease: str = "decrease"
    cn_total_increase: str = "Total increase"
    cn_total_decrease: str = "Total decrease"
    cn_col_net: str = "Amount without VAT"
    cn_col_gross: str = "Amount with VAT"
    cn_col_row: str = "Row"
    cn_currency: str = "Currency: name, code"
    cn_seller_ids: str = "Seller's INN/KPP"
    cn_buyer_ids: str = "Buyer's INN/KPP"
    cn_address: str = "Address"
    cn_basis: str = "Basis for the correction"
    cn_head: str = "Head of the organization or other authorized person"
    cn_poa: str = "by power of attorney No. {number} of {day}"
    cn_reg_number: str = "Reg. No."
    cn_fiscal_code: str = "Tax ID"
    cn_negative_note: str = "Negative amounts are credited to the buyer."
    cn_total_net: str = "Total without VAT"
    cn_total_credited: str = "Total credited"
    cn_reverse_charge: str = "Reverse charge"
    cn_exempt: str = "VAT exemption"
    cn_vat_on_collection: str = "VAT on collection"
    cn_issued_by: str = "Issued by"
    cn_received_by: str = "Received by"
    cn_upd_reference: str = "to the UPD No. {number} of {day}"  # «к УПД № 3 от 05.03.2026»
    # --- issue 16, the factură and the intl invoice (r16-ro): art. 319 Codul fiscal ---
    series_number: str = "Series {series} No. {number}"  # «Seria DMO-2026 nr. 00001»
    issue_date: str = "Issue date"
    delivery_date: str = "Delivery date"
    reg_number: str = "Reg. No."  # RO «Nr. Reg. Com.»
    county: str = "County"  # RO «Județ»
    postal_code: str = "Postal code"
    reverse_charge: str = "Reverse charge"  # RO «Taxare inversă»
    exempt: str = "Exempt"  # a line's VAT rate: RO «Scutit»
    exemption: str = "VAT exempt: {reason}"
    vat_on_collection: str = "VAT on collection"  # RO «TVA la încasare»
    exchange_rate: str = "Exchange rate: 1 {currency} = {rate} {local}"
    local_vat_total: str = "Total VAT in {currency}"
    local_grand_total: str = "Total in {currency}"
    local_vat_row: str = "{row} in {currency}"
    vat_payer_no: str = "Not registered for VAT"  # RO «Neplătitor de TVA»
    tax_invoice: str = "Invoice"  # a Romanian seller's invoice: the fiscal «Factură»
    # --- issue 16, RU/BY/MD act and UPD (helper "ru") ------------------------------------
    services_act: str = "Certificate of services rendered"  # RU, BY, MD sellers' act
    basis_label: str = "Basis"
    basis_invoice: str = "Invoice No. {number} of {day}"  # what an act is issued on
    basis_contract: str = "Contract No. {number} of {day}"
    col_service: str = "Work, services"
    total_with_vat: str = "Total including VAT"
    act_summary_pattern: str = "{count} service(s) rendered, total {amount}"
    by_poa: str = "under power of attorney No. {number} of {day}"
    authorized_person: str = "Authorized person"
    signature_hint: str = "(signature)"
    name_hint: str = "(full name)"
    position_hint: str = "(position)"
    upd: str = "Universal transfer document"
    # The UPD's fixed words (its form is Russian: the FNS's recommended layout), by key.
    upd_form: dict[str, str] = field(default_factory=dict)
    # --- issue 19, the contract (`services.documents.contract`): its clauses, by key ------
    contract: dict[str, str] = field(default_factory=dict)

    def title(self, kind: str) -> str:
        return {
            "invoice": self.invoice,
            "quote": self.quote,
            "receipt": self.receipt,
            "act": self.act,
            "delivery_note": self.delivery_note,
            "statement": self.statement,
            "credit_note": self.cn_title,
            "upd": self.upd,
            "contract": self.contract.get("title_services", "Contract"),
        }[kind]

    def numbered(self, number: str, series: tuple[str, str] | None) -> str:
        """«Seria DMO-2026 nr. 00001» when the number has a series, else «nr. 42»."""
        if series is None:
            return f"{self.number_sign} {number}"
        return self.series_number.format(series=series[0], number=series[1])

    def items_summary(self, count: int, amount: str) -> str:
        """«Всего наименований 3, на сумму 1 200,00 ₽»."""
        return self.items_summary_pattern.format(count=count, amount=amount)

    def act_summary(self, count: int, amount: str) -> str:
        """«Всего оказано услуг 2, на сумму 4 099,99 ₽»."""
        return self.act_summary_pattern.format(count=count, amount=amount)

    def vat_rate(self, rate: VatRate) -> str:
        """ "22%", or «Без НДС» for the "none" rate."""
        if isinstance(rate, str):
            return self.without_vat
        return f"{format_quantity(rate, 'en')}%"

    def vat_row(self, rate: VatRate, tax_mode: TaxMode) -> str:
        """The label of a VAT summary row: «В том числе НДС 22%» when prices include VAT,
        «НДС 22%» when VAT is on top, «Без НДС» for the "none" rate."""
        if isinstance(rate, str):
            return self.without_vat
        pattern = self.vat_included if tax_mode == "included" else self.vat
        return f"{pattern} {self.vat_rate(rate)}"

    def qr_note(self, standard: Standard | None, reason: str | None, currency: str) -> str:
        if standard == "gost":
            return self.qr_gost
        if standard == "epc":
            return self.qr_epc
        why = self.qr_reasons.get(reason or "", self.qr_reasons["invalid"])
        return f"{self.qr_none}: {why.format(currency=currency, code=reason)}"

