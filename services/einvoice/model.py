"""An e-invoice as EN 16931 sees it (the semantic model both syntaxes are written from: UBL 2.1
for e-Factura / CIUS-RO, CII D16B for Factur-X). Frozen dataclasses; every amount is a
``Decimal`` at 2 places in the document currency unless said otherwise.

The arithmetic EN 16931 checks, and which ``build_einvoice`` makes exact from our priced
document (``services.pricing.compute_totals``):

* a line's net (BT-131) = quantity x price / base quantity - line allowance (to the cent);
* BT-106 (sum of line nets) - BT-107 (document allowances) = BT-109 = our ``net_total``;
* per VAT category and rate: taxable amount = its line nets - its document allowances = the
  nets of our lines of that rate; its VAT = our VAT of that rate;
* BT-110 (VAT) = our ``vat_total``; BT-112 = BT-109 + BT-110 = our ``grand_total``;
  BT-115 = BT-112 - BT-113 (paid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal

EInvoiceKind = Literal["invoice", "credit_note"]
#: UNCL 5305 VAT categories we issue: standard (S), zero rated (Z), exempt (E), reverse
#: charge (AE), not subject to VAT (O: the seller is not registered for VAT).
VatCategory = Literal["S", "Z", "E", "AE", "O"]

CIUS_RO_ID: Final = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1"
EN16931_ID: Final = "urn:cen.eu:en16931:2017"
#: UNTDID 1001: commercial invoice, credit note.
TYPE_CODES: Final = {"invoice": "380", "credit_note": "381"}
#: UNTDID 4461: credit transfer (BR-61: needs the payee's account, BT-84).
CREDIT_TRANSFER: Final = "30"
#: UNTDID 5189: discount.
DISCOUNT_REASON_CODE: Final = "95"
#: UNTDID 2005 restricted by BR-RO-040: the VAT becomes due when paid («TVA la încasare»).
TAX_POINT_PAID: Final = "432"


@dataclass(frozen=True, slots=True)
class EParty:
    """Seller (BG-4) or buyer (BG-7).

    ``vat_id`` (BT-31 / BT-48) carries its country prefix ("RO12345678") and is empty for a
    party not registered for VAT; ``tax_id`` is the bare tax number ("12345678", the CUI);
    ``legal_id`` (BT-30 / BT-47) what the register knows it by; ``legal_info`` (BT-33,
    seller only) free text such as «Nr. Reg. Com. J40/1234/2020».
    ``region`` is ISO 3166-2 ("RO-B", "RO-CJ"); for Bucharest ``city`` is "SECTOR1".."SECTOR6".
    """

    name: str
    trading_name: str
    vat_id: str
    tax_id: str
    legal_id: str
    legal_info: str
    street: str
    city: str
    region: str
    postal_code: str
    country: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class EPayment:
    """Payment instructions (BG-16): credit transfer to the seller's IBAN (BT-84)."""

    means_code: str
    iban: str
    bic: str = ""
    account_name: str = ""
    reference: str = ""  # BT-83, the remittance information: the invoice number


@dataclass(frozen=True, slots=True)
class ELine:
    """One invoice line (BG-25).

    ``price`` (BT-146, net of VAT) is for ``base_quantity`` units (BT-149, None = 1), so
    ``quantity x price / base_quantity - allowance == net`` to the cent. ``rate`` is None for
    category O (no rate at all, BR-O-05).
    """

    position: str
    name: str
    quantity: Decimal
    unit_code: str
    price: Decimal
    base_quantity: Decimal | None
    allowance: Decimal
    net: Decimal
    category: VatCategory
    rate: Decimal | None


@dataclass(frozen=True, slots=True)
class EAllowance:
    """A document-level allowance (BG-20): our document discount's share of one VAT
    category and rate."""

    amount: Decimal
    category: VatCategory
    rate: Decimal | None
    reason: str
    reason_code: str = DISCOUNT_REASON_CODE


@dataclass(frozen=True, slots=True)
class EVatSubtotal:
    """One VAT breakdown row (BG-23): the exemption reason (BT-120) and its VATEX code
    (BT-121) for E, AE and O."""

    category: VatCategory
    rate: Decimal | None
    taxable: Decimal
    tax: Decimal
    exemption_reason: str = ""
    exemption_code: str = ""


@dataclass(frozen=True, slots=True)
class ETotals:
    """Document totals (BG-22). ``vat_in_tax_currency`` is BT-111 (the VAT in RON for an
    invoice in another currency), None otherwise."""

    line_total: Decimal
    allowance_total: Decimal
    tax_exclusive: Decimal
    vat_total: Decimal
    tax_inclusive: Decimal
    prepaid: Decimal
    payable: Decimal
    vat_in_tax_currency: Decimal | None = None


@dataclass(frozen=True, slots=True)
class EInvoice:
    """The whole e-invoice. ``tax_currency`` (BT-6) and ``exchange_rate`` (RON for one unit
    of ``currency``) are set together, for an invoice not in RON that a Romanian seller
    issues. ``tax_point_code`` (BT-8) is "432" when the seller applies «TVA la încasare».
    ``preceding`` (BG-3) is the credited invoice's number and date, for a credit note."""

    kind: EInvoiceKind
    number: str
    issue_date: date
    due_date: date | None
    delivery_date: date | None
    currency: str
    tax_currency: str | None
    exchange_rate: Decimal | None
    seller: EParty
    buyer: EParty
    payment: EPayment | None
    lines: tuple[ELine, ...]
    allowances: tuple[EAllowance, ...]
    vat_breakdown: tuple[EVatSubtotal, ...]
    totals: ETotals
    notes: tuple[str, ...] = ()
    tax_point_code: str | None = None
    preceding: tuple[str, date] | None = None
    payment_terms: str = ""
    discount_reason: str = "Discount"  # BT-97 / BT-139, in the document's language
