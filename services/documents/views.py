"""The view models of a printed document (invoice, quote, receipt, act, delivery note): frozen
and picklable, since the renderer ships them to worker processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from services.documents.formatting import format_rate
from services.documents.labels import format_date, labels_for
from services.documents.model import (
    SERVICES_ACT_COUNTRIES,
    DocumentKind,
    DocumentLabels,
    Lang,
    Layout,
)
from services.payment_qr import Standard
from services.pricing import TaxMode

# --- the view ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartyView:
    """A seller or buyer as printed. Empty strings are simply not printed."""

    name: str
    legal_name: str = ""
    country: str = ""
    tax_id_label: str = ""  # "ИНН", "УНП", "IDNO", "CUI", "VAT ID"
    tax_id: str = ""
    kpp: str = ""
    address: str = ""
    bank_name: str = ""
    bik_or_bic: str = ""
    account: str = ""
    corr_account: str = ""
    iban: str = ""
    phone: str = ""
    email: str = ""
    director: str = ""
    accountant: str = ""
    # Issue 16 (market documents): the register number (RO «Nr. Reg. Com.», RU ОГРН), the
    # address in parts (e-Factura and Factur-X need city, ISO 3166-2 region e.g. "RO-B", postal
    # code; `address` stays the street line as printed), whether the party pays VAT ("yes",
    # "no" or "" unknown), «TVA la încasare» ("yes"/""), and who signs: the director's
    # position, or a signer with a power of attorney (number, ISO date "2026-01-15").
    reg_number: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    vat_payer: str = ""
    vat_on_collection: str = ""
    director_position: str = ""
    signer_name: str = ""
    signer_position: str = ""
    signer_poa_number: str = ""
    signer_poa_date: str = ""

    @property
    def display_name(self) -> str:
        return self.legal_name or self.name


@dataclass(frozen=True, slots=True)
class LineView:
    """One printed line. ``total`` is what the line adds to «Итого»: the net (prices without
    VAT) or the gross (prices include VAT), after discounts."""

    position: int
    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    vat_rate_label: str
    vat: Decimal
    total: Decimal
    # Issue 16 (the act and the UPD): the line's net and gross after every discount, its VAT
    # rate (None: without VAT); the UPD's unit code (OKEI), price without VAT and whether the
    # line is a good or a service.
    net: Decimal = Decimal("0.00")
    gross: Decimal = Decimal("0.00")
    rate: Decimal | None = None
    unit_code: str = ""
    net_price: Decimal = Decimal("0.00")
    supply: str = ""


@dataclass(frozen=True, slots=True)
class Signatory:
    """Who signs for a party: «Генеральный директор», «Иванов И. И.», and the power of
    attorney a signer acts under («по доверенности № 12 от 15.01.2026», else "")."""

    role: str
    name: str
    authority: str = ""


class VatLine(NamedTuple):
    """One row of the VAT summary: «В том числе НДС 22%», base (net of the rate), VAT."""

    label: str
    base: Decimal
    vat: Decimal
    exempt: bool = False  # the "none" rate: print «Без НДС» and a dash, not "0,00"


@dataclass(frozen=True, slots=True)
class DocumentView:
    """Everything a template may print; no arithmetic left to the template.

    ``subtotal - discount_total`` is «Итого» (the sum of the line totals); then the VAT rows
    (``vat_breakdown``), then ``grand_total`` («Всего к оплате»). ``remaining`` =
    ``grand_total - paid_amount``.
    """

    kind: DocumentKind
    layout: Layout
    language: Lang
    number: str
    issue_date: date
    due_date: date | None
    valid_until: date | None
    currency: str
    tax_mode: TaxMode
    seller: PartyView
    buyer: PartyView
    lines: tuple[LineView, ...]
    subtotal: Decimal
    discount_total: Decimal
    net_total: Decimal
    vat_total: Decimal
    vat_breakdown: tuple[VatLine, ...]
    grand_total: Decimal
    amount_in_words: str
    qr_standard: Standard | None
    qr_payload: str | None
    qr_reason: str | None
    qr_note: str
    purpose: str
    notes: str = ""
    logo: bytes | None = field(default=None, repr=False)
    stamp: bytes | None = field(default=None, repr=False)
    signature: bytes | None = field(default=None, repr=False)
    paid_amount: Decimal = Decimal("0.00")
    remaining: Decimal = Decimal("0.00")
    # Issue 16, the factură (art. 319 Codul fiscal) and the intl invoice: the delivery date
    # when it differs from the issue date; in another currency than the organization's, the
    # rate (organization's currency per 1 unit) and the VAT rows and totals converted
    # (`services.documents.market.local_rows`); reverse charge; the legal reason of the lines
    # without VAT; the series and the number in it («Seria … nr. …») when the number has one.
    delivery_date: date | None = None
    exchange_rate: Decimal | None = None
    local_currency: str = ""
    local_vat_breakdown: tuple[VatLine, ...] = ()
    local_vat_total: Decimal = Decimal("0.00")
    local_grand_total: Decimal = Decimal("0.00")
    reverse_charge: bool = False
    vat_exemption_reason: str = ""
    series: tuple[str, str] | None = None

    @property
    def exchange_rate_text(self) -> str:
        """«4,9750»: the rate as the bank published it (at least 4 decimals)."""
        return format_rate(self.exchange_rate, self.language) if self.exchange_rate else ""

    @property
    def numbered(self) -> str:
        """«Seria DMO-2026 nr. 00001», or «nr. 42» when the number has no series."""
        return self.labels.numbered(self.number, self.series)
    # --- issue 16, the act and the UPD (`services.documents.transfer.as_transfer`) --------
    basis: str = ""  # «Счёт на оплату № 42 от 05.03.2026» or «Договор № 7 от 01.02.2026»
    upd_status: int = 0  # 1: VAT invoice and transfer document; 2: transfer document only
    signatory: Signatory | None = None  # the seller's (director, or a signer by POA)
    accountant_signatory: Signatory | None = None  # the UPD's chief accountant line
    invoice_number: str = ""  # the invoice it is printed from
    payment_documents: str = ""  # UPD (5): «7 от 10.03.2026; 9 от 12.03.2026»
    currency_label: str = ""  # UPD (7): «Российский рубль, 643»
    # Issue 16, Factur-X (r16-wire): the CII XML (EN 16931) this invoice's PDF embeds, making
    # it a PDF/A-3 (`bot.pdf`); None for every other document. Hashed apart, like the images.
    facturx: bytes | None = field(default=None, repr=False)
    # --- issue 19, the contract (`services.documents.contract.as_contract`): its form
    # ("services": a contractor and a customer; "supply": a supplier and a purchaser), term,
    # place, the parties' roles and its clauses composed in its language ------------------
    contract_form: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    place: str = ""  # where it is signed: the seller's city
    seller_role: str = ""  # «Исполнитель», «Prestator»
    buyer_role: str = ""  # «Заказчик», «Beneficiar»
    preamble: str = ""  # who concludes it, represented by whom, under what authority
    subject_text: str = ""
    price_text: str = ""  # the price, in words, then the VAT per rate
    payment_terms: str = ""
    term_text: str = ""
    buyer_signatory: Signatory | None = None

    @property
    def lines_total(self) -> Decimal:
        """«Итого»: the sum of the printed line totals."""
        return self.subtotal - self.discount_total

    @property
    def has_discount(self) -> bool:
        return self.discount_total != 0

    @property
    def labels(self) -> DocumentLabels:
        return labels_for(self.language)

    @property
    def heading(self) -> str:
        """The document's name: a Romanian seller's invoice is the fiscal «Factură» (art. 319
        Codul fiscal), not the «Factură proformă» a payment request is elsewhere; the act of
        a Russian, Belarusian or Moldovan seller is «Акт выполненных работ (оказанных услуг)» /
        «Act de prestare a serviciilor»."""
        labels = self.labels
        if self.kind == "contract" and self.contract_form:
            return labels.contract[f"title_{self.contract_form}"]
        if self.kind == "invoice" and self.seller.country == "RO":
            return labels.tax_invoice
        if self.kind == "act" and self.seller.country in SERVICES_ACT_COUNTRIES:
            return labels.services_act
        return labels.title(self.kind)

    @property
    def document_name(self) -> str:
        """The document's name (`heading`)."""
        return self.heading

    @property
    def title(self) -> str:
        """«Счёт на оплату № 42 от 5 марта 2026 г.», "Invoice No. 42 of 5 March 2026"."""
        labels = self.labels
        return (
            f"{self.heading} {labels.number_sign} {self.number} "
            f"{labels.dated} {format_date(self.issue_date, self.language, long=True)}"
        )
