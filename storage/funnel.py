"""The queries behind the funnel: stage entries from the stage change log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funnel import StageEntry
from storage import models as m


class SqlFunnelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def stage_entries(self, owner_id: int | None, pipeline_code: str,
                            start: datetime | None, end: datetime) -> Sequence[StageEntry]:
        """Every logged entry into a stage of the pipeline (up to `end`) of the deals that
        entered some stage at or after `start` (all deals when None), of one owner or all."""
        ch, d = m.DealStageChange, m.Deal
        pipeline_id = select(m.Pipeline.id).where(m.Pipeline.code == pipeline_code)
        scope = select(ch.deal_id).join(d, d.id == ch.deal_id).where(
            d.pipeline_id.in_(pipeline_id), ch.at <= end)
        if start is not None:
            scope = scope.where(ch.at >= start)
        if owner_id is not None:
            scope = scope.where(d.owner_id == owner_id)
        q = (select(ch.deal_id, m.Stage.code, ch.at, d.amount_minor, d.currency)
             .join(m.Stage, m.Stage.id == ch.to_stage_id)
             .join(d, d.id == ch.deal_id)
             .where(ch.deal_id.in_(scope.distinct()), ch.at <= end)
             .order_by(ch.at, ch.id))
        return [StageEntry(deal_id=deal_id, stage_code=code, at=at, amount_minor=amount,
                           currency=currency)
                for deal_id, code, at, amount, currency in (await self._s.execute(q)).all()]
