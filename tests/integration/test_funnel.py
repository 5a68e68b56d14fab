"""Funnel numbers from the stage change log, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from services.access import AccessService
from services.clock import FrozenClock
from services.deals import DealDraft, DealService
from services.errors import InvalidInput
from services.funnel import FunnelService, Period
from services.pipelines import load_pipelines
from services.users import Role, User
from storage.deals import sync_pipelines
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")


async def qualify(deals: DealService, actor: User, deal_id: int, amount: str) -> None:
    await deals.set_field(actor, deal_id, "contact", "Anna")
    await deals.set_field(actor, deal_id, "amount", amount)
    assert (await deals.move(actor, deal_id, "next")).moved


@pytest.fixture
async def world(db: Database) -> tuple[FunnelService, User, User, User]:
    clock = FrozenClock(datetime(2026, 9, 10, 9, tzinfo=UTC))
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "Europe/Chisinau")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M1", None, None)
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M2", None, None)
    deals = DealService(db.uow, clock, PIPELINES)
    # September: an old deal, qualified back then.
    d4 = await deals.create(m1, DealDraft(title="Old"))
    await qualify(deals, m1, d4.id, "300")
    # November.
    clock.set(datetime(2026, 11, 20, 9, tzinfo=UTC))
    d1 = await deals.create(m1, DealDraft(title="One"))
    d2 = await deals.create(m1, DealDraft(title="Two"))
    d3 = await deals.create(m1, DealDraft(title="Three"))
    await deals.create(m2, DealDraft(title="Someone else's", amount=Decimal("70")))
    clock.advance(timedelta(hours=1))
    await qualify(deals, m1, d1.id, "1000")
    await qualify(deals, m1, d2.id, "500,50")
    clock.advance(timedelta(hours=1))
    for deal_id in (d1.id, d4.id):
        await deals.set_field(m1, deal_id, "expected_close", "01.12.2026")
        assert (await deals.move(m1, deal_id, "next")).moved
    assert (await deals.move(m1, d3.id, "lost", note="No budget")).moved
    return FunnelService(db.uow, clock, PIPELINES, "UTC"), admin, m1, m2


def table(funnel: object) -> list[tuple[str, int, dict[str, Decimal], Decimal | None]]:
    return [(r.stage.code, r.count, r.amounts, r.conversion)
            for r in funnel.rows]  # type: ignore[attr-defined]


async def test_this_month_for_a_manager(world: tuple[FunnelService, User, User, User]) -> None:
    funnel, _, m1, _ = world
    f = await funnel.funnel(m1, Period.MONTH)
    assert f.pipeline.code == "sales" and not f.team
    assert table(f) == [
        ("new", 3, {"RUB": Decimal("1500.50")}, Decimal("66.7")),
        ("qualified", 2, {"RUB": Decimal("1500.50")}, Decimal("50.0")),
        # The September deal counts here: it entered "proposal" this month.
        ("proposal", 2, {"RUB": Decimal("1300.00")}, Decimal("0.0")),
        ("invoice", 0, {}, None),
        ("paid", 0, {}, None),
        ("won", 0, {}, None),
    ]
    assert f.lost == 1
    assert [r.converted for r in f.rows] == [2, 1, 0, 0, 0, None]


async def test_all_time_and_the_team(world: tuple[FunnelService, User, User, User]) -> None:
    funnel, admin, m1, m2 = world
    f = await funnel.funnel(m1, Period.ALL)
    assert [(r.stage.code, r.count, r.converted) for r in f.rows[:3]] == [
        ("new", 4, 3), ("qualified", 3, 2), ("proposal", 2, 0)]
    # A manager asking for the team still sees only their own deals.
    assert table(await funnel.funnel(m1, Period.MONTH, team=True)) == table(
        await funnel.funnel(m1, Period.MONTH))
    team = await funnel.funnel(admin, Period.MONTH, team=True)
    assert team.team and team.rows[0].count == 4
    assert team.rows[0].amounts == {"RUB": Decimal("1570.50")}
    assert (await funnel.funnel(m2, Period.QUARTER)).rows[0].count == 1
    assert (await funnel.funnel(admin, Period.MONTH)).rows[0].count == 0  # the admin's own
    thirty = await funnel.funnel(m1, Period.DAYS30)
    assert thirty.rows[0].count == 3
    with pytest.raises(InvalidInput):
        await funnel.funnel(m1, "forever")
