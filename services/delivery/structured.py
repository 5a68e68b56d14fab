"""Our issued documents as e-invoices (issue 16): the same read the PDF uses
(``InvoiceForRender``: the parties' snapshots, lines, tax mode, discounts, and the invoice's
delivery date, exchange rate, reverse charge and exemption reason) given to
``services.einvoice``, so the XML's totals are the chat's, the PDF's and the database's.

Which file a document gets:

* e-Factura (UBL, CIUS-RO) when the seller is Romanian: asked for a buyer outside Romania it
  is refused, explained (``einvoice_buyer_not_ro``); e-mailed beside the PDF when the buyer is
  a Romanian company too (``efactura_applies``).
* Factur-X (CII embedded in the invoice's PDF/A-3) for an EU buyer invoiced in EUR
  (``facturx_applies``), unless seller and buyer are both Romanian (their file is the
  e-Factura).

An e-Factura is the invoice as issued: payments received later are not written in it (no
prepaid amount), so its bytes do not change when the invoice is paid. The Factur-X XML is
part of the PDF that shows the payments, so it carries them (BT-113) like the PDF.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from decimal import Decimal
from typing import Any, Final

from services.credit_notes import CreditNote
from services.documents import PartyView
from services.einvoice import build_einvoice
from services.einvoice.checks import EU_COUNTRIES
from services.einvoice.cii import write_cii
from services.einvoice.credited import CreditedLine, build_credit_einvoice
from services.einvoice.ubl import write_ubl
from services.invoices import InvoiceForRender, Party
from services.money import from_minor
from services.pricing import NO_VAT, VatRate

#: `documents.kind` of a stored e-Factura (the PDFs are "<kind>_pdf").
EFACTURA_KIND: Final = "efactura_xml"
XML_MIME: Final = "application/xml"


def _country(party: Party) -> str:
    return party.country.strip().upper()


def efactura_applies(seller: Party, buyer: Party) -> bool:
    """A Romanian B2B document: both parties in Romania and the buyer has a tax id."""
    return (_country(seller) == "RO" and _country(buyer) == "RO"
            and bool(buyer.tax_id.strip()))


def facturx_applies(seller_country: str, buyer_country: str, currency: str) -> bool:
    """An EU buyer invoiced in EUR, except between Romanian parties (e-Factura)."""
    seller_country, buyer_country = seller_country.strip().upper(), buyer_country.strip().upper()
    if currency != "EUR" or buyer_country not in EU_COUNTRIES:
        return False
    return not (seller_country == "RO" and buyer_country == "RO")


def _language(r: InvoiceForRender, profile: str) -> Any:
    if profile == "cius-ro":
        return "ro"  # e-Factura: the notes and reasons in Romanian
    return r.language if r.language in ("ru", "en", "ro") else "en"


def invoice_xml(r: InvoiceForRender, profile: str = "cius-ro") -> bytes:
    """The e-Factura (``profile`` "cius-ro", UBL) or the Factur-X CII ("en16931") of an
    issued invoice. Raises ``InvalidInput`` naming what is missing."""
    inv = r.invoice
    einvoice = build_einvoice(
        seller=PartyView(**asdict(r.seller)), buyer=PartyView(**asdict(r.buyer)),
        lines=r.lines, units=r.units, currency=r.currency, number=r.number,
        issue_date=r.issue_date, tax_mode=r.tax_mode,
        total_discount_percent=r.total_discount_percent,
        total_discount_amount=r.total_discount_amount, due_date=r.due_date,
        delivery_date=inv.delivery_date, exchange_rate=inv.exchange_rate,
        reverse_charge=inv.reverse_charge,
        vat_exemption_reason=inv.vat_exemption_reason or "",
        paid_amount=r.paid_amount if profile == "en16931" else Decimal("0.00"),
        language=_language(r, profile), profile=profile,  # type: ignore[arg-type]
    )
    return write_ubl(einvoice) if profile == "cius-ro" else write_cii(einvoice)


def credit_note_xml(note: CreditNote, r: InvoiceForRender, profile: str = "cius-ro") -> bytes:
    """The credit note ``note`` against the invoice read as ``r``, from its stored amounts:
    a UBL CreditNote (e-Factura) referring to the invoice. Raises ``InvalidInput``."""
    cur = note.currency
    lines = []
    for x in note.lines:
        rate: VatRate = NO_VAT if x.vat_rate == NO_VAT else Decimal(x.vat_rate)
        lines.append(CreditedLine(
            name=x.name, unit=x.unit, quantity=x.quantity,
            unit_price=from_minor(x.unit_price_minor, cur), vat_rate=rate,
            net=from_minor(x.net_minor, cur), vat=from_minor(x.vat_minor, cur),
            discounted=bool(x.discount_percent)))
    inv = r.invoice
    einvoice = build_credit_einvoice(
        seller=PartyView(**asdict(r.seller)), buyer=PartyView(**asdict(r.buyer)),
        lines=lines, currency=cur, number=note.number_text, issue_date=note.issue_date,
        original_number=r.number, original_date=r.issue_date, reason=note.reason,
        prices_include_vat=r.tax_mode == "included", exchange_rate=inv.exchange_rate,
        reverse_charge=inv.reverse_charge,
        vat_exemption_reason=inv.vat_exemption_reason or "",
        language=_language(r, profile), profile=profile,  # type: ignore[arg-type]
    )
    return write_ubl(einvoice) if profile == "cius-ro" else write_cii(einvoice)


def xml_key(content: bytes) -> str:
    """The stored e-Factura's key (``documents.view_hash``): the same bytes are stored once;
    prefixed so it can never equal a PDF's key."""
    return hashlib.sha256(b"efactura\x1f" + content).hexdigest()
