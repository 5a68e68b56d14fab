"""Money reports' queries: sales, payment calendar, plan vs fact (services/reports/ports.py).

Every figure is summed by the database. The report's invoices are read from
`ix_invoices_report` (currency, issue date, owner, client, organization, status and the three
amounts: a covering range scan); "issued" is a status of ISSUED, which is exactly "numbered and
not cancelled" (a number is given at issue, a draft has none). Money received is read from
`ix_payments_received` (currency, day) joined to its live allocations
(`ix_payment_allocations_payment_live`) and their invoices' scope (`ix_invoices_id_scope`), all
from indexes alone. The calendar's open invoices are read from `ix_invoices_open`. Open amounts
are `open_minor_sql`, the one SQL twin of `services.money.open_minor` (/debts, /export).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    case,
    cast,
    distinct,
    func,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.invoices import OPEN_STATUSES
from services.reports.model import Named, ReportQuery, SalesRow
from storage import models as m
from storage.amounts import open_minor_sql

ISSUED = ("issued", "sent", "viewed", "partially_paid", "overdue", "paid")
STAFF = ("admin", "head", "manager")
NOT_MONEY = ("reversed", "ignored", "twin")  # payments that bring no money in


def _scoped(q: Any, inv: Any, currency: str, owner_id: int | None,
            organization_id: int | None) -> Any:
    q = q.where(inv.currency == currency, inv.status.in_(ISSUED))
    if owner_id is not None:
        q = q.where(inv.owner_id == owner_id)
    if organization_id is not None:
        q = q.where(inv.organization_id == organization_id)
    return q


def _int(total: Any) -> Any:
    """A sum of minor units as a BIGINT (PostgreSQL sums bigints into NUMERIC, which the
    driver hands over as Decimal, slowly, for tens of thousands of rows)."""
    return cast(total, BigInteger)


def _sums(inv: Any) -> tuple[Any, ...]:
    return (func.count().label("n"),
            _int(func.coalesce(func.sum(inv.total_minor), 0)).label("invoiced"),
            _int(func.coalesce(func.sum(inv.paid_minor), 0)).label("paid"),
            _int(func.coalesce(func.sum(inv.credited_minor), 0)).label("credited"),
            _int(func.coalesce(func.sum(open_minor_sql(inv)), 0)).label("outstanding"))


def _row(who: Named, n: Any, invoiced: Any, paid: Any, credited: Any, open_: Any) -> SalesRow:
    return SalesRow(who, int(n or 0), int(invoiced or 0), int(paid or 0), int(credited or 0),
                    int(open_ or 0))


def _least(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def _positive(a: Any) -> Any:
    return case((a > 0, a), else_=0)


class MoneyQueries:
    _s: AsyncSession

    async def _all(self, stmt: Any) -> Any:
        # Core execution on the session's connection: no ORM row loading (the reports read
        # tens of thousands of plain rows).
        return (await (await self._s.connection()).execute(stmt)).all()

    # --- sales ----------------------------------------------------------------------------

    def _sales_invoices(self, q: ReportQuery) -> Select[Any]:
        i = m.Invoice
        base = select(i.owner_id, i.company_id, i.total_minor, i.paid_minor, i.credited_minor)
        return _scoped(base, i, q.currency, q.owner_id, q.organization_id).where(
            i.issue_date >= q.period.start, i.issue_date <= q.period.end)

    async def sales_rows(self, q: ReportQuery, by: str) -> Sequence[SalesRow]:
        """by "total" (one row, who = Named(None, "")), "manager" (by name) or "client"
        (largest invoiced first, then name; invoices without a client are Named(None, ""))."""
        i = m.Invoice
        sums = _sums(i)
        if by == "total":
            stmt = _scoped(select(*sums), i, q.currency, q.owner_id, q.organization_id).where(
                i.issue_date >= q.period.start, i.issue_date <= q.period.end)
            n, inv, paid, cred, open_ = (await self._all(stmt))[0]
            return [_row(Named(None, ""), n, inv, paid, cred, open_)]
        key = i.owner_id if by == "manager" else i.company_id
        grouped = _scoped(select(key.label("who"), *sums), i, q.currency, q.owner_id,
                          q.organization_id).where(
            i.issue_date >= q.period.start, i.issue_date <= q.period.end).group_by(key).subquery()
        if by == "manager":
            stmt = (select(grouped, m.User.full_name)
                    .join(m.User, m.User.id == grouped.c.who)
                    .order_by(m.User.full_name, grouped.c.who))
        else:
            stmt = (select(grouped, m.Company.name)
                    .outerjoin(m.Company, m.Company.id == grouped.c.who)
                    .order_by(grouped.c.invoiced.desc(), m.Company.name, grouped.c.who))
        rows = await self._all(stmt)
        return [_row(Named(who, name or (f"#{who}" if who is not None else "")),
                     n, inv, paid, cred, open_)
                for who, n, inv, paid, cred, open_, name in rows]

    async def sales_products(self, q: ReportQuery) -> Sequence[SalesRow]:
        """Lines of the report's invoices (not credit notes' lines) by product, free-text lines
        by name (id None): invoiced = Σ line totals, count = distinct invoices; the largest
        first, then name. The month's invoices come from `ix_invoices_report`, their lines from
        `ix_document_lines_report` (product lines from the index alone; a free-text line's
        name from its row)."""
        i, line, p = m.Invoice, m.DocumentLine, m.Product

        def grouped(key: Any, free: Any, product_line: Any) -> Any:
            return _scoped(
                select(key.label("pid"), free.label("free"),
                       func.count(distinct(line.invoice_id)).label("n"),
                       func.coalesce(func.sum(line.total_minor), 0).label("invoiced"))
                .select_from(i).join(line, line.invoice_id == i.id), i, q.currency,
                q.owner_id, q.organization_id).where(
                i.issue_date >= q.period.start, i.issue_date <= q.period.end,
                line.credit_note_id.is_(None), product_line).group_by(key, free)

        none = null()
        both = union_all(
            grouped(line.product_id, cast(none, line.name.type), line.product_id.is_not(None)),
            grouped(cast(none, line.product_id.type), line.name, line.product_id.is_(None)),
        ).subquery()
        name = func.coalesce(p.name, both.c.free, "")
        stmt = (select(both.c.pid, name, both.c.n, both.c.invoiced)
                .outerjoin(p, p.id == both.c.pid)
                .order_by(both.c.invoiced.desc(), name, both.c.pid))
        return [SalesRow(Named(pid, str(nm or "")), int(n), int(inv), 0, 0, 0)
                for pid, nm, n, inv in await self._all(stmt)]

    async def invoiced_by_day(self, q: ReportQuery) -> Sequence[tuple[date, int]]:
        """Σ totals of the report's invoices per issue date (days with invoices only)."""
        i = m.Invoice
        stmt = _scoped(select(i.issue_date, func.sum(i.total_minor)), i, q.currency,
                       q.owner_id, q.organization_id).where(
            i.issue_date >= q.period.start, i.issue_date <= q.period.end
        ).group_by(i.issue_date).order_by(i.issue_date)
        return [(d, int(v or 0)) for d, v in await self._all(stmt)]

    def _received(self, q: ReportQuery, start: date, end: date, key: Any) -> Select[Any]:
        """Money that arrived from `start` to `end` (inclusive) on the scope's invoices of
        the currency (any issue date): live allocations of incoming payments that are money
        (not reversed, ignored or a twin), summed per `key`."""
        p, a, i = m.Payment, m.PaymentAllocation, m.Invoice
        stmt = (select(key, func.sum(a.amount_minor))
                .select_from(p)
                .join(a, a.payment_id == p.id)
                .join(i, i.id == a.invoice_id)
                .where(p.currency == q.currency, p.received_on >= start, p.received_on <= end,
                       p.status.notin_(NOT_MONEY), p.direction == "in",
                       a.reversed_at.is_(None)))
        return _scoped(stmt, i, q.currency, q.owner_id, q.organization_id).group_by(key)

    async def received_by_day(self, q: ReportQuery, start: date, end: date
                              ) -> Sequence[tuple[date, int]]:
        stmt = self._received(q, start, end, m.Payment.received_on)
        return [(d, int(v or 0)) for d, v in
                await self._all(stmt.order_by(m.Payment.received_on))]

    async def closed_deals(self, q: ReportQuery, start: datetime, end: datetime
                           ) -> Sequence[tuple[str, str | None, int, int, int]]:
        """Deals won or lost in [start, end) of the scope (deals have no organization) that
        belong to the currency (theirs, or no amount): (status, lost reason, count, count
        with an amount in the currency, Σ those amounts)."""
        d = m.Deal
        priced = and_(d.amount_minor.is_not(None), d.currency == q.currency)
        stmt = (select(d.status, d.lost_reason, func.count(),
                       func.coalesce(func.sum(case((priced, 1), else_=0)), 0),
                       func.coalesce(func.sum(case((priced, d.amount_minor), else_=0)), 0))
                .where(d.status.in_(("won", "lost")), d.closed_at >= start, d.closed_at < end,
                       or_(d.amount_minor.is_(None), d.currency == q.currency))
                .group_by(d.status, d.lost_reason))
        if q.owner_id is not None:
            stmt = stmt.where(d.owner_id == q.owner_id)
        rows: Any = await self._all(stmt)
        return [(str(s), r, int(n), int(k or 0), int(v or 0)) for s, r, n, k, v in rows]

    # --- payment calendar -------------------------------------------------------------------

    def _open_split(self, q: ReportQuery) -> tuple[Any, Any]:
        """The scope's open invoices split exactly as /debts (`services.receivables.
        open_parts`): (`inv`: open invoices, read from `ix_invoices_open`, with id, client,
        total, paid, credited, owed and their date: the guarantee letter's promised date, else
        the due date; `shares`: one row per installment of the ~2 % of them with a schedule,
        with its open share — 0 when paid — and its invoice's date, owed and figures). Paid
        (and credited) money settles the oldest installment first; what is owed before the
        schedule falls at the invoice's date. An invoice without installments owes all of
        `owed` at its date (see `_plain`)."""
        i, s, ins = m.Invoice, m.Shipment, m.Installment
        promised = (select(s.invoice_id.label("invoice_id"),
                           func.max(s.guarantee_until).label("until"))
                    .where(s.on_credit.is_(True), s.guarantee_until.is_not(None))
                    .group_by(s.invoice_id).subquery("promised"))
        due = func.coalesce(promised.c.until, i.due_date)

        def scoped(stmt: Any) -> Any:
            stmt = stmt.outerjoin(promised, promised.c.invoice_id == i.id).where(
                i.currency == q.currency, i.status.in_([str(x) for x in OPEN_STATUSES]),
                i.number.is_not(None), open_minor_sql(i) > 0)
            if q.owner_id is not None:
                stmt = stmt.where(i.owner_id == q.owner_id)
            if q.organization_id is not None:
                stmt = stmt.where(i.organization_id == q.organization_id)
            return stmt

        inv = scoped(select(i.id.label("id"), i.company_id.label("company_id"),
                            i.total_minor.label("total"), i.paid_minor.label("paid"),
                            i.credited_minor.label("credited"),
                            open_minor_sql(i).label("owed"), due.label("due"))).cte("open_inv")
        # The invoices with a schedule are joined from their installments (in invoice
        # order, each invoice by its key), not from `inv`: neither is read whole twice.
        order = (ins.due_date, ins.id)
        sched = scoped(
            select(ins.invoice_id.label("invoice_id"), ins.due_date.label("due"),
                   ins.amount_minor.label("amount"),
                   (func.sum(ins.amount_minor).over(
                       partition_by=ins.invoice_id, order_by=order,
                       rows=(None, 0)) - ins.amount_minor).label("before_it"),
                   func.sum(ins.amount_minor).over(
                       partition_by=ins.invoice_id).label("scheduled"),
                   due.label("inv_due"), open_minor_sql(i).label("owed"),
                   i.company_id.label("company_id"), i.total_minor.label("total"),
                   i.paid_minor.label("paid"), i.credited_minor.label("credited"))
            .select_from(ins).join(i, i.id == ins.invoice_id)).cte("sched")
        # What the schedule's money covers: paid + credited less what was owed before it.
        cover = sched.c.paid + sched.c.credited - _positive(sched.c.total - sched.c.scheduled)
        # `spread_paid` in SQL: an installment takes what is left of `cover` after the
        # installments due before it, at most its amount.
        taken = _least(sched.c.amount, _positive(cover - sched.c.before_it))
        shares = select(sched.c.invoice_id, sched.c.due,
                        case((sched.c.amount > taken, sched.c.amount - taken),
                             else_=0).label("open"),
                        sched.c.inv_due, sched.c.owed, sched.c.company_id, sched.c.total,
                        sched.c.paid, sched.c.credited).cte("shares")
        return inv, shares

    @staticmethod
    def _plain(inv: Any) -> Any:
        """Open invoices without installments."""
        ins = m.Installment
        return ~select(ins.id).where(ins.invoice_id == inv.c.id).exists()

    @staticmethod
    def _rest(shares: Any) -> Any:
        """Per invoice with installments: what is owed before its schedule (open at the
        invoice's date: `rest`, kept when positive), with its date and figures."""
        sh = shares.c
        rest = sh.owed - func.sum(sh.open)
        return (select(sh.invoice_id, sh.inv_due.label("due"), rest.label("rest"),
                       sh.company_id, sh.total, sh.paid, sh.credited)
                .group_by(sh.invoice_id, sh.inv_due, sh.owed, sh.company_id, sh.total,
                          sh.paid, sh.credited)
                .having(rest > 0).subquery("rest"))

    async def open_by_due(self, q: ReportQuery) -> Sequence[tuple[date | None, int]]:
        """Σ open parts per due date (None: no date)."""
        inv, shares = self._open_split(q)
        rest = self._rest(shares)
        parts = union_all(
            select(inv.c.due, func.sum(inv.c.owed).label("open"))
            .where(self._plain(inv)).group_by(inv.c.due),
            select(shares.c.due, shares.c.open).where(shares.c.open > 0),
            select(rest.c.due, rest.c.rest)).subquery("parts")
        stmt = select(parts.c.due, func.sum(parts.c.open)).group_by(parts.c.due)
        rows: Any = await self._all(stmt)
        return [(d, int(v or 0)) for d, v in rows]

    async def overdue_by_client(self, q: ReportQuery, today: date, limit: int
                                ) -> tuple[Sequence[SalesRow], int, int]:
        """The `limit` clients with the most due before `today`: count of such invoices, their
        totals, paid and credited, and outstanding = the overdue parts only; largest overdue
        first (then name); with the number of such clients and invoices in all."""
        inv, shares = self._open_split(q)
        rest = self._rest(shares)
        sh = shares.c
        # Invoices with installments: Σ their parts due before today (every part > 0).
        late_parts = union_all(
            select(sh.invoice_id, sh.open, sh.company_id, sh.total, sh.paid, sh.credited)
            .where(sh.open > 0, sh.due < today),
            select(rest.c.invoice_id, rest.c.rest, rest.c.company_id, rest.c.total,
                   rest.c.paid, rest.c.credited).where(rest.c.due < today)).subquery("lp")
        late = (select(late_parts.c.company_id.label("who"), late_parts.c.total,
                       late_parts.c.paid, late_parts.c.credited,
                       func.sum(late_parts.c.open).label("open"))
                .group_by(late_parts.c.invoice_id, late_parts.c.company_id,
                          late_parts.c.total, late_parts.c.paid, late_parts.c.credited))
        # Invoices without: all they owe, when their date has passed.
        plain = (select(inv.c.company_id.label("who"), inv.c.total, inv.c.paid,
                        inv.c.credited, inv.c.owed.label("open"))
                 .where(inv.c.due < today, self._plain(inv)))
        both = union_all(plain, late).subquery("both")
        c = both.c
        grouped = (select(c.who, func.count().label("n"),
                          _int(func.sum(c.total)).label("invoiced"),
                          _int(func.sum(c.paid)).label("paid"),
                          _int(func.sum(c.credited)).label("credited"),
                          _int(func.sum(c.open)).label("outstanding"))
                   .group_by(c.who).subquery())
        g = grouped.c
        # The top by amount first (a cut just past `limit`, so ties at the edge are ordered by
        # name below), with the counts of all; names only for those.
        ranked = (select(grouped, func.count().over().label("clients"),
                         func.sum(g.n).over().label("invoices"))
                  .order_by(g.outstanding.desc()).limit(limit + 1)).subquery()
        r = ranked.c
        stmt = (select(r.who, r.n, r.invoiced, r.paid, r.credited, r.outstanding,
                       r.clients, r.invoices, m.Company.name)
                .outerjoin(m.Company, m.Company.id == r.who)
                .order_by(r.outstanding.desc(), m.Company.name, r.who))
        rows = await self._all(stmt)
        debtors = [_row(Named(who, name or (f"#{who}" if who is not None else "")),
                        n, inv, paid, cred, open_)
                   for who, n, inv, paid, cred, open_, _c, _i, name in rows[:limit]]
        clients = int(rows[0][6]) if rows else 0
        invoices = int(rows[0][7] or 0) if rows else 0
        return debtors, clients, invoices

    # --- plan vs fact -----------------------------------------------------------------------

    async def plan_rows(self, month: date, currency: str, owner_id: int | None
                        ) -> Sequence[tuple[Named, str | None, int | None]]:
        """Active staff in scope who are managers or have a plan for the month in the
        currency, by name: (who, the plan's basis, the plan) — None, None without a plan."""
        u, p = m.User, m.SalesPlan
        stmt = (select(u.id, u.full_name, p.basis, p.amount_minor)
                .outerjoin(p, and_(p.user_id == u.id, p.month == month,
                                   p.currency == currency))
                .where(u.role.in_(STAFF), u.is_active.is_(True),
                       or_(u.role == "manager", p.id.is_not(None)))
                .order_by(u.full_name, u.id))
        if owner_id is not None:
            stmt = stmt.where(u.id == owner_id)
        rows: Any = await self._all(stmt)
        return [(Named(int(uid), name or f"#{uid}"), basis,
                 int(amount) if amount is not None else None)
                for uid, name, basis, amount in rows]

    async def invoiced_by_owner(self, q: ReportQuery, start: date, end: date
                                ) -> dict[int, int]:
        """Σ (total − credited) of invoices issued from `start` to `end` per owner."""
        i = m.Invoice
        stmt = _scoped(select(i.owner_id, func.sum(i.total_minor - i.credited_minor)), i,
                       q.currency, q.owner_id, q.organization_id).where(
            i.issue_date >= start, i.issue_date <= end).group_by(i.owner_id)
        return {int(o): int(v or 0) for o, v in await self._all(stmt)}

    async def received_by_owner(self, q: ReportQuery, start: date, end: date
                                ) -> dict[int, int]:
        stmt = self._received(q, start, end, m.Invoice.owner_id)
        return {int(o): int(v or 0) for o, v in await self._all(stmt)}
