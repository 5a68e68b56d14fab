"""The view models of a printed document (invoice, quote, receipt, act, delivery note): frozen
and picklable, since the renderer ships them to worker processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from services.documents.labels import format_date, labels_for
from services.documents.model import DocumentKind, DocumentLabels, Lang, Layout
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
    # Issue 16, Factur-X (r16-wire): the CII XML (EN 16931) this invoice's PDF embeds, making
    # it a PDF/A-3 (`bot.pdf`); None for every other document. Hashed apart, like the images.
    facturx: bytes | None = field(default=None, repr=False)

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
    def title(self) -> str:
        """«Счёт на оплату № 42 от 5 марта 2026 г.», "Invoice No. 42 of 5 March 2026"."""
        labels = self.labels
        return (
            f"{labels.title(self.kind)} {labels.number_sign} {self.number} "
            f"{labels.dated} {format_date(self.issue_date, self.language, long=True)}"
        )
