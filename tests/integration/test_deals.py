"""Deals through configured pipelines, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.access import AccessService
from services.clock import FrozenClock
from services.deals import DealDraft, DealService
from services.errors import Conflict, InvalidInput, NotFound
from services.pipelines import PipelineConfigError, load_pipelines, parse_pipelines
from services.users import Role, User
from storage.deals import sync_pipelines
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")


@pytest.fixture
async def setup(db: Database) -> tuple[DealService, User, User]:
    clock = FrozenClock(datetime(2026, 11, 20, 9, tzinfo=UTC))
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M1", None, None)
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M2", None, None)
    return DealService(db.uow, clock, PIPELINES), m1, m2


async def test_strict_pipeline_refuses_a_skip(setup: tuple[DealService, User, User]) -> None:
    deals, m1, _ = setup
    deal = await deals.create(m1, DealDraft(title="Поставка бумаги"))
    assert (deal.pipeline_code, deal.stage_code) == ("sales", "new")
    with pytest.raises(Conflict) as err:
        await deals.move(m1, deal.id, "proposal")
    assert err.value.code == "stage_not_allowed"
    assert [s.code for s in deals.allowed_targets(deal)] == ["qualified", "lost"]


async def test_manual_pipeline_allows_a_skip(setup: tuple[DealService, User, User]) -> None:
    deals, m1, _ = setup
    deal = await deals.create(m1, DealDraft(title="Site", pipeline_code="projects"))
    result = await deals.move(m1, deal.id, "contract")
    assert not result.moved and result.missing == ("contract_number", "company")
    await deals.set_field(m1, deal.id, "contract_number", "Д-17/2026")
    await deals.set_field(m1, deal.id, "company", "ООО Ромашка")
    result = await deals.move(m1, deal.id, "contract")
    assert result.moved and result.deal.stage_code == "contract"
    assert result.deal.fields["contract_number"] == "Д-17/2026"


async def test_required_fields_block_then_fill_in_place(
    setup: tuple[DealService, User, User],
) -> None:
    deals, m1, _ = setup
    deal = await deals.create(m1, DealDraft(title="Chairs"))
    result = await deals.move(m1, deal.id, "next")
    assert not result.moved and result.target == "qualified"
    assert result.missing == ("contact", "amount")
    assert (await deals.get(m1, deal.id)).stage_code == "new"
    with pytest.raises(InvalidInput):
        await deals.set_field(m1, deal.id, "amount", "twelve")
    await deals.set_field(m1, deal.id, "amount", "1 200,50")
    await deals.set_field(m1, deal.id, "contact", "Анна Иванова")
    result = await deals.move(m1, deal.id, "next")
    assert result.moved and result.deal.stage_code == "qualified"
    assert result.deal.amount_minor == 120050
    history = await deals.history(m1, deal.id)
    assert [(h.from_stage, h.to_stage) for h in history] == [(None, "new"), ("new", "qualified")]
    assert history[-1].actor_name == "M1"


async def test_lost_needs_a_reason_and_closes(setup: tuple[DealService, User, User]) -> None:
    deals, m1, _ = setup
    deal = await deals.create(m1, DealDraft(title="Desk"))
    assert (await deals.move(m1, deal.id, "lost")).missing == ("lost_reason",)
    result = await deals.move(m1, deal.id, "lost", note="Too expensive")
    assert result.deal.status == "lost" and result.deal.lost_reason == "Too expensive"
    with pytest.raises(Conflict):
        await deals.move(m1, deal.id, "next")


async def test_no_stage_pipeline_only_wins_or_loses(
    setup: tuple[DealService, User, User],
) -> None:
    deals, m1, _ = setup
    deal = await deals.create(m1, DealDraft(title="Quick", pipeline_code="quick"))
    assert deal.stage_code is None
    with pytest.raises(Conflict):
        await deals.move(m1, deal.id, "qualified")
    assert (await deals.move(m1, deal.id, "won")).deal.status == "won"


async def test_other_managers_deal_is_not_found(setup: tuple[DealService, User, User]) -> None:
    deals, m1, m2 = setup
    deal = await deals.create(m1, DealDraft(title="Mine"))
    for call in (deals.get(m2, deal.id), deals.move(m2, deal.id, "next"),
                 deals.set_field(m2, deal.id, "amount", "5"), deals.history(m2, deal.id)):
        with pytest.raises(NotFound):
            await call


@pytest.mark.parametrize(("text", "needle"), [
    ('[pipelines.a]\nkind="strict"\n[[pipelines.a.stages]]\ncode="x"\nrequired=["colour"]',
     "unknown field 'colour'"),
    ('[pipelines.a]\nkind="weird"', "kind must be strict, manual or none"),
    ('[pipelines.a]\nkind="strict"\n[[pipelines.a.stages]]\ncode="x"\n'
     '[[pipelines.a.stages]]\ncode="x"', "duplicate stage code"),
])
def test_bad_configuration_is_named(text: str, needle: str) -> None:
    import tomllib

    with pytest.raises(PipelineConfigError) as err:
        parse_pipelines(tomllib.loads(text))
    assert needle in str(err.value)
