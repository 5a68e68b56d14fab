"""Building the view of an invoice or a quote: priced once (``compute_totals``), with the
payment QR."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from services.documents.labels import labels_for
from services.documents.market import local_rows, printed_party, split_series
from services.documents.model import (
    DOCUMENT_KINDS,
    LAYOUTS,
    DocumentKind,
    DocumentLabels,
    Lang,
    Layout,
)
from services.documents.purpose import default_purpose
from services.documents.views import DocumentView, LineView, PartyView, VatLine
from services.money import check_currency, format_money, round_money
from services.payment_qr import Standard, payment_qr_for
from services.pricing import LineInput, LineResult, TaxMode, VatRate, compute_totals
from services.words import amount_in_words

# --- builder -------------------------------------------------------------------------------


def _line_view(
    result: LineResult, unit: str, labels: DocumentLabels, tax_mode: TaxMode
) -> LineView:
    return LineView(
        position=result.index + 1,
        name=result.name,
        unit=unit,
        quantity=result.quantity,
        unit_price=result.unit_price,
        discount=result.discount,
        vat_rate_label=labels.vat_rate(result.vat_rate),
        vat=result.vat,
        total=result.gross if tax_mode == "included" else result.net,
        net=result.net,
        gross=result.gross,
        rate=None if isinstance(result.vat_rate, str) else result.vat_rate,
    )


def build_invoice_view(
    *,
    seller: PartyView,
    buyer: PartyView,
    lines: Sequence[LineInput],
    currency: str,
    number: str,
    issue_date: date,
    tax_mode: TaxMode = "per_line",
    language: Lang = "ru",
    layout: Layout = "ru",
    kind: DocumentKind = "invoice",
    due_date: date | None = None,
    valid_until: date | None = None,
    units: Sequence[str] | None = None,
    total_discount_percent: Decimal | None = None,
    total_discount_amount: Decimal | None = None,
    purpose: str | None = None,
    notes: str = "",
    logo: bytes | None = None,
    stamp: bytes | None = None,
    signature: bytes | None = None,
    paid_amount: Decimal = Decimal("0.00"),
    delivery_date: date | None = None,
    exchange_rate: Decimal | None = None,
    accounting_currency: str | None = None,
    reverse_charge: bool = False,
    vat_exemption_reason: str = "",
) -> DocumentView:
    """Price ``lines`` once (``compute_totals``) and build the printable view from the result.

    ``units[i]`` is the unit of line i (default: «шт.» / "pcs" / "buc."). The payment QR is
    made for invoices only, for the amount still due (``grand_total - paid_amount``); for a
    receipt the amount in words is the amount received (``paid_amount``, or the grand total
    when it is zero).

    Issue 16 (`services.documents.market`): `delivery_date` is printed when it differs from
    the issue date; with an `exchange_rate` and an `accounting_currency` (the organization's)
    other than `currency`, the VAT rows and totals are also given in that currency; with
    `reverse_charge` the lines without VAT say so («taxare inversă»); with a
    `vat_exemption_reason` they are printed as exempt and the reason is printed.

    Raises ``PricingError`` for lines that cannot be priced and ``ValueError`` for an unknown
    kind, layout or language.
    """
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind: {kind!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout: {layout!r}")
    labels = labels_for(language)
    currency = check_currency(currency)
    if units is not None and len(units) != len(lines):
        raise ValueError("units must have one entry per line")
    totals = compute_totals(
        lines,
        currency,
        tax_mode,
        total_discount_percent=total_discount_percent,
        total_discount_amount=total_discount_amount,
    )
    paid = round_money(paid_amount, currency)
    remaining = totals.grand_total - paid
    purpose_text = (
        purpose
        if purpose is not None
        else default_purpose(kind, number, issue_date, language, totals)
    )

    qr_standard: Standard | None = None
    qr_payload: str | None = None
    qr_reason: str | None
    if kind == "invoice":
        choice = payment_qr_for(
            currency=currency,
            amount=remaining,
            payee_name=seller.display_name,
            purpose=purpose_text,
            account=seller.account or None,
            bank_name=seller.bank_name or None,
            bic=seller.bik_or_bic or None,
            corresp_acc=seller.corr_account or None,
            # INN/KPP only for the Russian standard: a foreign tax id would fail its check.
            payee_inn=(seller.tax_id or None) if currency == "RUB" else None,
            kpp=(seller.kpp or None) if currency == "RUB" else None,
            iban=seller.iban or None,
        )
        qr_standard, qr_payload, qr_reason = choice
    else:
        qr_reason = "not_an_invoice"

    in_words = paid if kind == "receipt" and paid > 0 else totals.grand_total
    reason = " ".join(vat_exemption_reason.split())

    def rate_label(rate: VatRate) -> str:
        if not _no_vat(rate):
            return labels.vat_rate(rate)
        if reverse_charge:
            return labels.reverse_charge
        return labels.exempt if reason else labels.vat_rate(rate)

    def row_label(rate: VatRate) -> str:
        if _no_vat(rate) and (reverse_charge or reason):
            return rate_label(rate)
        return labels.vat_row(rate, tax_mode)

    vat_rows = tuple(VatLine(row_label(b.rate), b.net, b.vat, isinstance(b.rate, str))
                     for b in totals.vat_breakdown)
    local_currency = ""
    local: tuple[tuple[VatLine, ...], Decimal, Decimal] = ((), Decimal("0.00"),
                                                           Decimal("0.00"))
    if (exchange_rate is not None and accounting_currency
            and check_currency(accounting_currency) != currency):
        local_currency = check_currency(accounting_currency)
        local = local_rows(vat_rows, exchange_rate, local_currency)
    return DocumentView(
        kind=kind,
        layout=layout,
        language=language,
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        valid_until=valid_until,
        currency=currency,
        tax_mode=tax_mode,
        seller=printed_party(seller),
        buyer=printed_party(buyer),
        lines=tuple(
            replace(_line_view(r, units[r.index] if units else labels.default_unit, labels,
                               tax_mode), vat_rate_label=rate_label(r.vat_rate))
            for r in totals.lines
        ),
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        net_total=totals.net_total,
        vat_total=totals.vat_total,
        vat_breakdown=vat_rows,
        grand_total=totals.grand_total,
        amount_in_words=amount_in_words(in_words, currency, language),
        qr_standard=qr_standard,
        qr_payload=qr_payload,
        qr_reason=qr_reason,
        qr_note=labels.qr_note(qr_standard, qr_reason, currency) if kind == "invoice" else "",
        purpose=purpose_text,
        notes=notes,
        logo=logo,
        stamp=stamp,
        signature=signature,
        paid_amount=paid,
        remaining=remaining,
        delivery_date=delivery_date if delivery_date != issue_date else None,
        exchange_rate=exchange_rate if local_currency else None,
        local_currency=local_currency,
        local_vat_breakdown=local[0],
        local_vat_total=local[1],
        local_grand_total=local[2],
        reverse_charge=reverse_charge,
        vat_exemption_reason=reason,
        series=split_series(number) if kind == "invoice" else None,
    )


def _no_vat(rate: VatRate) -> bool:
    """A line without VAT: the "none" rate or 0 %."""
    return isinstance(rate, str) or rate == 0


def money_text(view: DocumentView, amount: Decimal) -> str:
    """An amount of the view formatted as the chat shows it (``format_money``)."""
    return format_money(amount, view.currency, view.language)
