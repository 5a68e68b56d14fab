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
    Date,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.matching.normalize import _fold_prefix
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


def archived(kind: HitKind) -> ColumnElement[bool]:
    """Whether a record of `kind` is archived: a client archived or merged into another, a
    contact archived, a lead junk, a deal lost."""
    if kind == HitKind.COMPANY:
        return m.Company.archived_at.is_not(None) | m.Company.merged_into_id.is_not(None)
    if kind == HitKind.CONTACT:
        return m.Contact.archived_at.is_not(None)
    if kind == HitKind.LEAD:
        return m.Lead.status == "junk"
    return m.Deal.status == "lost"


def live(kind: HitKind) -> ColumnElement[bool]:
    """The opposite of `archived`, written so an index-friendly plan stays possible."""
    if kind == HitKind.COMPANY:
        return m.Company.archived_at.is_(None) & m.Company.merged_into_id.is_(None)
    if kind == HitKind.CONTACT:
        return m.Contact.archived_at.is_(None)
    if kind == HitKind.LEAD:
        return m.Lead.status != "junk"
    return m.Deal.status != "lost"


def _columns(kind: HitKind) -> list[Any]:
    """The same labelled columns for every table (UNION ALL needs one shape)."""
    txt = cast(null(), String)
    num = cast(null(), BigInteger)
    flag = case((archived(kind), 1), else_=0).label("archived")
    if kind == HitKind.COMPANY:
        c: Any = m.Company
        return [literal(kind.value).label("kind"), c.id, c.owner_id, c.name.label("name"),
                c.phone, c.email, c.tax_id, num.label("company_id"),
                txt.label("company_name"), txt.label("status"), c.name_norm.label("sort"),
                flag]
    if kind == HitKind.CONTACT:
        c = m.Contact
        company = (select(m.Company.name).where(m.Company.id == c.company_id)
                   .scalar_subquery())
        return [literal(kind.value).label("kind"), c.id, c.owner_id, c.name.label("name"),
                c.phone, c.email, txt.label("tax_id"), c.company_id,
                company.label("company_name"), txt.label("status"), c.name_norm.label("sort"),
                flag]
    if kind == HitKind.LEAD:
        c = m.Lead
        name = func.coalesce(func.nullif(c.contact_name, ""), c.company_name, "")
        return [literal(kind.value).label("kind"), c.id, c.owner_id, name.label("name"),
                c.phone, c.email, c.tax_id, c.company_id, c.company_name, c.status,
                c.name_norm.label("sort"), flag]
    c = m.Deal
    company = select(m.Company.name).where(m.Company.id == c.company_id).scalar_subquery()
    return [literal(kind.value).label("kind"), c.id, c.owner_id, c.title.label("name"),
            txt.label("phone"), txt.label("email"), txt.label("tax_id"), c.company_id,
            company.label("company_name"), c.status, c.title_norm.label("sort"), flag]


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
    account: bool = False
    archived: bool = False


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
        if shape.account and kind == HitKind.COMPANY:
            accounts = select(m.CompanyAccount.company_id).where(
                m.CompanyAccount.account == bindparam("account", type_=String))
            out.append((kind, table.id.in_(accounts), None))
    return out


@lru_cache(maxsize=128)
def _statement(shape: _Shape) -> Select[Any]:
    owner = bindparam("owner", type_=BigInteger)
    parts = []
    for kind, condition, order in _lookups(shape):
        table = _TABLES[kind]
        q = select(*_columns(kind)).where(condition)
        if not shape.archived:
            q = q.where(live(kind))
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
                   scoped=owner_id is not None, limit=limit, dialect=dialect,
                   account=bool(keys.account), archived=keys.archived)
    if not (shape.name or shape.phone or shape.email or shape.tax or shape.account):
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
    if keys.account:
        params["account"] = keys.account
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


# --- documents and payments -----------------------------------------------------------------

# Rows one number may give before its series and year are checked (a number repeats once per
# series and year; a manager rarely has more than a few of those).
NUMBER_ROWS = 50
_DOCS: dict[HitKind, Any] = {HitKind.INVOICE: m.Invoice, HitKind.QUOTE: m.Quote,
                             HitKind.CREDIT_NOTE: m.CreditNote}


@dataclass(frozen=True)
class _DocShape:
    numbers: bool
    amount: bool
    scoped: bool
    limit: int


def _doc_columns(kind: HitKind, via: str) -> list[Any]:
    d: Any = _DOCS[kind]
    on: Any = cast(null(), Date) if kind == HitKind.QUOTE else d.issue_date
    invoice: Any = (d.id if kind == HitKind.INVOICE else cast(null(), BigInteger)
                    if kind == HitKind.QUOTE else d.invoice_id)
    return [literal(kind.value).label("kind"), literal(via).label("via"), d.id, d.owner_id,
            d.number, d.number_text, d.status, d.total_minor, d.currency, on.label("on"),
            invoice.label("invoice_id"), d.company_id, m.Company.name.label("company_name"),
            m.NumberSeries.prefix, m.NumberSeries.year]


def _doc_select(kind: HitKind, via: str, scoped: bool) -> Select[Any]:
    d: Any = _DOCS[kind]
    return (select(*_doc_columns(kind, via))
            .outerjoin(m.NumberSeries, m.NumberSeries.id == d.series_id)
            .outerjoin(m.Company, m.Company.id == d.company_id))


@lru_cache(maxsize=32)
def _doc_statement(shape: _DocShape) -> Select[Any]:
    """Documents by number (every kind; the series and year are checked afterwards) and
    invoices by amount, as one UNION ALL."""
    owner = bindparam("owner", type_=BigInteger)
    parts = []
    if shape.numbers:
        for kind, d in _DOCS.items():
            q = _doc_select(kind, "n", shape.scoped).where(
                d.number.in_(bindparam("numbers", expanding=True)))
            if shape.scoped:
                # The number is far more selective than the owner (see _statement).
                q = q.where(d.owner_id + 0 == owner)
            parts.append(select(q.order_by(d.id.desc()).limit(NUMBER_ROWS).subquery()))
    if shape.amount:
        inv = m.Invoice
        q = _doc_select(HitKind.INVOICE, "a", shape.scoped).where(
            inv.total_minor.between(bindparam("low", type_=BigInteger),
                                    bindparam("high", type_=BigInteger)))
        if shape.scoped:
            # (owner_id, total_minor): the owner's invoices of that amount, one range.
            q = q.where(inv.owner_id == owner)
        parts.append(select(q.order_by(inv.total_minor, inv.id).limit(shape.limit).subquery()))
    if len(parts) == 1:
        return parts[0]
    return union_all(*parts)  # type: ignore[return-value]


def _payment_ids(p: Any, condition: ColumnElement[bool], owner: Any, scoped: bool,
                 limit: int) -> list[Select[Any]]:
    """The ids of the newest payments matching `condition` that the owner may see: one they
    recorded, one of their client, one allocated to their invoice. One query per reason, each
    an index walk with one small lookup per payment of the key (migration 0009's covering
    indexes keep all of it inside indexes), never an OR of all three: SQLite then evaluates
    every check for every payment of, say, a common round amount."""
    base = select(p.id).where(condition, p.status.notin_(("ignored", "twin")))
    if not scoped:
        return [base.order_by(p.id.desc()).limit(limit)]
    a, i, c = aliased(m.PaymentAllocation), aliased(m.Invoice), aliased(m.Company)
    # Joins driven by the payment's key ("+ 0": never walk the owner's invoices or clients,
    # which costs as much as the owner has); a join is about twice as fast as a correlated
    # lookup per payment in SQLite.
    allocated = (base.join(a, a.payment_id == p.id).join(i, i.id == a.invoice_id)
                 .where(i.owner_id + 0 == owner).distinct())
    return [q.order_by(p.id.desc()).limit(limit) for q in (
        base.where(p.created_by == owner),
        base.join(c, c.id == p.company_id).where(c.owner_id + 0 == owner),
        allocated)]


def _scoped_by_amount(p: Any, owner: Any, limit: int) -> Select[Any]:
    """The ids of the newest payments of an amount the owner may see, read from
    payment_scopes (migration 0010): the owner's few rows of that amount in its primary key,
    each payment then checked again with `_payment_ids`' rule (recorded by them, of their
    client, allocated to their invoice), so a stale scope row shows nothing."""
    s = m.PaymentScope
    c, a, i = aliased(m.Company), aliased(m.PaymentAllocation), aliased(m.Invoice)
    low, high = bindparam("low", type_=BigInteger), bindparam("high", type_=BigInteger)
    may_see = or_(
        p.created_by == owner,
        select(c.id).where(c.id == p.company_id, c.owner_id == owner).exists(),
        select(a.id).join(i, i.id == a.invoice_id)
        .where(a.payment_id == p.id, i.owner_id == owner).exists())
    # "+ 0": the scope's key drives, never the payments' amount index.
    return (select(p.id).select_from(s).join(p, p.id == s.payment_id)
            .where(s.owner_id == owner, s.amount_minor.between(low, high),
                   (p.amount_minor + 0).between(low, high),
                   p.status.notin_(("ignored", "twin")), may_see)
            .order_by(p.id.desc()).limit(limit))


@dataclass(frozen=True)
class _PayShape:
    amount: bool
    doc_numbers: bool
    invoices: bool
    scoped: bool
    limit: int


@lru_cache(maxsize=32)
def _payment_statement(shape: _PayShape) -> Select[Any]:
    """Payments by amount, by payment order number and allocated to the found invoices: first
    the few ids (`_payment_ids`), then what is shown of them."""
    owner = bindparam("owner", type_=BigInteger)
    p, c = m.Payment, m.Company

    def first(column: str) -> Any:
        """A column of the invoice the payment opens: its first live allocation the actor
        may see (a correlated lookup of its own, never nested in another subquery)."""
        a, i = aliased(m.PaymentAllocation), aliased(m.Invoice)
        q = (select(getattr(i, column)).select_from(a).join(i, i.id == a.invoice_id)
             .where(a.payment_id == p.id, a.reversed_at.is_(None)))
        if shape.scoped:
            q = q.where(i.owner_id + 0 == owner)
        return q.order_by(a.id).limit(1).scalar_subquery()

    client = select(c.name).where(c.id == p.company_id).scalar_subquery()
    owner_of = select(c.owner_id).where(c.id == p.company_id).scalar_subquery()
    columns = [literal(HitKind.PAYMENT.value).label("kind"), p.id,
               func.coalesce(owner_of, p.created_by, 0).label("owner_id"),
               p.payer_name, p.doc_number, p.status, p.amount_minor, p.currency,
               p.received_on.label("on"), first("id").label("invoice_id"),
               first("number_text").label("invoice_number"), p.company_id,
               client.label("company_name"),
               p.direction]
    q = aliased(m.Payment)
    queries: list[Select[Any]] = []
    conditions: list[ColumnElement[bool]] = []
    if shape.amount and shape.scoped:
        # A manager's payments of an amount: from the scope table, not the three walks.
        queries.append(_scoped_by_amount(q, owner, shape.limit))
    elif shape.amount:
        conditions.append(q.amount_minor.between(bindparam("low", type_=BigInteger),
                                                 bindparam("high", type_=BigInteger)))
    if shape.doc_numbers:
        conditions.append(q.doc_number.in_(bindparam("docs", expanding=True)))
    if shape.invoices:
        found = aliased(m.PaymentAllocation)
        conditions.append(q.id.in_(
            select(found.payment_id).where(found.invoice_id.in_(
                bindparam("invoices", expanding=True)))))
    queries += [ids for condition in conditions
                for ids in _payment_ids(q, condition, owner, shape.scoped, shape.limit)]
    parts = [select(ids.subquery().c.id) for ids in queries]
    ids: Any = parts[0] if len(parts) == 1 else union_all(*parts)
    return (select(*columns).where(p.id.in_(ids)).order_by(p.id.desc())
            .limit(shape.limit * len(parts)))


def _doc_prepare(keys: SearchKeys, owner_id: int | None, limit: int
                 ) -> tuple[Select[Any], dict[str, Any]] | None:
    shape = _DocShape(numbers=bool(keys.numbers), amount=keys.amount is not None,
                      scoped=owner_id is not None, limit=limit)
    if not (shape.numbers or shape.amount):
        return None
    params: dict[str, Any] = {}
    if keys.numbers:
        params["numbers"] = sorted({r.number for r in keys.numbers})
    if keys.amount is not None:
        params["low"], params["high"] = keys.amount
    if owner_id is not None:
        params["owner"] = owner_id
    return _doc_statement(shape), params


def _payment_prepare(keys: SearchKeys, owner_id: int | None, limit: int,
                     invoice_ids: Sequence[int]) -> tuple[Select[Any], dict[str, Any]] | None:
    shape = _PayShape(amount=keys.amount is not None, doc_numbers=bool(keys.doc_numbers),
                      invoices=bool(invoice_ids), scoped=owner_id is not None, limit=limit)
    if not (shape.amount or shape.doc_numbers or shape.invoices):
        return None
    params: dict[str, Any] = {}
    if keys.amount is not None:
        params["low"], params["high"] = keys.amount
    if keys.doc_numbers:
        params["docs"] = list(keys.doc_numbers)
    if invoice_ids:
        params["invoices"] = list(invoice_ids)
    if owner_id is not None:
        params["owner"] = owner_id
    return _payment_statement(shape), params


def document_statements(keys: SearchKeys, owner_id: int | None, limit: int
                        ) -> list[Select[Any]]:
    """The documents' and the payments' statements with their values bound (the benchmark
    prints their plans); payments allocated to found invoices are left out."""
    out = []
    for prepared in (_doc_prepare(keys, owner_id, limit),
                     _payment_prepare(keys, owner_id, limit, ())):
        if prepared is not None:
            stmt, params = prepared
            out.append(stmt.params(**params))
    return out


def _doc_hit(row: Any) -> SearchHit:
    return SearchHit(kind=HitKind(row.kind), id=int(row.id), owner_id=int(row.owner_id),
                     name=row.number_text or "", company_id=row.company_id,
                     company_name=row.company_name, status=row.status,
                     number=row.number_text, amount_minor=int(row.total_minor),
                     currency=row.currency, on=row.on,
                     invoice_id=int(row.invoice_id) if row.invoice_id is not None else None)


def _payment_hit(row: Any) -> SearchHit:
    return SearchHit(kind=HitKind.PAYMENT, id=int(row.id), owner_id=int(row.owner_id),
                     name=row.payer_name or row.company_name or "",
                     company_id=row.company_id, company_name=row.company_name,
                     status=row.direction, number=row.doc_number,
                     amount_minor=int(row.amount_minor), currency=row.currency, on=row.on,
                     invoice_id=int(row.invoice_id) if row.invoice_id is not None else None,
                     invoice_number=row.invoice_number)


def _hit(row: Any) -> SearchHit:
    return SearchHit(kind=HitKind(row.kind), id=int(row.id), owner_id=int(row.owner_id),
                     name=row.name or "", phone=row.phone, email=row.email, tax_id=row.tax_id,
                     company_id=row.company_id, company_name=row.company_name,
                     status=row.status, archived=bool(row.archived))


_ORDER = {kind: i for i, kind in enumerate(HitKind)}


class SqlSearchRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect

    async def series_prefixes(self) -> frozenset[str]:
        conn = await self._s.connection()
        rows = await conn.execute(select(m.NumberSeries.prefix).distinct())
        return frozenset(_fold_prefix((prefix or "").strip()) for (prefix,) in rows)

    async def find(self, keys: SearchKeys, owner_id: int | None, limit: int
                   ) -> Sequence[SearchHit]:
        # Core executions: the ORM's per-statement context is pure overhead here.
        conn = await self._s.connection()
        seen: dict[tuple[str, int], tuple[Any, SearchHit]] = {}
        prepared = _prepare(keys, owner_id, limit, self._dialect)
        if prepared is not None:
            stmt, params = prepared
            for row in (await conn.execute(stmt, params)).all():
                seen.setdefault((row.kind, int(row.id)), (row.sort or "", _hit(row)))
        invoices: list[int] = []
        docs = _doc_prepare(keys, owner_id, limit)
        if docs is not None:
            stmt, params = docs
            for row in (await conn.execute(stmt, params)).all():
                if row.via == "n" and not any(
                        r.number == row.number and r.fits(row.prefix, row.year)
                        for r in keys.numbers):
                    continue
                if row.kind == HitKind.INVOICE.value and row.via == "n":
                    invoices.append(int(row.id))
                seen.setdefault((row.kind, int(row.id)), (-int(row.id), _doc_hit(row)))
        payments = _payment_prepare(keys, owner_id, limit, invoices)
        if payments is not None:
            stmt, params = payments
            for row in (await conn.execute(stmt, params)).all():
                seen.setdefault((row.kind, int(row.id)), (-int(row.id), _payment_hit(row)))
        ordered = sorted(seen.values(), key=lambda p: (_ORDER[p[1].kind], p[0], p[1].id))
        per_kind: dict[HitKind, int] = {}
        hits = []
        for _, hit in ordered:
            per_kind[hit.kind] = per_kind.get(hit.kind, 0) + 1
            if per_kind[hit.kind] <= limit:
                hits.append(hit)
        return hits

