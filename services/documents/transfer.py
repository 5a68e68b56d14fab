"""An issued invoice printed as its act of services or its UPD (универсальный передаточный
документ), each numbered in its own series (issue 16).

* The act lists only the invoice's service lines and their sums (VAT per rate, total, amount
  in words); an invoice without a service line has no act (the UPD hands over goods).
* The UPD lists every line, goods and services, with the columns of the FNS's form: code,
  name, unit code (OKEI) and name, quantity, price and cost without VAT, «без акциза», rate,
  VAT, cost with VAT, country of origin; status 1 (VAT invoice and transfer document) when the
  seller pays VAT, else 2 (transfer document only).
* Both name their basis (the client's contract in force, else the invoice) and who signs for
  the seller: the director, or a signer under a power of attorney («… по доверенности № 12
  от 15.01.2026»).
* Every sum is a sum of the invoice's priced lines (one ``compute_totals`` call): when all
  lines are kept the totals are the invoice's own.

``missing_requisite`` names the first requisite a document cannot be issued without.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal, Protocol

from babel.numbers import get_currency_name

from services.documents.labels import format_date, labels_for
from services.documents.model import DocumentLabels
from services.documents.views import DocumentView, LineView, Signatory, VatLine
from services.words import amount_in_words

TransferKind = Literal["act", "upd"]
#: What `missing_requisite` checks: a transfer document, or a contract (issue 19).
RequisiteKind = Literal["act", "upd", "contract"]

# OKEI (ОКЕИ, the all-Russian classifier of units) codes of the units people type; the UPD
# prints the code next to the unit. An unknown unit prints a dash in the code column.
OKEI: Final = {
    "шт": "796", "шт.": "796", "pcs": "796", "pc": "796", "buc": "796", "buc.": "796",
    "усл. ед": "876", "усл. ед.": "876", "усл.": "876", "усл": "876", "ед": "876",
    "ед.": "876", "услуга": "876",
    "час": "356", "ч": "356", "ч.": "356", "h": "356", "ora": "356", "hour": "356",
    "день": "359", "дн": "359", "дн.": "359", "сут": "359", "day": "359", "zi": "359",
    "мес": "362", "мес.": "362", "месяц": "362", "month": "362", "lună": "362",
    "год": "366", "г.": "366",
    "кг": "166", "kg": "166", "г": "163", "т": "168", "t": "168",
    "м": "006", "m": "006", "км": "008", "км.": "008",
    "м2": "055", "м²": "055", "m2": "055", "м3": "113", "м³": "113", "m3": "113",
    "л": "112", "l": "112",
    "компл": "839", "компл.": "839", "комплект": "839", "set": "839",
    "упак": "778", "упак.": "778", "уп": "778", "уп.": "778", "pack": "778",
}
# ISO 4217 numeric codes of the currencies a UPD may be in (line 7: «Российский рубль, 643»).
CURRENCY_NUMERIC: Final = {"RUB": "643", "BYN": "933", "MDL": "498", "RON": "946",
                           "EUR": "978", "USD": "840", "KZT": "398", "CNY": "156",
                           "GBP": "826", "CHF": "756"}
# A Russian legal entity's INN has 10 digits and the entity a KPP; a sole trader's has 12.
_LEGAL_ENTITY_INN_LEN: Final = 10


class _Requisites(Protocol):
    """What `missing_requisite` reads of a party (``Party`` and ``PartyView`` both have it)."""

    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def tax_id(self) -> str: ...
    @property
    def kpp(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def director(self) -> str: ...
    @property
    def signer_name(self) -> str: ...
    @property
    def signer_poa_number(self) -> str: ...
    @property
    def signer_poa_date(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def iban(self) -> str: ...


def okei_code(unit: str) -> str:
    """The OKEI code of a typed unit ("шт." → "796", "час" → "356"), "" when unknown."""
    return OKEI.get(unit.strip().lower(), "")


def currency_label(currency: str, language: str) -> str:
    """«Российский рубль, 643»: the currency's name in the document's language and its ISO
    4217 numeric code."""
    name = get_currency_name(currency, locale=language)
    name = name[:1].upper() + name[1:]
    code = CURRENCY_NUMERIC.get(currency, "")
    return f"{name}, {code}" if code else name


def invoice_basis(number: str, day: date, language: str) -> str:
    """«Счёт на оплату № 42 от 05.03.2026»."""
    return labels_for(language).basis_invoice.format(number=number,
                                                     day=format_date(day, language))


def contract_basis(number: str, day: date, language: str) -> str:
    """«Договор № 7 от 01.02.2026»."""
    return labels_for(language).basis_contract.format(number=number,
                                                      day=format_date(day, language))


def missing_requisite(kind: RequisiteKind, seller: _Requisites, buyer: _Requisites
                      ) -> tuple[Literal["seller", "buyer"], str] | None:
    """The first requisite the document cannot be issued without, as (whose, field), or None.

    Every document: the seller's tax id and address, and who signs (the director, or a
    signer with the power of attorney's number and date). The UPD also (it is a VAT invoice
    too): the seller's KPP for a Russian legal entity, the buyer's tax id and address and
    the buyer's KPP for a Russian legal entity. The contract also: the seller's bank account
    (what the buyer pays to) and the buyer's tax id and address (who is bound)."""
    if not seller.tax_id.strip():
        return "seller", "tax_id"
    if not seller.address.strip():
        return "seller", "address"
    if seller.signer_name.strip():
        if not seller.signer_poa_number.strip():
            return "seller", "signer_poa_number"
        if not seller.signer_poa_date.strip():
            return "seller", "signer_poa_date"
    elif not seller.director.strip():
        return "seller", "director"
    if kind == "contract":
        if not (seller.account.strip() or seller.iban.strip()):
            return "seller", "account"
        if not buyer.tax_id.strip():
            return "buyer", "tax_id"
        if not buyer.address.strip():
            return "buyer", "address"
    if kind == "upd":
        if _needs_kpp(seller) and not seller.kpp.strip():
            return "seller", "kpp"
        if not buyer.tax_id.strip():
            return "buyer", "tax_id"
        if not buyer.address.strip():
            return "buyer", "address"
        if _needs_kpp(buyer) and not buyer.kpp.strip():
            return "buyer", "kpp"
    return None


def _needs_kpp(party: _Requisites) -> bool:
    tax_id = party.tax_id.strip()
    return party.country == "RU" and len(tax_id) == _LEGAL_ENTITY_INN_LEN and tax_id.isdigit()


def signatory_of(view: DocumentView) -> Signatory:
    """Who signs for the seller: the signer under a power of attorney when there is one
    («Менеджер», «Петров П. П.», «по доверенности № 12 от 15.01.2026»), else the director
    with the position («Генеральный директор») or the word «Руководитель»."""
    seller, labels = view.seller, view.labels
    if seller.signer_name:
        day = iso_day(seller.signer_poa_date)
        authority = labels.by_poa.format(
            number=seller.signer_poa_number,
            day=format_date(day, view.language) if day else seller.signer_poa_date)
        return Signatory(seller.signer_position or labels.authorized_person,
                         seller.signer_name, authority)
    return Signatory(seller.director_position or labels.director, seller.director)


def iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def printed_unit(unit: str, labels: DocumentLabels) -> str:
    # Typed lines carry the catalog's neutral "pcs": printed in the document's language.
    return labels.default_unit if unit.strip().lower() in ("pcs", "pc", "") else unit


def _net_price(line: LineView) -> Decimal:
    """The UPD's price column: the price without VAT of one unit, after discounts (the cost
    column is exact, the price rounded to kopecks as accountants print it)."""
    if not line.quantity:
        return line.net
    return (line.net / line.quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def as_transfer(view: DocumentView, kind: TransferKind, number: str, issue_date: date, *,
                supplies: Sequence[str], basis: str, payment_documents: str = ""
                ) -> DocumentView:
    """The invoice's view printed as its act (its service lines) or its UPD (every line),
    numbered and dated on its own. `supplies[i]` is "good" or "service" for line i.
    ValueError for a view that is not an invoice, a wrong number of supplies, or an act with
    no service line."""
    if view.kind != "invoice" or kind not in ("act", "upd"):
        raise ValueError(f"an invoice cannot be printed as {kind!r}")
    if len(supplies) != len(view.lines):
        raise ValueError("supplies must have one entry per line")
    labels = view.labels
    kept = [
        replace(line, unit=printed_unit(line.unit, labels),
                unit_code=okei_code(printed_unit(line.unit, labels)),
                net_price=_net_price(line), supply=supply)
        for line, supply in zip(view.lines, supplies, strict=True)
        if kind == "upd" or supply == "service"
    ]
    if not kept:
        raise ValueError("an act needs at least one service line")
    kept = [replace(line, position=i) for i, line in enumerate(kept, 1)]
    status = (1 if view.seller.vat_payer == "yes" else 2) if kind == "upd" else 0
    if len(kept) == len(view.lines):
        sums = (view.subtotal, view.discount_total, view.net_total, view.vat_total,
                view.grand_total, view.vat_breakdown)
    else:
        sums = _sums(kept, view)
    subtotal, discount_total, net_total, vat_total, grand_total, breakdown = sums
    printed = replace(
        view, kind=kind, number=number, issue_date=issue_date, due_date=None,
        lines=tuple(kept), subtotal=subtotal, discount_total=discount_total,
        net_total=net_total, vat_total=vat_total, vat_breakdown=breakdown,
        grand_total=grand_total,
        amount_in_words=amount_in_words(grand_total, view.currency, view.language),
        qr_standard=None, qr_payload=None, qr_reason="not_an_invoice", qr_note="",
        purpose="", paid_amount=Decimal("0.00"), remaining=Decimal("0.00"), basis=basis,
        upd_status=status, invoice_number=view.number,
        payment_documents=payment_documents,
        currency_label=currency_label(view.currency, view.language) if kind == "upd" else "")
    return replace(printed, signatory=signatory_of(printed),
                   accountant_signatory=_accountant(printed) if kind == "upd" else None)


def _accountant(view: DocumentView) -> Signatory:
    """The UPD's «Главный бухгалтер или иное уполномоченное лицо»: the chief accountant, else
    the signer under the power of attorney, else the director (a small company's director
    keeps the books)."""
    seller = view.seller
    if seller.accountant:
        return Signatory(view.labels.chief_accountant, seller.accountant)
    signer = view.signatory or signatory_of(view)
    return signer


def _sums(lines: Sequence[LineView], view: DocumentView
          ) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, tuple[VatLine, ...]]:
    """Subtotal, discounts, net, VAT, gross and the VAT rows of some of the invoice's lines:
    sums of the lines as priced, rates ordered as the invoice orders them."""
    zero = Decimal("0.00")
    discount = sum((x.discount for x in lines), zero)
    subtotal = sum((x.total for x in lines), zero) + discount
    net = sum((x.net for x in lines), zero)
    vat = sum((x.vat for x in lines), zero)
    gross = sum((x.gross for x in lines), zero)
    labels = view.labels
    rows: list[VatLine] = []
    rates: list[Decimal | None] = sorted({x.rate for x in lines},
                                         key=lambda r: (r is None, -(r or 0)))
    for rate in rates:
        group = [x for x in lines if x.rate == rate]
        label = labels.vat_row("none" if rate is None else rate, view.tax_mode)
        rows.append(VatLine(label, sum((x.net for x in group), zero),
                            sum((x.vat for x in group), zero), rate is None))
    return subtotal, discount, net, vat, gross, tuple(rows)
