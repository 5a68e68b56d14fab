"""Work reports' queries: funnel per manager, ABC/XYZ inputs, manager activity.

Every figure is a GROUP BY in the database (owner, stage / item, month / owner); Python only
reads the summed rows. Owners are always given as a list (`owner_id IN (...)`): that is both
the scope (active staff) and what lets the (owner_id, …) indexes of migration 0011 be read as
a few ranges. Durations are summed in whole seconds by the database (julianday on SQLite,
EXTRACT(EPOCH) on PostgreSQL); the months of XYZ are conditional sums over date bounds (the
same SQL on both engines).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.invoices.model import InvoiceStatus
from services.reports.model import ReportQuery
from services.reports.ports import (
    ItemRevenue,
    LeadContacts,
    OwnerCount,
    PipelineStage,
    StageFlow,
    StageStay,
)
from services.tasks.model import CLOSED_STATUSES, EVENT_STATUSES, TASK_STATUSES
from storage import models as m

# Issued and not cancelled (drafts have no number; a cancelled invoice asks for nothing).
_ISSUED = tuple(s.value for s in InvoiceStatus
                if s not in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED))
_OPEN_TASK = tuple(sorted(set(TASK_STATUSES + EVENT_STATUSES) - CLOSED_STATUSES))
_DONE_TASK = ("done", "held")


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _n(value: Any) -> int:
    """A count or a sum as the driver gives it (None for an empty SUM) as an int."""
    return int(value or 0)


class WorkQueries:
    _s: AsyncSession

    # --- helpers -----------------------------------------------------------------------------

    def _dialect(self) -> str:
        return self._s.get_bind().dialect.name

    def _seconds(self, since: ColumnElement[datetime],
                 until: ColumnElement[datetime]) -> ColumnElement[int]:
        """Whole seconds from `since` to `until`, computed by the database."""
        if self._dialect() == "postgresql":
            return cast(func.round(func.extract("epoch", until - since)), BigInteger)
        return cast(func.round((func.julianday(until) - func.julianday(since)) * 86400),
                    Integer)

    @staticmethod
    def _pipeline_id(pipeline: str) -> ColumnElement[int]:
        return select(m.Pipeline.id).where(m.Pipeline.code == pipeline).scalar_subquery()

    # --- b. funnel --------------------------------------------------------------------------

    async def pipeline_stages(self, pipeline: str) -> Sequence[PipelineStage]:
        s = m.Stage
        rows = (await self._s.execute(
            select(s.id, s.code, s.outcome).where(s.pipeline_id == self._pipeline_id(pipeline))
            .order_by(s.position, s.id))).all()
        return [PipelineStage(sid, code, outcome) for sid, code, outcome in rows]

    async def funnel_owners(self, pipeline: str) -> Sequence[int]:
        d = m.Deal
        rows = await self._s.execute(select(d.owner_id).distinct().where(
            d.pipeline_id == self._pipeline_id(pipeline)))
        return [owner for (owner,) in rows.all()]

    async def stage_flow(self, pipeline: str, owner_ids: Sequence[int], start: datetime,
                         end: datetime, currency: str,
                         next_stage: Mapping[int, int]) -> Sequence[StageFlow]:
        # The window's changes are one range of ix_deal_stage_changes_at; each deal is read
        # once (its owner and amount ride along the GROUP BY deal, functionally dependent on
        # deals.id); "went on" is one probe of ix_deal_stage_changes_deal_to.
        ch, d = m.DealStageChange, m.Deal
        entries = (
            select(ch.deal_id, ch.to_stage_id.label("stage_id"),
                   func.min(ch.at).label("first_at"), d.owner_id,
                   case((d.currency == currency, func.coalesce(d.amount_minor, 0)),
                        else_=0).label("amount"))
            .join(d, d.id == ch.deal_id)
            .where(d.pipeline_id == self._pipeline_id(pipeline), d.owner_id.in_(owner_ids),
                   ch.at >= start, ch.at < end, ch.to_stage_id.is_not(None))
            .group_by(d.id, ch.deal_id, ch.to_stage_id)).subquery()
        converted: ColumnElement[int]
        if next_stage:
            later = aliased(ch)
            went_on = (select(later.id).where(
                later.deal_id == entries.c.deal_id,
                later.to_stage_id == case(dict(next_stage), value=entries.c.stage_id),
                later.at >= entries.c.first_at)).exists()
            converted = func.sum(case((went_on, 1), else_=0))
        else:
            converted = literal(0)
        q = (select(entries.c.owner_id, entries.c.stage_id, func.count(),
                    func.sum(entries.c.amount), converted)
             .group_by(entries.c.owner_id, entries.c.stage_id))
        return [StageFlow(_n(owner), _n(stage), _n(n), _n(total), _n(went))
                for owner, stage, n, total, went in (await self._s.execute(q)).all()]

    async def stage_stays(self, pipeline: str, owner_ids: Sequence[int], start: datetime,
                          end: datetime) -> Sequence[StageStay]:
        ch, d = m.DealStageChange, m.Deal
        in_window = (select(ch.deal_id).join(d, d.id == ch.deal_id)
                     .where(d.pipeline_id == self._pipeline_id(pipeline),
                            d.owner_id.in_(owner_ids), ch.at >= start, ch.at < end))
        # Only changes from the window's start on: a change before it precedes every stay of
        # the window in (at, id) order, so it is neither kept nor any kept stay's next change
        # (the log is then a range of ix_deal_stage_changes_at, not every deal's whole log).
        log = (select(ch.deal_id, ch.to_stage_id.label("stage_id"), ch.at,
                      func.lead(ch.at).over(partition_by=ch.deal_id,
                                            order_by=(ch.at, ch.id)).label("left_at"))
               .where(ch.deal_id.in_(in_window), ch.at >= start)).subquery()
        q = (select(d.owner_id, log.c.stage_id, func.count(),
                    func.sum(self._seconds(log.c.at, log.c.left_at)))
             .join(d, d.id == log.c.deal_id)
             .where(log.c.at >= start, log.c.at < end, log.c.left_at.is_not(None),
                    log.c.stage_id.is_not(None))
             .group_by(d.owner_id, log.c.stage_id))
        return [StageStay(_n(owner), _n(stage), _n(n), _n(seconds))
                for owner, stage, n, seconds in (await self._s.execute(q)).all()]

    async def stuck_deals(self, pipeline: str, owner_ids: Sequence[int],
                          before: datetime) -> Sequence[OwnerCount]:
        # Stuck: the last change (else the creation) is before `before`, i.e. no change at or
        # after `before`, and either some change or the creation before it. The deals changed
        # since `before` are one range of ix_deal_stage_changes_at (a few days of the log), not
        # a probe of every open deal's log; the open deals are read from ix_deals_funnel.
        ch, d = m.DealStageChange, m.Deal
        recent = select(ch.deal_id).where(ch.at >= before)
        logged = exists().where(ch.deal_id == d.id)
        q = (select(d.owner_id, d.stage_id, func.count())
             .where(d.pipeline_id == self._pipeline_id(pipeline), d.status == "open",
                    d.owner_id.in_(owner_ids), d.stage_id.is_not(None),
                    d.id.not_in(recent), or_(d.created_at < before, logged))
             .group_by(d.owner_id, d.stage_id))
        return [OwnerCount(_n(owner), _n(stage), _n(n))
                for owner, stage, n in (await self._s.execute(q)).all()]

    async def funnel_closed(self, pipeline: str, owner_ids: Sequence[int], start: datetime,
                           end: datetime) -> Sequence[OwnerCount]:
        d = m.Deal
        q = (select(d.owner_id, d.status, func.count())
             .where(d.status.in_(("won", "lost")), d.closed_at >= start, d.closed_at < end,
                    d.owner_id.in_(owner_ids), d.pipeline_id == self._pipeline_id(pipeline))
             .group_by(d.owner_id, d.status))
        return [OwnerCount(_n(owner), str(status), _n(n))
                for owner, status, n in (await self._s.execute(q)).all()]

    # --- c. ABC / XYZ -----------------------------------------------------------------------

    @staticmethod
    def _issued(q: ReportQuery, first: date, last: date) -> list[ColumnElement[bool]]:
        i = m.Invoice
        where = [i.currency == q.currency, i.issue_date >= first, i.issue_date <= last,
                 i.status.in_(_ISSUED)]
        if q.owner_id is not None:
            where.append(i.owner_id == q.owner_id)
        if q.organization_id is not None:
            where.append(i.organization_id == q.organization_id)
        return where

    async def abc_items(self, q: ReportQuery, subject: str,
                        months: Sequence[date]) -> Sequence[ItemRevenue]:
        # Rows: issued invoices of the scope from the earlier of the period's start and the
        # first month to the end of the last month (a covering range of ix_invoices_report),
        # limited to the items with invoices in the period. Every sum is cast to BIGINT:
        # PostgreSQL's SUM(bigint) is NUMERIC, decoded as a Decimal per value.
        i, line = m.Invoice, m.DocumentLine
        bounds = [*months, _next_month(months[-1])]
        day = i.issue_date
        in_period = and_(day >= q.period.start, day <= q.period.end)
        issued = self._issued(q, min(q.period.start, bounds[0]), bounds[-1] - timedelta(days=1))
        grouped: Any
        if subject == "clients":
            # Clients: one GROUP BY client of conditional sums, driven by the period's clients:
            # each one's months are one range of ix_invoices_client_report (currency,
            # company_id, issue_date, ...), read in client order (no sort for the GROUP BY).
            names: type[m.Company] | type[m.Product] = m.Company
            chosen = select(i.company_id).where(*self._issued(q, q.period.start, q.period.end),
                                                i.company_id.is_not(None))
            grouped = (select(
                i.company_id.label("id"),
                cast(func.sum(case((in_period, i.total_minor), else_=0)), BigInteger)
                .label("period"),
                *(cast(func.sum(case((and_(day >= start, day < end), i.total_minor), else_=0)),
                       BigInteger) for start, end in pairwise(bounds)))
                .where(*issued, i.company_id.in_(chosen))
                .group_by(i.company_id)).subquery()
        else:
            # Products: ~10^5 lines a month, few products. Lines (ix_document_lines_report,
            # covering) are summed per (product, month number, in the period or not) — the
            # month decided once per line by one CASE instead of a conditional sum per month
            # — then pivoted per product; "has lines in the period" is a HAVING, not a second
            # pass over the period's lines.
            names = m.Product
            month_no = case((day < bounds[0], None),
                            *((day < end, k) for k, end in enumerate(bounds[1:])),
                            else_=None).label("month_no")
            flag = case((in_period, 1), else_=0).label("in_period")
            parts = (select(line.product_id.label("id"), month_no, flag,
                            func.sum(line.total_minor).label("s"))
                     .join(i, i.id == line.invoice_id)
                     .where(*issued, line.credit_note_id.is_(None), line.product_id.is_not(None))
                     # by the output names (the expressions' bound values would differ)
                     .group_by(line.product_id, literal_column("month_no"),
                               literal_column("in_period"))).subquery()
            grouped = (select(
                parts.c.id,
                cast(func.sum(case((parts.c.in_period == 1, parts.c.s), else_=0)), BigInteger)
                .label("period"),
                *(cast(func.sum(case((parts.c.month_no == k, parts.c.s), else_=0)), BigInteger)
                  for k in range(len(months))))
                .group_by(parts.c.id).having(func.max(parts.c.in_period) == 1)).subquery()
        named = (select(grouped, names.name).join(names, names.id == grouped.c.id)
                 .order_by(grouped.c.period.desc(), grouped.c.id))
        conn = await self._s.connection()
        if subject == "clients" and self._dialect() == "postgresql":
            # ~10^5 rows into ~10^4 groups: parallel workers' partial sums merged through a
            # Gather cost more than they save (0.51 s against 0.29 s on the 1M-invoice bench),
            # and the groups' hash spilled to disk at 4 MB. (The products' few groups over a
            # scan of every line gain a little from the workers: left as planned.)
            # LOCAL: until the end of this report's read-only transaction.
            await conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            await conn.execute(text("SET LOCAL work_mem = '32MB'"))
        # Core execution: the ORM's row handling costs more than the rows (up to ~10^5 items).
        rows = (await conn.execute(named)).all()
        return [ItemRevenue(row[0], row[-1], row[1], tuple(row[2:-1])) for row in rows]

    # --- f. activity ------------------------------------------------------------------------

    async def lead_contacts(self, owner_ids: Sequence[int], start: datetime,
                            end: datetime) -> Sequence[LeadContacts]:
        lead, ix = m.Lead, m.Interaction
        first = (select(func.min(ix.occurred_at))
                 .where(or_(ix.lead_id == lead.id,
                            and_(lead.deal_id.is_not(None), ix.deal_id == lead.deal_id),
                            and_(lead.company_id.is_not(None),
                                 ix.company_id == lead.company_id)),
                        ix.occurred_at > lead.created_at)
                 .scalar_subquery())
        # Materialized: inlined, the first contact's subquery ran once per use of its value
        # (twice a lead, on both engines).
        leads = (select(lead.owner_id, lead.created_at, first.label("first_at"))
                 .where(lead.owner_id.in_(owner_ids), lead.created_at >= start,
                        lead.created_at < end)).cte("taken").prefix_with("MATERIALIZED")
        q = (select(leads.c.owner_id, func.count(), func.count(leads.c.first_at),
                    func.sum(self._seconds(leads.c.created_at, leads.c.first_at)))
             .group_by(leads.c.owner_id))
        return [LeadContacts(_n(owner), _n(n), _n(contacted), _n(seconds))
                for owner, n, contacted, seconds in (await self._s.execute(q)).all()]

    async def activity_counts(self, q: ReportQuery, owner_ids: Sequence[int], start: datetime,
                              end: datetime, now: datetime) -> Sequence[OwnerCount]:
        ix, t, i = m.Interaction, m.Task, m.Invoice
        queries: dict[str, Select[Any, Any]] = {
            "interactions": select(ix.owner_id, func.count()).where(
                ix.owner_id.in_(owner_ids), ix.occurred_at >= start, ix.occurred_at < end
            ).group_by(ix.owner_id),
            "tasks_done": select(t.owner_id, func.count()).where(
                t.owner_id.in_(owner_ids), t.done_at >= start, t.done_at < end,
                t.status.in_(_DONE_TASK)
            ).group_by(t.owner_id),
            "tasks_overdue": select(t.owner_id, func.count()).where(
                t.owner_id.in_(owner_ids), t.status.in_(_OPEN_TASK), t.due_at < now
            ).group_by(t.owner_id),
            "invoices_issued": select(i.owner_id, func.count()).where(
                *self._issued(q, q.period.start, q.period.end), i.owner_id.in_(owner_ids)
            ).group_by(i.owner_id),
        }
        found: list[OwnerCount] = []
        for key, stmt in queries.items():
            found += [OwnerCount(_n(owner), key, _n(n))
                      for owner, n in (await self._s.execute(stmt)).all()]
        return found
