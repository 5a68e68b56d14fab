"""The work reports (issue 14: funnel per manager, ABC/XYZ of clients and products, manager
activity) on a real database, both engines: small data made through the real services, every
figure computed by hand. November 2026 is the period; the reader's zone is UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings
from services.access import AccessService
from services.catalog import CatalogService, Price, ProductDraft
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.deals import DealDraft, DealService
from services.errors import Forbidden
from services.interactions import InteractionService
from services.invoices import InvoiceService, Line
from services.leads import ConvertChoice, LeadDraft, LeadService, LeadSettings
from services.organizations import OrganizationService, seed_demo_organization
from services.pipelines import load_pipelines
from services.reports.model import (
    AbcReport,
    ActivityReport,
    FunnelReport,
    FunnelStage,
    ManagerFunnel,
)
from services.reports.periods import Period
from services.reports.service import ReportRequest, ReportService
from services.tasks import TaskDraft, TaskKind, TaskService
from services.users import Role, User
from storage.deals import sync_pipelines
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
D = Decimal


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class World:
    db: Database
    clock: FrozenClock
    reports: ReportService
    admin: User
    m1: User  # Anna
    m2: User  # Boris


async def make_world(db: Database) -> World:
    clock = FrozenClock(at(6, 1))
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "Anna", None, "en")
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "Boris", None, "en")
    reports = ReportService(db.uow, clock, timezone="UTC", pipeline="sales", stuck_days=14)
    return World(db, clock, reports, admin, m1, m2)


def ask(kind: str, scope: str = "me", period: Period = NOVEMBER,
        months: int = 6) -> ReportRequest:
    return ReportRequest(kind, period, "RUB", scope, months=months)


# --- b. funnel ----------------------------------------------------------------------------------


async def qualify(deals: DealService, actor: User, deal_id: int, amount: str) -> None:
    await deals.set_field(actor, deal_id, "contact", "Anna")
    await deals.set_field(actor, deal_id, "amount", amount)
    assert (await deals.move(actor, deal_id, "next")).moved


async def to_proposal(deals: DealService, actor: User, deal_id: int) -> None:
    await deals.set_field(actor, deal_id, "expected_close", "01.12.2026")
    assert (await deals.move(actor, deal_id, "next")).moved


@pytest.fixture
async def funnel_world(db: Database) -> World:
    w = await make_world(db)
    deals = DealService(db.uow, w.clock, PIPELINES)
    w.clock.set(at(10, 20))
    a = await deals.create(w.m1, DealDraft(title="Old"))
    w.clock.set(at(10, 25))
    await qualify(deals, w.m1, a.id, "300")  # qualified in October: not this window's stay
    w.clock.set(at(11, 10))
    b = await deals.create(w.m1, DealDraft(title="B"))
    c = await deals.create(w.m1, DealDraft(title="C"))
    d = await deals.create(w.m1, DealDraft(title="D"))
    await deals.create(w.m2, DealDraft(title="E", amount=D("70"), currency="EUR"))
    w.clock.set(at(11, 11))
    await qualify(deals, w.m1, b.id, "1000")
    await qualify(deals, w.m1, c.id, "500,50")
    w.clock.set(at(11, 13))
    await to_proposal(deals, w.m1, a.id)
    await to_proposal(deals, w.m1, b.id)
    assert (await deals.move(w.m1, d.id, "lost", note="No budget")).moved
    w.clock.set(at(11, 25))
    await to_proposal(deals, w.m1, c.id)
    # December: after the window (counts nowhere in November, C is not stuck).
    w.clock.set(at(12, 2))
    await deals.create(w.m1, DealDraft(title="December"))
    w.clock.set(NOW)
    return w


def stages(f: ManagerFunnel) -> list[tuple[str, int, int, int | None, Decimal | None, int]]:
    return [(s.code, s.count, s.amount_minor, s.converted, s.average_days, s.stuck)
            for s in f.stages]


async def test_funnel_per_manager_and_total(funnel_world: World) -> None:
    w = funnel_world
    report = await w.reports.funnel(w.admin, ask("funnel", "team"))
    assert isinstance(report, FunnelReport) and not report.empty
    assert (report.pipeline, report.stuck_days) == ("sales", 14)
    # Staff owning deals of the pipeline, by name (the admin owns none).
    assert [m.manager.name for m in report.managers] == ["Anna", "Boris"]
    anna, boris = report.managers
    # new: B, C, D created 10.11 (B and C went on); stays 1, 1 and 3 days → 1.7.
    # qualified: B, C (both went on to proposal); stays 2 and 14 days → 8.0; A's stay
    # began in October. proposal: A and B on 13.11, C on 25.11; nobody left it; A and B
    # have not moved for more than 14 days before 05.12 (stuck), C has not.
    assert stages(anna) == [
        ("new", 3, 150050, 2, D("1.7"), 0),
        ("qualified", 2, 150050, 2, D("8.0"), 0),
        ("proposal", 3, 180050, 0, None, 2),
        ("invoice", 0, 0, 0, None, 0),
        ("paid", 0, 0, None, None, 0),
    ]
    assert (anna.won, anna.lost) == (0, 1)
    # E's amount is in euros: counted, adds nothing to a rouble funnel; stuck in "new".
    assert stages(boris) == [
        ("new", 1, 0, 0, None, 1),
        ("qualified", 0, 0, 0, None, 0),
        ("proposal", 0, 0, 0, None, 0),
        ("invoice", 0, 0, 0, None, 0),
        ("paid", 0, 0, None, None, 0),
    ]
    assert stages(report.total) == [
        ("new", 4, 150050, 2, D("1.7"), 1),
        ("qualified", 2, 150050, 2, D("8.0"), 0),
        ("proposal", 3, 180050, 0, None, 2),
        ("invoice", 0, 0, 0, None, 0),
        ("paid", 0, 0, None, None, 0),
    ]
    assert (report.total.won, report.total.lost) == (0, 1)
    assert report.total.stages[0].conversion == D("50.0")
    assert report.total.stages[1].conversion == D("100.0")


async def test_funnel_scope(funnel_world: World) -> None:
    w = funnel_world
    mine = await w.reports.funnel(w.m1, ask("funnel"))
    assert [m.manager.name for m in mine.managers] == ["Anna"]
    assert stages(mine.total) == stages(mine.managers[0])
    assert mine.total.stages[0] == FunnelStage("new", 3, 150050, 2, D("1.7"), 0)
    chosen = await w.reports.funnel(w.admin, ask("funnel", str(w.m2.id)))
    assert [m.manager.name for m in chosen.managers] == ["Boris"]
    assert chosen.total.stages[0].count == 1
    for scope in ("team", str(w.m2.id)):
        with pytest.raises(Forbidden):
            await w.reports.report(w.m1, ask("funnel", scope))
    # A shorter stuck limit: C (last change 25.11) is stuck too.
    strict = ReportService(w.db.uow, w.clock, timezone="UTC", pipeline="sales", stuck_days=9)
    f = await strict.funnel(w.m1, ask("funnel"))
    assert [s.stuck for s in f.total.stages] == [0, 0, 3, 0, 0]


# --- c. ABC / XYZ -------------------------------------------------------------------------------


@dataclass
class Shop:
    invoices: InvoiceService
    companies: dict[str, int]
    products: dict[str, int]


async def sell(w: World, shop: Shop, actor: User, client: str, day: datetime,
               lines: list[tuple[str, str]], currency: str = "RUB",
               cancel: bool = False) -> None:
    """An invoice issued on `day` with (product or free text, amount) lines, VAT 0."""
    w.clock.set(day)
    inv = await shop.invoices.create_draft(actor, shop.companies[client], currency=currency)
    for what, amount in lines:
        await shop.invoices.add_line(actor, inv.id, Line(
            what, D(1), D(amount), D(0), product_id=shop.products.get(what)))
    if currency != "RUB":  # another currency than the organization's needs a rate
        await shop.invoices.set_exchange_rate(actor, inv.id, D("80"))
    await shop.invoices.issue(actor, inv.id)
    if cancel:
        await shop.invoices.cancel(actor, inv.id, "wrong")


@pytest.fixture
async def abc_world(db: Database) -> World:
    w = await make_world(db)
    await seed_demo_organization(OrganizationService(db.uow, w.clock, 5), "RU")
    clients = ClientService(db.uow, w.clock, "RU")
    companies = {name: (await clients.create_company(w.m1, CompanyDraft(name=name))).id
                 for name in ("Alfa", "Beta", "Gamma", "Delta")}
    companies["Omega"] = (await clients.create_company(w.m2, CompanyDraft(name="Omega"))).id
    catalog = CatalogService(db.uow, w.clock)
    products = {name: (await catalog.create(w.admin, ProductDraft(
        name=name, vat_code="0", prices=(Price("base", "RUB", D("1")),)))).id
        for name in ("Pen", "Ink")}
    shop = Shop(InvoiceService(db.uow, w.clock, "UTC", 5), companies, products)
    # Alfa: 1000 of pens every month June–November.
    for month in range(6, 12):
        await sell(w, shop, w.m1, "Alfa", at(month, 5), [("Pen", "1000")])
    # Gamma: pens, 500 a month but 600 in August and 400 in September.
    for month, amount in ((6, "500"), (7, "500"), (8, "600"), (9, "400"), (10, "500"),
                          (11, "500")):
        await sell(w, shop, w.m1, "Gamma", at(month, 7), [("Pen", amount)])
    # Beta buys only in August and November; a free-text delivery line is not a product.
    await sell(w, shop, w.m1, "Beta", at(8, 10), [("Ink", "3000")])
    await sell(w, shop, w.m1, "Beta", at(11, 10), [("Ink", "4000"), ("Delivery", "1000")])
    # Delta: once, in November.
    await sell(w, shop, w.m1, "Delta", at(11, 20), [("Ink", "100")])
    # Not counted: cancelled, in dollars, after the period.
    await sell(w, shop, w.m1, "Delta", at(11, 21), [("Ink", "90000")], cancel=True)
    await sell(w, shop, w.m1, "Delta", at(11, 22), [("Ink", "80000")], currency="USD")
    await sell(w, shop, w.m1, "Alfa", at(12, 1), [("Pen", "70000")])
    # Someone else's client.
    await sell(w, shop, w.m2, "Omega", at(11, 15), [("Pen", "2000")])
    w.clock.set(NOW)
    return w


def classes(report: AbcReport) -> list[tuple[str, int, str, str, Decimal | None]]:
    return [(r.name, r.revenue_minor, r.abc, r.xyz, r.cv) for r in report.analysis.rows]


async def test_abc_xyz_of_clients(abc_world: World) -> None:
    w = abc_world
    report = await w.reports.abc(w.m1, ask("abc_clients"))
    assert (report.subject, report.months, report.analysis.total_minor) == (
        "clients", 6, 660000)
    # Shares of 6600: Beta 75.76 % (A), Alfa 90.91 % (A: 75.76 before), Gamma 98.48 %
    # (B: 90.91 before), Delta (C: 98.48 before). Monthly series June–November:
    # Alfa flat (X), Gamma σ = √(120000)/6 = 57.74 on a mean of 500: CV 11.55 % (Y),
    # Beta [0, 0, 3000, 0, 0, 5000] and Delta [0, 0, 0, 0, 0, 100] (Z; CV = √(6Q − S²) / S:
    # √(204e6 − 64e6) / 8000 = 147.90 %, √(60000 − 10000) / 100 = 223.61 %).
    assert classes(report) == [
        ("Beta", 500000, "A", "Z", D("147.90")),
        ("Alfa", 100000, "A", "X", D("0.00")),
        ("Gamma", 50000, "B", "Y", D("11.55")),
        ("Delta", 10000, "C", "Z", D("223.61")),
    ]
    cells = {c.code: (c.count, c.revenue_minor) for c in report.analysis.cells if c.count}
    assert cells == {"AX": (1, 100000), "AZ": (1, 500000), "BY": (1, 50000), "CZ": (1, 10000)}
    # June–November as the period: every purchase of the six months is revenue.
    half = await w.reports.abc(w.m1, ask("abc_clients", period=Period(date(2026, 6, 1),
                                                                     date(2026, 11, 30))))
    assert [(r.name, r.revenue_minor, r.abc, r.xyz) for r in half.analysis.rows] == [
        ("Beta", 800000, "A", "Z"), ("Alfa", 600000, "A", "X"), ("Gamma", 300000, "B", "Y"),
        ("Delta", 10000, "C", "Z")]
    # The team adds Boris's client.
    team = await w.reports.abc(w.admin, ask("abc_clients", "team"))
    assert [r.name for r in team.analysis.rows] == ["Beta", "Omega", "Alfa", "Gamma", "Delta"]
    assert team.analysis.total_minor == 860000


async def test_abc_xyz_of_products(abc_world: World) -> None:
    w = abc_world
    report = await w.reports.abc(w.m1, ask("abc_products"))
    # Ink 4100 (73.21 %, A), Pen 1500 (A: 73.21 before). Pen monthly 1500, 1500, 1600,
    # 1400, 1500, 1500: CV √(120000)/6/1500 = 3.85 % (X); Ink 3000 in August and 4100 in
    # November (Z: √(6 · 25.81e6 − 7100²) / 7100 = 143.94 %).
    assert classes(report) == [
        ("Ink", 410000, "A", "Z", D("143.94")),
        ("Pen", 150000, "A", "X", D("3.85")),
    ]
    # Twelve months: Pen now has six empty months before June.
    year = await w.reports.abc(w.m1, ask("abc_products", months=12))
    pen = next(r for r in year.analysis.rows if r.name == "Pen")
    assert (year.months, pen.mean, pen.xyz) == (12, D("75000.00"), "Z")


# --- f. activity --------------------------------------------------------------------------------


@pytest.fixture
async def activity_world(db: Database) -> World:
    w = await make_world(db)
    await seed_demo_organization(OrganizationService(db.uow, w.clock, 5), "RU")
    deals = DealService(db.uow, w.clock, PIPELINES)
    leads = LeadService(db.uow, w.clock, deals, LeadSettings(default_region="RU"))
    talk = InteractionService(db.uow, w.clock)
    tasks = TaskService(db.uow, w.clock, "UTC")
    clients = ClientService(db.uow, w.clock, "RU")
    invoices = InvoiceService(db.uow, w.clock, "UTC", 5)
    # Anna: a lead in October (not this period's).
    w.clock.set(at(10, 30))
    await leads.create(w.m1, LeadDraft(contact_name="Old", phone="+79120000001"))
    # 02.11 09:00 a lead arrives with a message (logged then: the client's, not a contact);
    # converted at 12:00, Anna calls on its deal at 15:00: 6 hours to the first contact.
    w.clock.set(at(11, 2, 9))
    lead = await leads.create(w.m1, LeadDraft(contact_name="Ivan", phone="+79120000002",
                                              first_message="Need pens"))
    w.clock.set(at(11, 2, 12))
    await leads.set_status(w.m1, lead.id, "qualified")
    conversion = await leads.convert(w.m1, lead.id, ConvertChoice.NEW)
    assert conversion.deal is not None
    w.clock.set(at(11, 2, 15))
    await talk.add(w.m1, "call", "Called", deal_id=conversion.deal.id)
    w.clock.set(at(12, 2))
    await talk.add(w.m1, "call", "December", deal_id=conversion.deal.id)
    # 03.11: a lead nobody contacted.
    w.clock.set(at(11, 3))
    await leads.create(w.m1, LeadDraft(contact_name="Petr", phone="+79120000003"))
    # Tasks: done in November, open and overdue, open not yet due, cancelled.
    w.clock.set(at(11, 1))
    done = await tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Done", at(11, 10)))
    await tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Overdue", at(11, 20)))
    await tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Later", at(12, 10)))
    dropped = await tasks.create(w.m1, TaskDraft(TaskKind.TASK, "Dropped", at(11, 15)))
    await tasks.mark(w.m1, dropped.id, "cancelled")
    w.clock.set(at(11, 9))
    await tasks.complete(w.m1, done.id)
    # An invoice issued in November.
    company = await clients.create_company(w.m1, CompanyDraft(name="Alfa"))
    w.clock.set(at(11, 20))
    inv = await invoices.create_draft(w.m1, company.id)
    await invoices.add_line(w.m1, inv.id, Line("Pen", D(1), D(100), D(0)))
    await invoices.issue(w.m1, inv.id)
    # Boris: a lead on 05.11 never contacted; a call with his client on 20.11.
    w.clock.set(at(11, 5))
    await leads.create(w.m2, LeadDraft(contact_name="Oleg", phone="+79120000004"))
    theirs = await clients.create_company(w.m2, CompanyDraft(name="Omega"))
    w.clock.set(at(11, 20))
    await talk.add(w.m2, "meeting", "Met", company_id=theirs.id)
    w.clock.set(NOW)
    return w


def figures(report: ActivityReport) -> dict[str, tuple[int, Decimal | None, int, int, int, int]]:
    return {r.manager.name: (r.leads, r.first_contact_hours, r.interactions, r.tasks_done,
                             r.tasks_overdue, r.invoices_issued)
            for r in (*report.rows, report.total)}


async def test_activity_per_manager_and_total(activity_world: World) -> None:
    w = activity_world
    report = await w.reports.activity(w.admin, ask("activity", "team"))
    assert not report.empty
    got = figures(report)
    # Anna's interactions: the lead's message and the call (December's is outside).
    assert got["Anna"] == (2, D("6.0"), 2, 1, 1, 1)
    assert got["Boris"] == (1, None, 1, 0, 0, 0)
    assert got[""] == (3, D("6.0"), 3, 1, 1, 1)
    # Every active staff member is a row, the admin too (nothing to show).
    assert [r.manager.id for r in report.rows if r.manager.name not in ("Anna", "Boris")] \
        == [w.admin.id]
    mine = await w.reports.activity(w.m1, ask("activity"))
    assert [r.manager.name for r in mine.rows] == ["Anna"]
    assert figures(mine)[""] == got["Anna"]
    for scope in ("team", str(w.m2.id)):
        with pytest.raises(Forbidden):
            await w.reports.report(w.m1, ask("activity", scope))


# --- empty --------------------------------------------------------------------------------------


async def test_an_empty_period(db: Database) -> None:
    w = await make_world(db)
    w.clock.set(NOW)
    summer = Period(date(2025, 7, 1), date(2025, 7, 31))
    for kind in ("funnel", "abc_clients", "abc_products", "activity"):
        report = await w.reports.report(w.admin, ask(kind, "team", summer))
        assert report.empty, kind
    funnel = await w.reports.funnel(w.m1, ask("funnel", period=summer))
    assert [s.code for s in funnel.total.stages] == [
        "new", "qualified", "proposal", "invoice", "paid"]
    assert funnel.managers[0].manager.name == "Anna"
    abc = await w.reports.abc(w.m1, ask("abc_clients", period=summer))
    assert abc.analysis.rows == () and abc.analysis.total_minor == 0
    activity = await w.reports.activity(w.m1, ask("activity", period=summer))
    assert figures(activity)["Anna"] == (0, None, 0, 0, 0, 0)


# --- settings -----------------------------------------------------------------------------------


def test_report_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORT_STUCK_DAYS", "21")
    monkeypatch.setenv("REPORT_PLAN_BASIS", " Invoiced ")
    got = load_settings(_env_file=None)
    assert (got.report_stuck_days, got.report_plan_basis) == (21, "invoiced")
    monkeypatch.delenv("REPORT_STUCK_DAYS")
    monkeypatch.delenv("REPORT_PLAN_BASIS")
    assert (load_settings(_env_file=None).report_stuck_days,
            load_settings(_env_file=None).report_plan_basis) == (14, "paid")
    for name, value in (("REPORT_STUCK_DAYS", "0"), ("REPORT_PLAN_BASIS", "shipped")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError) as err:
            load_settings(_env_file=None)
        assert str(err.value).startswith(name)
        monkeypatch.delenv(name)
