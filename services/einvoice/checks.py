"""Refusals before an e-invoice is built: what the data lacks to make a VALID e-Factura
(CIUS-RO) or Factur-X (EN 16931), named so the user knows what to fill in.

Every refusal is ``InvalidInput(code, field=..., ...)``; the handlers' ``error_text`` turns
the code into a sentence in the reader's language. The codes:

* ``einvoice_seller_missing`` / ``einvoice_buyer_missing`` (``field``): a requisite the rules
  require: ``legal_name``, ``cui``, ``address`` (street, BR-RO-081/082), ``city``
  (BR-RO-091/092), ``region`` (the county code, BR-RO-110/111), ``iban`` (the seller's, for
  payment by transfer, BR-61), ``country``;
* ``einvoice_bad_region`` (``party``, ``value``): not an ISO 3166-2:RO county code;
* ``einvoice_bad_sector`` (``party``, ``value``): a Bucharest address whose city is not one of
  its six sectors (BR-RO-100/101);
* ``einvoice_seller_not_ro`` / ``einvoice_buyer_not_ro`` (``country``): e-Factura is Romania's
  system, between Romanian parties; an EU buyer invoiced in EUR gets Factur-X instead;
* ``einvoice_no_rate`` (``currency``): an invoice not in RON needs the exchange rate to RON
  (the VAT is reported in RON, BR-RO-030 / BT-111);
* ``einvoice_vat_not_payer`` (``line``): a seller not registered for VAT charging VAT;
* ``einvoice_reverse_charge_vat`` (``line``): reverse charge with a line carrying VAT;
* ``einvoice_no_exemption_reason``: lines "without VAT" need the legal reason (BR-E-10);
* ``einvoice_bad_exemption_code`` (``value``): not a VATEX code;
* ``einvoice_number_digit``: the number has no digit (BR-RO-010);
* ``einvoice_too_long`` (``field``, ``limit``): a text over the CIUS-RO length limit;
* ``einvoice_vat_rounding`` (``rate``, ``difference``, raised by the builder after pricing):
  the sum of rounded line VATs of a rate is 1.00 or more away from the rate's VAT on its
  total (BR-S-09), which only hundreds of tiny lines do; the "on_total" tax mode has none;
* ``einvoice_no_original``: a credit note without the credited invoice's number and date;
* ``facturx_not_eur`` (``currency``) / ``facturx_buyer_not_eu`` (``country``): Factur-X is
  made here for an EU buyer invoiced in EUR.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Final

from services.documents.views import PartyView
from services.errors import InvalidInput
from services.pricing import LineInput

RO_COUNTIES: Final = frozenset({
    "RO-AB", "RO-AG", "RO-AR", "RO-B", "RO-BC", "RO-BH", "RO-BN", "RO-BR", "RO-BT", "RO-BV",
    "RO-BZ", "RO-CJ", "RO-CL", "RO-CS", "RO-CT", "RO-CV", "RO-DB", "RO-DJ", "RO-GJ", "RO-GL",
    "RO-GR", "RO-HD", "RO-HR", "RO-IF", "RO-IL", "RO-IS", "RO-MH", "RO-MM", "RO-MS", "RO-NT",
    "RO-OT", "RO-PH", "RO-SB", "RO-SJ", "RO-SM", "RO-SV", "RO-TL", "RO-TM", "RO-TR", "RO-VL",
    "RO-VN", "RO-VS",
})
#: EU member states (ISO 3166 alpha-2; Greece's VAT prefix is EL, its country code GR).
EU_COUNTRIES: Final = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
#: VATEX codes we accept for exempt lines (EN 16931 code list, CEF VATEX).
VATEX_EXEMPT: Final = frozenset({
    "VATEX-EU-79-C", "VATEX-EU-132", "VATEX-EU-143", "VATEX-EU-148", "VATEX-EU-151",
    "VATEX-EU-309", "VATEX-EU-D", "VATEX-EU-F", "VATEX-EU-G", "VATEX-EU-I", "VATEX-EU-J",
    "VATEX-EU-IC",
})
# CIUS-RO length limits (BR-RO-L*): names 200, street 150, city 50, postal code 20, item
# name 100, a note 300.
LIMITS: Final = {"name": 200, "street": 150, "city": 50, "postal_code": 20, "line": 100,
                 "notes": 300}
#: BR-RO-A020 allows 20 notes; the builder adds up to 4 of its own.
MAX_NOTES: Final = 16
_SECTOR = re.compile(r"(?i)^\s*(?:municipiul\s+)?(?:bucure[sș]ti\s*[,-]?\s*)?sector(?:ul)?\s*"
                     r"([1-6])\s*$")


def country_of(party: PartyView) -> str:
    return party.country.strip().upper()


def region_code(party: PartyView) -> str:
    """ISO 3166-2 of the party's region: "RO-B" as stored, or "B" / "cj" completed with the
    country ("RO-B", "RO-CJ")."""
    region = party.region.strip().upper()
    country = country_of(party)
    if region and country and "-" not in region:
        return f"{country}-{region}"
    return region


def bare_tax_id(party: PartyView) -> str:
    """The tax number without spaces and without a country prefix: "RO 123" -> "123"."""
    value = re.sub(r"[\s.\-]", "", party.tax_id).upper()
    country = country_of(party)
    for prefix in {country, "EL" if country == "GR" else country, "RO"}:
        if prefix and value.startswith(prefix) and value[len(prefix):].isalnum():
            return value[len(prefix):]
    return value


def pays_vat(party: PartyView, charges_vat: bool = False) -> bool:
    """Registered for VAT: "yes"; "no" is no; unknown ("") reads the tax id's country prefix
    («RO» before a CUI is only written for VAT payers) or, for a seller, whether it charges
    VAT on the document."""
    flag = party.vat_payer.strip().lower()
    if flag in ("yes", "no"):
        return flag == "yes"
    prefix = party.tax_id.strip().upper()[:2]
    return (prefix.isalpha() and len(prefix) == 2) or charges_vat


def bucharest_sector(city: str) -> str | None:
    """ "Sector 3", "sectorul 3", "București, Sector 3", "SECTOR3" -> "SECTOR3"; else None."""
    m = _SECTOR.match(city)
    return f"SECTOR{m.group(1)}" if m else None


def _require(party: PartyView, who: str, *, iban: bool) -> None:
    code = f"einvoice_{who}_missing"
    if not party.display_name.strip():
        raise InvalidInput(code, field="legal_name")
    if not bare_tax_id(party):
        raise InvalidInput(code, field="cui" if country_of(party) == "RO" else "tax_id")
    if not party.address.strip():
        raise InvalidInput(code, field="address")
    if not party.city.strip():
        raise InvalidInput(code, field="city")
    if not country_of(party):
        raise InvalidInput(code, field="country")
    if iban and not party.iban.strip():
        raise InvalidInput(code, field="iban")


def _limits(party: PartyView, who: str) -> None:
    for field, value, limit in (
        ("legal_name", party.display_name, LIMITS["name"]),
        ("address", party.address, LIMITS["street"]),
        ("city", party.city, LIMITS["city"]),
        ("postal_code", party.postal_code, LIMITS["postal_code"]),
    ):
        if len(" ".join(value.split())) > limit:
            raise InvalidInput("einvoice_too_long", field=field, limit=limit, party=who)


def _region(party: PartyView, who: str) -> None:
    region = region_code(party)
    if not region:
        raise InvalidInput(f"einvoice_{who}_missing", field="region")
    if region not in RO_COUNTIES:
        raise InvalidInput("einvoice_bad_region", party=who, value=party.region)
    if region == "RO-B" and bucharest_sector(party.city) is None:
        raise InvalidInput("einvoice_bad_sector", party=who, value=party.city)


def _vat_lines(
    lines: Sequence[LineInput], *, seller_pays: bool, reverse_charge: bool,
    exemption_reason: str, exemption_code: str | None,
) -> None:
    for i, line in enumerate(lines):
        charged = not isinstance(line.vat_rate, str) and line.vat_rate != 0
        if charged and not seller_pays:
            raise InvalidInput("einvoice_vat_not_payer", line=i + 1)
        if charged and reverse_charge:
            raise InvalidInput("einvoice_reverse_charge_vat", line=i + 1)
        if len(" ".join(line.name.split())) > LIMITS["line"]:
            raise InvalidInput("einvoice_too_long", field="line", limit=LIMITS["line"],
                               line=i + 1)
    exempt = any(isinstance(line.vat_rate, str) for line in lines)
    if exempt and seller_pays and not reverse_charge and not exemption_reason.strip():
        raise InvalidInput("einvoice_no_exemption_reason")
    if exemption_code is not None and exemption_code not in VATEX_EXEMPT:
        raise InvalidInput("einvoice_bad_exemption_code", value=exemption_code)


def check_efactura(
    *,
    seller: PartyView,
    buyer: PartyView,
    lines: Sequence[LineInput],
    currency: str,
    number: str,
    exchange_rate: Decimal | None,
    reverse_charge: bool,
    vat_exemption_reason: str,
    vat_exemption_code: str | None,
    original: tuple[str, date] | None,
    kind: str,
    notes: Sequence[str],
) -> None:
    """Raise ``InvalidInput`` naming the first thing that keeps this data from making an
    e-Factura that passes CIUS-RO; return None when it can."""
    if country_of(seller) != "RO":
        raise InvalidInput("einvoice_seller_not_ro", country=country_of(seller) or "?")
    if country_of(buyer) and country_of(buyer) != "RO":
        raise InvalidInput("einvoice_buyer_not_ro", country=country_of(buyer))
    _require(seller, "seller", iban=True)
    _require(buyer, "buyer", iban=False)
    _region(seller, "seller")
    _region(buyer, "buyer")
    _limits(seller, "seller")
    _limits(buyer, "buyer")
    if not any(ch.isdigit() for ch in number):
        raise InvalidInput("einvoice_number_digit")
    if len(number) > 200:
        raise InvalidInput("einvoice_too_long", field="doc_number", limit=200)
    if currency != "RON" and (exchange_rate is None or exchange_rate <= 0):
        raise InvalidInput("einvoice_no_rate", currency=currency)
    if kind == "credit_note" and (original is None or not original[0].strip()):
        raise InvalidInput("einvoice_no_original")
    for note in notes:
        if len(" ".join(note.split())) > LIMITS["notes"]:
            raise InvalidInput("einvoice_too_long", field="text", limit=LIMITS["notes"])
    if len(notes) > MAX_NOTES:
        raise InvalidInput("einvoice_too_long", field="text", limit=MAX_NOTES * LIMITS["notes"])
    charges = any(not isinstance(x.vat_rate, str) and x.vat_rate != 0 for x in lines)
    _vat_lines(lines, seller_pays=pays_vat(seller, charges), reverse_charge=reverse_charge,
               exemption_reason=vat_exemption_reason, exemption_code=vat_exemption_code)


def check_facturx(
    *,
    seller: PartyView,
    buyer: PartyView,
    lines: Sequence[LineInput],
    currency: str,
    reverse_charge: bool,
    vat_exemption_reason: str,
    vat_exemption_code: str | None,
    original: tuple[str, date] | None,
    kind: str,
) -> None:
    """The same for Factur-X (EN 16931 profile): an EU buyer invoiced in EUR."""
    if currency != "EUR":
        raise InvalidInput("facturx_not_eur", currency=currency)
    if country_of(buyer) not in EU_COUNTRIES:
        raise InvalidInput("facturx_buyer_not_eu", country=country_of(buyer) or "?")
    _require(seller, "seller", iban=True)
    _require(buyer, "buyer", iban=False)
    if kind == "credit_note" and (original is None or not original[0].strip()):
        raise InvalidInput("einvoice_no_original")
    charges = any(not isinstance(x.vat_rate, str) and x.vat_rate != 0 for x in lines)
    _vat_lines(lines, seller_pays=pays_vat(seller, charges), reverse_charge=reverse_charge,
               exemption_reason=vat_exemption_reason, exemption_code=vat_exemption_code)
