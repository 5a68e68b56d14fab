"""``build_credit_einvoice``: an issued credit note as an EN 16931 credit note (UBL
``CreditNote`` for e-Factura, CII 381 for Factur-X), from its STORED amounts.

A credit note is not priced again (``services.documents.credit_note``'s invariant): each of
its lines holds the net and the VAT ``services.credit_notes`` computed when it was issued
(the invoice's document discount share included). So here:

* a line's net (BT-131) is its stored net, with no line allowance; its price is the invoice's
  unit price when quantity x price gives that net to the cent (no discount, VAT not included),
  else the net for the whole credited quantity (BT-146 with base quantity BT-149 = the
  quantity, so quantity x price / base is exact);
* no document-level allowance: BT-106 = BT-109 = the credit note's net, BT-110 its VAT,
  BT-112 its total; per VAT category and rate the taxable amount and VAT are sums of stored
  integers;
* BG-3 names the credited invoice (number and date); the reason is a note.

The refusals are those of ``services.einvoice.checks`` (the same fields are required).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from services.documents.catalog import translations
from services.documents.model import Lang
from services.documents.views import PartyView
from services.einvoice.build import (
    DEFAULT_EXEMPTION_CODE,
    Profile,
    _category,
    _party,
    _rate_text,
    _vat_tolerance,
    pack_notes,
    unit_code,
)
from services.einvoice.checks import check_efactura, check_facturx, country_of, pays_vat
from services.einvoice.model import (
    CREDIT_TRANSFER,
    EInvoice,
    ELine,
    EPayment,
    ETotals,
    EVatSubtotal,
    VatCategory,
)
from services.money import check_currency, round_money
from services.pricing import LineInput, VatRate

_ZERO: Final = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class CreditedLine:
    """One credited line as stored: the credited quantity at the invoice's unit price, its
    net and VAT (document currency, 2 places)."""

    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: VatRate
    net: Decimal
    vat: Decimal
    discounted: bool = False  # the invoice line had a discount (its net is not q x price)


def build_credit_einvoice(
    *,
    seller: PartyView,
    buyer: PartyView,
    lines: Sequence[CreditedLine],
    currency: str,
    number: str,
    issue_date: date,
    original_number: str,
    original_date: date,
    reason: str = "",
    prices_include_vat: bool = False,
    exchange_rate: Decimal | None = None,
    reverse_charge: bool = False,
    vat_exemption_reason: str = "",
    language: Lang = "ro",
    profile: Profile = "cius-ro",
) -> EInvoice:
    """The credit note of ``lines`` against invoice ``original_number`` of
    ``original_date``. Raises ``InvalidInput`` (``services.einvoice.checks``)."""
    currency = check_currency(currency)
    if not lines:
        raise ValueError("a credit note has at least one line")
    inputs = [LineInput(x.name, x.quantity, x.unit_price, x.vat_rate) for x in lines]
    original = (original_number, original_date)
    note_lines = pack_notes(reason)
    if profile == "cius-ro":
        check_efactura(
            seller=seller, buyer=buyer, lines=inputs, currency=currency, number=number,
            exchange_rate=exchange_rate, reverse_charge=reverse_charge,
            vat_exemption_reason=vat_exemption_reason, vat_exemption_code=None,
            original=original, kind="credit_note", notes=note_lines)
    else:
        check_facturx(
            seller=seller, buyer=buyer, lines=inputs, currency=currency,
            reverse_charge=reverse_charge, vat_exemption_reason=vat_exemption_reason,
            vat_exemption_code=None, original=original, kind="credit_note")
    _ = translations(language).gettext
    charges_vat = any(not isinstance(x.vat_rate, str) and x.vat_rate != 0 for x in lines)
    seller_pays = pays_vat(seller, charges_vat)

    e_lines: list[ELine] = []
    groups: dict[tuple[VatCategory, Decimal | None], list[CreditedLine]] = {}
    for i, x in enumerate(lines):
        category = _category(x.vat_rate, seller_pays=seller_pays, reverse_charge=reverse_charge)
        rate: Decimal | None
        if category == "O":
            rate = None
        elif category == "S":
            assert not isinstance(x.vat_rate, str)
            rate = x.vat_rate
        else:
            rate = Decimal(0)
        plain = (not prices_include_vat and not x.discounted
                 and round_money(x.quantity * x.unit_price, currency) == x.net)
        e_lines.append(ELine(
            position=str(i + 1), name=" ".join(x.name.split()), quantity=x.quantity,
            unit_code=unit_code(x.unit), price=x.unit_price if plain else x.net,
            base_quantity=None if plain else x.quantity, allowance=_ZERO, net=x.net,
            category=category, rate=rate))
        groups.setdefault((category, rate), []).append(x)

    reverse_text = _("Reverse charge")
    breakdown: list[EVatSubtotal] = []
    for (cat, rate), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0] != "S", -(kv[0][1] or Decimal(0)), kv[0][0])
    ):
        why = code = ""
        if cat == "E":
            why, code = vat_exemption_reason.strip(), DEFAULT_EXEMPTION_CODE
        elif cat == "AE":
            why, code = reverse_text, "VATEX-EU-AE"
        elif cat == "O":
            why = vat_exemption_reason.strip() or _("Not registered for VAT")
            code = "VATEX-EU-O"
        breakdown.append(EVatSubtotal(
            category=cat, rate=rate, taxable=sum((m.net for m in members), _ZERO),
            tax=sum((m.vat for m in members), _ZERO), exemption_reason=why,
            exemption_code=code))
    _vat_tolerance(breakdown, currency)

    net = sum((x.net for x in lines), _ZERO)
    vat = sum((x.vat for x in lines), _ZERO)
    tax_currency: str | None = None
    vat_in_ron: Decimal | None = None
    rate_used: Decimal | None = None
    if currency != "RON" and exchange_rate is not None and country_of(seller) == "RO":
        tax_currency, rate_used = "RON", exchange_rate
        vat_in_ron = round_money(vat * exchange_rate, "RON")
    totals = ETotals(line_total=net, allowance_total=_ZERO, tax_exclusive=net,
                     vat_total=vat, tax_inclusive=net + vat, prepaid=_ZERO,
                     payable=net + vat, vat_in_tax_currency=vat_in_ron)

    notes = list(note_lines)
    if reverse_charge:
        notes.append(reverse_text)
    if rate_used is not None:
        notes.append(_("Exchange rate: 1 {currency} = {rate} {local}").format(
            currency=currency, rate=_rate_text(rate_used, language), local="RON"))
    notes.append(f"{_('Credits invoice')} {original_number} / {original_date.isoformat()}")

    seller_e = _party(seller, seller=True, profile=profile, write_vat_id=seller_pays,
                      charges_vat=charges_vat, register_label=_("Trade register No."))
    buyer_e = _party(buyer, seller=False, profile=profile, write_vat_id=seller_pays,
                     charges_vat=False, register_label="")
    iban = "".join(seller.iban.split()).upper()
    payment = EPayment(means_code=CREDIT_TRANSFER, iban=iban,
                       bic="".join(seller.bik_or_bic.split()), account_name=seller_e.name,
                       reference=number) if iban else None
    return EInvoice(
        kind="credit_note", number=number.strip(), issue_date=issue_date, due_date=None,
        delivery_date=None, currency=currency, tax_currency=tax_currency,
        exchange_rate=rate_used, seller=seller_e, buyer=buyer_e, payment=payment,
        lines=tuple(e_lines), allowances=(), vat_breakdown=tuple(breakdown), totals=totals,
        notes=tuple(notes), preceding=original, discount_reason=_("Discount"))
