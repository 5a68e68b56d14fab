"""b. Funnel per manager: counts and sums per stage, conversion, days in each stage, stuck
deals.

Definitions (those of services/funnel.py, per manager; stages from the pipelines/stages
tables, synced from config/pipelines.toml):
- working stages: the pipeline's stages whose outcome is not won/lost, in position order
  ("paid" is a working stage);
- managers: active staff owning deals of the pipeline (by name), or the query's one manager;
  `total` is the sum of their rows (a deal has one owner);
- count: distinct deals that entered the stage in [w.start, w.end) (a logged change to it;
  creation in the first stage counts); amount: Σ the current amount of those deals whose
  currency is the query's (others count, add nothing);
- converted: of those, the deals that entered the next working stage at or after their
  first entry in the window (None for the last working stage);
- average_days: over the stays in the stage that began in the window and have ended (the
  deal's next logged change), their average length in days, 0.1 half up; None when none ended;
- stuck: open deals now in the stage whose last stage change is more than `stuck_days` days
  before `now` (the current state: not limited to the window);
- won / lost: deals of the pipeline closed in the window as won / lost.
Deals have no seller organization: `q.organization_id` does not narrow the funnel.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from services.reports.model import (
    FunnelReport,
    FunnelStage,
    ManagerFunnel,
    Named,
    ReportQuery,
    Window,
)
from services.reports.ports import ReportRepository

_TENTH = Decimal("0.1")
_DAY = 86400


def _days(seconds: int, stays: int) -> Decimal | None:
    if not stays:
        return None
    return (Decimal(seconds) / stays / _DAY).quantize(_TENTH, ROUND_HALF_UP)


async def build(repo: ReportRepository, q: ReportQuery, w: Window, now: datetime,
                pipeline: str, stuck_days: int) -> FunnelReport:
    stages = [s for s in await repo.pipeline_stages(pipeline)
              if s.outcome not in ("won", "lost")]
    staff = await repo.managers(q.owner_id)
    if q.owner_id is None:
        owners = set(await repo.funnel_owners(pipeline))
        staff = [s for s in staff if s.id in owners]
    ids = [s.id for s in staff if s.id is not None]
    following = {a.id: b.id for a, b in pairwise(stages)}

    # (owner, stage) -> figures; owner None is the total.
    flow: dict[tuple[int | None, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    stays: dict[tuple[int | None, int], list[int]] = defaultdict(lambda: [0, 0])
    stuck: dict[tuple[int | None, int], int] = defaultdict(int)
    closed: dict[tuple[int | None, str], int] = defaultdict(int)
    if ids:
        for f in await repo.stage_flow(pipeline, ids, w.start, w.end, q.currency, following):
            for owner in (f.owner_id, None):
                row = flow[owner, f.stage_id]
                row[0] += f.count
                row[1] += f.amount_minor
                row[2] += f.converted
        for s in await repo.stage_stays(pipeline, ids, w.start, w.end):
            for owner in (s.owner_id, None):
                stays[owner, s.stage_id][0] += s.stays
                stays[owner, s.stage_id][1] += s.seconds
        for c in await repo.stuck_deals(pipeline, ids, now - timedelta(days=stuck_days)):
            for owner in (c.owner_id, None):
                stuck[owner, int(c.key)] += c.count
        for c in await repo.funnel_closed(pipeline, ids, w.start, w.end):
            for owner in (c.owner_id, None):
                closed[owner, str(c.key)] += c.count

    def manager(who: Named) -> ManagerFunnel:
        rows = []
        for stage in stages:
            count, amount, converted = flow.get((who.id, stage.id), (0, 0, 0))
            n, seconds = stays.get((who.id, stage.id), (0, 0))
            rows.append(FunnelStage(
                code=stage.code, count=count, amount_minor=amount,
                converted=converted if stage.id in following else None,
                average_days=_days(seconds, n), stuck=stuck.get((who.id, stage.id), 0)))
        return ManagerFunnel(who, tuple(rows), won=closed.get((who.id, "won"), 0),
                             lost=closed.get((who.id, "lost"), 0))

    return FunnelReport(query=q, pipeline=pipeline, stuck_days=stuck_days,
                        managers=tuple(manager(s) for s in staff),
                        total=manager(Named(None, "")))
