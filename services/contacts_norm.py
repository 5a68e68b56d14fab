"""Normalization of contact data: phone numbers (E.164), e-mail addresses and names for search.

Phones are parsed with phonenumbers against the manager's default region, so "8 912 345 67 89"
is Russian under RU and "0721 234 567" Romanian under RO; a number from another country typed
without its "+code" is "invalid" rather than silently moved into the default region.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from services.text import normalize_typed

# Characters people put into phone numbers; anything else (letters, "доб.", "ext") is not a
# number we can store as E.164, which has no room for an extension.
_PHONE_CHARS = re.compile(r"[0-9\s()+\-\u2010-\u2015./]+")


class PhoneError(ValueError):
    """`code`: "not_a_number" (not shaped like a phone) or "invalid" (no such number)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        if self.code == "not_a_number":
            return "not a phone number [not_a_number]"
        return "not a valid phone number for its country [invalid]"


class EmailError(ValueError):
    """`code`: "format" (not one "@" between two parts), "local_part", "domain" or "length"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        messages = {
            "format": "not an e-mail address",
            "local_part": "the part before @ has characters not allowed",
            "domain": "the domain is not a valid host name",
            "length": "the address is too long",
        }
        return f"{messages.get(self.code, self.code)} [{self.code}]"


def normalize_phone(text: str, default_region: str) -> str:
    """The number in E.164 ("+79123456789"). `default_region` is an ISO 3166 code ("RU")
    used when the number has no "+country code"; the RU trunk "8" and IDD "8 10" work."""
    region = default_region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown phone region {default_region!r}")
    stripped = text.strip()
    if not _PHONE_CHARS.fullmatch(stripped) or not any(c.isdigit() for c in stripped):
        raise PhoneError("not_a_number")
    try:
        number = phonenumbers.parse(stripped, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.NOT_A_NUMBER:
            raise PhoneError("not_a_number") from None
        raise PhoneError("invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("invalid")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_search_key(text: str, default_region: str) -> str | None:
    """E.164 of a phone typed in any format, or None when the text is not a valid phone."""
    try:
        return normalize_phone(text, default_region)
    except PhoneError:
        return None


# RFC 5322 dot-atom for the local part, ASCII only: many mail servers still refuse SMTPUTF8.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DNS_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def normalize_email(text: str) -> str:
    """A syntactically valid address, lower-cased, with an internationalized domain kept in
    Unicode ("info@пример.рф"; "xn--e1afmkfd.xn--p1ai" is decoded to the same form), so one
    mailbox has one spelling. Accepts "mailto:" and "<...>" wrappers."""
    address = text.strip()
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :]
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1]
    address = unicodedata.normalize("NFC", address.strip())
    if address.count("@") != 1 or any(c.isspace() for c in address):
        raise EmailError("format")
    local, domain = address.split("@")
    if not local or not domain:
        raise EmailError("format")
    if not _LOCAL_PART.fullmatch(local):
        raise EmailError("local_part")
    ascii_domain = _ascii_domain(domain.rstrip(".").lower())
    if len(local) > 64 or len(local) + 1 + len(ascii_domain) > 254:
        raise EmailError("length")
    try:
        unicode_domain = ascii_domain.encode("ascii").decode("idna")
    except UnicodeError:  # a malformed "xn--" label
        raise EmailError("domain") from None
    return f"{local.lower()}@{unicode_domain}"


def _ascii_domain(domain: str) -> str:
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:  # stdlib codec: IDNA 2003 nameprep, empty or over-long labels
        raise EmailError("domain") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        raise EmailError("domain")
    if labels[-1].isdigit():  # "user@1.2.3.4" is an IP address, not a host name
        raise EmailError("domain")
    return ascii_domain


def normalize_name(text: str) -> str:
    """Search form of a person's or company's name: case-folded, "ё" read as "е", Latin
    diacritics dropped ("Ștefan", "Ştefan" and "Stefan" meet, as Romanians often type without
    them) while Cyrillic letters keep theirs ("й" stays "й"), spaces collapsed, invisible
    characters (zero-width, bidi controls: services.text) gone."""
    folded = unicodedata.normalize("NFKC", normalize_typed(text)).casefold().replace("ё", "е")
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", folded):
        if unicodedata.combining(char) and kept and "a" <= kept[-1] <= "z":
            continue
        kept.append(char)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())
