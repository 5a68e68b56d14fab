"""Shipment on a real database (SQLite and PostgreSQL): on credit with a 50/50 schedule the
installments carry the right dues and sums; payments go to installments oldest first; an
unpaid invoice without terms is refused and changes nothing; paid + shipped → the deal is won
(logged with the actor); another manager's invoice is NotFound."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.deals import DealDraft
from services.errors import Conflict, InvalidInput, NotFound
from services.shipments import (
    ShipmentService,
    parse_schedule,
    preset_schedule,
)
from storage import models as m
from storage.uow import Database
from tests.integration.test_payments import T0, World, issue, make_world

D = Decimal


@pytest.fixture
async def w(db: Database) -> World:
    return await make_world(db)


def shipments(w: World) -> ShipmentService:
    return ShipmentService(w.db.uow, w.clock, w.deals, "UTC")


async def installments(w: World) -> list[tuple[date, int, int, str]]:
    async with w.db.uow(readonly=True) as uow:
        rows = (await uow.session.execute(
            select(m.Installment.due_date, m.Installment.amount_minor, m.Installment.paid_minor,
                   m.Installment.status).order_by(m.Installment.due_date))).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_ship_on_credit_with_a_50_50_schedule(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Поставка", company_id=w.c1))
    inv, number = await issue(w, w.m1, w.c1, "1000.01", deal.id)
    svc = shipments(w)
    today = T0.date()
    with pytest.raises(Conflict) as refused:
        await svc.ship(w.m1, inv)
    assert refused.value.code == "ship_needs_terms"
    with pytest.raises(NotFound):
        await svc.ship(w.m2, inv, schedule=preset_schedule("50_30", today))
    done = await svc.ship(w.m1, inv, schedule=preset_schedule("50_30", today))
    assert done.on_credit and not done.deal_won
    assert done.installments == ((today, D("500.00")), (today + timedelta(days=30), D("500.01")))
    assert await installments(w) == [(today, 50000, 0, "open"),
                                     (today + timedelta(days=30), 50001, 0, "open")]
    with pytest.raises(Conflict) as again:
        await svc.ship(w.m1, inv, guarantee_until=today)
    assert again.value.code == "already_shipped"
    # The first payment covers the first installment, then part of the second: the payment
    # itself keeps the schedule in step (no separate sync).
    await w.payments.record_manual(w.m1, inv, "cash", "600")
    assert await installments(w) == [(today, 50000, 50000, "paid"),
                                     (today + timedelta(days=30), 50001, 10000, "open")]
    assert await svc.sync_installments(w.m1, inv) == await svc.sync_installments(w.m1, inv)
    assert await installments(w) == [(today, 50000, 50000, "paid"),
                                     (today + timedelta(days=30), 50001, 10000, "open")]
    async with w.db.uow(readonly=True) as uow:
        (shipped,) = (await uow.session.execute(select(m.Shipment.on_credit,
                                                       m.Shipment.kind))).all()
    assert tuple(shipped) == (True, "act")
    assert number


async def test_paid_and_shipped_wins_the_deal(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Услуги", company_id=w.c1))
    inv, _ = await issue(w, w.m1, w.c1, "300.00", deal.id)
    await w.payments.record_manual(w.m1, inv, "card", "300")
    done = await shipments(w).ship(w.m1, inv, kind="delivery_note")
    assert (done.on_credit, done.deal_won, done.installments) == (False, True, ())
    won = await w.deals.get(w.m1, deal.id)
    assert (won.stage_code, won.status) == ("won", "won")
    history = await w.deals.history(w.m1, deal.id)
    assert (history[-1].from_stage, history[-1].to_stage, history[-1].actor_id) == (
        "paid", "won", w.m1.id)


async def test_shipped_on_credit_then_paid_wins_the_deal_by_itself(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Монтаж", company_id=w.c1))
    inv, number = await issue(w, w.m1, w.c1, "800.00", deal.id)
    svc = shipments(w)
    today = T0.date()
    await svc.ship(w.m1, inv, schedule=preset_schedule("50_30", today))
    first = await w.payments.record_manual(w.m1, inv, "bank", "400", "15", today)
    assert (first.events[0].deal_stage, first.events[0].deal_won) == (None, False)
    assert (await w.deals.get(w.m1, deal.id)).status == "open"
    last = await w.payments.record_manual(w.m1, inv, "bank", "400", "16", today)
    (event,) = last.events
    assert (event.remaining, event.deal_stage, event.deal_won) == (D("0.00"), "won", True)
    won = await w.deals.get(w.m1, deal.id)
    assert (won.stage_code, won.status) == ("won", "won")
    history = await w.deals.history(w.m1, deal.id)
    assert (history[-1].to_stage, history[-1].actor_id) == ("won", w.m1.id)
    assert await installments(w) == [(today, 40000, 40000, "paid"),
                                     (today + timedelta(days=30), 40000, 40000, "paid")]
    # A wrong payment reversed: its installment is open again (oldest first stays paid).
    await w.payments.reverse(w.admin, last.payment.id, "wrong client")
    assert await installments(w) == [(today, 40000, 40000, "paid"),
                                     (today + timedelta(days=30), 40000, 0, "open")]
    assert number


async def test_guarantee_letter_and_bad_schedules_change_nothing(w: World) -> None:
    inv, _ = await issue(w, w.m1, w.c1, "90.00")
    today = T0.date()
    for text in ("30%: today; 60%: 20.12.2026", "half now", "30%: 01.01.2020; 70%: today",
                 "50%: today; 50%: 31.02.2027"):
        with pytest.raises(InvalidInput):
            parse_schedule(text, today)
    with pytest.raises(InvalidInput):
        await shipments(w).ship(w.m1, inv, guarantee_until=today - timedelta(days=1))
    async with w.db.uow(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(m.Shipment)) == 0
    shares = parse_schedule("30%: today; 70%: 20.12.2026", today)
    assert [(s.percent, s.due) for s in shares] == [(D(30), today), (D(70), date(2026, 12, 20))]
    done = await shipments(w).ship(w.m1, inv, guarantee_until=today + timedelta(days=10))
    assert (done.on_credit, done.guarantee_until) == (True, today + timedelta(days=10))
    assert await installments(w) == []
