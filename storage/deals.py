from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.clients import Company
from services.contacts_norm import normalize_name
from services.deals import Deal, DealEdit, StageChange
from services.pipelines import PipelineConfig
from storage import models as m
from storage.companies import lacks_primary, to_company
from storage.origin_keys import flush_once


def norm(text: str) -> str:
    """The one search form of names, shared with search (services.contacts_norm)."""
    return normalize_name(text)


async def sync_pipelines(session: AsyncSession, configs: Sequence[PipelineConfig]) -> None:
    """Makes the pipelines/stages tables match the configuration (by code). Stages that left
    the configuration stay, so old deals keep their history."""
    for cfg in configs:
        row = await session.scalar(select(m.Pipeline).where(m.Pipeline.code == cfg.code))
        if row is None:
            row = m.Pipeline(code=cfg.code, name=cfg.names["en"], kind=cfg.kind.value)
            session.add(row)
            await session.flush()
        else:
            row.name, row.kind = cfg.names["en"], cfg.kind.value
        existing = {s.code: s for s in await session.scalars(
            select(m.Stage).where(m.Stage.pipeline_id == row.id))}
        for st in cfg.stages:
            srow = existing.get(st.code)
            if srow is None:
                session.add(m.Stage(pipeline_id=row.id, code=st.code, name=st.names["en"],
                                    position=st.position, probability=st.probability,
                                    required_fields=list(st.required), outcome=st.outcome))
            else:
                srow.name, srow.position, srow.probability = (st.names["en"], st.position,
                                                              st.probability)
                srow.required_fields, srow.outcome = list(st.required), st.outcome
    await session.flush()


class SqlDealRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _stage_id(self, pipeline_code: str, stage_code: str | None
                        ) -> tuple[int, int | None]:
        pid = await self._s.scalar(select(m.Pipeline.id).where(m.Pipeline.code == pipeline_code))
        if pid is None:
            raise LookupError(f"pipeline {pipeline_code!r} is not synchronised")
        if stage_code is None:
            return pid, None
        sid = await self._s.scalar(select(m.Stage.id).where(
            m.Stage.pipeline_id == pid, m.Stage.code == stage_code))
        return pid, sid

    def _select(self) -> Any:
        open_tasks = (select(func.count(m.Task.id))
                      .where(m.Task.deal_id == m.Deal.id,
                             m.Task.status.notin_(("done", "held", "not_held", "cancelled")))
                      .scalar_subquery())
        return (select(m.Deal, m.Pipeline.code, m.Stage.code, open_tasks)
                .join(m.Pipeline, m.Pipeline.id == m.Deal.pipeline_id)
                .outerjoin(m.Stage, m.Stage.id == m.Deal.stage_id))

    @staticmethod
    def _to_deal(row: Any) -> Deal:
        d, pcode, scode, tasks = row
        return Deal(id=d.id, owner_id=d.owner_id, pipeline_code=pcode, stage_code=scode,
                    title=d.title, company_id=d.company_id, contact_id=d.contact_id,
                    amount_minor=d.amount_minor, currency=d.currency, status=d.status,
                    lost_reason=d.lost_reason, fields=dict(d.fields or {}),
                    created_at=d.created_at, updated_at=d.updated_at, closed_at=d.closed_at,
                    open_tasks=int(tasks or 0))

    async def add(self, owner_id: int, pipeline_code: str, stage_code: str | None, title: str,
                  company_id: int | None, contact_id: int | None, amount_minor: int | None,
                  currency: str, fields: dict[str, Any], now: datetime,
                  origin_key: str | None = None) -> Deal:
        pid, sid = await self._stage_id(pipeline_code, stage_code)
        row = m.Deal(owner_id=owner_id, pipeline_id=pid, stage_id=sid, title=title,
                     title_norm=norm(title), company_id=company_id, contact_id=contact_id,
                     amount_minor=amount_minor, currency=currency, status="open",
                     fields=fields, created_at=now, updated_at=now, last_activity_at=now,
                     origin_key=origin_key)
        self._s.add(row)
        await flush_once(self._s)
        deal = await self.get(row.id, None)
        assert deal is not None
        return deal

    async def by_origin(self, origin_key: str) -> Deal | None:
        row = (await self._s.execute(self._select().where(m.Deal.origin_key == origin_key))
               ).first()
        return self._to_deal(row) if row else None

    async def get(self, deal_id: int, owner_id: int | None) -> Deal | None:
        q = self._select().where(m.Deal.id == deal_id)
        if owner_id is not None:
            q = q.where(m.Deal.owner_id == owner_id)
        row = (await self._s.execute(q.execution_options(populate_existing=True))).first()
        return self._to_deal(row) if row else None

    async def list(self, owner_id: int | None, status: str, offset: int, limit: int
                   ) -> tuple[Sequence[Deal], int]:
        q = self._select().where(m.Deal.status == status)
        c = select(func.count()).select_from(m.Deal).where(m.Deal.status == status)
        if owner_id is not None:
            q = q.where(m.Deal.owner_id == owner_id)
            c = c.where(m.Deal.owner_id == owner_id)
        rows = (await self._s.execute(q.order_by(m.Deal.updated_at.desc(), m.Deal.id.desc())
                                      .offset(offset).limit(limit))).all()
        return [self._to_deal(r) for r in rows], int(await self._s.scalar(c) or 0)

    async def set_stage(self, deal_id: int, stage_code: str | None, status: str,
                        lost_reason: str | None, now: datetime, closed_at: datetime | None
                        ) -> None:
        pcode = await self._s.scalar(select(m.Pipeline.code).join(
            m.Deal, m.Deal.pipeline_id == m.Pipeline.id).where(m.Deal.id == deal_id))
        assert pcode is not None
        _, sid = await self._stage_id(pcode, stage_code)
        values: dict[str, Any] = {"status": status, "updated_at": now, "last_activity_at": now,
                                  "closed_at": closed_at}
        if stage_code is not None:
            values["stage_id"] = sid
        if lost_reason is not None:
            values["lost_reason"] = lost_reason
        await self._s.execute(update(m.Deal).where(m.Deal.id == deal_id).values(**values))

    async def log_stage(self, deal_id: int, from_code: str | None, to_code: str | None,
                        actor_id: int | None, now: datetime, note: str | None) -> None:
        pcode = await self._s.scalar(select(m.Pipeline.code).join(
            m.Deal, m.Deal.pipeline_id == m.Pipeline.id).where(m.Deal.id == deal_id))
        assert pcode is not None
        _, from_id = await self._stage_id(pcode, from_code)
        _, to_id = await self._stage_id(pcode, to_code)
        self._s.add(m.DealStageChange(deal_id=deal_id, from_stage_id=from_id, to_stage_id=to_id,
                                      actor_id=actor_id, at=now,
                                      note=note if to_id is not None else (note or to_code)))
        await self._s.flush()

    async def stage_history(self, deal_id: int) -> Sequence[StageChange]:
        f, t = aliased(m.Stage), aliased(m.Stage)
        fp, tp = aliased(m.Pipeline), aliased(m.Pipeline)
        rows = (await self._s.execute(
            select(m.DealStageChange, f.code, t.code, m.User.full_name, fp.code, tp.code)
            .outerjoin(f, f.id == m.DealStageChange.from_stage_id)
            .outerjoin(t, t.id == m.DealStageChange.to_stage_id)
            .outerjoin(fp, fp.id == f.pipeline_id)
            .outerjoin(tp, tp.id == t.pipeline_id)
            .outerjoin(m.User, m.User.id == m.DealStageChange.actor_id)
            .where(m.DealStageChange.deal_id == deal_id)
            .order_by(m.DealStageChange.at, m.DealStageChange.id))).all()
        return [StageChange(from_stage=fc, to_stage=tc or ch.note, actor_id=ch.actor_id,
                            actor_name=name or "", at=ch.at, note=ch.note,
                            from_pipeline=fpc, to_pipeline=tpc)
                for ch, fc, tc, name, fpc, tpc in rows]

    async def update(self, deal_id: int, changes: dict[str, Any], now: datetime) -> None:
        if "title" in changes:  # the search form follows the title
            changes = {**changes, "title_norm": norm(changes["title"])}
        await self._s.execute(update(m.Deal).where(m.Deal.id == deal_id).values(
            **changes, updated_at=now, last_activity_at=now))

    async def relocate(self, deal_id: int, pipeline_code: str, stage_code: str | None,
                       actor_id: int | None, now: datetime) -> None:
        from_id = await self._s.scalar(select(m.Deal.stage_id).where(m.Deal.id == deal_id))
        pid, sid = await self._stage_id(pipeline_code, stage_code)
        await self._s.execute(update(m.Deal).where(m.Deal.id == deal_id).values(
            pipeline_id=pid, stage_id=sid, updated_at=now, last_activity_at=now))
        self._s.add(m.DealStageChange(deal_id=deal_id, from_stage_id=from_id, to_stage_id=sid,
                                      actor_id=actor_id, at=now, note=None))
        await self._s.flush()

    async def edits(self, deal_id: int, limit: int) -> Sequence[DealEdit]:
        rows = (await self._s.execute(
            select(m.AuditEntry, m.User.full_name)
            .outerjoin(m.User, m.User.id == m.AuditEntry.actor_id)
            .where(m.AuditEntry.deal_id == deal_id, m.AuditEntry.action == "deal.edit")
            .order_by(m.AuditEntry.id.desc()).limit(limit))).all()
        out = []
        for entry, name in reversed(rows):
            changes = tuple(
                (str(c.get("field")), c.get("old"), c.get("new"))
                for c in (entry.data or {}).get("changes", []) if isinstance(c, dict))
            out.append(DealEdit(at=entry.at, actor_name=name or "", changes=changes))
        return out

    async def create_company_for(self, deal: Deal, name: str, now: datetime) -> int:
        row = m.Company(owner_id=deal.owner_id, name=name, name_norm=norm(name),
                        created_at=now, updated_at=now)
        self._s.add(row)
        await self._s.flush()
        if deal.contact_id is not None:
            await self._s.execute(update(m.Contact).where(
                m.Contact.id == deal.contact_id, m.Contact.company_id.is_(None)
            ).values(company_id=row.id, is_primary=await lacks_primary(self._s, row.id)))
        return row.id

    async def create_contact_for(self, deal: Deal, name: str, now: datetime) -> int:
        row = m.Contact(owner_id=deal.owner_id, company_id=deal.company_id, name=name,
                        name_norm=norm(name), created_at=now,
                        is_primary=await lacks_primary(self._s, deal.company_id))
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def create_task_for(self, deal: Deal, title: str, now: datetime) -> int:
        row = m.Task(owner_id=deal.owner_id, kind="task", title=title, status="planned",
                     deal_id=deal.id, company_id=deal.company_id, contact_id=deal.contact_id,
                     created_at=now)
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def card_names(self, deal: Deal) -> tuple[str | None, str | None, str]:
        """Names of the deal's company, contact and responsible manager."""
        company = await self._s.scalar(select(m.Company.name).where(
            m.Company.id == deal.company_id)) if deal.company_id else None
        contact = await self._s.scalar(select(m.Contact.name).where(
            m.Contact.id == deal.contact_id)) if deal.contact_id else None
        owner = await self._s.scalar(select(m.User.full_name).where(m.User.id == deal.owner_id))
        return company, contact, owner or ""

    async def find_companies(self, owner_id: int | None, prefix: str, limit: int
                             ) -> Sequence[Company]:
        """Companies whose normalised name starts with the normalised prefix."""
        key = norm(prefix).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        q = select(m.Company).where(m.Company.name_norm.like(key + "%", escape="\\"))
        if owner_id is not None:
            q = q.where(m.Company.owner_id == owner_id)
        rows = await self._s.scalars(q.order_by(m.Company.name_norm, m.Company.id).limit(limit))
        return [to_company(r) for r in rows]
