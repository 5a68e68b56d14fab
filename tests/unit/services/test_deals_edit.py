"""DealService (issue 13) on the in-memory fakes: editing with the creation's checks, a stale
card, the owner by a head only, moving to another pipeline, lost with a reason and restore,
the stage an issued invoice moves to; and the pipeline file's lost reasons and
on_invoice_issued."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from services.deals import DealDraft
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.notices import DEAL_REASSIGNED
from services.pipelines import (
    DEFAULT_LOST_REASONS,
    PipelineConfigError,
    load_lost_reasons,
    parse_lost_reasons,
    parse_pipelines,
)
from services.users import Role
from tests.unit.services.conftest import PIPELINES, ROOT, World


def edits(w: World, action: str = "deal.edit") -> list[dict[str, object]]:
    return [a for a in w.db.state.audit if a["action"] == action]


async def test_edit_checks_each_field_as_at_creation_and_audits_old_and_new(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Chairs", company_id=w.c1,
                                                amount=Decimal("10")))
    with pytest.raises(InvalidInput) as err:
        await w.deals.edit(w.m1, deal.id, "title", "   ")
    assert err.value.code == "empty"
    with pytest.raises(InvalidInput) as err:
        await w.deals.edit(w.m1, deal.id, "amount", "-5")
    assert err.value.code == "amount_negative"
    with pytest.raises(InvalidInput) as err:
        await w.deals.edit(w.m1, deal.id, "currency", "XYZ")
    assert err.value.code == "unknown_currency"
    with pytest.raises(InvalidInput) as err:
        await w.deals.edit(w.m1, deal.id, "expected_close", "19.11.2026")  # yesterday
    assert err.value.code == "date_in_past"
    assert edits(w) == []
    card = await w.deals.edit(w.m1, deal.id, "title", " Office   chairs ")
    card = await w.deals.edit(w.m1, deal.id, "amount", "1 200,50")
    card = await w.deals.edit(w.m1, deal.id, "expected_close", "20.11.2026")  # today is fine
    card = await w.deals.edit(w.m1, deal.id, "amount", "1200.50")  # the same: not audited
    d = card.deal
    assert (d.title, d.amount_minor, d.fields["expected_close"]) == (
        "Office chairs", 120050, "2026-11-20")
    assert w.db.state.deals[deal.id]["title_norm"] == "office chairs"
    assert [(a["data"], a["company_id"], a["deal_id"]) for a in edits(w)] == [
        ({"changes": [{"field": "title", "old": "Chairs", "new": "Office chairs"}]},
         w.c1, deal.id),
        ({"changes": [{"field": "amount", "old": "10.00", "new": "1200.50"}]}, w.c1, deal.id),
        ({"changes": [{"field": "expected_close", "old": None, "new": "20.11.2026"}]},
         w.c1, deal.id)]
    assert [e.changes[0][0] for e in card.edits] == ["title", "amount", "expected_close"]


async def test_a_stale_or_foreign_card_changes_nothing(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Chairs"))
    seen = deal.version
    w.clock.advance(timedelta(minutes=1))
    await w.deals.edit(w.admin, deal.id, "amount", "500")
    with pytest.raises(Conflict) as err:
        await w.deals.edit(w.m1, deal.id, "title", "Desks", version=seen)
    assert err.value.code == "deal_changed"
    with pytest.raises(Conflict):
        await w.deals.lose(w.m1, deal.id, "price", version=seen)
    with pytest.raises(NotFound):
        await w.deals.edit(w.m2, deal.id, "title", "Mine")
    fresh = await w.deals.get(w.m1, deal.id)
    await w.deals.lose(w.admin, deal.id, "price")
    with pytest.raises(Conflict) as err:
        await w.deals.edit(w.m1, deal.id, "title", "Desks", version=fresh.version)
    assert err.value.code == "deal_closed"
    with pytest.raises(Conflict) as err:
        await w.deals.relocate(w.m1, deal.id, "projects", "brief")
    assert err.value.code == "deal_closed"
    assert (await w.deals.get(w.m1, deal.id)).title == "Chairs"


async def test_only_a_head_or_an_admin_changes_the_owner_who_is_told(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Chairs"))
    with pytest.raises(Forbidden):
        await w.deals.owner_choices(w.m1, deal.id)
    with pytest.raises(Forbidden):
        await w.deals.change_owner(w.m1, deal.id, w.m2.id)
    choices = await w.deals.owner_choices(w.admin, deal.id)
    assert w.m1.id not in {u.id for u in choices} and w.m2.id in {u.id for u in choices}
    card = await w.deals.change_owner(w.admin, deal.id, w.m2.id)
    assert card.deal.owner_id == w.m2.id and card.owner_name == "M2"
    (row,) = [r for r in w.db.outbox_rows() if r.kind == DEAL_REASSIGNED]
    assert row.chat_id == w.m2.telegram_id and row.payload["deal_id"] == deal.id
    assert row.payload["lang"] == "ru"
    assert edits(w)[-1]["data"] == {"changes": [{"field": "owner", "old": "M1",
                                                 "new": "M2"}]}
    with pytest.raises(NotFound):
        await w.deals.get(w.m1, deal.id)
    assert w.admin.role == Role.ADMIN


async def test_another_pipeline_asks_its_stage_required_fields_first(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Site"))
    with pytest.raises(NotFound):
        await w.deals.relocate(w.m1, deal.id, "projects", "won")  # not a working stage
    with pytest.raises(Conflict) as err:
        await w.deals.relocate(w.m1, deal.id, "sales", "new")
    assert err.value.code == "same_pipeline"
    adv = await w.deals.relocate(w.m1, deal.id, "projects", "estimate")
    assert not adv.result.moved and adv.result.missing == ("amount", "decision_maker")
    assert adv.result.target == "projects/estimate"
    await w.deals.fill_and_advance(w.m1, deal.id, "amount", "100", "projects/estimate")
    adv = await w.deals.fill_and_advance(w.m1, deal.id, "decision_maker", "Anna",
                                         "projects/estimate")
    assert adv.result.moved
    assert (adv.card.deal.pipeline_code, adv.card.deal.stage_code) == ("projects", "estimate")
    assert (adv.card.history[-1].from_stage, adv.card.history[-1].to_stage) == ("new",
                                                                                "estimate")
    assert edits(w)[-1]["data"] == {"changes": [{"field": "pipeline", "old": "Sales · New",
                                                 "new": "Projects · Estimate"}]}


async def test_lost_with_a_reason_and_restored_to_its_stage(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Chairs", amount=Decimal("5")))
    await w.deals.set_field(w.m1, deal.id, "contact", "Anna")
    assert (await w.deals.move(w.m1, deal.id, "next")).moved
    with pytest.raises(InvalidInput):
        await w.deals.lose(w.m1, deal.id, "weather")
    with pytest.raises(InvalidInput):
        await w.deals.lose(w.m1, deal.id, "other", "  ")
    card = await w.deals.lose(w.m1, deal.id, "no_budget")
    assert (card.deal.status, card.deal.stage_code, card.deal.lost_reason) == (
        "lost", "lost", "no_budget")
    assert card.deal.closed_at is not None
    assert w.deals.lost_reason_name("no_budget", "ru") == "Нет бюджета"
    assert (await w.deals.list_deals(w.m1))[1] == 0
    assert (await w.deals.list_deals(w.m1, "lost"))[1] == 1
    with pytest.raises(NotFound):
        await w.deals.restore(w.m2, deal.id)
    card = await w.deals.restore(w.m1, deal.id)
    assert (card.deal.status, card.deal.stage_code, card.deal.lost_reason,
            card.deal.closed_at) == ("open", "qualified", None, None)
    with pytest.raises(Conflict) as err:
        await w.deals.restore(w.m1, deal.id)
    assert err.value.code == "deal_not_lost"
    assert [a["action"] for a in w.db.state.audit if a["deal_id"] == deal.id] == [
        "deal.lost", "deal.restore"]


async def test_an_issued_invoice_moves_the_deal_forward_only_when_allowed(w: World) -> None:
    now = w.clock.now()
    ready = await w.deals.create(w.m1, DealDraft(title="A", company_id=w.c1))
    bare = await w.deals.create(w.m1, DealDraft(title="B"))  # "invoice" requires a company
    manual = await w.deals.create(w.m1, DealDraft(title="C", pipeline_code="projects"))
    async with w.db.uow() as uow:
        assert await w.deals.advance_on_invoice(uow, ready.id, w.m1.id, now) == "invoice"
        assert await w.deals.advance_on_invoice(uow, ready.id, w.m1.id, now) is None
        assert await w.deals.advance_on_invoice(uow, bare.id, w.m1.id, now) is None
        assert await w.deals.advance_on_invoice(uow, manual.id, w.m1.id, now) is None
        await uow.commit()
    assert (await w.deals.get(w.m1, ready.id)).stage_code == "invoice"
    assert (await w.deals.get(w.m1, bare.id)).stage_code == "new"
    history = await w.deals.history(w.m1, ready.id)
    assert (history[-1].from_stage, history[-1].to_stage, history[-1].actor_id,
            history[-1].note) == ("new", "invoice", w.m1.id, "invoice")
    # A deal already past the stage (paid) does not go back; a lost one does not move.
    paid = await w.deals.create(w.m1, DealDraft(title="D", company_id=w.c1))
    lost = await w.deals.create(w.m1, DealDraft(title="E", company_id=w.c1))
    await w.deals.lose(w.m1, lost.id, "price")
    async with w.db.uow() as uow:
        assert await w.deals.advance_on_payment(uow, paid.id, now) == "paid"
        assert await w.deals.advance_on_invoice(uow, paid.id, w.m1.id, now) is None
        assert await w.deals.advance_on_invoice(uow, lost.id, w.m1.id, now) is None
        await uow.commit()
    assert (await w.deals.get(w.m1, paid.id)).stage_code == "paid"


def test_the_shipped_pipeline_file_names_the_invoice_stage_and_reasons() -> None:
    sales = next(p for p in PIPELINES if p.code == "sales")
    assert sales.on_invoice_issued == "invoice"
    reasons = load_lost_reasons(ROOT / "config" / "pipelines.toml")
    assert [r.code for r in reasons] == ["price", "competitor", "no_budget", "no_answer",
                                         "not_needed"]
    assert all(set(r.names) == {"en", "ru", "ro"} for r in reasons)


BASE = """
[pipelines.p]
kind = "strict"
{extra}
[[pipelines.p.stages]]
code = "new"
[[pipelines.p.stages]]
code = "invoice"
[[pipelines.p.stages]]
code = "won"
outcome = "won"
[[pipelines.p.stages]]
code = "lost"
outcome = "lost"
"""


def parse(text: str) -> tuple[object, ...]:
    return parse_pipelines(tomllib.loads(text))


def test_on_invoice_issued_must_name_a_working_stage() -> None:
    (p,) = parse(BASE.format(extra='on_invoice_issued = "invoice"'))
    assert p.on_invoice_issued == "invoice"  # type: ignore[attr-defined]
    (p,) = parse(BASE.format(extra=""))
    assert p.on_invoice_issued is None  # type: ignore[attr-defined]
    for bad in ('"nowhere"', '"won"', '"lost"'):
        with pytest.raises(PipelineConfigError, match="on_invoice_issued"):
            parse(BASE.format(extra=f"on_invoice_issued = {bad}"))


def test_lost_reasons_are_checked_at_start_up() -> None:
    assert parse_lost_reasons({}) == DEFAULT_LOST_REASONS
    (r,) = parse_lost_reasons(tomllib.loads('[lost_reasons]\nlate = "Too late"'))
    assert (r.code, r.name("ru"), r.name("en")) == ("late", "Too late", "Too late")
    good = '[lost_reasons]\nprice = { en = "Price", ru = "Цена" }\n'
    (r,) = parse_lost_reasons(tomllib.loads(good))
    assert (r.name("ru"), r.name("ro")) == ("Цена", "Price")
    for bad, message in (
        ('[lost_reasons]\nother = "Other"', "built in"),
        ('[lost_reasons]\n"Bad Code" = "x"', "lower-case"),
        ('[lost_reasons]\nprice = { ru = "Цена" }', "at least 'en'"),
        ('[lost_reasons]\nprice = { en = "P", de = "Preis" }', "unknown language"),
        ("lost_reasons = 5", "table"),
    ):
        with pytest.raises(PipelineConfigError, match=message):
            parse(BASE.format(extra="") + "\n" + bad if not bad.startswith("lost_reasons =")
                  else bad + "\n" + BASE.format(extra=""))
    with pytest.raises(PipelineConfigError, match="unknown table"):
        parse(BASE.format(extra="") + '\n[lost_reason]\nprice = "P"')


def test_a_bad_lost_reason_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pipelines.toml"
    path.write_text(BASE.format(extra="") + '\n[lost_reasons]\nother = "x"\n', "utf-8")
    with pytest.raises(PipelineConfigError, match=str(path)):
        load_lost_reasons(path)
