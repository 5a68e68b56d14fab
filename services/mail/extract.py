"""What a stranger's message tells about them, for a pre-filled lead: the name and e-mail
from the headers, a phone found in the text (phonenumbers: valid numbers only), the company
from a signature line with a legal form or else from the address's domain (not a free mail
provider's), and a tax id found in the text only when its checksum holds (python-stdnum)."""

from __future__ import annotations

import re
from typing import Final

import phonenumbers

from services.mail.model import ParsedMail, SenderFacts
from services.requisites import TaxId, detect_tax_id
from services.text import normalize_typed

FREE_MAIL: Final = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.ro", "yahoo.co.uk", "outlook.com",
    "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "aol.com", "gmx.com",
    "gmx.net", "gmx.de", "proton.me", "protonmail.com", "mail.ru", "bk.ru", "list.ru",
    "inbox.ru", "internet.ru", "yandex.ru", "ya.ru", "yandex.com", "rambler.ru", "tut.by",
    "mail.md", "mail.com", "zoho.com",
})
# The country a domain's tax ids and phones most likely belong to.
TLD_COUNTRY: Final = {"ro": "RO", "ru": "RU", "md": "MD", "by": "BY"}
PHONE_REGIONS: Final = ("RO", "RU", "MD", "BY")
# A signature line naming a company: a legal form as a word of its own.
_LEGAL_FORM = re.compile(
    r"(?<![\w.])(?:S\.?R\.?L\.?|S\.?A\.?|S\.?C\.?|P\.?F\.?A\.?|Î\.?I\.?|I\.?I\.?|"
    r"ООО|ОАО|ЗАО|ПАО|АО|ИП|ЧУП|ОДО|LLC|Ltd\.?|GmbH|Inc\.?)(?![\w])")
_TAX_CANDIDATE = re.compile(
    r"(?:(?:ИНН|УНП|IDNO|CUI|CIF|C\.U\.I\.|C\.I\.F\.|cod fiscal)\s*[:№#]?\s*)?"
    r"(?:RO\s?)?\d[\d ]{5,14}\d", re.IGNORECASE)
_NAME_MAX: Final = 200


def _country_of(addr: str) -> str | None:
    return TLD_COUNTRY.get(addr.rpartition(".")[2].lower())


def find_phone(text: str, region: str, preferred: str | None) -> str | None:
    """The first valid phone number in the text, E.164; numbers without a country code are
    read in the domain's country, then the configured region."""
    regions = [r for r in (preferred, region) if r] or list(PHONE_REGIONS)
    for reg in dict.fromkeys(regions):
        for match in phonenumbers.PhoneNumberMatcher(text[:20000], reg):
            if phonenumbers.is_valid_number(match.number):
                return phonenumbers.format_number(match.number,
                                                  phonenumbers.PhoneNumberFormat.E164)
    return None


def find_tax_id(text: str, preferred: str | None) -> TaxId | None:
    """The first checksum-valid company tax id in the text: a labelled one ("CUI RO18547290",
    "ИНН 7707083893") first, then a bare number on a line of its own in the domain's country.
    Phones and amounts fail the checksums, numbers amid words are not taken."""
    bare: list[TaxId] = []
    for match in _TAX_CANDIDATE.finditer(text[:20000]):
        token = match.group(0)
        labelled = not token[0].isdigit()
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line = text[line_start:None if line_end < 0 else line_end].strip()
        if not labelled and line != token.strip():
            continue  # a bare number amid words is an order, an amount, a date: not an id
        found = detect_tax_id(token.replace("№", " ").replace("#", " "))
        for tax in found:
            if labelled:
                return tax
            bare.append(tax)
    return next((tax for tax in bare if tax.country == preferred), None)


def find_company(text: str, domain: str) -> str | None:
    """A signature line with a legal form ("SC Alfa Construct SRL", "ООО «Ромашка»"), else
    the domain's name ("alfa-construct.ro" → "Alfa-construct") unless it is free mail."""
    for line in reversed(text.splitlines()[-25:]):
        line = normalize_typed(line)
        if 3 <= len(line) <= 120 and _LEGAL_FORM.search(line) and "@" not in line:
            return line[:_NAME_MAX]
    if domain and domain not in FREE_MAIL:
        labels = domain.split(".")
        name = labels[-2] if len(labels) >= 2 else labels[0]
        return name[:1].upper() + name[1:] if name else None
    return None


def sender_facts(mail: ParsedMail, region: str) -> SenderFacts:
    domain = mail.from_addr.rpartition("@")[2]
    preferred = _country_of(domain)
    tax = find_tax_id(mail.text, preferred)
    return SenderFacts(
        name=mail.from_name[:_NAME_MAX] or mail.from_addr.partition("@")[0][:_NAME_MAX],
        email=mail.from_addr,
        phone=find_phone(mail.text, region, preferred),
        company=find_company(mail.text, domain),
        country=tax.country if tax else preferred,
        tax_id=tax.value if tax else None,
        vat_payer=tax.vat_payer if tax else None,
    )
