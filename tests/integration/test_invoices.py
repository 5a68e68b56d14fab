"""Invoices and quotes on a real database (SQLite and PostgreSQL): the numbers the chat shows
are the numbers stored are the numbers `compute_totals` gives; issue, cancel, reissue;
quotes to invoices; scoping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from services.access import AccessService
from services.catalog import CatalogService, Price, ProductDraft
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.invoices import (
    Invoice,
    InvoiceService,
    Line,
    clean_price,
    clean_quantity,
    parse_discount,
)
from services.organizations import Organization, OrganizationService, seed_demo_organization
from services.pricing import NO_VAT, LineInput, compute_totals
from services.quotes import QuoteService
from services.users import Role, User
from storage import models as m
from storage.uow import Database

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
D = Decimal


@dataclass
class World:
    db: Database
    clock: FrozenClock
    invoices: InvoiceService
    quotes: QuoteService
    catalog: CatalogService
    clients: ClientService
    orgs: OrganizationService
    org: Organization
    admin: User
    m1: User
    m2: User
    company: int  # m1's client
    other_company: int  # m2's client


async def make_world(db: Database, country: str = "RU") -> World:
    clock = FrozenClock(T0)
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M1", None, "en")
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M2", None, "en")
    orgs = OrganizationService(db.uow, clock, 5)
    org = await seed_demo_organization(orgs, country)
    clients = ClientService(db.uow, clock, "RU")
    c1 = await clients.create_company(m1, CompanyDraft(name="Ромашка", country="RU",
                                                       tax_id="500100732259"))
    c2 = await clients.create_company(m2, CompanyDraft(name="Other Ltd"))
    invoices = InvoiceService(db.uow, clock, "Europe/Moscow", 5)
    return World(db, clock, invoices, QuoteService(db.uow, clock, invoices, "UTC"),
                 CatalogService(db.uow, clock), clients, orgs, org, admin, m1, m2,
                 c1.id, c2.id)


@pytest.fixture
async def w(db: Database) -> World:
    return await make_world(db)


async def db_rows(db: Database, invoice_id: int) -> tuple[Any, list[Any]]:
    async with db.uow(readonly=True) as uow:
        inv = (await uow.session.execute(select(m.Invoice.__table__).where(
            m.Invoice.id == invoice_id))).one()
        lines = list(await uow.session.execute(
            select(m.DocumentLine.__table__).where(m.DocumentLine.invoice_id == invoice_id)
            .order_by(m.DocumentLine.position)))
    return inv, lines


def assert_same(inv: Invoice, row: Any, lines: list[Any], expected: Any) -> None:
    """Service view == database minor units == compute_totals."""
    minor = expected.to_minor()
    assert (row.subtotal_minor, row.discount_total_minor, row.vat_minor, row.total_minor) == (
        minor["subtotal"], minor["discount_total"], minor["vat_total"], minor["grand_total"])
    assert (inv.subtotal, inv.discount_total, inv.vat_total, inv.grand_total,
            inv.net_total) == (expected.subtotal, expected.discount_total, expected.vat_total,
                               expected.grand_total, expected.net_total)
    assert len(lines) == len(expected.lines) == len(inv.lines)
    for stored, mine, want in zip(lines, inv.lines, expected.lines, strict=True):
        lm = want.to_minor(expected.currency)
        assert (stored.net_minor, stored.vat_minor, stored.total_minor) == (
            lm["net"], lm["vat"], lm["gross"])
        assert (mine.net, mine.vat, mine.total) == (want.net, want.vat, want.gross)


LINES = [
    LineInput("Стул", D("3"), D("1499.99"), D("22"), discount_percent=D("7.5")),
    LineInput("Монтаж", D("1.5"), D("1000.01"), D("10"), discount_amount=D("100.00")),
    LineInput("Книга", D("2"), D("333.33"), D("0")),
    LineInput("Доставка", D("1"), D("450.00"), NO_VAT, kind="shipping"),
]


async def fill(w: World, inv_id: int, lines: list[LineInput]) -> Invoice:
    inv = await w.invoices.get(w.m1, inv_id)
    for x in lines:
        inv = await w.invoices.add_line(w.m1, inv_id, Line(
            x.name, x.quantity, x.unit_price, x.vat_rate, x.kind,
            discount_percent=x.discount_percent, discount_amount=x.discount_amount))
    return inv


@pytest.mark.parametrize("mode", ["per_line", "on_total", "included"])
@pytest.mark.parametrize("doc_discount", [(None, None), (D("12.5"), None), (None, D("999.99"))])
async def test_chat_db_and_compute_totals_agree(w: World, mode: str,
                                                doc_discount: tuple[Any, Any]) -> None:
    inv = await w.invoices.create_draft(w.m1, w.company)
    await fill(w, inv.id, LINES)
    await w.invoices.set_tax_mode(w.m1, inv.id, mode)
    inv = await w.invoices.set_discount(w.m1, inv.id, *doc_discount)
    expected = compute_totals(LINES, "RUB", mode,  # type: ignore[arg-type]
                              total_discount_percent=doc_discount[0],
                              total_discount_amount=doc_discount[1])
    row, lines = await db_rows(w.db, inv.id)
    assert_same(inv, row, lines, expected)
    # Read back from the database, the same numbers again.
    assert_same(await w.invoices.get(w.m1, inv.id), row, lines, expected)
    assert expected.discount_total > 0


async def test_half_cent_rounding_and_no_vat(w: World) -> None:
    # 1.5 x 10.01 = 15.015 -> 15.02; VAT 22% of 0.25 = 0.055 -> 0.06; "none" prints no VAT.
    lines = [LineInput("A", D("1.5"), D("10.01"), D("22")),
             LineInput("B", D("1"), D("0.25"), D("22")),
             LineInput("C", D("1"), D("100.00"), NO_VAT),
             LineInput("D", D("2"), D("0.00"), D("0"))]
    inv = await w.invoices.create_draft(w.m1, w.company)
    inv = await fill(w, inv.id, lines)
    assert [x.net for x in inv.lines] == [D("15.02"), D("0.25"), D("100.00"), D("0.00")]
    assert [x.vat for x in inv.lines] == [D("3.30"), D("0.06"), D("0.00"), D("0.00")]
    assert inv.vat_breakdown[-1].rate == NO_VAT
    row, stored = await db_rows(w.db, inv.id)
    assert_same(inv, row, stored, compute_totals(lines, "RUB"))
    assert [s.vat_rate for s in stored] == ["22", "22", "none", "0"]


@pytest.mark.parametrize("currency", ["EUR", "MDL", "BYN", "RON", "USD"])
async def test_other_currencies(w: World, currency: str) -> None:
    inv = await w.invoices.create_draft(w.m1, w.company, currency=currency)
    assert inv.currency == currency
    inv = await fill(w, inv.id, LINES[:2])
    row, stored = await db_rows(w.db, inv.id)
    assert row.currency == currency
    assert_same(inv, row, stored, compute_totals(LINES[:2], currency))


async def test_a_hundred_lines(w: World) -> None:
    lines = [LineInput(f"Item {i}", D(i % 7 + 1), D(f"{i}.{i % 100:02d}"),
                       D("22") if i % 3 else D("10"),
                       discount_percent=D(i % 15) if i % 2 else None) for i in range(100)]
    inv = await w.invoices.create_draft(w.m1, w.company)
    inv = await fill(w, inv.id, lines)
    inv = await w.invoices.set_discount(w.m1, inv.id, D("3"), None)
    expected = compute_totals(lines, "RUB", total_discount_percent=D("3"))
    row, stored = await db_rows(w.db, inv.id)
    assert_same(inv, row, stored, expected)
    assert [s.position for s in stored] == list(range(1, 101))


async def snapshot(db: Database) -> tuple[Any, ...]:
    async with db.uow(readonly=True) as uow:
        inv = list(await uow.session.execute(select(
            m.Invoice.id, m.Invoice.status, m.Invoice.total_minor, m.Invoice.discount_minor,
            m.Invoice.discount_percent, m.Invoice.currency, m.Invoice.number)))
        lines = list(await uow.session.execute(select(
            m.DocumentLine.id, m.DocumentLine.quantity, m.DocumentLine.unit_price_minor,
            m.DocumentLine.discount_percent, m.DocumentLine.discount_minor)))
    return tuple(map(tuple, inv)), tuple(map(tuple, lines))


async def test_bad_input_changes_nothing(w: World) -> None:
    inv = await w.invoices.create_draft(w.m1, w.company)
    await fill(w, inv.id, LINES[:1])
    before = await snapshot(w.db)
    with pytest.raises(InvalidInput) as e1:
        clean_quantity("-2")
    assert e1.value.code == "quantity_not_positive"
    with pytest.raises(InvalidInput):
        clean_quantity("0")
    with pytest.raises(InvalidInput) as e2:
        clean_price("10.005", "RUB")
    assert e2.value.code == "amount_too_many_decimals"
    assert clean_price("1 200,50", "RUB") == D("1200.50")
    with pytest.raises(InvalidInput) as e3:
        parse_discount("150%", "RUB")
    assert e3.value.code == "discount_over_100"
    # A discount above the line amount: refused by pricing, nothing stored.
    with pytest.raises(InvalidInput) as e4:
        await w.invoices.update_line(w.m1, inv.id, 1, discount=(None, D("5000.00")))
    assert (e4.value.code, e4.value.params["line"]) == ("discount_over_line", 1)
    with pytest.raises(InvalidInput):
        await w.invoices.update_line(w.m1, inv.id, 1, quantity=D("-1"))
    with pytest.raises(InvalidInput) as e5:
        await w.invoices.set_discount(w.m1, inv.id, None, D("999999.00"))
    assert e5.value.code == "total_discount_over_total"
    with pytest.raises(InvalidInput) as e6:
        await w.invoices.set_currency(w.m1, inv.id, "XYZ")
    assert e6.value.code == "unknown_currency"
    with pytest.raises(Conflict):
        await w.invoices.set_currency(w.m1, inv.id, "EUR")  # lines priced in RUB
    assert await snapshot(w.db) == before


async def test_issue_numbers_cancel_reissue(w: World) -> None:
    a = await w.invoices.create_draft(w.m1, w.company)
    assert a.number is None and a.number_text is None
    with pytest.raises(Conflict) as empty:
        await w.invoices.issue(w.m1, a.id)
    assert empty.value.code == "no_lines"
    await fill(w, a.id, LINES[:2])
    a = await w.invoices.issue(w.m1, a.id)
    assert (a.status, a.number, a.number_text) == ("issued", 1, "INV-2026-00001")
    assert a.issue_date == date(2026, 3, 10)
    assert a.due_date == date(2026, 3, 15)  # the organization's 5 days (client has none)
    assert a.seller is not None and a.seller.tax_id == "7707083893"
    assert a.seller.account == "40702810938000000001" and a.seller.bik_or_bic == "044525225"
    assert a.buyer is not None and a.buyer.tax_id == "500100732259"
    assert a.buyer.tax_id_label == "ИНН"
    with pytest.raises(Conflict) as edit:
        await w.invoices.add_line(w.m1, a.id, Line("X", D(1), D(1), D(22)))
    assert edit.value.code == "not_draft"
    with pytest.raises(Conflict):
        await w.invoices.issue(w.m1, a.id)
    b = await w.invoices.reissue(w.m1, a.id)
    cancelled = await w.invoices.get(w.m1, a.id)
    assert (cancelled.status, cancelled.number_text) == ("cancelled", "INV-2026-00001")
    assert b.status == "draft" and b.number is None
    assert [(x.name, x.quantity, x.net) for x in b.lines] == [
        (x.name, x.quantity, x.net) for x in a.lines]
    assert b.grand_total == a.grand_total and b.company_id == a.company_id
    b = await w.invoices.issue(w.m1, b.id)
    assert b.number_text == "INV-2026-00002"
    # A draft cancelled without ever being issued takes no number.
    c = await w.invoices.create_draft(w.m1, w.company)
    c = await w.invoices.cancel(w.m1, c.id)
    assert (c.status, c.number) == ("cancelled", None)
    d = await w.invoices.create_draft(w.m1, w.company)
    await fill(w, d.id, LINES[:1])
    assert (await w.invoices.issue(w.m1, d.id)).number_text == "INV-2026-00003"


async def test_due_date_from_client_terms_and_explicit(w: World) -> None:
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Company).where(m.Company.id == w.company)
                                  .values(payment_terms_days=30))
        await uow.commit()
    inv = await w.invoices.create_draft(w.m1, w.company)
    await fill(w, inv.id, LINES[:1])
    assert (await w.invoices.issue(w.m1, inv.id)).due_date == date(2026, 4, 9)
    inv = await w.invoices.create_draft(w.m1, w.company)
    await fill(w, inv.id, LINES[:1])
    with pytest.raises(InvalidInput):
        await w.invoices.set_due_date(w.m1, inv.id, date(2026, 3, 1))
    await w.invoices.set_due_date(w.m1, inv.id, date(2026, 3, 20))
    assert (await w.invoices.issue(w.m1, inv.id)).due_date == date(2026, 3, 20)


async def test_status_transitions(w: World) -> None:
    inv = await w.invoices.create_draft(w.m1, w.company)
    await fill(w, inv.id, LINES[:1])
    with pytest.raises(Conflict):
        await w.invoices.transition(w.m1, inv.id, "paid")  # a draft is not paid
    await w.invoices.issue(w.m1, inv.id)
    for target in ("sent", "viewed", "overdue", "partially_paid", "paid"):
        assert (await w.invoices.transition(w.m1, inv.id, target)).status == target
    with pytest.raises(Conflict) as err:
        await w.invoices.cancel(w.m1, inv.id)
    assert err.value.code == "bad_transition"
    with pytest.raises(Conflict):
        await w.invoices.reissue(w.m1, inv.id)


async def test_another_managers_invoice_is_not_found(w: World) -> None:
    inv = await w.invoices.create_draft(w.m1, w.company)
    inv = await fill(w, inv.id, LINES[:1])
    before = await snapshot(w.db)
    calls = [
        w.invoices.get(w.m2, inv.id),
        w.invoices.add_line(w.m2, inv.id, Line("X", D(1), D(1), D(22))),
        w.invoices.remove_line(w.m2, inv.id, 1),
        w.invoices.issue(w.m2, inv.id),
        w.invoices.cancel(w.m2, inv.id),
        w.invoices.reissue(w.m2, inv.id),
        w.invoices.get_for_render(w.m2, inv.id),
        w.invoices.create_draft(w.m2, w.company),  # m1's client
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call
    assert await snapshot(w.db) == before
    # Heads and admins see everything; the list is scoped.
    assert (await w.invoices.get(w.admin, inv.id)).id == inv.id
    assert (await w.invoices.list(w.m2)).total == 0
    page = await w.invoices.list(w.m1)
    assert page.total == 1 and page.sums == {"RUB": inv.grand_total} != {}


async def test_list_filters_and_sums_per_currency(w: World) -> None:
    a = await w.invoices.create_draft(w.m1, w.company)
    await fill(w, a.id, LINES[:1])
    a = await w.invoices.issue(w.m1, a.id)
    b = await w.invoices.create_draft(w.m1, w.company, currency="EUR")
    b = await fill(w, b.id, LINES[2:3])
    page = await w.invoices.list(w.m1)
    assert page.total == 2 and page.sums == {"EUR": b.grand_total, "RUB": a.grand_total}
    issued = await w.invoices.list(w.m1, ["issued"])
    assert [x.id for x in issued.items] == [a.id] and issued.items[0].buyer_name == "Ромашка"


async def test_render_data_has_everything(w: World) -> None:
    inv = await w.invoices.create_draft(w.m1, w.company)
    await fill(w, inv.id, LINES)
    await w.invoices.set_discount(w.m1, inv.id, D("5"), None)
    await w.invoices.issue(w.m1, inv.id)
    r = await w.invoices.get_for_render(w.m1, inv.id)
    assert r.number == "INV-2026-00001" and r.seller.corr_account == "30101810400000000225"
    assert r.buyer.name == "Ромашка" and r.total_discount_percent == D("5")
    again = compute_totals(r.lines, r.currency, r.tax_mode,
                           total_discount_percent=r.total_discount_percent)
    assert again.grand_total == r.invoice.grand_total
    # A later change of the organization does not change the issued invoice.
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Organization).values(name="Renamed"))
        await uow.commit()
    assert (await w.invoices.get_for_render(w.m1, inv.id)).seller.name == "Demo LLC"


async def test_product_line_from_catalog(w: World) -> None:
    p = await w.catalog.create(w.admin, ProductDraft(
        name="Стул офисный", vat_code="10", sku="CH-1", unit="шт",
        prices=(Price("base", "RUB", D("2500.00")), Price("base", "EUR", D("25.00")))))
    inv = await w.invoices.create_draft(w.m1, w.company)
    inv = await w.invoices.add_product(w.m1, inv.id, p.id, D("2"))
    (line,) = inv.lines
    assert (line.unit_price, line.vat_rate, line.unit, line.product_id) == (
        D("2500.00"), D("10"), "шт", p.id)
    inv = await w.invoices.update_line(w.m1, inv.id, 1, unit_price=D("2400.00"))
    assert inv.lines[0].net == D("4800.00") and inv.lines[0].vat == D("480.00")
    usd = await w.invoices.create_draft(w.m1, w.company, currency="USD")
    with pytest.raises(InvalidInput) as err:
        await w.invoices.add_product(w.m1, usd.id, p.id, D("1"))
    assert err.value.code == "no_price_in_currency"


async def test_quote_to_invoice(w: World) -> None:
    q = await w.quotes.create_draft(w.m1, w.company)
    assert q.valid_until == date(2026, 3, 24)
    for x in LINES[:2]:
        q = await w.quotes.add_line(w.m1, q.id, Line(
            x.name, x.quantity, x.unit_price, x.vat_rate,
            discount_percent=x.discount_percent, discount_amount=x.discount_amount))
    with pytest.raises(Conflict):
        await w.quotes.accept_quote(q.id, 777)  # not sent yet
    q = await w.quotes.send(w.m1, q.id)
    assert (q.status, q.number_text) == ("sent", "Q-2026-00001")
    with pytest.raises(Conflict):
        await w.quotes.invoice_from_quote(w.m1, q.id)  # not accepted
    q = await w.quotes.accept_quote(q.id, 777)
    assert (q.status, q.accepted_by_telegram_id, q.accepted_at) == ("accepted", 777, T0)
    with pytest.raises(NotFound):
        await w.quotes.invoice_from_quote(w.m2, q.id)
    inv = await w.quotes.invoice_from_quote(w.m1, q.id, issue=True)
    assert inv.quote_id == q.id and inv.number_text == "INV-2026-00001"
    assert [(x.name, x.net, x.vat) for x in inv.lines] == [(x.name, x.net, x.vat)
                                                           for x in q.lines]
    assert inv.grand_total == q.grand_total
    # A second "Make invoice" (another tap, an old card) gives the same invoice, not a copy.
    again = await w.quotes.invoice_from_quote(w.m1, q.id)
    assert again.id == inv.id and again.number_text == "INV-2026-00001"


async def test_quote_expires_and_changes_requested(w: World) -> None:
    q = await w.quotes.create_draft(w.m1, w.company)
    await w.quotes.add_line(w.m1, q.id, Line("A", D(1), D(10), D(22)))
    await w.quotes.send(w.m1, q.id)
    w.clock.advance(timedelta(days=30))
    with pytest.raises(Conflict) as err:
        await w.quotes.accept_quote(q.id, 5)
    assert err.value.code == "quote_expired"
    assert (await w.quotes.get(w.m1, q.id)).status == "expired"
    q = await w.quotes.reopen(w.m1, q.id)
    await w.quotes.set_valid_until(w.m1, q.id, date(2026, 5, 1))
    q = await w.quotes.send(w.m1, q.id)
    assert q.number_text == "Q-2026-00001"  # keeps its number
    q = await w.quotes.request_changes(q.id, 5, "  cheaper please ")
    assert (q.status, q.change_request) == ("changes_requested", "cheaper please")


async def test_romanian_organization_defaults(db: Database) -> None:
    w = await make_world(db, "RO")
    inv = await w.invoices.create_draft(w.m1, w.company)
    assert (inv.currency, inv.tax_mode, inv.language) == ("RON", "on_total", "ro")
    inv = await w.invoices.add_free_line(w.m1, inv.id, "Servicii", D("1"), D("100.00"))
    assert inv.lines[0].vat_rate == D("21")
    await w.invoices.issue(w.m1, inv.id)
    assert (await w.invoices.get(w.m1, inv.id)).number_text == "DMO-2026-00001"


async def test_errors_are_domain_errors(w: World) -> None:
    with pytest.raises(DomainError):
        await w.invoices.create_draft(w.m1, 999_999)
    async with w.db.uow(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(m.Invoice)) == 0
