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
    or_,
    select,
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
        log = (select(ch.deal_id, ch.to_stage_id.label("stage_id"), ch.at,
                      func.lead(ch.at).over(partition_by=ch.deal_id,
                                            order_by=(ch.at, ch.id)).label("left_at"))
               .where(ch.deal_id.in_(in_window))).subquery()
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
        # One GROUP BY item over the covering range of ix_invoices_report (currency,
        # issue_date, ...) from the earlier of the period's start and the first month to the
        # end of the last month, limited to the period's items; the period's revenue and each
        # month's sum are conditional sums of the same rows (a row per item, not per month).
        i, line = m.Invoice, m.DocumentLine
        bounds = [*months, _next_month(months[-1])]
        day = i.issue_date
        in_period = and_(day >= q.period.start, day <= q.period.end)
        item: Any
        names: type[m.Company] | type[m.Product]
        if subject == "clients":
            item, minor, names = i.company_id, i.total_minor, m.Company
            kept = [i.company_id.is_not(None)]
        else:
            item, minor, names = line.product_id, line.total_minor, m.Product
            kept = [line.credit_note_id.is_(None), line.product_id.is_not(None)]
        chosen = select(item).where(*self._issued(q, q.period.start, q.period.end), *kept)
        sums = select(item.label("id"),
                      func.sum(case((in_period, minor), else_=0)).label("period"),
                      *(func.sum(case((and_(day >= start, day < end), minor), else_=0))
                        for start, end in pairwise(bounds)))
        if subject != "clients":
            chosen = chosen.join(i, i.id == line.invoice_id)
            sums = sums.join(i, i.id == line.invoice_id)
        # `item + 0`: checked against the period's items, not probed by its own index (which
        # would read every invoice the item ever had).
        grouped = (sums.where(*self._issued(q, min(q.period.start, bounds[0]),
                                            bounds[-1] - timedelta(days=1)),
                              *kept, (item + 0).in_(chosen.distinct()))
                   .group_by(item)).subquery()
        named = (select(grouped, names.name).join(names, names.id == grouped.c.id)
                 .order_by(grouped.c.period.desc(), grouped.c.id))
        return [ItemRevenue(_n(row[0]), str(row[-1]), _n(row[1]),
                            tuple(_n(v) for v in row[2:-1]))
                for row in (await self._s.execute(named)).all()]

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
        leads = (select(lead.owner_id, lead.created_at, first.label("first_at"))
                 .where(lead.owner_id.in_(owner_ids), lead.created_at >= start,
                        lead.created_at < end)).subquery()
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
