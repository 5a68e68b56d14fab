"""DealService on the in-memory fakes: creation, stage moves and their required fields, the
stage history, closing, and what another manager may not see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.deals import DealDraft
from services.errors import Conflict, InvalidInput, NotFound
from tests.unit.services.conftest import World


async def test_a_new_deal_starts_in_the_first_stage_with_its_history(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="  Поставка   бумаги ", company_id=w.c1))
    assert (deal.pipeline_code, deal.stage_code, deal.status) == ("sales", "new", "open")
    assert deal.title == "Поставка бумаги"
    assert deal.currency == "RUB" and deal.amount_minor is None
    history = await w.deals.history(w.m1, deal.id)
    assert [(h.from_stage, h.to_stage, h.actor_name) for h in history] == [(None, "new", "M1")]
    card = await w.deals.card(w.m1, deal.id)
    assert (card.company_name, card.owner_name, card.next_target) == ("Ромашка", "M1",
                                                                       "qualified")
    assert card.targets == ("qualified", "lost")


async def test_a_strict_pipeline_refuses_a_skip_and_nothing_moves(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Chairs"))
    with pytest.raises(Conflict) as err:
        await w.deals.move(w.m1, deal.id, "proposal")
    assert err.value.code == "stage_not_allowed"
    assert (await w.deals.get(w.m1, deal.id)).stage_code == "new"
    assert len(await w.deals.history(w.m1, deal.id)) == 1


async def test_required_fields_block_the_move_until_filled(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Chairs"))
    result = await w.deals.move(w.m1, deal.id, "next")
    assert not result.moved and result.target == "qualified"
    assert result.missing == ("contact", "amount")
    assert (await w.deals.get(w.m1, deal.id)).stage_code == "new"
    with pytest.raises(InvalidInput):
        await w.deals.set_field(w.m1, deal.id, "amount", "twelve")
    assert (await w.deals.get(w.m1, deal.id)).amount_minor is None
    advance = await w.deals.fill_and_advance(w.m1, deal.id, "amount", "1 200,50", "qualified")
    assert not advance.result.moved and advance.result.missing == ("contact",)
    w.clock.advance(timedelta(minutes=5))
    advance = await w.deals.fill_and_advance(w.m1, deal.id, "contact", "Анна Иванова",
                                             "qualified")
    assert advance.result.moved
    assert (advance.card.deal.stage_code, advance.card.deal.amount_minor) == ("qualified",
                                                                              120050)
    assert advance.card.contact_name == "Анна Иванова"
    history = await w.deals.history(w.m1, deal.id)
    assert [(h.from_stage, h.to_stage) for h in history] == [(None, "new"),
                                                              ("new", "qualified")]
    assert history[-1].at == w.clock.now()


async def test_a_manual_pipeline_jumps_but_still_needs_its_fields(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Site", pipeline_code="projects"))
    result = await w.deals.move(w.m1, deal.id, "contract")
    assert not result.moved and result.missing == ("contract_number", "company")
    await w.deals.set_field(w.m1, deal.id, "contract_number", "Д-17/2026")
    card = await w.deals.set_field_card(w.m1, deal.id, "company", "ООО Ромашка")
    assert card.company_name == "ООО Ромашка"
    result = await w.deals.move(w.m1, deal.id, "contract")
    assert result.moved and result.deal.stage_code == "contract"
    # The company typed on the deal is a client of the deal's manager.
    page = await w.clients.list_companies(w.m1)
    assert sorted(c.name for c in page.items) == ["ООО Ромашка", "Ромашка"]


async def test_lost_needs_a_reason_and_a_closed_deal_stays_closed(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Desks"))
    result = await w.deals.move(w.m1, deal.id, "lost", note="  ")
    assert not result.moved and result.missing == ("lost_reason",)
    result = await w.deals.move(w.m1, deal.id, "lost", note="Too expensive")
    assert result.moved
    assert (result.deal.status, result.deal.lost_reason) == ("lost", "Too expensive")
    assert result.deal.closed_at == w.clock.now()
    with pytest.raises(Conflict) as err:
        await w.deals.move(w.m1, deal.id, "next")
    assert err.value.code == "deal_closed"
    assert [d.id for d in (await w.deals.list_deals(w.m1, "lost"))[0]] == [deal.id]
    assert (await w.deals.list_deals(w.m1))[1] == 0


async def test_a_button_pressed_twice_moves_once(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Lamps", amount=None))
    await w.deals.set_field(w.m1, deal.id, "amount", "10")
    await w.deals.set_field(w.m1, deal.id, "contact", "Ivan")
    assert (await w.deals.move(w.m1, deal.id, "next", expected_stage="new")).moved
    with pytest.raises(Conflict) as err:
        await w.deals.move(w.m1, deal.id, "next", expected_stage="new")
    assert err.value.code == "stage_changed"
    history = await w.deals.history(w.m1, deal.id)
    assert [h.to_stage for h in history] == ["new", "qualified"]


async def test_a_pipeline_without_stages_is_only_won_or_lost(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Pens", pipeline_code="quick"))
    assert deal.stage_code is None and w.deals.allowed_targets(deal) == []
    with pytest.raises(Conflict) as err:
        await w.deals.move(w.m1, deal.id, "proposal")
    assert err.value.code == "stage_not_allowed"
    result = await w.deals.move(w.m1, deal.id, "won")
    assert result.moved and (result.deal.status, result.deal.stage_code) == ("won", None)
    history = await w.deals.history(w.m1, deal.id)
    assert [(h.from_stage, h.to_stage, h.note) for h in history] == [(None, None, None),
                                                                      (None, "won", "won")]


async def test_another_managers_deal_is_not_found_like_a_missing_one(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Paper"))
    missing = deal.id + 100
    for call in (
        lambda i: w.deals.get(w.m2, i),
        lambda i: w.deals.move(w.m2, i, "next"),
        lambda i: w.deals.set_field(w.m2, i, "amount", "10"),
        lambda i: w.deals.history(w.m2, i),
        lambda i: w.deals.card(w.m2, i),
    ):
        refusals = []
        for deal_id in (deal.id, missing):
            with pytest.raises(NotFound) as err:
                await call(deal_id)
            refusals.append((err.value.code, err.value.params.get("entity")))
        assert refusals[0] == refusals[1] == ("not_found", "deal")
    assert (await w.deals.list_deals(w.m2))[1] == 0
    # Nothing the refused calls tried was written; the head of sales sees the deal.
    seen = await w.deals.get(w.admin, deal.id)
    assert (seen.stage_code, seen.amount_minor) == ("new", None)
    # A forged client id on a new deal is refused the same way.
    with pytest.raises(NotFound) as err:
        await w.deals.create(w.m2, DealDraft(title="Mine?", company_id=w.c1))
    assert err.value.params == {"entity": "company", "id": w.c1}
    assert (await w.deals.list_deals(w.admin))[1] == 1


async def test_the_deal_card_shows_the_next_open_task(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Boxes"))
    card = await w.deals.set_field_card(w.m1, deal.id, "next_task", "Call Anna")
    assert card.next_task is not None and card.next_task.title == "Call Anna"
    assert card.deal.open_tasks == 1
    done = await w.tasks.complete(w.m1, card.next_task.id)
    assert done.status == "done"
    card = await w.deals.card(w.m1, deal.id)
    assert card.next_task is None and card.deal.open_tasks == 0
