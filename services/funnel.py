"""The sales funnel of a pipeline for a period: how many deals entered each stage, their
amount, and the stage-to-stage conversion.

Definitions (from the stage change log, deal_stage_changes):
- a deal *entered* stage S in the period when a change to S is logged inside the period
  (its creation in the first stage counts);
- amount of S: the sum of the current amounts of the deals that entered S, per currency;
- conversion S(i) -> S(i+1): of the deals that entered S(i) in the period, the share that
  entered S(i+1) at any later moment (up to now). The last working stage converts to "won".
- scope: a manager always sees their own deals; a head or an admin may see the whole team.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.errors import InvalidInput
from services.kernel import UnitOfWork, UowFactory
from services.money import from_minor
from services.pipelines import PipelineConfig, PipelineKind, StageConfig
from services.tasks import zone_of
from services.users import Actor


class Period(StrEnum):
    MONTH = "month"
    DAYS30 = "30d"
    QUARTER = "quarter"
    ALL = "all"


def conversion(converted: int | None, count: int) -> Decimal | None:
    """Percent of `count` that went on, one decimal; None when nobody entered the stage or it
    is the last row (`converted` None)."""
    if converted is None or not count:
        return None
    return (Decimal(converted * 100) / count).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class StageEntry:
    deal_id: int
    stage_code: str
    at: datetime
    amount_minor: int | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class FunnelRow:
    stage: StageConfig
    count: int
    amounts: dict[str, Decimal]  # currency -> sum
    converted: int | None  # how many went on to the next row's stage; None for the last row

    @property
    def conversion(self) -> Decimal | None:
        return conversion(self.converted, self.count)


@dataclass(frozen=True, slots=True)
class Funnel:
    pipeline: PipelineConfig
    period: Period
    start: datetime | None
    end: datetime
    team: bool
    rows: Sequence[FunnelRow]
    lost: int


def period_bounds(period: Period, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The start (UTC) of the period that ends now, in the reader's calendar; None = ever."""
    today = now.astimezone(zone).date()
    if period == Period.MONTH:
        day = today.replace(day=1)
    elif period == Period.DAYS30:
        day = today - timedelta(days=29)
    elif period == Period.QUARTER:
        day = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    else:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def compute_rows(stages: Sequence[StageConfig], entries: Sequence[StageEntry],
                 start: datetime | None, end: datetime) -> list[FunnelRow]:
    """Pure arithmetic of the funnel over the change log (see the module docstring)."""
    first_in_period: dict[str, dict[int, datetime]] = defaultdict(dict)
    entered_at: dict[str, dict[int, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    amount: dict[int, tuple[int | None, str | None]] = {}
    for e in entries:
        amount[e.deal_id] = (e.amount_minor, e.currency)
        entered_at[e.stage_code][e.deal_id].append(e.at)
        if (start is None or e.at >= start) and e.at <= end:
            seen = first_in_period[e.stage_code].get(e.deal_id)
            if seen is None or e.at < seen:
                first_in_period[e.stage_code][e.deal_id] = e.at
    rows = []
    for i, stage in enumerate(stages):
        deals = first_in_period.get(stage.code, {})
        sums: dict[str, Decimal] = {}
        for deal_id in deals:
            minor, currency = amount[deal_id]
            if minor is not None and currency:
                sums[currency] = sums.get(currency, Decimal(0)) + from_minor(minor, currency)
        converted = None
        if i + 1 < len(stages):
            later = entered_at.get(stages[i + 1].code, {})
            converted = sum(1 for deal_id, at in deals.items()
                            if any(t >= at for t in later.get(deal_id, ())))
        rows.append(FunnelRow(stage=stage, count=len(deals), amounts=sums, converted=converted))
    return rows


class FunnelRepository(Protocol):
    async def stage_entries(self, owner_id: int | None, pipeline_code: str,
                            start: datetime | None, end: datetime) -> Sequence[StageEntry]: ...


class FunnelUnitOfWork(UnitOfWork, Protocol):
    @property
    def funnel(self) -> FunnelRepository: ...


class FunnelService:
    def __init__(self, uow: UowFactory[FunnelUnitOfWork], clock: Clock,
                 pipelines: Sequence[PipelineConfig],
                 default_timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self.pipelines = [p for p in pipelines if p.kind != PipelineKind.NONE]
        self._tz = default_timezone

    async def funnel(self, actor: Actor, period: str = Period.MONTH, team: bool = False,
                     pipeline_code: str | None = None) -> Funnel:
        try:
            chosen = Period(period)
        except ValueError:
            raise InvalidInput("bad_period", field="period") from None
        pipeline = next((p for p in self.pipelines if p.code == pipeline_code),
                        next((p for p in self.pipelines if p.default), self.pipelines[0]))
        # A manager's "team" is themselves: the scope comes from the role, not the button.
        team = team and actor.sees_everything
        owner = None if team else actor.id
        now = self._clock.now()
        start = period_bounds(chosen, now, zone_of(actor.timezone, self._tz))
        async with self._uow(readonly=True) as uow:
            entries = await uow.funnel.stage_entries(owner, pipeline.code, start, now)
        walk = [s for s in pipeline.stages if s.outcome != "lost"]
        rows = compute_rows(walk, entries, start, now)
        lost_rows = compute_rows([s for s in pipeline.stages if s.outcome == "lost"], entries,
                                 start, now)
        return Funnel(pipeline=pipeline, period=chosen, start=start, end=now, team=team,
                      rows=rows, lost=sum(r.count for r in lost_rows))
