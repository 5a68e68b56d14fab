"""Search across companies, contacts, leads and deals the actor may see.

One typed text is read every way it can be: an e-mail (exact, lower-cased), a phone in any
format (exact E.164), a tax id (exact, separators and labels removed, "RO" dropped) and a name
prefix (the shared search form of names, `normalize_name`). Each reading is an exact or prefix
lookup on an indexed column, so a search costs a few index probes whatever the table sizes.
A manager finds only their own records; heads and admins find everyone's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from services.contacts_norm import EmailError, normalize_email, normalize_name, phone_search_key
from services.errors import Forbidden, InvalidInput
from services.kernel import UnitOfWork, UowFactory
from services.requisites import detect_tax_id
from services.users import Actor

MIN_QUERY = 2
MAX_QUERY = 100
PER_KIND = 10


class HitKind(StrEnum):
    COMPANY = "company"
    CONTACT = "contact"
    LEAD = "lead"
    DEAL = "deal"


@dataclass(frozen=True, slots=True)
class SearchKeys:
    """The readings of one query; None where the text cannot be read that way."""

    name_prefix: str | None
    phone: str | None
    email: str | None
    tax_ids: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.name_prefix or self.phone or self.email or self.tax_ids)


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


@dataclass(frozen=True, slots=True)
class SearchResult:
    keys: SearchKeys
    hits: Sequence[SearchHit]


_TAX_LABEL = re.compile(r"^(?:ИНН|INN|УНП|UNP|IDNO|CUI|CIF|RO)[:№#]?", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015./]+")
_TAX_SHAPE = re.compile(r"[0-9]{6,15}|[A-Z]{2}[0-9]{7}")
_PHONE_SHAPE = re.compile(r"\+?[0-9\s()\-\u2010-\u2015./]+")
_MIN_PHONE_DIGITS = 7


def search_keys(text: str, default_region: str) -> SearchKeys:
    """How `text` can be looked up. Pure: no database, no actor."""
    query = " ".join(text.split())
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
                      tax_ids=tuple(dict.fromkeys(tax_ids)))


class SearchRepository(Protocol):
    async def find(self, keys: SearchKeys, owner_id: int | None, limit: int
                   ) -> Sequence[SearchHit]:
        """Records matching any key, at most `limit` per kind, owned by `owner_id` (None =
        any owner): companies, then contacts, leads, deals; each by name within a kind."""
        ...


class SearchUnitOfWork(UnitOfWork, Protocol):
    @property
    def search(self) -> SearchRepository: ...


class SearchService:
    """Finds records by name prefix, phone, e-mail or tax id within the actor's scope.

    Invariants: a manager's results hold only records they own (owner_scope); customers may not
    search at all; a query shorter than MIN_QUERY characters or unreadable every way is
    InvalidInput, never a full scan."""

    def __init__(self, uow: UowFactory[SearchUnitOfWork], default_region: str = "RU",
                 per_kind: int = PER_KIND) -> None:
        self._uow = uow
        self._region = default_region
        self._per_kind = per_kind

    def keys(self, text: str) -> SearchKeys:
        query = " ".join(text.split())
        if len(query) < MIN_QUERY:
            raise InvalidInput("query_too_short", field="query", limit=MIN_QUERY)
        if len(query) > MAX_QUERY:
            raise InvalidInput("too_long", field="query", limit=MAX_QUERY)
        keys = search_keys(query, self._region)
        if keys.empty:
            raise InvalidInput("query_unreadable", field="query")
        return keys

    async def search(self, actor: Actor, text: str) -> SearchResult:
        if not actor.is_staff:
            raise Forbidden()
        keys = self.keys(text)
        async with self._uow(readonly=True) as uow:
            hits = await uow.search.find(keys, actor.owner_scope(), self._per_kind)
        return SearchResult(keys=keys, hits=list(hits))
