"""``build_einvoice``: our priced document as an EN 16931 e-invoice (``EInvoice``).

It takes what ``services.documents.invoice.build_invoice_view`` takes and prices the lines
ONCE with ``services.pricing.compute_totals``, so every amount in the XML is the amount the
chat, the PDF and the database hold. How our arithmetic is written in EN 16931's terms (the
rules BR-CO-10..16, BR-S-08/09, BR-E-08, BR-AE-08, BR-O-08 hold to the cent):

* "per_line" and "on_total": a line's price is our unit price, its allowance our line
  discount, its net (BT-131) our line amount minus the line discount; our document discount
  becomes one document-level allowance per VAT category and rate, the sum of the shares
  ``compute_totals`` gave the lines of that rate. The VAT of a rate is our VAT of that rate
  (in "on_total" computed on the rate's total; in "per_line" the sum of rounded line VATs,
  within the 1.00 tolerance of BR-S-09 / BR-CO-17).
* "included" (prices with VAT): EN 16931 wants net amounts, so each step is taken net of the
  VAT ``compute_totals`` extracts: the price is the net of the line amount for the whole
  quantity (BT-146 with base quantity BT-149 = the quantity, so quantity x price / base is
  exact), the line allowance is the net value of the line discount, and the document-level
  allowance of a rate is what the document discount takes off the nets of that rate. The
  nets after all discounts are ``compute_totals``' nets, so totals and VAT are identical.

VAT categories: a numeric rate > 0 is S, 0 is Z, our "none" is E (exempt, with the legal
reason: ``vat_exemption_reason`` and a VATEX code); with ``reverse_charge`` every line is AE
(«taxare inversă», VAT 0); a seller not registered for VAT issues O (not subject to VAT) on
every line, and then no VAT identifier of either party is written (BR-O-02).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from services.documents.catalog import translations
from services.documents.labels import labels_for
from services.documents.model import Lang
from services.documents.views import PartyView
from services.einvoice.checks import (
    bare_tax_id,
    bucharest_sector,
    check_efactura,
    check_facturx,
    country_of,
    pays_vat,
    region_code,
)
from services.einvoice.model import (
    CREDIT_TRANSFER,
    TAX_POINT_PAID,
    EAllowance,
    EInvoice,
    EInvoiceKind,
    ELine,
    EParty,
    EPayment,
    ETotals,
    EVatSubtotal,
    VatCategory,
)
from services.errors import InvalidInput
from services.money import check_currency, round_money
from services.pricing import LineInput, LineResult, TaxMode, VatRate, compute_totals

Profile = Literal["cius-ro", "en16931"]

#: Our units (as typed or printed, in ru / en / ro) -> UN/ECE Recommendation 20 codes.
UNIT_CODES: Final = {
    **dict.fromkeys(("pcs", "pc", "piece", "pieces", "шт", "шт.", "buc", "buc.", "bucată",
                     "bucăți"), "H87"),
    **dict.fromkeys(("h", "hr", "hour", "hours", "ч", "ч.", "час", "часов", "ore", "oră", "ora",
                     "ore."), "HUR"),
    **dict.fromkeys(("service", "services", "услуга", "усл.", "усл", "serviciu", "servicii",
                     "serv."), "C62"),
    **dict.fromkeys(("day", "days", "дн.", "дн", "день", "дней", "zi", "zile"), "DAY"),
    **dict.fromkeys(("month", "months", "мес.", "мес", "месяц", "lună", "luna", "luni"), "MON"),
    **dict.fromkeys(("kg", "кг", "кг."), "KGM"),
    **dict.fromkeys(("g", "г", "г."), "GRM"),
    **dict.fromkeys(("t", "т", "т.", "tonne"), "TNE"),
    **dict.fromkeys(("m", "м", "м."), "MTR"),
    **dict.fromkeys(("km", "км"), "KMT"),
    **dict.fromkeys(("m2", "m²", "м2", "м²", "кв.м", "кв. м", "mp"), "MTK"),
    **dict.fromkeys(("m3", "m³", "м3", "м³", "куб.м", "mc"), "MTQ"),
    **dict.fromkeys(("l", "л", "л.", "litre", "liter", "litru", "litri"), "LTR"),
    **dict.fromkeys(("set", "компл.", "комплект", "набор"), "SET"),
    **dict.fromkeys(("pack", "уп.", "упак.", "pachet"), "XPK"),
}
#: Anything else is counted in units ("one", C62).
DEFAULT_UNIT_CODE: Final = "C62"
DEFAULT_EXEMPTION_CODE: Final = "VATEX-EU-132"
_ZERO: Final = Decimal("0.00")


def unit_code(unit: str) -> str:
    """UN/ECE rec 20 code of one of our units: "шт." / "pcs" / "buc." -> H87, hours -> HUR,
    a service -> C62; unknown units -> C62 ("one")."""
    return UNIT_CODES.get(" ".join(unit.strip().lower().split()), DEFAULT_UNIT_CODE)


def _vat_in(gross: Decimal, rate: VatRate, currency: str) -> Decimal:
    # The same extraction compute_totals makes in "included" mode (THE ROUNDING RULE).
    if isinstance(rate, str) or rate == 0:
        return _ZERO
    return round_money(gross * rate / (Decimal(100) + rate), currency)


def _category(rate: VatRate, *, seller_pays: bool, reverse_charge: bool) -> VatCategory:
    if not seller_pays:
        return "O"
    if reverse_charge:
        return "AE"
    if isinstance(rate, str):
        return "E"
    return "Z" if rate == 0 else "S"


def _line(
    result: LineResult, unit: str, category: VatCategory, tax_mode: TaxMode, currency: str
) -> tuple[ELine, Decimal]:
    """The EN 16931 line and its share of the document-level allowance (net)."""
    rate = result.vat_rate
    if tax_mode == "included":
        base_net = result.amount - _vat_in(result.amount, rate, currency)
        after_line = result.amount - result.line_discount
        after_line_net = after_line - _vat_in(after_line, rate, currency)
        price, base_quantity = base_net, result.quantity
    else:
        base_net = result.amount
        after_line_net = result.amount - result.line_discount
        price, base_quantity = result.unit_price, None
    e_rate: Decimal | None
    if category == "O":
        e_rate = None
    elif category == "S":
        assert not isinstance(rate, str)
        e_rate = rate
    else:
        e_rate = Decimal(0)
    line = ELine(
        position=str(result.index + 1),
        name=" ".join(result.name.split()),
        quantity=result.quantity,
        unit_code=unit_code(unit),
        price=price,
        base_quantity=base_quantity,
        allowance=base_net - after_line_net,
        net=after_line_net,
        category=category,
        rate=e_rate,
    )
    return line, after_line_net - result.net


def _party(
    party: PartyView, *, seller: bool, profile: Profile, write_vat_id: bool, charges_vat: bool,
    register_label: str,
) -> EParty:
    country = country_of(party)
    tax = bare_tax_id(party)
    payer = pays_vat(party, charges_vat if seller else False)
    vat_prefix = "EL" if country == "GR" else country
    vat_id = f"{vat_prefix}{tax}" if payer and tax and write_vat_id else ""
    reg = " ".join(party.reg_number.split())
    if seller:
        legal_id = reg if vat_id and reg else tax
        legal_info = f"{register_label} {reg}" if reg and legal_id != reg else ""
    else:
        # The buyer's CUI is what ANAF routes the invoice by (BT-47 / BT-48).
        legal_id = tax if country == "RO" or not reg else reg
        legal_info = ""
    region = region_code(party)
    city = " ".join(party.city.split())
    if profile == "cius-ro" and region == "RO-B":
        city = bucharest_sector(city) or city
    return EParty(
        name=" ".join(party.display_name.split()),
        trading_name=" ".join(party.name.split()) if party.legal_name else "",
        vat_id=vat_id,
        tax_id=tax,
        legal_id=legal_id,
        legal_info=legal_info,
        street=" ".join(party.address.split()),
        city=city,
        region=region,
        postal_code=" ".join(party.postal_code.split()),
        country=country,
        email=party.email.strip(),
        phone=party.phone.strip(),
    )


NOTE_LIMIT: Final = 300


def pack_notes(text: str) -> list[str]:
    """The invoice's notes as BT-22 notes: its lines joined by "; " into notes of at most
    300 characters (BR-RO-L302). A single line over 300 characters stays whole, for the
    check to refuse."""
    packed: list[str] = []
    for line in (" ".join(x.split()) for x in text.splitlines()):
        if not line:
            continue
        if packed and len(packed[-1]) + 2 + len(line) <= NOTE_LIMIT:
            packed[-1] = f"{packed[-1]}; {line}"
        else:
            packed.append(line)
    return packed


def _vat_tolerance(rows: Sequence[EVatSubtotal], currency: str) -> None:
    # BR-S-09 / BR-CO-17: a rate's VAT must be within 1.00 of its taxable amount x rate.
    # Ours is the sum of rounded line VATs ("per_line", "included"): hundreds of tiny lines
    # can drift further; such a file would be rejected, so refuse it and say why.
    for row in rows:
        if row.category != "S" or row.rate is None:
            continue
        exact = round_money(row.taxable * row.rate / Decimal(100), currency)
        if abs(row.tax - exact) >= 1:
            raise InvalidInput("einvoice_vat_rounding", rate=format(row.rate.normalize(), "f"),
                               difference=f"{abs(row.tax - exact):.2f}")


def _rate_text(rate: Decimal, language: str) -> str:
    text = format(rate.normalize(), "f") if rate == rate.to_integral() else format(rate, "f")
    return text.replace(".", ",") if language in ("ro", "ru") else text


def build_einvoice(
    *,
    seller: PartyView,
    buyer: PartyView,
    lines: Sequence[LineInput],
    currency: str,
    number: str,
    issue_date: date,
    tax_mode: TaxMode = "per_line",
    units: Sequence[str] | None = None,
    total_discount_percent: Decimal | None = None,
    total_discount_amount: Decimal | None = None,
    due_date: date | None = None,
    delivery_date: date | None = None,
    exchange_rate: Decimal | None = None,
    reverse_charge: bool = False,
    vat_exemption_reason: str = "",
    vat_exemption_code: str | None = None,
    kind: EInvoiceKind = "invoice",
    original_number: str = "",
    original_date: date | None = None,
    paid_amount: Decimal = _ZERO,
    notes: str = "",
    language: Lang = "ro",
    profile: Profile = "cius-ro",
    check: bool = True,
) -> EInvoice:
    """Price ``lines`` once and build the e-invoice.

    ``profile`` "cius-ro" is e-Factura (Romanian seller and buyer), "en16931" Factur-X (an
    EU buyer invoiced in EUR). ``exchange_rate`` is RON for one unit of ``currency`` (an
    invoice not in RON from a Romanian seller: the VAT is also given in RON, BT-111).
    ``language`` is the language of the notes and reasons written into the file (e-Factura:
    Romanian). ``check=False`` skips the refusals of ``services.einvoice.checks`` (tests
    that prove the validator catches what the checks would have refused).

    Raises ``InvalidInput`` (checks) and ``PricingError`` (lines that cannot be priced).
    """
    currency = check_currency(currency)
    if units is not None and len(units) != len(lines):
        raise ValueError("units must have one entry per line")
    original = (original_number, original_date) if original_date is not None else None
    note_lines = pack_notes(notes)
    if check:
        if profile == "cius-ro":
            check_efactura(
                seller=seller, buyer=buyer, lines=lines, currency=currency, number=number,
                exchange_rate=exchange_rate, reverse_charge=reverse_charge,
                vat_exemption_reason=vat_exemption_reason,
                vat_exemption_code=vat_exemption_code, original=original, kind=kind,
                notes=note_lines)
        else:
            check_facturx(
                seller=seller, buyer=buyer, lines=lines, currency=currency,
                reverse_charge=reverse_charge, vat_exemption_reason=vat_exemption_reason,
                vat_exemption_code=vat_exemption_code, original=original, kind=kind)
    totals = compute_totals(
        lines, currency, tax_mode,
        total_discount_percent=total_discount_percent,
        total_discount_amount=total_discount_amount,
    )
    words = translations(language)
    _ = words.gettext
    charges_vat = any(not isinstance(r.vat_rate, str) and r.vat_rate != 0 for r in totals.lines)
    seller_pays = pays_vat(seller, charges_vat)

    default_unit = labels_for(language).default_unit
    e_lines: list[ELine] = []
    doc_shares: dict[tuple[VatCategory, Decimal | None], Decimal] = {}
    groups: dict[tuple[VatCategory, Decimal | None], list[LineResult]] = {}
    for result in totals.lines:
        category = _category(result.vat_rate, seller_pays=seller_pays,
                             reverse_charge=reverse_charge)
        # Without units the printed invoice shows the language's default («buc.», «шт.»,
        # "pcs"): the same unit here.
        unit = units[result.index] if units else default_unit
        line, share = _line(result, unit, category, tax_mode, currency)
        e_lines.append(line)
        key = (category, line.rate)
        doc_shares[key] = doc_shares.get(key, _ZERO) + share
        groups.setdefault(key, []).append(result)

    discount_reason = _("Discount")
    allowances = tuple(
        EAllowance(amount=amount, category=cat, rate=rate, reason=discount_reason)
        for (cat, rate), amount in doc_shares.items() if amount != 0
    )
    reverse_text = _("Reverse charge")
    breakdown: list[EVatSubtotal] = []
    for (cat, rate), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0] != "S", -(kv[0][1] or Decimal(0)), kv[0][0])
    ):
        reason = code = ""
        if cat == "E":
            reason = vat_exemption_reason.strip()
            code = vat_exemption_code or DEFAULT_EXEMPTION_CODE
        elif cat == "AE":
            reason, code = reverse_text, "VATEX-EU-AE"
        elif cat == "O":
            reason = vat_exemption_reason.strip() or _("Not registered for VAT")
            code = "VATEX-EU-O"
        breakdown.append(EVatSubtotal(
            category=cat, rate=rate,
            taxable=sum((r.net for r in members), _ZERO),
            tax=sum((r.vat for r in members), _ZERO),
            exemption_reason=reason, exemption_code=code,
        ))

    if check:
        _vat_tolerance(breakdown, currency)
    tax_currency: str | None = None
    vat_in_ron: Decimal | None = None
    rate_used: Decimal | None = None
    if currency != "RON" and exchange_rate is not None and country_of(seller) == "RO":
        tax_currency, rate_used = "RON", exchange_rate
        vat_in_ron = round_money(totals.vat_total * exchange_rate, "RON")

    line_total = sum((line.net for line in e_lines), _ZERO)
    allowance_total = sum((a.amount for a in allowances), _ZERO)
    # The identities the validator checks, from our own figures (a bug here is ours).
    assert line_total - allowance_total == totals.net_total
    paid = round_money(paid_amount, currency)
    e_totals = ETotals(
        line_total=line_total,
        allowance_total=allowance_total,
        tax_exclusive=totals.net_total,
        vat_total=totals.vat_total,
        tax_inclusive=totals.grand_total,
        prepaid=paid,
        payable=totals.grand_total - paid,
        vat_in_tax_currency=vat_in_ron,
    )

    all_notes = list(note_lines)
    # «TVA la încasare» concerns the VAT the seller charges: not a reverse-charge invoice, nor
    # one with no VAT at all.
    on_collection = (seller.vat_on_collection.strip().lower() == "yes" and seller_pays
                     and not reverse_charge and any(line.category == "S" for line in e_lines))
    if on_collection:
        all_notes.append(_("VAT on collection"))
    if reverse_charge:
        all_notes.append(reverse_text)
    if rate_used is not None:
        all_notes.append(_("Exchange rate: 1 {currency} = {rate} {local}").format(
            currency=currency, rate=_rate_text(rate_used, language), local="RON"))
    if kind == "credit_note" and original is not None:
        credited = _("Credits invoice")
        all_notes.append(f"{credited} {original[0]} / {original[1].isoformat()}")

    seller_e = _party(seller, seller=True, profile=profile, write_vat_id=seller_pays,
                      charges_vat=charges_vat, register_label=_("Trade register No."))
    buyer_e = _party(buyer, seller=False, profile=profile, write_vat_id=seller_pays,
                     charges_vat=False, register_label="")
    payment = None
    iban = "".join(seller.iban.split()).upper()
    if iban or not check:
        payment = EPayment(
            means_code=CREDIT_TRANSFER, iban=iban, bic="".join(seller.bik_or_bic.split()),
            account_name=seller_e.name, reference=number)
    terms = ""
    if due_date is None and e_totals.payable > 0 and kind == "invoice":
        terms = _("Payment on receipt of the invoice")
    return EInvoice(
        kind=kind,
        number=number.strip(),
        issue_date=issue_date,
        due_date=due_date,
        delivery_date=delivery_date if delivery_date not in (None, issue_date) else None,
        currency=currency,
        tax_currency=tax_currency,
        exchange_rate=rate_used,
        seller=seller_e,
        buyer=buyer_e,
        payment=payment,
        lines=tuple(e_lines),
        allowances=allowances,
        vat_breakdown=tuple(breakdown),
        totals=e_totals,
        notes=tuple(all_notes),
        tax_point_code=TAX_POINT_PAID if on_collection else None,
        preceding=original if kind == "credit_note" else None,
        payment_terms=terms,
        discount_reason=discount_reason,
    )
