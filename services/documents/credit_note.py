"""The credit note as a printed document, in its market's form (issue 16, item 4):

* RU and BY (layout "ru"): the «Универсальный корректировочный документ» (УКД), status 1
  (a corrective invoice and the primary document: the seller pays VAT) or 2 (the primary
  document only). Each line in four rows: before the change (А), after it (Б), the increase
  (В) and the decrease (Г) of the quantity, the amount without VAT, the VAT and the amount
  with VAT; it refers to the invoice (number and date).
* Romania (language "ro", layout "intl"): the «Factură de stornare» with the mentions of
  art. 319 of the Codul fiscal: the original invoice's number and date, both parties' name,
  address, CUI/CIF (the "RO" prefix for a VAT payer), Nr. Reg. Com. and the seller's bank,
  negative quantities and amounts on every line, the VAT per rate, the reason.
* Elsewhere (layout "intl"): a «Credit note» referring to the invoice, negative amounts.

Invariants:

* Amounts are the stored ones: the credit note's lines (net and VAT per line, minor units, as
  `services.credit_notes` computed them when it was issued) and the invoice line as it stood
  before this credit note (less what earlier credit notes took). Nothing is priced again;
  "after" is "before" less the credited part, sums are sums of the stored integers.
* The view holds every figure the templates print, the signs included: ``decrease`` is
  positive (the УКД's «уменьшение» row), ``change`` is its negative (the storno's lines).
* No framework here: this module knows nothing of credit notes' storage or services (it is
  below them); `services.delivery` gives it plain lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final, NamedTuple

from babel.numbers import get_currency_name

from services.documents.formatting import format_rate
from services.documents.labels import format_date, labels_for
from services.documents.market import local_rows
from services.documents.model import DocumentLabels, Lang, Layout
from services.documents.views import PartyView, VatLine
from services.money import check_currency, round_money
from services.pricing import NO_VAT, TaxMode, VatRate
from services.words import amount_in_words

#: ISO 4217 numeric codes the УКД prints in «Валюта: наименование, код».
CURRENCY_CODES: Final = {"RUB": "643", "BYN": "933", "USD": "840", "EUR": "978",
                         "KZT": "398", "CNY": "156", "MDL": "498", "RON": "946"}


class Amounts(NamedTuple):
    """One row of a corrected line: quantity, amount without VAT, VAT, amount with VAT."""

    quantity: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal

    def __neg__(self) -> Amounts:
        return Amounts(*(-x if x else x for x in self))  # never "-0,00"

    def __sub__(self, other: object) -> Amounts:
        if not isinstance(other, Amounts):
            return NotImplemented
        return Amounts(*(a - b for a, b in zip(self, other, strict=True)))


def _sum(rows: Sequence[Amounts], currency: str) -> Amounts:
    """The column sums (the quantity column of a sum has no meaning: zero)."""
    zero = round_money(Decimal(0), currency)
    return Amounts(Decimal(0), sum((r.net for r in rows), zero),
                   sum((r.vat for r in rows), zero), sum((r.gross for r in rows), zero))


@dataclass(frozen=True, slots=True)
class CreditLineInput:
    """A credited invoice line as stored: the invoice line before this credit note (its
    quantity, net and VAT less what earlier credit notes took) and the credited part."""

    position: int
    name: str
    unit: str
    vat_rate: VatRate
    unit_price: Decimal
    quantity_before: Decimal
    net_before: Decimal
    vat_before: Decimal
    quantity: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True, slots=True)
class CreditLineView:
    position: int
    name: str
    unit: str
    vat_rate_label: str
    unit_price: Decimal
    before: Amounts
    after: Amounts
    decrease: Amounts  # positive: what the credit note takes off the line
    change: Amounts  # negative: the storno's line

    @property
    def increase(self) -> None:
        """A credit note only decreases: the УКД's «увеличение» row prints a dash."""
        return None


@dataclass(frozen=True, slots=True)
class CreditNoteView:
    """Everything a credit note template prints; no arithmetic left to the template."""

    layout: Layout
    language: Lang
    number: str
    issue_date: date
    currency: str
    tax_mode: TaxMode
    seller: PartyView
    buyer: PartyView
    invoice_number: str
    invoice_date: date
    reason: str
    lines: tuple[CreditLineView, ...]
    vat_breakdown: tuple[VatLine, ...]  # negative base and VAT per rate (the storno's)
    before_total: Amounts
    after_total: Amounts
    decrease_total: Amounts
    change_total: Amounts
    amount_in_words: str  # of the amount credited (with VAT)
    ukd_status: int  # 1: the seller pays VAT (corrective invoice + primary document); 2: not
    currency_code: str
    currency_name: str
    head_role: str  # who signs for the seller: the director's position, or the signer's
    head_name: str  # the director, or the signer "by power of attorney No. … of …"
    seller_fiscal_code: str  # RO: the CUI/CIF with "RO" for a VAT payer; else the tax id
    buyer_fiscal_code: str
    reverse_charge: bool = False
    vat_exemption_reason: str = ""
    logo: bytes | None = field(default=None, repr=False)
    stamp: bytes | None = field(default=None, repr=False)
    signature: bytes | None = field(default=None, repr=False)
    kind: str = "credit_note"
    qr_payload: None = None
    notes: str = ""
    # The UPD the invoice was shipped with, when one was issued: the УКД corrects it
    # (number, date); else the УКД names the invoice alone.
    transfer_number: str = ""
    transfer_date: date | None = None
    # An invoice in another currency than the organization's, at the invoice's rate: the
    # storno's VAT rows and totals in the organization's currency too (RO: art. 319, in lei).
    exchange_rate: Decimal | None = None
    local_currency: str = ""
    local_vat_breakdown: tuple[VatLine, ...] = ()
    local_vat_total: Decimal = Decimal("0.00")
    local_grand_total: Decimal = Decimal("0.00")

    @property
    def exchange_rate_text(self) -> str:
        """«4,9750»: the rate as the bank published it (at least 4 decimals)."""
        return format_rate(self.exchange_rate, self.language) if self.exchange_rate else ""

    @property
    def labels(self) -> DocumentLabels:
        return labels_for(self.language)

    @property
    def document_name(self) -> str:
        """«Универсальный корректировочный документ», «Factură de stornare», "Credit note"."""
        labels = self.labels
        return labels.cn_ukd if self.layout == "ru" else labels.cn_title

    @property
    def title(self) -> str:
        """«Корректировочный счёт-фактура № КН-2026-00001 от 5 марта 2026 г.» (the УКД's
        first line), «Factură de stornare nr. NC-2026-00001 din 5 martie 2026»."""
        labels = self.labels
        head = labels.cn_corrective_invoice if self.layout == "ru" else labels.cn_title
        return (f"{head} {labels.number_sign} {self.number} {labels.dated} "
                f"{format_date(self.issue_date, self.language, long=True)}")

    @property
    def reference(self) -> str:
        """«к счёту № INV-2026-00042 от 05.03.2026», "Credits invoice INV-… of 2026-03-05",
        «Stornează factura nr. … din 05.03.2026»."""
        labels = self.labels
        invoice = labels.cn_reference.format(
            number=self.invoice_number, day=format_date(self.invoice_date, self.language))
        if self.layout != "ru" or not self.transfer_number or self.transfer_date is None:
            return invoice
        upd = labels.cn_upd_reference.format(
            number=self.transfer_number, day=format_date(self.transfer_date, self.language))
        return f"{upd} ({invoice})"

    @property
    def without_vat(self) -> bool:
        """Every line is "without VAT" (УКД status 2 prints «Без НДС» in the VAT columns)."""
        return all(r.exempt for r in self.vat_breakdown)


def fiscal_code(party: PartyView) -> str:
    """The tax id as printed: a Romanian VAT payer's CUI/CIF carries the "RO" prefix (art.
    319 (20) of the Codul fiscal), a non-payer's stands alone; other countries as stored."""
    code = party.tax_id.strip()
    if party.country != "RO" or not code:
        return code
    digits = code.upper().removeprefix("RO").strip()
    if party.vat_payer == "yes":
        return f"RO{digits}"
    if party.vat_payer == "no":
        return digits
    return code


def _signer(seller: PartyView, labels: DocumentLabels, language: str) -> str:
    """The director, or the signer with the power of attorney's number and date."""
    if not seller.signer_name:
        return seller.director
    if not seller.signer_poa_number:
        return seller.signer_name
    day = (format_date(date.fromisoformat(seller.signer_poa_date), language)
           if seller.signer_poa_date else "")
    return f"{seller.signer_name}, " + labels.cn_poa.format(
        number=seller.signer_poa_number, day=day).strip()


def _rate_key(rate: VatRate) -> tuple[int, Decimal]:
    return (1, Decimal(0)) if isinstance(rate, str) else (0, -rate)


def build_credit_note_view(
    *,
    seller: PartyView,
    buyer: PartyView,
    lines: Sequence[CreditLineInput],
    currency: str,
    number: str,
    issue_date: date,
    invoice_number: str,
    invoice_date: date,
    reason: str,
    tax_mode: TaxMode = "per_line",
    language: Lang = "ru",
    layout: Layout = "ru",
    reverse_charge: bool = False,
    vat_exemption_reason: str = "",
    logo: bytes | None = None,
    stamp: bytes | None = None,
    signature: bytes | None = None,
    transfer_number: str = "",
    transfer_date: date | None = None,
    exchange_rate: Decimal | None = None,
    accounting_currency: str = "",
) -> CreditNoteView:
    """The printable credit note from its stored lines (see the module's invariants).
    ValueError for no lines, a credited part larger than the line before it, or an unknown
    language or layout."""
    labels = labels_for(language)
    currency = check_currency(currency)
    if layout not in ("ru", "intl"):
        raise ValueError(f"unknown layout: {layout!r}")
    if not lines:
        raise ValueError("a credit note has at least one line")
    views: list[CreditLineView] = []
    by_rate: dict[VatRate, list[Amounts]] = {}
    for x in lines:
        if x.quantity > x.quantity_before or x.net > x.net_before or x.vat > x.vat_before:
            raise ValueError(f"line {x.position} credits more than it had")
        before = Amounts(x.quantity_before, x.net_before, x.vat_before,
                         x.net_before + x.vat_before)
        decrease = Amounts(x.quantity, x.net, x.vat, x.net + x.vat)
        views.append(CreditLineView(x.position, x.name, x.unit, labels.vat_rate(x.vat_rate),
                                    x.unit_price, before, before - decrease, decrease,
                                    -decrease))
        by_rate.setdefault(x.vat_rate, []).append(decrease)
    rows = tuple(
        VatLine(labels.vat_row(rate, "per_line"), -_sum(parts, currency).net,
                -_sum(parts, currency).vat, isinstance(rate, str))
        for rate, parts in sorted(by_rate.items(), key=lambda kv: _rate_key(kv[0])))
    before_total = _sum([v.before for v in views], currency)
    decrease_total = _sum([v.decrease for v in views], currency)
    vat_payer = seller.vat_payer != "no" and any(r != NO_VAT for r in by_rate)
    return CreditNoteView(
        layout=layout, language=language, number=number, issue_date=issue_date,
        currency=currency, tax_mode=tax_mode, seller=seller, buyer=buyer,
        invoice_number=invoice_number, invoice_date=invoice_date, reason=reason,
        lines=tuple(views), vat_breakdown=rows, before_total=before_total,
        after_total=before_total - decrease_total, decrease_total=decrease_total,
        change_total=-decrease_total,
        amount_in_words=amount_in_words(decrease_total.gross, currency, language),
        ukd_status=1 if vat_payer else 2, currency_code=CURRENCY_CODES.get(currency, ""),
        currency_name=get_currency_name(currency, locale=language),
        head_role=seller.signer_position if seller.signer_name else seller.director_position,
        head_name=_signer(seller, labels, language),
        seller_fiscal_code=fiscal_code(seller), buyer_fiscal_code=fiscal_code(buyer),
        reverse_charge=reverse_charge, vat_exemption_reason=vat_exemption_reason,
        logo=logo, stamp=stamp, signature=signature, transfer_number=transfer_number,
        transfer_date=transfer_date, **_local(rows, exchange_rate, accounting_currency,
                                              currency))


def _local(rows: tuple[VatLine, ...], rate: Decimal | None, accounting: str, currency: str
           ) -> dict[str, Any]:
    """The converted VAT rows and totals, when the credit note's currency is not the
    organization's and its invoice has a rate."""
    if rate is None or not accounting or check_currency(accounting) == currency:
        return {}
    local, vat, total = local_rows(rows, rate, check_currency(accounting))
    return {"exchange_rate": rate, "local_currency": check_currency(accounting),
            "local_vat_breakdown": local, "local_vat_total": vat, "local_grand_total": total}
