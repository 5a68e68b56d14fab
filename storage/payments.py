"""Payments, allocations and bank statements; invoice paid amounts. Plain dataclasses out.

Bulk writes (a statement of thousands of documents) go in chunks through executemany, so no
single statement holds the event loop for long and SQLite's variable limit is never hit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Final, cast

from sqlalchemy import String, Table, and_, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.invoices import OPEN_STATUSES
from services.matching import InvoiceRow, OpenInvoice, open_invoice
from services.money import open_minor
from services.payments import (
    PENDING,
    InvoiceMoney,
    InvoicePaidUpdate,
    InvoiceParty,
    MatchNote,
    NewPaymentRow,
    OrgAccount,
    Payment,
    payment_values,
)
from storage import models as m
from storage.payment_scopes import grant_allocations, grant_payments

CHUNK: Final = 250
KEYS_CHUNK: Final = 5000  # keys looked up at once on PostgreSQL (one array parameter)
MATCH_ACTION: Final = "payment.match"


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


def _allocated() -> Any:
    return (select(func.coalesce(func.sum(m.PaymentAllocation.amount_minor), 0))
            .where(m.PaymentAllocation.payment_id == m.Payment.id,
                   m.PaymentAllocation.reversed_at.is_(None))
            .correlate(m.Payment).scalar_subquery())


def _to_payment(row: Any, allocated: Any) -> Payment:
    return Payment(id=row.id, source=row.source, external_id=row.external_id,
                   organization_id=row.organization_id, company_id=row.company_id,
                   amount_minor=row.amount_minor, allocated_minor=int(allocated or 0),
                   currency=row.currency, received_on=row.received_on,
                   payer_name=row.payer_name or "", purpose=row.purpose or "",
                   doc_number=row.doc_number or "", status=row.status,
                   created_by=row.created_by, statement_id=row.statement_id)


_MONEY_COLUMNS = (m.Invoice.id, m.Invoice.owner_id, m.Invoice.organization_id,
                  m.Invoice.company_id, m.Invoice.deal_id, m.Invoice.number_text,
                  m.Invoice.currency, m.Invoice.total_minor, m.Invoice.paid_minor,
                  m.Invoice.status, m.Invoice.due_date, m.Invoice.sent_at, m.Invoice.viewed_at,
                  m.Invoice.credited_minor)


def _to_money(row: Any) -> InvoiceMoney:
    return InvoiceMoney(id=row.id, owner_id=row.owner_id, organization_id=row.organization_id,
                        company_id=row.company_id, deal_id=row.deal_id,
                        number_text=row.number_text or f"#{row.id}", currency=row.currency,
                        total_minor=row.total_minor, paid_minor=row.paid_minor,
                        status=row.status, due_date=row.due_date,
                        sent=row.sent_at is not None, viewed=row.viewed_at is not None,
                        credited_minor=int(row.credited_minor or 0))


class SqlPaymentRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._s = session
        self._dialect = dialect

    def _lock(self, q: Any, *of: Any) -> Any:
        # SQLite: the write transaction began with BEGIN IMMEDIATE, nothing else writes.
        return q.with_for_update(of=list(of)) if self._dialect == "postgresql" else q

    def _insert(self) -> Any:
        # Core table, not the ORM entity: executemany with RETURNING then goes through
        # insertmanyvalues with a cached compiled statement (the ORM bulk path and a
        # multi-row VALUES both compile per chunk: 10,000 rows cost seconds).
        return (pg_insert if self._dialect == "postgresql" else sqlite_insert)(
            _table(m.Payment))

    # -- payments

    async def get(self, payment_id: int, lock: bool = False) -> Payment | None:
        if lock:
            await self._s.execute(self._lock(select(m.Payment.id).where(
                m.Payment.id == payment_id), m.Payment))
        row = (await self._s.execute(select(m.Payment.__table__, _allocated().label("alloc"))
                                     .where(m.Payment.id == payment_id))).first()
        return _to_payment(row, row.alloc) if row else None

    async def by_external(self, source: str, external_id: str) -> Payment | None:
        row = (await self._s.execute(select(m.Payment.__table__, _allocated().label("alloc"))
                                     .where(m.Payment.source == source,
                                            m.Payment.external_id == external_id))).first()
        return _to_payment(row, row.alloc) if row else None

    async def insert_payment(self, row: NewPaymentRow) -> int | None:
        """INSERT … ON CONFLICT (source, external_id) DO NOTHING RETURNING id."""
        stmt = (self._insert().values(**payment_values(row))
                .on_conflict_do_nothing(index_elements=["source", "external_id"])
                .returning(m.Payment.id))
        found = (await self._s.execute(stmt)).scalar()
        if found is None:
            return None
        await grant_payments(self._s, [int(found)])
        return int(found)

    async def insert_payments(self, rows: Sequence[NewPaymentRow]) -> dict[str, int]:
        """The same, for many rows: external id → new id, for the rows actually inserted."""
        ids: dict[str, int] = {}
        stmt = (self._insert().on_conflict_do_nothing(index_elements=["source", "external_id"])
                .returning(m.Payment.id, m.Payment.external_id))
        for chunk in _chunks(rows):
            values = [payment_values(r) for r in chunk]
            result = await self._s.execute(stmt, values)
            new = [(str(row[1]), int(row[0])) for row in result.all()]
            ids.update(new)
            await grant_payments(self._s, [i for _, i in new])
        return ids

    async def existing_keys(self, source: str, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        if self._dialect == "postgresql":
            # A join on the keys as one array: `external_id IN ($1…$250)` got a generic plan
            # that scanned the table per chunk until it was analysed (12 s for a statement of
            # 10,000 payments imported again, against 0.14 s this way).
            for chunk in _chunks(keys, KEYS_CHUNK):
                given = func.unnest(literal(list(chunk), ARRAY(String))).table_valued(
                    "key").render_derived()
                found.update(await self._s.scalars(
                    select(m.Payment.external_id).join(
                        given, m.Payment.external_id == given.c.key)
                    .where(m.Payment.source == source)))
            return found
        for chunk in _chunks(keys):
            found.update(await self._s.scalars(select(m.Payment.external_id).where(
                m.Payment.source == source, m.Payment.external_id.in_(list(chunk)))))
        return found

    async def set_status(self, payment_id: int, status: str, *, company_id: int | None = None,
                         reversed_at: datetime | None = None,
                         expect: Iterable[str] | None = None) -> bool:
        values: dict[str, Any] = {"status": str(status)}
        if company_id is not None:
            values["company_id"] = company_id
        if reversed_at is not None:
            values["reversed_at"] = reversed_at
        q = update(m.Payment).where(m.Payment.id == payment_id)
        if expect is not None:
            q = q.where(m.Payment.status.in_([str(s) for s in expect]))
        result = await self._s.execute(q.values(**values))
        done = bool(result.rowcount)  # type: ignore[attr-defined]
        if done and company_id is not None:
            await grant_payments(self._s, [payment_id])
        return done

    async def credits(self, company_id: int, currency: str, lock: bool = False
                      ) -> list[Payment]:
        q = (select(m.Payment.__table__, _allocated().label("alloc"))
             .where(m.Payment.company_id == company_id, m.Payment.currency == currency,
                    m.Payment.status == "credit")
             .order_by(m.Payment.received_on, m.Payment.id))
        if lock:
            await self._s.execute(self._lock(select(m.Payment.id).where(
                m.Payment.company_id == company_id, m.Payment.status == "credit"), m.Payment))
        rows = (await self._s.execute(q)).all()
        return [p for p in (_to_payment(r, r.alloc) for r in rows) if p.unallocated_minor > 0]

    async def pending(self, limit: int) -> list[Payment]:
        rows = (await self._s.execute(
            select(m.Payment.__table__, _allocated().label("alloc"))
            .where(m.Payment.status.in_([str(s) for s in PENDING]))
            .order_by(m.Payment.received_on, m.Payment.id).limit(limit))).all()
        return [_to_payment(r, r.alloc) for r in rows]

    # -- allocations

    async def add_allocations(self, rows: Sequence[tuple[int, int, int]],
                              actor_id: int | None, now: datetime) -> None:
        values = [{"payment_id": p, "invoice_id": i, "amount_minor": a, "created_by": actor_id,
                   "created_at": now} for p, i, a in rows]
        for chunk in _chunks(values):
            await self._s.execute(insert(_table(m.PaymentAllocation)), list(chunk))
        await grant_allocations(self._s, [p for p, _, _ in rows])

    async def allocations(self, payment_id: int) -> list[tuple[int, int]]:
        rows = (await self._s.execute(
            select(m.PaymentAllocation.invoice_id, m.PaymentAllocation.amount_minor)
            .where(m.PaymentAllocation.payment_id == payment_id,
                   m.PaymentAllocation.reversed_at.is_(None),
                   m.PaymentAllocation.invoice_id.is_not(None))
            .order_by(m.PaymentAllocation.id))).all()
        return [(int(i or 0), int(a)) for i, a in rows]

    async def invoice_payments(self, invoice_id: int) -> list[tuple[Payment, int]]:
        """The payments with money on this invoice now (reversed allocations left out),
        with how much of each went to it; oldest first."""
        on_invoice = func.sum(m.PaymentAllocation.amount_minor).label("on_invoice")
        mine = (select(m.PaymentAllocation.payment_id, on_invoice)
                .where(m.PaymentAllocation.invoice_id == invoice_id,
                       m.PaymentAllocation.reversed_at.is_(None))
                .group_by(m.PaymentAllocation.payment_id).subquery())
        rows = (await self._s.execute(
            select(m.Payment.__table__, _allocated().label("alloc"), mine.c.on_invoice)
            .join(mine, mine.c.payment_id == m.Payment.id)
            .order_by(m.Payment.received_on, m.Payment.id))).all()
        return [(_to_payment(r, r.alloc), int(r.on_invoice)) for r in rows]

    async def bank_payments(self, organization_ids: Sequence[int], start: date, end: date,
                            manual: bool) -> list[Payment]:
        if not organization_ids:
            return []
        typed = m.Payment.external_id.like("m:%")
        q = (select(m.Payment.__table__, _allocated().label("alloc"))
             .where(m.Payment.source == "bank",
                    m.Payment.organization_id.in_(list(organization_ids)),
                    m.Payment.received_on.between(start, end),
                    m.Payment.status != "reversed")
             .order_by(m.Payment.received_on, m.Payment.id))
        q = q.where(typed, m.Payment.statement_id.is_(None)) if manual else q.where(~typed)
        return [_to_payment(r, r.alloc) for r in (await self._s.execute(q)).all()]

    async def company_tax_ids(self, company_ids: Sequence[int]) -> dict[int, str]:
        if not company_ids:
            return {}
        rows = (await self._s.execute(select(m.Company.id, m.Company.tax_id).where(
            m.Company.id.in_(list(company_ids)), m.Company.tax_id.is_not(None)))).all()
        return {int(i): str(t) for i, t in rows if t}

    async def confirm_manual(self, pairs: Sequence[tuple[int, int]]) -> None:
        for manual_id, statement_id in pairs:
            await self._s.execute(update(m.Payment).where(m.Payment.id == manual_id)
                                  .values(statement_id=statement_id))

    async def reverse_allocations(self, payment_id: int, now: datetime) -> None:
        await self._s.execute(update(m.PaymentAllocation).where(
            m.PaymentAllocation.payment_id == payment_id,
            m.PaymentAllocation.reversed_at.is_(None)).values(reversed_at=now))

    async def allocated_to_invoice(self, invoice_id: int) -> int:
        total = await self._s.scalar(
            select(func.coalesce(func.sum(m.PaymentAllocation.amount_minor), 0)).where(
                m.PaymentAllocation.invoice_id == invoice_id,
                m.PaymentAllocation.reversed_at.is_(None)))
        return int(total or 0)

    # -- invoices

    async def invoice_money(self, invoice_id: int, owner_id: int | None,
                            lock: bool = False) -> InvoiceMoney | None:
        q = select(*_MONEY_COLUMNS).where(m.Invoice.id == invoice_id)
        if owner_id is not None:
            q = q.where(m.Invoice.owner_id == owner_id)
        if lock:
            q = self._lock(q, m.Invoice)
        row = (await self._s.execute(q)).first()
        return _to_money(row) if row else None

    async def lock_invoices(self, ids: Sequence[int]) -> list[InvoiceMoney]:
        out: list[InvoiceMoney] = []
        for chunk in _chunks(ids):
            q = self._lock(select(*_MONEY_COLUMNS).where(m.Invoice.id.in_(list(chunk)))
                           .order_by(m.Invoice.id), m.Invoice)
            out += [_to_money(r) for r in (await self._s.execute(q)).all()]
        return out

    async def set_invoices_paid(self, updates: Sequence[InvoicePaidUpdate]) -> None:
        plain = [{"b_id": u.invoice_id, "b_paid": u.paid_minor, "b_status": u.status}
                 for u in updates if u.paid_at is None]
        stamped = [{"b_id": u.invoice_id, "b_paid": u.paid_minor, "b_status": u.status,
                    "b_at": u.paid_at} for u in updates if u.paid_at is not None]
        table = _table(m.Invoice)
        base = update(table).where(table.c.id == bindparam("b_id"))
        for chunk in _chunks(plain):
            await self._s.execute(base.values(paid_minor=bindparam("b_paid"),
                                              status=bindparam("b_status"), paid_at=None),
                                  list(chunk))
        for chunk in _chunks(stamped):
            await self._s.execute(base.values(paid_minor=bindparam("b_paid"),
                                              status=bindparam("b_status"),
                                              paid_at=bindparam("b_at")), list(chunk))

    async def invoice_by_number(self, number_text: str, owner_id: int | None) -> int | None:
        q = (select(m.Invoice.id).where(func.upper(m.Invoice.number_text)
                                        == number_text.strip().upper())
             .order_by(m.Invoice.id.desc()).limit(1))
        if owner_id is not None:
            q = q.where(m.Invoice.owner_id == owner_id)
        found = await self._s.scalar(q)
        return int(found) if found is not None else None

    async def owns_any(self, invoice_ids: Sequence[int], owner_id: int) -> bool:
        if not invoice_ids:
            return False
        found = await self._s.scalar(select(m.Invoice.id).where(
            m.Invoice.id.in_(list(invoice_ids)), m.Invoice.owner_id == owner_id).limit(1))
        return found is not None

    async def invoice_parties(self, ids: Sequence[int]) -> dict[int, InvoiceParty]:
        out: dict[int, InvoiceParty] = {}
        for chunk in _chunks(list(ids)):
            rows = (await self._s.execute(
                select(m.Invoice.id, m.Invoice.number_text, m.Invoice.contact_id,
                       m.Invoice.company_id, m.Invoice.language, m.Company.name,
                       m.User.telegram_id, m.User.language)
                .join(m.User, m.User.id == m.Invoice.owner_id)
                .outerjoin(m.Company, m.Company.id == m.Invoice.company_id)
                .where(m.Invoice.id.in_(list(chunk))))).all()
            # The customer's bound chat: the invoice's contact, else the first bound contact
            # of its company; one query per chunk.
            contact_ids = {r[2] for r in rows if r[2] is not None}
            company_ids = {r[3] for r in rows if r[3] is not None}
            by_contact: dict[int, tuple[int, str | None]] = {}
            by_company: dict[int, tuple[int, str | None]] = {}
            if contact_ids or company_ids:
                bound = (await self._s.execute(
                    select(m.Contact.id, m.Contact.company_id, m.Contact.telegram_user_id,
                           m.Contact.language)
                    .where(m.Contact.telegram_user_id.is_not(None),
                           (m.Contact.id.in_(list(contact_ids))
                            | m.Contact.company_id.in_(list(company_ids))))
                    .order_by(m.Contact.id))).all()
                for cid, company_id, tg, clang in bound:
                    found = (int(tg or 0), clang)
                    by_contact[int(cid)] = found
                    if company_id is not None:
                        by_company.setdefault(int(company_id), found)
            for (inv_id, number, contact_id, company_id, inv_lang, company, tg,
                 lang) in rows:
                chat = by_contact.get(contact_id) if contact_id is not None else None
                if chat is None and company_id is not None:
                    chat = by_company.get(company_id)
                out[int(inv_id)] = InvoiceParty(
                    invoice_id=int(inv_id), number_text=number or f"#{inv_id}",
                    company_name=company or "", manager_chat=int(tg),
                    manager_language=lang,
                    customer_chat=chat[0] if chat is not None else None,
                    customer_language=(chat[1] or inv_lang) if chat is not None else None)
        return out

    async def open_invoices(self, organization_ids: Sequence[int]) -> list[OpenInvoice]:
        """Issued, unpaid invoices of these organizations, as the matcher reads them."""
        return [open_invoice(r) for r in await self.open_invoice_rows(organization_ids)]

    async def open_invoice_rows(self, organization_ids: Sequence[int]) -> list[InvoiceRow]:
        """The same as compact rows (a statement import sends them to a worker process)."""
        if not organization_ids:
            return []
        where = and_(m.Invoice.organization_id.in_(list(organization_ids)),
                     m.Invoice.status.in_([str(s) for s in OPEN_STATUSES]),
                     m.Invoice.number.is_not(None), m.Invoice.company_id.is_not(None))
        result = await self._s.stream(
            select(m.Invoice.id, m.Invoice.organization_id, m.Invoice.number_text,
                   m.Invoice.number, m.Invoice.company_id, m.Invoice.currency,
                   m.Invoice.total_minor, m.Invoice.paid_minor, m.Invoice.credited_minor,
                   m.Invoice.issue_date, m.Invoice.due_date, m.Invoice.owner_id,
                   m.Invoice.created_at, m.Company.tax_id, m.NumberSeries.prefix,
                   m.NumberSeries.year)
            .join(m.Company, m.Company.id == m.Invoice.company_id)
            .outerjoin(m.NumberSeries, m.NumberSeries.id == m.Invoice.series_id)
            .where(where))
        # Streamed in partitions: converting 10,000 rows at once would hold the loop.
        rows = [tuple(row) async for part in result.partitions(CHUNK) for row in part]
        accounts: dict[int, frozenset[str]] = {}
        for company_id, account in (await self._s.execute(
                select(m.CompanyAccount.company_id, m.CompanyAccount.account)
                .where(m.CompanyAccount.confirmed.is_(True),
                       m.CompanyAccount.company_id.in_(
                           select(m.Invoice.company_id).where(where))))).all():
            accounts[int(company_id)] = accounts.get(int(company_id), frozenset()) | {
                str(account)}
        none: frozenset[str] = frozenset()
        out = []
        for i, (id_, org, number_text, number, company_id, currency, total, paid, credited,
                issue_date, due_date, owner_id, created_at, tax_id, prefix, year
                ) in enumerate(rows):
            if i % CHUNK == 0:
                await asyncio.sleep(0)
            issued: date = issue_date or created_at.date()
            out.append(InvoiceRow(
                id_, org, number_text or "", number, prefix or "", year or issued.year,
                company_id, tax_id or "", accounts.get(company_id, none), currency.strip().upper(),
                total, min(open_minor(total, paid, credited or 0), total), issued,
                due_date or issued, owner_id))
        return out

    async def deal_fully_paid(self, deal_id: int) -> bool:
        """Every non-cancelled, non-draft invoice of the deal is paid (and there is one)."""
        rows = (await self._s.execute(
            select(m.Invoice.status).where(m.Invoice.deal_id == deal_id,
                                           m.Invoice.status.notin_(("cancelled", "draft")))
        )).scalars().all()
        return bool(rows) and all(s == "paid" for s in rows)

    # -- statements, accounts, notes

    async def organization_accounts(self) -> list[OrgAccount]:
        rows = (await self._s.execute(select(
            m.OrganizationAccount.organization_id, m.OrganizationAccount.account,
            m.OrganizationAccount.currency))).all()
        return [OrgAccount(int(o), str(a), str(c)) for o, a, c in rows]

    async def add_statement(self, *, organization_id: int | None, format: str, filename: str,
                            sha256: str, imported_by: int | None, transactions: int,
                            now: datetime) -> int:
        row = m.BankStatement(organization_id=organization_id, format=format,
                              filename=filename, sha256=sha256, imported_by=imported_by,
                              imported_at=now, transactions=transactions, new_payments=0)
        self._s.add(row)
        await self._s.flush()
        return int(row.id)

    async def finish_statement(self, statement_id: int, new_payments: int) -> None:
        await self._s.execute(update(m.BankStatement).where(
            m.BankStatement.id == statement_id).values(new_payments=new_payments))

    async def remember_accounts(self, pairs: Sequence[tuple[int, str]]) -> None:
        """Marks (company, payer account) confirmed, adding the account when new."""
        wanted = sorted(set(pairs))
        for chunk in _chunks(wanted):
            companies = sorted({c for c, _ in chunk})
            existing = {(int(c), str(a)): int(i) for i, c, a in (await self._s.execute(
                select(m.CompanyAccount.id, m.CompanyAccount.company_id,
                       m.CompanyAccount.account)
                .where(m.CompanyAccount.company_id.in_(companies)))).all()}
            known = [existing[p] for p in chunk if p in existing]
            if known:
                await self._s.execute(update(m.CompanyAccount).where(
                    m.CompanyAccount.id.in_(known)).values(confirmed=True))
            new = [{"company_id": c, "account": a, "confirmed": True} for c, a in chunk
                   if (c, a) not in existing]
            if new:
                await self._s.execute(insert(_table(m.CompanyAccount)), new)

    async def add_match_notes(self, notes: Sequence[tuple[int, MatchNote]],
                              actor_id: int | None, now: datetime) -> None:
        values = [{"actor_id": actor_id, "action": MATCH_ACTION, "entity": "payment",
                   "entity_id": pid, "at": now,
                   "data": {"decision": n.decision, "reason": n.reason,
                            "candidates": list(n.candidates)}} for pid, n in notes]
        for chunk in _chunks(values):
            await self._s.execute(insert(_table(m.AuditEntry)), list(chunk))

    async def match_note(self, payment_id: int) -> MatchNote | None:
        data = await self._s.scalar(
            select(m.AuditEntry.data).where(m.AuditEntry.entity == "payment",
                                            m.AuditEntry.entity_id == payment_id,
                                            m.AuditEntry.action == MATCH_ACTION)
            .order_by(m.AuditEntry.id.desc()).limit(1))
        if not data:
            return None
        return MatchNote(str(data.get("decision", "")), str(data.get("reason", "")),
                         tuple(int(i) for i in data.get("candidates", ())))
