"""The money reports on a real database (SQLite and PostgreSQL): sales, the payment calendar and
plan vs fact, on a small data set made through the real services and computed by hand; a
manager's figures never hold another's; a forged scope is Forbidden; a manager without a plan;
a plan of 0 or less refused with nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from services.credit_notes import CreditNoteService
from services.deals import DealDraft
from services.errors import Forbidden, InvalidInput
from services.invoices import Line
from services.pricing import NO_VAT
from services.receivables import ReceivableService
from services.reports.model import (
    CalendarReport,
    LostReason,
    Named,
    PlanReport,
    SalesReport,
    SalesRow,
)
from services.reports.periods import Period
from services.reports.service import ReportRequest, ReportService
from services.shipments import ShipmentService, preset_schedule
from services.users import User
from storage import models as m
from storage.uow import Database
from tests.integration.test_payments import World, make_world

D = Decimal
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


@dataclass
class Money:
    w: World
    reports: ReportService
    ids: dict[str, int]


async def invoice(w: World, who: User, company: int, name: str, amount: str,
                  due: date | None = None, currency: str | None = None) -> int:
    draft = await w.invoices.create_draft(who, company, currency=currency)
    await w.invoices.add_line(who, draft.id, Line(name, D(1), D(amount), NO_VAT))
    if due is not None:
        await w.invoices.set_due_date(who, draft.id, due)
    if draft.currency != "RUB":  # another currency than the organization's needs a rate
        await w.invoices.set_exchange_rate(who, draft.id, D("90.5"))
    return (await w.invoices.issue(who, draft.id)).id


async def line_of(w: World, invoice_id: int) -> int:
    async with w.db.uow(readonly=True) as uow:
        return int(await uow.session.scalar(select(m.DocumentLine.id).where(
            m.DocumentLine.invoice_id == invoice_id)) or 0)


async def make_money(db: Database) -> Money:
    w = await make_world(db)
    ids: dict[str, int] = {}
    ships = ShipmentService(w.db.uow, w.clock, w.deals)
    # February: F (due 25.02) and G on a 50/50 schedule (20.02 and 22.03).
    w.clock.set(datetime(2026, 2, 20, 9, tzinfo=UTC))
    ids["F"] = await invoice(w, w.m1, w.c1, "Работы", "80.00", date(2026, 2, 25))
    ids["G"] = await invoice(w, w.m1, w.c1, "Работы", "120.00")
    await ships.ship(w.m1, ids["G"], schedule=preset_schedule("50_30", date(2026, 2, 20)))
    # March 10th.
    w.clock.set(datetime(2026, 3, 10, 9, tzinfo=UTC))
    await w.payments.record_manual(w.m1, ids["F"], "cash", "30", "", "05.03.2026")
    await w.payments.record_manual(w.m1, ids["G"], "cash", "70")  # 60 + 10 of the 2nd part
    ids["A"] = await invoice(w, w.m1, w.c1, "Работы", "100.00", date(2026, 3, 13))
    await w.payments.record_manual(w.m1, ids["A"], "cash", "30")
    ids["B"] = await invoice(w, w.m1, w.c1, "Доставка", "200.00", date(2026, 3, 20))
    await CreditNoteService(w.db.uow, w.clock, "UTC").issue(  # type: ignore[arg-type]
        w.m1, ids["B"], {await line_of(w, ids["B"]): D("0.25")}, "Скидка")
    ids["C"] = await invoice(w, w.m1, w.c1, "Работы", "50.00")
    await w.payments.record_manual(w.m1, ids["C"], "card", "70")  # 20.00 is credit
    ids["H"] = await invoice(w, w.m1, w.c1, "Монтаж", "90.00", date(2026, 3, 15))
    await ships.ship(w.m1, ids["H"], guarantee_until=date(2026, 4, 8))
    ids["K"] = await invoice(w, w.m1, w.c1, "Работы", "25.00")
    ids["L"] = await invoice(w, w.m1, w.c1, "Монтаж", "60.00", date(2026, 6, 30))
    ids["E"] = await invoice(w, w.m1, w.c1, "Работы", "10.00", currency="EUR")
    ids["Z"] = await invoice(w, w.m1, w.c1, "Работы", "999.00")
    await w.invoices.cancel(w.m1, ids["Z"], "Дубликат")
    draft = await w.invoices.create_draft(w.m1, w.c1)
    await w.invoices.add_line(w.m1, draft.id, Line("Работы", D(1), D("555"), NO_VAT))
    async with w.db.uow() as uow:  # an invoice without a due date
        await uow.session.execute(update(m.Invoice).where(m.Invoice.id == ids["K"])
                                  .values(due_date=None))
        await uow.commit()
    # Deals closed in March (the "quick" pipeline: won / lost at once).
    for who, amount, currency in ((w.m1, "1000", "RUB"), (w.m1, None, None),
                                  (w.m1, "50", "EUR"), (w.m2, "500", "RUB")):
        deal = await w.deals.create(who, DealDraft(
            title="Сделка", amount=D(amount) if amount else None, currency=currency,
            pipeline_code="quick"))
        assert (await w.deals.move(who, deal.id, "won")).moved
    for code, text in (("price", None), ("other", "Слишком долго"), ("price", None)):
        deal = await w.deals.create(w.m1, DealDraft(title="Мимо", pipeline_code="quick"))
        await w.deals.lose(w.m1, deal.id, code, text)
    # March 12th: m2's D, 100.00 paid by mistake (reversed), then 40.00.
    w.clock.set(datetime(2026, 3, 12, 9, tzinfo=UTC))
    ids["D"] = await invoice(w, w.m2, w.c2, "Работы", "300.00", date(2026, 3, 14))
    wrong = await w.payments.record_manual(w.m2, ids["D"], "cash", "100")
    await w.payments.reverse(w.m2, wrong.payment.id, "ошибка")
    await w.payments.record_manual(w.m2, ids["D"], "cash", "40")
    return Money(w, ReportService(db.uow, w.clock, timezone="UTC", plan_basis="paid"), ids)


@pytest.fixture
async def money(db: Database) -> Money:
    return await make_money(db)


def row(name: str, who_id: int | None, n: int, *amounts: str) -> SalesRow:
    inv, paid, cred, open_ = (int(D(a) * 100) for a in amounts)
    return SalesRow(Named(who_id, name), n, inv, paid, cred, open_)


async def sales(money: Money, actor: User, scope: str = "me",
                period: Period = MARCH) -> SalesReport:
    return await money.reports.sales(actor, ReportRequest("sales", period, "RUB", scope))


async def test_sales_of_the_team(money: Money) -> None:
    w = money.w
    r = await sales(money, w.admin, "team")
    assert r.total == row("", None, 7, "825", "120", "50", "655")
    assert r.by_manager == (row("M1", w.m1.id, 6, "525", "80", "50", "395"),
                            row("M2", w.m2.id, 1, "300", "40", "0", "260"))
    assert r.by_client == (row("Ромашка", w.c1, 6, "525", "80", "50", "395"),
                           row("Василёк", w.c2, 1, "300", "40", "0", "260"))
    assert [(p.who, p.count, p.invoiced_minor, p.paid_minor) for p in r.by_product] == [
        (Named(None, "Работы"), 4, 47500, 0), (Named(None, "Доставка"), 1, 20000, 0),
        (Named(None, "Монтаж"), 2, 15000, 0)]
    assert r.bucket == "day" and len(r.revenue) == 31
    assert r.revenue[0].start == date(2026, 3, 1) and r.revenue[-1].start == date(2026, 3, 31)
    busy = {p.start.day: (p.invoiced_minor, p.received_minor) for p in r.revenue
            if p.invoiced_minor or p.received_minor}
    # F's 30.00 on the 5th; A 30 + C 50 (its 20 is credit) + G 70 on the 10th; D's 40 (its
    # reversed 100 is not money) on the 12th.
    assert busy == {5: (0, 3000), 10: (52500, 15000), 12: (30000, 4000)}
    assert r.received_minor == 22000
    # Won: 1000 and 500 RUB, one without an amount (counted, not averaged); the EUR one is not
    # in a RUB report.
    assert (r.won, r.won_priced, r.won_minor, r.average_deal_minor) == (3, 2, 150000, 75000)
    assert r.lost == 3
    assert r.lost_reasons == (LostReason("price", "", 2), LostReason("", "Слишком долго", 1))
    assert not r.empty


async def test_a_manager_sees_only_their_figures(money: Money) -> None:
    w = money.w
    mine = await sales(money, w.m1)
    assert mine.total == row("", None, 6, "525", "80", "50", "395")
    assert [r.who.id for r in mine.by_manager] == [w.m1.id]
    assert [r.who.id for r in mine.by_client] == [w.c1]
    assert mine.received_minor == 18000
    assert (mine.won, mine.won_minor, mine.average_deal_minor) == (2, 100000, 100000)
    assert (await sales(money, w.m1, str(w.m1.id))).total == mine.total
    his = await sales(money, w.admin, str(w.m2.id))
    assert his.total == row("", None, 1, "300", "40", "0", "260")
    assert (his.won, his.lost, his.received_minor) == (1, 0, 4000)
    for forged in ("team", str(w.m2.id)):
        for kind in ("sales", "calendar", "plan"):
            with pytest.raises(Forbidden):
                await money.reports.report(w.m1, ReportRequest(kind, MARCH, "RUB", forged))
    eur = await money.reports.sales(w.admin, ReportRequest("sales", MARCH, "EUR", "team"))
    assert eur.total == SalesRow(Named(None, ""), 1, 1000, 0, 0, 1000)
    assert (eur.won, eur.won_minor) == (2, 5000)  # the EUR deal and the one without amount


async def test_buckets_follow_the_period(money: Money) -> None:
    w = money.w
    quarter = await sales(money, w.admin, "team", Period(date(2026, 2, 1), date(2026, 4, 30)))
    assert quarter.bucket == "week"
    assert quarter.revenue[0].start == date(2026, 1, 26)  # the Monday of Feb 1st's week
    assert [p.start for p in quarter.revenue] == [
        date(2026, 1, 26) + timedelta(weeks=k) for k in range(14)]
    assert sum(p.invoiced_minor for p in quarter.revenue) == quarter.total.invoiced_minor \
        == 102500
    year = await sales(money, w.admin, "team", Period(date(2026, 1, 1), date(2026, 12, 31)))
    assert year.bucket == "month" and len(year.revenue) == 12
    assert [(p.invoiced_minor, p.received_minor) for p in year.revenue[1:3]] == [
        (20000, 0), (82500, 22000)]
    empty = await sales(money, w.admin, "team", Period(date(2025, 1, 1), date(2025, 1, 7)))
    assert empty.empty and len(empty.revenue) == 7


async def calendar(money: Money, actor: User, scope: str = "me") -> CalendarReport:
    return await money.reports.calendar(actor, ReportRequest("calendar", MARCH, "RUB", scope))


async def test_payment_calendar(money: Money) -> None:
    w = money.w
    c = await calendar(money, w.admin, "team")
    assert c.today == date(2026, 3, 12)
    assert c.overdue_minor == 5000  # F: 80 − 30, due 25.02
    assert [(x.start, x.expected_minor, x.arrived_minor) for x in c.weeks] == [
        (date(2026, 3, 9), 33000, 19000),  # A 70 + D 260; arrived A 30 C 50 G 70 D 40
        (date(2026, 3, 16), 20000, 0),  # B 200 − 50 credited; G's 2nd part 60 − 10
        (date(2026, 3, 23), 0, 0), (date(2026, 3, 30), 0, 0),
        (date(2026, 4, 6), 9000, 0),  # H: the guarantee letter's 08.04, not its 15.03
        (date(2026, 4, 13), 0, 0), (date(2026, 4, 20), 0, 0), (date(2026, 4, 27), 0, 0)]
    assert (c.later_minor, c.undated_minor) == (6000, 2500)
    assert c.overdue == (row("Ромашка", w.c1, 1, "80", "30", "0", "50"),)
    assert (c.overdue_clients, c.overdue_invoices, c.overdue_rest) == (1, 1, None)
    async with w.db.uow(readonly=True) as uow:  # past the top: counted, not listed
        assert await uow.reports.overdue_by_client(c.query, c.today, 0) == ([], 1, 1)
    debts = ReceivableService(w.db.uow, w.clock, "UTC")
    assert c.open_minor == 75500 == int((await debts.debts(w.admin)).total.total("RUB") * 100)
    mine = await calendar(money, w.m1)
    assert [x.expected_minor for x in mine.weeks[:2]] == [7000, 20000]
    assert mine.weeks[0].arrived_minor == 15000
    assert mine.open_minor == 49500 == int((await debts.debts(w.m1)).total.total("RUB") * 100)
    his = await calendar(money, w.admin, str(w.m2.id))
    assert (his.open_minor, his.overdue_minor, his.overdue) == (26000, 0, ())


async def plan(money: Money, actor: User, scope: str = "me",
               period: Period = MARCH) -> PlanReport:
    return await money.reports.plan(actor, ReportRequest("plan", period, "RUB", scope))


async def plans_written(money: Money) -> list[Any]:
    async with money.w.db.uow(readonly=True) as uow:
        return [tuple(r) for r in (await uow.session.execute(select(
            m.SalesPlan.user_id, m.SalesPlan.amount_minor, m.SalesPlan.basis))).all()]


async def test_plan_vs_fact(money: Money) -> None:
    w = money.w
    await money.reports.set_plan(w.admin, w.m1.id, date(2026, 3, 17), "rub", 100000, "invoiced")
    p = await plan(money, w.admin, "team")
    assert (p.month, p.days_passed, p.days_in_month) == (date(2026, 3, 1), 12, 31)
    m1, m2 = p.rows
    # m1 by invoices: 525 issued − 50 credited = 475; at this pace 475 × 31 / 12 = 1227.08.
    assert (m1.manager, m1.basis, m1.plan_minor, m1.fact_minor, m1.forecast_minor) == (
        Named(w.m1.id, "M1"), "invoiced", 100000, 47500, 122708)
    assert m1.progress == D("47.5")
    # m2 has no plan: the default basis (paid), 40.00 received; 40 × 31 / 12 = 103.33.
    assert (m2.manager, m2.basis, m2.plan_minor, m2.fact_minor, m2.forecast_minor) == (
        Named(w.m2.id, "M2"), "paid", None, 4000, 10333)
    assert m2.progress is None
    assert (p.total.plan_minor, p.total.fact_minor, p.total.forecast_minor) == (
        100000, 51500, 133041)
    mine = await plan(money, w.m2)
    assert [r.manager.id for r in mine.rows] == [w.m2.id] and mine.total.plan_minor is None
    feb = await plan(money, w.admin, "team", Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert feb.days_passed == 28
    assert [(r.basis, r.fact_minor, r.forecast_minor) for r in feb.rows] == [
        ("paid", 0, 0), ("paid", 0, 0)]  # nothing received in February
    april = await plan(money, w.admin, "team", Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert april.days_passed == 0 and april.total.forecast_minor == 0


async def test_bad_plans_write_nothing(money: Money) -> None:
    w = money.w
    await money.reports.set_plan(w.admin, w.m1.id, date(2026, 3, 1), "RUB", 5000)
    for amount in (0, -100):
        with pytest.raises(InvalidInput) as bad:
            await money.reports.set_plan(w.admin, w.m1.id, date(2026, 3, 1), "RUB", amount)
        assert bad.value.code == "plan_not_positive"
    with pytest.raises(Forbidden):
        await money.reports.set_plan(w.m1, w.m1.id, date(2026, 3, 1), "RUB", 900000)
    assert await plans_written(money) == [(w.m1.id, 5000, "paid")]
    async with w.db.uow(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(m.SalesPlan)) == 1
