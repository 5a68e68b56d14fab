"""What a market asks an invoice to print beyond the common layout (issue 16): the Romanian
factură's mentions of art. 319 of the Codul fiscal, and what Moldova and Belarus need.

* «Seria … nr. …»: the series and the number in it, split from the number as issued when the
  pattern allows (`split_series`): the series is everything before the trailing digits, the
  number those digits ("DMO-2026-00001" → series "DMO-2026", number "00001"). Numbers are
  gapless per series (`services.numbering`), and the year is part of the series.
* The tax id of a Romanian VAT payer carries the «RO» prefix (CIF); a non-payer's is the bare
  CUI (`printed_party`).
* The county is printed by name from its ISO 3166-2 code ("RO-CJ" → «Cluj»).
* In another currency than the organization's, the VAT (and the totals) are also given in the
  organization's currency at the invoice's exchange rate (`local_rows`): each rate's base and
  VAT converted and rounded on their own, the totals their sums, so the rows add up.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Final

from services.documents.views import PartyView, VatLine
from services.money import round_money

#: Romania's counties (ISO 3166-2:RO) by code, and Bucharest.
RO_COUNTIES: Final = {
    "AB": "Alba", "AR": "Arad", "AG": "Argeș", "BC": "Bacău", "BH": "Bihor",
    "BN": "Bistrița-Năsăud", "BT": "Botoșani", "BV": "Brașov", "BR": "Brăila",
    "B": "București", "BZ": "Buzău", "CS": "Caraș-Severin", "CL": "Călărași", "CJ": "Cluj",
    "CT": "Constanța", "CV": "Covasna", "DB": "Dâmbovița", "DJ": "Dolj", "GL": "Galați",
    "GR": "Giurgiu", "GJ": "Gorj", "HR": "Harghita", "HD": "Hunedoara", "IL": "Ialomița",
    "IS": "Iași", "IF": "Ilfov", "MM": "Maramureș", "MH": "Mehedinți", "MS": "Mureș",
    "NT": "Neamț", "OT": "Olt", "PH": "Prahova", "SM": "Satu Mare", "SJ": "Sălaj",
    "SB": "Sibiu", "SV": "Suceava", "TR": "Teleorman", "TM": "Timiș", "TL": "Tulcea",
    "VS": "Vaslui", "VL": "Vâlcea", "VN": "Vrancea",
}
_TRAILING_NUMBER: Final = re.compile(r"^(?P<series>.*?[A-Za-z].*?)[\s/_.-]*(?P<number>\d+)$")


def split_series(number_text: str) -> tuple[str, str] | None:
    """("DMO-2026", "00001") for "DMO-2026-00001"; None when the text has no series (no
    letter before its trailing digits: "42", "2026-0001") or no trailing number."""
    match = _TRAILING_NUMBER.match(number_text.strip())
    if match is None:
        return None
    return match["series"].rstrip(" /_.-"), match["number"]


def county_name(region: str) -> str:
    """«Cluj» for "RO-CJ"; another country's code (or an unknown one) as it is."""
    country, _, code = region.partition("-")
    if country == "RO":
        return RO_COUNTIES.get(code, region)
    return region


def printed_party(party: PartyView) -> PartyView:
    """The party as the factură prints it: a Romanian VAT payer's CUI with the «RO» prefix."""
    if party.country != "RO" or not party.tax_id:
        return party
    bare = party.tax_id.upper().removeprefix("RO").strip()
    if party.vat_payer == "yes":
        return replace(party, tax_id=f"RO{bare}")
    return replace(party, tax_id=bare)


def local_rows(rows: tuple[VatLine, ...], rate: Decimal, currency: str
               ) -> tuple[tuple[VatLine, ...], Decimal, Decimal]:
    """The VAT rows converted at `rate` into `currency` (each base and VAT rounded on its
    own), their VAT total and their grand total (bases plus VAT)."""
    out = tuple(VatLine(r.label, round_money(r.base * rate, currency),
                        round_money(r.vat * rate, currency), r.exempt) for r in rows)
    vat = sum((r.vat for r in out), Decimal("0.00"))
    base = sum((r.base for r in out), Decimal("0.00"))
    return out, vat, base + vat
