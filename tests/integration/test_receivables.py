"""/debts on a real database with an injected clock (SQLite and PostgreSQL): open invoices
and installments aged into not due, 1-30, 31-60, 61-90, over 90 days; a manager sees their
own, a head or admin the team per manager; the client statement shows balance and credit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from services.errors import NotFound
from services.receivables import ReceivableService
from services.shipments import ShipmentService, preset_schedule
from storage import models as m
from storage.uow import Database
from tests.integration.test_payments import T0, World, issue, make_world

D = Decimal


@pytest.fixture
async def w(db: Database) -> World:
    return await make_world(db)


async def set_due(w: World, invoice_id: int, days_ago: int) -> None:
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Invoice).where(m.Invoice.id == invoice_id).values(
            due_date=T0.date() - timedelta(days=days_ago)))
        await uow.commit()


async def test_debts_are_aged_by_due_dates(w: World) -> None:
    today = T0.date()
    aged = {}
    for days, amount in ((-5, "10.00"), (1, "20.00"), (30, "30.00"), (31, "40.00"),
                         (90, "50.00"), (91, "60.00")):
        inv, _ = await issue(w, w.m1, w.c1, amount)
        await set_due(w, inv, days)
        aged[days] = inv
    await w.payments.record_manual(w.m1, aged[91], "cash", "15")  # 45.00 left
    # m1's 100.00 on a 50/50 schedule: 50.00 due today (not due), 50.00 in 30 days.
    scheduled, _ = await issue(w, w.m1, w.c1, "100.00")
    await ShipmentService(w.db.uow, w.clock, w.deals).ship(
        w.m1, scheduled, schedule=preset_schedule("50_30", today))
    other, _ = await issue(w, w.m2, w.c2, "7.00")
    svc = ReceivableService(w.db.uow, w.clock, "UTC")

    mine = await svc.debts(w.m1)
    assert not mine.team
    assert [c.company_name for c in mine.clients] == ["Ромашка"]
    got = {b: mine.total.amount("RUB", b) for b in mine.total.by_currency["RUB"]}
    assert got == {"not_due": D("110.00"), "d1_30": D("50.00"), "d31_60": D("40.00"),
                   "d61_90": D("50.00"), "d90_plus": D("45.00")}
    # Time passes: 31 days later every bucket moves on.
    w.clock.advance(timedelta(days=31))
    later = await svc.debts(w.m1)
    assert later.total.amount("RUB", "not_due") == D("0.00")
    assert later.total.amount("RUB", "d1_30") == D("60.00")  # the 10.00 and the 2nd half
    assert later.total.amount("RUB", "d31_60") == D("70.00")  # 20 + the 1st half
    assert later.total.amount("RUB", "d61_90") == D("70.00")  # 30 + 40
    assert later.total.amount("RUB", "d90_plus") == D("95.00")

    team = await svc.debts(w.admin)
    assert team.team
    assert [name for name, _ in team.managers] == ["M1", "M2"]
    assert dict(team.managers)["M2"].total("RUB") == D("7.00")
    assert team.total.total("RUB") == D("302.00")
    assert other


async def test_client_statement_is_scoped_and_shows_credit(w: World) -> None:
    inv, number = await issue(w, w.m1, w.c1, "100.00")
    await w.payments.record_manual(w.m1, inv, "bank", "130", "п/п 5")
    second, _ = await issue(w, w.m1, w.c1, "80.00")
    svc = ReceivableService(w.db.uow, w.clock, "UTC")
    statement = await svc.statement(w.m1, w.c1)
    assert statement.company_name == "Ромашка"
    assert statement.invoices[0].number_text == number
    assert statement.balance == {"RUB": D("80.00")}
    assert statement.credit == {"RUB": D("30.00")}
    assert [(p.source, p.amount_minor) for p in statement.payments] == [("bank", 13000)]
    with pytest.raises(NotFound):
        await svc.statement(w.m2, w.c1)
    assert second
