"""Search lookups: one small indexed SELECT per (table, key), glued with UNION ALL so a search
is one round trip.

Name prefixes are ranges, `name_norm >= p AND name_norm < next(p)`, never LIKE: SQLite's LIKE
is case-insensitive and skips the index, and a PostgreSQL LIKE with a bound parameter cannot
use one in a generic plan. On PostgreSQL the range uses the byte-wise `~>=~`/`~<~` operators
and `text_pattern_ops` indexes (migration 0002), so the result does not depend on the
database's collation; SQLite compares BINARY, which is code point order for UTF-8 too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.search import HitKind, SearchHit, SearchKeys
from storage import models as m

_MAX_CHAR = 0x10FFFF


def next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (code point
    order). Surrogates are skipped, since they cannot be encoded."""
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000
        if code <= _MAX_CHAR:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return chr(_MAX_CHAR)


def _prefix(column: Any, dialect: str) -> ColumnElement[bool]:
    lower, upper = bindparam("prefix", type_=String), bindparam("upper", type_=String)
    if dialect == "postgresql":
        return column.op("~>=~", is_comparison=True)(lower) & column.op(
            "~<~", is_comparison=True)(upper)
    return (column >= lower) & (column < upper)


def _columns(kind: HitKind) -> list[Any]:
    """The same labelled columns for every table (UNION ALL needs one shape)."""
    txt = cast(null(), String)
    num = cast(null(), BigInteger)
    if kind == HitKind.COMPANY:
        c: Any = m.Company
        return [literal(kind.value).label("kind"), c.id, c.owner_id, c.name.label("name"),
                c.phone, c.email, c.tax_id, num.label("company_id"),
                txt.label("company_name"), txt.label("status"), c.name_norm.label("sort")]
    if kind == HitKind.CONTACT:
        c = m.Contact
        company = (select(m.Company.name).where(m.Company.id == c.company_id)
                   .scalar_subquery())
        return [literal(kind.value).label("kind"), c.id, c.owner_id, c.name.label("name"),
                c.phone, c.email, txt.label("tax_id"), c.company_id,
                company.label("company_name"), txt.label("status"), c.name_norm.label("sort")]
    if kind == HitKind.LEAD:
        c = m.Lead
        name = func.coalesce(func.nullif(c.contact_name, ""), c.company_name, "")
        return [literal(kind.value).label("kind"), c.id, c.owner_id, name.label("name"),
                c.phone, c.email, c.tax_id, c.company_id, c.company_name, c.status,
                c.name_norm.label("sort")]
    c = m.Deal
    company = select(m.Company.name).where(m.Company.id == c.company_id).scalar_subquery()
    return [literal(kind.value).label("kind"), c.id, c.owner_id, c.title.label("name"),
            txt.label("phone"), txt.label("email"), txt.label("tax_id"), c.company_id,
            company.label("company_name"), c.status, c.title_norm.label("sort")]


_TABLES: dict[HitKind, Any] = {HitKind.COMPANY: m.Company, HitKind.CONTACT: m.Contact,
                               HitKind.LEAD: m.Lead, HitKind.DEAL: m.Deal}


@dataclass(frozen=True)
class _Shape:
    """What a search statement depends on besides the values: built once per shape, so
    SQLAlchemy's compiled cache serves every later search of that shape."""

    name: bool
    phone: bool
    email: bool
    tax: bool
    scoped: bool
    limit: int
    dialect: str


def _lookups(shape: _Shape) -> list[tuple[HitKind, ColumnElement[bool], Any | None]]:
    """(kind, condition, order column or None for an exact key) per table and key."""
    out: list[tuple[HitKind, ColumnElement[bool], Any | None]] = []
    for kind, table in _TABLES.items():
        norm = table.title_norm if kind == HitKind.DEAL else table.name_norm
        if shape.name:
            out.append((kind, _prefix(norm, shape.dialect), norm))
        if kind == HitKind.DEAL:
            continue
        if shape.phone:
            out.append((kind, table.phone == bindparam("phone", type_=String), None))
        if shape.email:
            out.append((kind, table.email == bindparam("email", type_=String), None))
        if shape.tax and kind in (HitKind.COMPANY, HitKind.LEAD):
            out.append((kind, table.tax_id.in_(bindparam("tax_ids", expanding=True)), None))
    return out


@lru_cache(maxsize=128)
def _statement(shape: _Shape) -> Select[Any]:
    owner = bindparam("owner", type_=BigInteger)
    parts = []
    for kind, condition, order in _lookups(shape):
        table = _TABLES[kind]
        q = select(*_columns(kind)).where(condition)
        if order is not None:
            # (owner_id, name) indexes: the owner's rows in name order, no sort.
            if shape.scoped:
                q = q.where(table.owner_id == owner)
            q = q.order_by(order)
        elif shape.scoped:
            # An exact key is far more selective than the owner; "+ 0" keeps SQLite (which
            # has no statistics) from walking the owner's index instead of the key's.
            q = q.where(table.owner_id + 0 == owner)
        parts.append(select(q.limit(shape.limit).subquery()))
    if len(parts) == 1:
        return parts[0]
    return union_all(*parts)  # type: ignore[return-value]


def _prepare(keys: SearchKeys, owner_id: int | None, limit: int, dialect: str
             ) -> tuple[Select[Any], dict[str, Any]] | None:
    shape = _Shape(name=bool(keys.name_prefix), phone=bool(keys.phone),
                   email=bool(keys.email), tax=bool(keys.tax_ids),
                   scoped=owner_id is not None, limit=limit, dialect=dialect)
    if not (shape.name or shape.phone or shape.email or shape.tax):
        return None
    params: dict[str, Any] = {}
    if keys.name_prefix:
        params.update(prefix=keys.name_prefix, upper=next_prefix(keys.name_prefix))
    if keys.phone:
        params["phone"] = keys.phone
    if keys.email:
        params["email"] = keys.email
    if keys.tax_ids:
        params["tax_ids"] = list(keys.tax_ids)
    if owner_id is not None:
        params["owner"] = owner_id
    return _statement(shape), params


def search_statement(keys: SearchKeys, owner_id: int | None, limit: int,
                     dialect: str) -> Select[Any] | None:
    """The whole search as one statement with its values bound (the benchmark and the tests
    print its plan); None if there is no key."""
    prepared = _prepare(keys, owner_id, limit, dialect)
    if prepared is None:
        return None
    stmt, params = prepared
    return stmt.params(**params)


def _hit(row: Any) -> SearchHit:
    return SearchHit(kind=HitKind(row.kind), id=int(row.id), owner_id=int(row.owner_id),
                     name=row.name or "", phone=row.phone, email=row.email, tax_id=row.tax_id,
                     company_id=row.company_id, company_name=row.company_name,
                     status=row.status)


_ORDER = {kind: i for i, kind in enumerate(HitKind)}


class SqlSearchRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect

    async def find(self, keys: SearchKeys, owner_id: int | None, limit: int
                   ) -> Sequence[SearchHit]:
        prepared = _prepare(keys, owner_id, limit, self._dialect)
        if prepared is None:
            return []
        stmt, params = prepared
        # A Core execution: the ORM's per-statement context is pure overhead here.
        conn = await self._s.connection()
        rows = (await conn.execute(stmt, params)).all()
        seen: dict[tuple[str, int], tuple[str, SearchHit]] = {}
        for row in rows:
            seen.setdefault((row.kind, int(row.id)), (row.sort or "", _hit(row)))
        ordered = sorted(seen.values(), key=lambda p: (_ORDER[p[1].kind], p[0], p[1].id))
        per_kind: dict[HitKind, int] = {}
        hits = []
        for _, hit in ordered:
            per_kind[hit.kind] = per_kind.get(hit.kind, 0) + 1
            if per_kind[hit.kind] <= limit:
                hits.append(hit)
        return hits
