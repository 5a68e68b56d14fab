"""A contract drawn from a deal (issue 19): the deal's lines (its invoice's or quote's, else
its amount as one line) priced once by `build_invoice_view`, printed as a contract with its
own number and date, both parties with their requisites, the subject (the specification of
lines), the price with VAT and in words, the payment terms, the term and who signs.

* Its form follows its lines: services only make a services agreement between a contractor
  and a customer («Договор оказания услуг», «Contract de prestări servicii»); any good makes
  a supply agreement between a supplier and a purchaser.
* The clauses are composed here in the contract's language (`DocumentLabels.contract`), so a
  template only prints them; an organization's own template may print the fields instead.
* Who signs for the seller is `signatory_of`'s (the director under the articles, or a signer
  under a power of attorney): the preamble names them and that authority.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from babel.core import Locale

from services.documents.labels import format_date
from services.documents.transfer import iso_day, printed_unit, signatory_of
from services.documents.views import DocumentView, PartyView, Signatory
from services.money import format_money

#: The views a contract is drawn from: a deal's invoice or quote, or its amount as one line.
_SOURCES = ("invoice", "quote", "contract")


def contract_form(supplies: Sequence[str]) -> str:
    """"services" when every line is a service, else "supply"."""
    return "services" if all(s == "service" for s in supplies) else "supply"


def _acting(words: dict[str, str], party: PartyView, language: str) -> str:
    """«, от имени которого действует Генеральный директор Иванов И. И. на основании
    Устава»: who acts for the party and under what authority; "" when nobody is named."""
    if party.signer_name:
        day = iso_day(party.signer_poa_date)
        authority = words["poa"].format(
            number=party.signer_poa_number,
            day=format_date(day, language) if day else party.signer_poa_date)
        who = (party.signer_position, party.signer_name)
    elif party.director:
        authority, who = words["charter"], (party.director_position, party.director)
    else:
        return ""
    return words["acting"].format(who=" ".join(x for x in who if x), authority=authority)


def _days(words: dict[str, str], days: int, language: str) -> str:
    """«21 календарного дня», «5 zile calendaristice», "1 day": CLDR's plural category."""
    category = Locale.parse(language).plural_form(days)
    return words.get(f"days_{category}", words["days_other"]).format(days=days)


def as_contract(view: DocumentView, number: str, issue_date: date, *, starts_on: date,
                ends_on: date, supplies: Sequence[str], payment_days: int,
                place: str = "") -> DocumentView:
    """`view` (the deal's lines priced as one document, in the contract's language) printed
    as the contract numbered `number` of `issue_date`, in force from `starts_on` to
    `ends_on`, payable within `payment_days` of the invoice. `supplies[i]` is "good" or
    "service" for line i. ValueError for a view of another kind, a wrong number of supplies
    or an end before the start."""
    if view.kind not in _SOURCES:
        raise ValueError(f"a contract is not drawn from {view.kind!r}")
    if len(supplies) != len(view.lines):
        raise ValueError("supplies must have one entry per line")
    if ends_on < starts_on:
        raise ValueError("a contract ends on or after its start")
    labels, language = view.labels, view.language
    words = labels.contract
    form = contract_form(supplies)
    seller_role, buyer_role = ((labels.performer_signature, labels.customer_signature)
                               if form == "services"
                               else (words["seller_supply"], words["buyer_supply"]))
    preamble = words["preamble"].format(
        seller=words["party_intro"].format(party=view.seller.display_name, role=seller_role)
        + _acting(words, view.seller, language),
        buyer=words["party_intro"].format(party=view.buyer.display_name, role=buyer_role)
        + _acting(words, view.buyer, language))

    def money(value: Decimal) -> str:
        return format_money(value, view.currency, language)

    vat = [f"{row.label}." if row.exempt else f"{row.label}: {money(row.vat)}."
           for row in view.vat_breakdown]
    price = " ".join([words["price"].format(amount=money(view.grand_total),
                                            words=view.amount_in_words), *vat])
    contract = replace(
        view, kind="contract", number=number, issue_date=issue_date, due_date=None,
        valid_until=None, lines=tuple(replace(x, unit=printed_unit(x.unit, labels))
                                      for x in view.lines),
        qr_standard=None, qr_payload=None, qr_reason="not_an_invoice", qr_note="",
        purpose="", paid_amount=Decimal("0.00"), remaining=Decimal("0.00"),
        contract_form=form, starts_on=starts_on, ends_on=ends_on, place=place,
        seller_role=seller_role, buyer_role=buyer_role, preamble=preamble,
        subject_text=words[f"subject_{form}"], price_text=price,
        payment_terms=words["payment"].format(days=_days(words, payment_days, language)),
        term_text=words["term"].format(start=format_date(starts_on, language, long=True),
                                       end=format_date(ends_on, language, long=True)),
        buyer_signatory=Signatory(view.buyer.director_position or labels.position_hint,
                                  view.buyer.director))
    return replace(contract, signatory=signatory_of(contract))
