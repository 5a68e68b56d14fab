"""The numbers agree (issue 14, item 5), on both engines: over generated data (a seeded random
quarter of three managers and their clients, invoices in three currencies, partial payments,
overpayments, reversed payments, credit notes, installment schedules, guarantee letters and
cancellations, all made through the real services) for each scope (the team, each manager)
and each currency:

- the sales total = Σ by_manager = Σ by_client, figure by figure; Σ revenue.invoiced = its
  invoiced;
- its invoiced / paid / credited / outstanding = the sums of the /export invoices of that
  currency that are not cancelled (same period, same actor);
- the payment calendar's open amount = the /debts total of that currency and scope.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.exports import FileExportWriter
from services.access import AccessService
from services.clients import CompanyDraft
from services.credit_notes import CreditNoteService
from services.errors import DomainError
from services.exports import ExportService
from services.invoices import Line
from services.pricing import NO_VAT
from services.receivables import ReceivableService
from services.reports.model import SalesRow
from services.reports.periods import Period
from services.reports.service import ReportRequest, ReportService
from services.shipments import ShipmentService, preset_schedule
from services.users import Role, User
from storage import models as m
from storage.uow import Database
from tests.integration.test_payments import World, make_world

D = Decimal
CURRENCIES = ("RUB", "EUR", "USD")
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
DAYS = 45
SEED = 14


@dataclass
class Made:
    invoices: int = 0
    payments: int = 0
    reversed: int = 0
    credit_notes: int = 0
    schedules: int = 0
    guarantees: int = 0
    cancelled: int = 0
    overpaid: int = 0


async def generate(w: World) -> tuple[list[User], Made]:
    rnd = random.Random(SEED)
    made = Made()
    w.clock.set(START)
    access = AccessService(w.db.uow, w.clock, "UTC")
    m3 = await access.join(4, (await access.create_invite(w.admin, Role.MANAGER)).token,
                           "M3", None, "en")
    managers = [w.m1, w.m2, m3]
    clients: dict[int, list[int]] = {w.m1.id: [w.c1], w.m2.id: [w.c2], m3.id: []}
    for who in managers:
        for k in range(2):
            company = await w.clients.create_company(who, CompanyDraft(
                name=f"{who.full_name} клиент {k}", country="RU"))
            clients[who.id].append(company.id)
    notes = CreditNoteService(w.db.uow, w.clock, "UTC")  # type: ignore[arg-type]
    ships = ShipmentService(w.db.uow, w.clock, w.deals)
    issued: list[tuple[User, int, int]] = []  # (owner, invoice, its line)
    typed: list[tuple[User, int]] = []  # payments: who typed them
    for day in range(DAYS):
        w.clock.set(START + timedelta(days=day))
        today = w.clock.now().date()
        for _ in range(rnd.choice((0, 1, 1, 2))):
            who = rnd.choice(managers)
            draft = await w.invoices.create_draft(who, rnd.choice(clients[who.id]),
                                                  currency=rnd.choice(CURRENCIES))
            for _n in range(rnd.choice((1, 1, 2))):
                await w.invoices.add_line(who, draft.id, Line(
                    rnd.choice(("Работы", "Монтаж", "Доставка")), D(rnd.randint(1, 3)),
                    D(rnd.randint(1000, 90000)) / 100, NO_VAT))
            if rnd.random() < 0.5:
                await w.invoices.set_due_date(who, draft.id,
                                              today + timedelta(days=rnd.randint(0, 60)))
            if draft.currency != "RUB":  # another currency than the organization's
                await w.invoices.set_exchange_rate(who, draft.id, D("90.5"))
            inv = await w.invoices.issue(who, draft.id)
            made.invoices += 1
            async with w.db.uow(readonly=True) as uow:
                line = await uow.session.scalar(select(m.DocumentLine.id).where(
                    m.DocumentLine.invoice_id == inv.id).order_by(m.DocumentLine.id))
            issued.append((who, inv.id, int(line or 0)))
            if rnd.random() < 0.08:
                await w.invoices.cancel(who, inv.id, "Дубликат")
                made.cancelled += 1
        for _ in range(rnd.choice((0, 1, 2, 2))):
            if not issued:
                break
            who, inv_id, line = rnd.choice(issued)
            action = rnd.random()
            try:
                if action < 0.5:  # a payment: part, all, or more than owed
                    fresh = await w.invoices.get(who, inv_id)
                    share = rnd.choice((D("0.3"), D("0.5"), D(1), D("1.2")))
                    amount = (fresh.remaining * share).quantize(D("0.01"))
                    if amount <= 0:
                        continue
                    back = rnd.randint(0, 3)
                    got = await w.payments.record_manual(
                        who, inv_id, rnd.choice(("cash", "card", "bank")), amount, "",
                        today - timedelta(days=back))
                    typed.append((who, got.payment.id))
                    made.payments += 1
                    made.overpaid += share > 1
                elif action < 0.68 and typed:
                    payer, payment = typed.pop(rnd.randrange(len(typed)))
                    await w.payments.reverse(payer, payment, "ошибка")
                    made.reversed += 1
                elif action < 0.8:
                    await notes.issue(who, inv_id, {line: D("0.5")}, "Скидка")
                    made.credit_notes += 1
                elif action < 0.9:
                    await ships.ship(who, inv_id, schedule=preset_schedule(
                        rnd.choice(("50_30", "3m")), today))
                    made.schedules += 1
                else:
                    await ships.ship(who, inv_id, guarantee_until=today + timedelta(
                        days=rnd.randint(1, 50)))
                    made.guarantees += 1
            except DomainError:
                pass  # paid, cancelled, already shipped...: the data stays as it was
    return managers, made


def parts(r: SalesRow) -> tuple[int, int, int, int, int]:
    return (r.count, r.invoiced_minor, r.paid_minor, r.credited_minor, r.outstanding_minor)


def summed(rows: tuple[SalesRow, ...]) -> tuple[int, ...]:
    return tuple(sum(col) for col in zip(*(parts(r) for r in rows), strict=True)) \
        if rows else (0, 0, 0, 0, 0)


@pytest.fixture
async def world(db: Database) -> tuple[World, list[User], Made]:
    w = await make_world(db)
    managers, made = await generate(w)
    return w, managers, made


async def test_reports_agree_with_each_other_debts_and_export(
        world: tuple[World, list[User], Made]) -> None:
    w, managers, made = world
    # The data holds what the check is about.
    assert made.invoices > 35 and made.payments > 12 and made.reversed >= 2
    assert made.credit_notes >= 3 and made.schedules >= 2 and made.guarantees >= 2
    assert made.cancelled >= 2 and made.overpaid >= 2
    reports = ReportService(w.db.uow, w.clock, timezone="UTC")
    exports = ExportService(w.db.uow, w.clock, FileExportWriter(), "UTC")
    debts = ReceivableService(w.db.uow, w.clock, "UTC")
    periods = (Period(date(2026, 1, 1), date(2026, 3, 31)),  # weeks
               Period(date(2026, 2, 1), date(2026, 2, 28)),  # days
               Period(date(2025, 12, 1), date(2026, 6, 30)))  # months
    checked = 0
    for actor, scope in ((w.admin, "team"), *((who, "me") for who in managers)):
        owed = (await debts.debts(actor)).total
        for period in periods:
            export = await exports.data(actor, period.start, period.end)
            for currency in CURRENCIES:
                request = ReportRequest("sales", period, currency, scope)
                sales = await reports.sales(actor, request)
                total = parts(sales.total)
                assert summed(sales.by_manager) == total, (actor.full_name, currency)
                assert summed(sales.by_client) == total, (actor.full_name, currency)
                assert sum(p.invoiced_minor for p in sales.revenue) == total[1]
                assert sales.received_minor == sum(p.received_minor for p in sales.revenue)
                listed = [i for i in export.invoices
                          if i.currency == currency and i.status != "cancelled"]
                assert total == (len(listed), sum(i.total_minor for i in listed),
                                 sum(i.paid_minor for i in listed),
                                 sum(i.credited_minor for i in listed),
                                 sum(i.open_minor for i in listed)), (actor.full_name,
                                                                       currency, period)
                if scope == "me":  # the head looking at one manager sees the same
                    theirs = await reports.sales(w.admin, ReportRequest(
                        "sales", period, currency, str(actor.id)))
                    assert parts(theirs.total) == total
                    assert [r.who.id for r in sales.by_manager] in ([], [actor.id])
                checked += 1
        for currency in CURRENCIES:
            cal = await reports.calendar(actor, ReportRequest(
                "calendar", periods[0], currency, scope))
            assert D(cal.open_minor) / 100 == owed.total(currency), (actor.full_name,
                                                                     currency)
            assert sum(r.outstanding_minor for r in cal.overdue) == cal.overdue_minor
    assert checked == 4 * len(periods) * len(CURRENCIES)
