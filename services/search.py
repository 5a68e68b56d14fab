"""Search across companies, contacts, leads, deals, invoices, quotes, credit notes and payments
the actor may see.

One typed text is read every way it can be: an e-mail (exact, lower-cased), a phone in any
format (exact E.164), a tax id (exact, separators and labels removed, "RO" dropped), a bank
account or IBAN (exact, spaces removed, upper case), a name prefix (the shared search form of
names, `normalize_name`), a document number in any spelling the payment matcher reads
("СЧ-2026-00042", "сч 42", "inv2026/42", "№42"; `services.matching.references`) or bare, an
amount as people type it ("882694,40", "882 694", "882 694 р.": `services.money`) and a payment
order number. Each reading is an exact or range lookup on an indexed column, so a search costs
a few index probes whatever the table sizes. A manager finds only their own records (a payment
is theirs when they recorded it, it is allocated to their invoice or its client is theirs);
heads and admins find everyone's.

Archived records (an archived or merged client, an archived contact, a lost deal, a junk lead)
are left out unless the query starts with the archive word ("архив Ромашка", "archive …",
"arhivă …"): then they are found too, marked archived.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, Protocol

from services.contacts_norm import EmailError, normalize_email, normalize_name, phone_search_key
from services.errors import Forbidden, InvalidInput
from services.kernel import UnitOfWork, UowFactory
from services.matching.normalize import _fold_prefix, _norm_text
from services.matching.references import _extract_references
from services.money import AmountError, parse_amount
from services.requisites import detect_tax_id
from services.users import Actor

MIN_QUERY = 2
MAX_QUERY = 100
PER_KIND = 10
MAX_NUMBER = 999_999_999  # nine digits, as the matcher reads them


class HitKind(StrEnum):
    COMPANY = "company"
    CONTACT = "contact"
    LEAD = "lead"
    DEAL = "deal"
    INVOICE = "invoice"
    QUOTE = "quote"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"


@dataclass(frozen=True, slots=True)
class NumberRef:
    """A document number read from the query; `prefix` is folded (`_fold_prefix`)."""

    number: int
    prefix: str | None = None
    year: int | None = None

    def fits(self, prefix: str | None, year: int | None) -> bool:
        """Whether a document of the series (`prefix`, `year`) can carry this reference."""
        if self.prefix is not None and _fold_prefix((prefix or "").strip()) != self.prefix:
            return False
        return self.year is None or self.year == year


@dataclass(frozen=True, slots=True)
class SearchKeys:
    """The readings of one query; None (or empty) where the text cannot be read that way.

    `amount` is an inclusive range of minor units: exact for "882694,40", the whole unit for
    "882 694" (882 694,00 … 882 694,99)."""

    name_prefix: str | None
    phone: str | None
    email: str | None
    tax_ids: tuple[str, ...]
    numbers: tuple[NumberRef, ...] = ()
    amount: tuple[int, int] | None = None
    doc_numbers: tuple[str, ...] = ()
    account: str | None = None
    archived: bool = False

    @property
    def empty(self) -> bool:
        return not (self.name_prefix or self.phone or self.email or self.tax_ids
                    or self.numbers or self.amount or self.doc_numbers or self.account)


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: HitKind
    id: int
    owner_id: int
    name: str
    phone: str | None = None
    email: str | None = None
    tax_id: str | None = None
    company_id: int | None = None
    company_name: str | None = None
    status: str | None = None
    archived: bool = False
    # documents and payments
    number: str | None = None  # the document's number as printed, a payment order's number
    amount_minor: int | None = None
    currency: str | None = None
    on: date | None = None  # issued (a payment: received)
    invoice_id: int | None = None  # the invoice that opens (a payment's, a credit note's)
    invoice_number: str | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    keys: SearchKeys
    hits: Sequence[SearchHit]


_TAX_LABEL = re.compile(r"^(?:ИНН|INN|УНП|UNP|IDNO|CUI|CIF|RO)[:№#]?", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015./]+")
_TAX_SHAPE = re.compile(r"[0-9]{6,15}|[A-Z]{2}[0-9]{7}")
_PHONE_SHAPE = re.compile(r"\+?[0-9\s()\-\u2010-\u2015./]+")
_MIN_PHONE_DIGITS = 7

# "архив Ромашка": archived records too. The word must be followed by the query.
_ARCHIVE_WORD: Final = re.compile(r"^(?:архив|archive|archived|arhiv[aă])\s+(?=\S)",
                                  re.IGNORECASE)
# Bank accounts: an IBAN (2 letters, 2 check digits, 11-30 letters or digits) or a 20-digit
# Russian/Belarusian account, maybe labelled ("IBAN", "р/с", "счёт").
_ACCOUNT_LABEL: Final = re.compile(
    r"^(?:iban|р\s*/\s*сч?|расч[её]тный\s+сч[её]т|сч[её]т|account|cont)[\s:№#.]*",
    re.IGNORECASE)
_ACCOUNT_SHAPE: Final = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}|[0-9]{20}")
# Amounts: digits with the separators people type, then maybe a currency.
_CURRENCY_TAIL: Final = re.compile(
    r"\s*(?:руб(?:лей|ля|ль)?\.?|р\.?|₽|rub|rur|lei|leu|mdl|ron|eur|€|byn|usd|\$)$",
    re.IGNORECASE)
_AMOUNT_SHAPE: Final = re.compile(r"[0-9][0-9 \u00a0\u202f\u2009.,]*")
# A number the matcher would not read alone but a search box should: "42", "№ 00042", and a
# known series prefix without a year ("КП-7").
_BARE_NUMBER: Final = re.compile(r"[№#]?\s*([0-9]{1,9})")
_PREFIX_NUMBER: Final = re.compile(r"([^\W\d_]{1,10})[\s\-_/.#№:]*([0-9]{1,9})")
# Payment orders: "п/п 15", "платёжка № 15", "ПКО-1".
_ORDER_LABEL: Final = re.compile(
    r"^(?:п\s*/\s*п|пп|платежн\w*\s+поручени\w*|платежк\w*|платёжк\w*|payment\s+order|"
    r"ordin\s+de\s+plat[aă])[\s:№#.]*", re.IGNORECASE)
_ORDER_SHAPE: Final = re.compile(r"[\w\-/]{1,64}")


def archive_query(text: str) -> tuple[str, bool]:
    """(the query without the archive word, whether it was there)."""
    query = " ".join(text.split())
    match = _ARCHIVE_WORD.match(query)
    return (query[match.end():], True) if match else (query, False)


def account_key(query: str) -> str | None:
    """The comparable form of a bank account or IBAN typed any way, or None."""
    body = _ACCOUNT_LABEL.sub("", query.strip(), count=1)
    compact = re.sub(r"[\s\-.]+", "", body).upper()
    return compact if _ACCOUNT_SHAPE.fullmatch(compact) else None


def amount_range(query: str) -> tuple[int, int] | None:
    """Minor units (all supported currencies have two decimals) of an amount typed any way:
    exact when decimals are typed, the whole unit (N,00 … N,99) when not; None if no amount."""
    body = _CURRENCY_TAIL.sub("", query.strip()).strip()
    if not _AMOUNT_SHAPE.fullmatch(body):
        return None
    try:
        value = parse_amount(body)
    except AmountError:
        return None
    if value <= 0:
        return None
    minor = int(value * 100)
    if re.search(r"[.,][0-9]{1,2}$", body):
        return minor, minor
    return minor, minor + 99


class _Nothing:
    """No invoice number is "known": "41,42" is not read as a list (it may be an amount)."""

    def __contains__(self, item: object) -> bool:
        return False


def number_refs(query: str, prefixes: Container[str]) -> tuple[NumberRef, ...]:
    """Document numbers in `query`, read as the payment matcher reads a purpose (known series
    `prefixes` folded), plus a bare number or a known prefix without a year."""
    refs = [NumberRef(r.number, r.prefix, r.year)
            for r in _extract_references(query, prefixes, _Nothing())]
    if not refs:
        text = _norm_text(query).strip()
        bare = _BARE_NUMBER.fullmatch(text)
        prefixed = _PREFIX_NUMBER.fullmatch(text)
        if bare:
            refs.append(NumberRef(int(bare.group(1))))
        elif prefixed and _fold_prefix(prefixed.group(1)) in prefixes:
            refs.append(NumberRef(int(prefixed.group(2)), _fold_prefix(prefixed.group(1))))
    return tuple(dict.fromkeys(r for r in refs if 0 < r.number <= MAX_NUMBER))


def order_numbers(query: str) -> tuple[str, ...]:
    """A payment order's number as typed (and upper-cased): "15", "п/п 15", "ПКО-1"."""
    body = _ORDER_LABEL.sub("", query.strip(), count=1).lstrip("№# ")
    # Digits only, or letters and digits ("ПКО-1"); "12-34" is no number anyone writes.
    if not _ORDER_SHAPE.fullmatch(body) or not any(c.isdigit() for c in body) or (
            not body.isdigit() and not any(c.isalpha() for c in body)):
        return ()
    return tuple(dict.fromkeys((body, body.upper())))


def search_keys(text: str, default_region: str, prefixes: Container[str] = frozenset()
                ) -> SearchKeys:
    """How `text` can be looked up (`prefixes`: the folded series prefixes that exist).
    Pure: no database, no actor."""
    query, archived = archive_query(text)
    email: str | None = None
    if "@" in query:
        try:
            email = normalize_email(query)
        except EmailError:
            email = None
    phone: str | None = None
    digits = sum(c.isdigit() for c in query)
    if _PHONE_SHAPE.fullmatch(query) and digits >= _MIN_PHONE_DIGITS:
        phone = phone_search_key(query, default_region)
    tax_ids: list[str] = [t.value for t in detect_tax_id(query)]
    compact = _TAX_LABEL.sub("", _SEPARATORS.sub("", query).upper(), count=1)
    if _TAX_SHAPE.fullmatch(compact) and compact not in tax_ids:
        tax_ids.append(compact)  # stored ids were checked on the way in; a typo simply misses
    name = normalize_name(query)
    # "ИНН 7707083893" or "RO 18547290" is a tax id, not a name starting with "инн"/"ro".
    has_letter = any(c.isalpha() for c in _TAX_LABEL.sub("", query.upper(), count=1))
    name_prefix = name if has_letter and email is None and len(name) >= MIN_QUERY else None
    return SearchKeys(name_prefix=name_prefix, phone=phone, email=email,
                      tax_ids=tuple(dict.fromkeys(tax_ids)),
                      numbers=number_refs(query, prefixes) if digits else (),
                      amount=amount_range(query) if digits else None,
                      doc_numbers=order_numbers(query) if digits else (),
                      account=account_key(query) if digits >= 10 else None,
                      archived=archived)


class SearchRepository(Protocol):
    async def series_prefixes(self) -> frozenset[str]:
        """The prefixes of every number series, folded (`_fold_prefix`)."""
        ...

    async def find(self, keys: SearchKeys, owner_id: int | None, limit: int
                   ) -> Sequence[SearchHit]:
        """Records matching any key, at most `limit` per kind, owned by `owner_id` (None =
        any owner), archived ones only if `keys.archived`: companies, then contacts, leads,
        deals (each by name within a kind), invoices, quotes, credit notes, payments (newest
        first); a payment of `owner_id` is one they recorded, allocated to their invoice or
        of their client."""
        ...


class SearchUnitOfWork(UnitOfWork, Protocol):
    @property
    def search(self) -> SearchRepository: ...


class SearchService:
    """Finds records by name prefix, phone, e-mail, tax id, account, document number, amount
    or payment order number within the actor's scope.

    Invariants: a manager's results hold only records they own (owner_scope); customers may not
    search at all; archived records only when asked for; a query shorter than MIN_QUERY
    characters or unreadable every way is InvalidInput, never a full scan."""

    def __init__(self, uow: UowFactory[SearchUnitOfWork], default_region: str = "RU",
                 per_kind: int = PER_KIND) -> None:
        self._uow = uow
        self._region = default_region
        self._per_kind = per_kind

    def keys(self, text: str, prefixes: Container[str] = frozenset()) -> SearchKeys:
        query, _ = archive_query(text)
        if len(query) < MIN_QUERY:
            raise InvalidInput("query_too_short", field="query", limit=MIN_QUERY)
        if len(query) > MAX_QUERY:
            raise InvalidInput("too_long", field="query", limit=MAX_QUERY)
        keys = search_keys(text, self._region, prefixes)
        if keys.empty:
            raise InvalidInput("query_unreadable", field="query")
        return keys

    async def search(self, actor: Actor, text: str, archived: bool = False) -> SearchResult:
        """`archived`: find archived records too (as the archive word does)."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            keys = self.keys(text, await uow.search.series_prefixes())
            if archived and not keys.archived:
                keys = _with_archived(keys)
            hits = await uow.search.find(keys, actor.owner_scope(), self._per_kind)
        return SearchResult(keys=keys, hits=list(hits))


def _with_archived(keys: SearchKeys) -> SearchKeys:
    return SearchKeys(keys.name_prefix, keys.phone, keys.email, keys.tax_ids, keys.numbers,
                      keys.amount, keys.doc_numbers, keys.account, archived=True)
