"""Find everything (issue 13, item 6) at the service level on a real database (SQLite and
PostgreSQL): invoices, quotes and payments by number in the matcher's spellings, invoices and
payments by amount, payments by payment order number, clients by account or IBAN, archived
records only when asked for, and the manager's scope; the /invoices filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.clock import FrozenClock
from services.errors import NotFound
from services.invoices import InvoiceService
from services.invoices.filters import InvoiceFilter, parse_period
from services.search import HitKind, SearchService
from storage.uow import Database
from tests.fixtures.search_world import ACCOUNT, World, build_world

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db, FrozenClock(T0))


@pytest.fixture
def search(db: Database) -> SearchService:
    return SearchService(db.uow, "RU")


def kinds(result: object) -> list[tuple[str, int]]:
    return [(h.kind.value, h.id) for h in result.hits]  # type: ignore[attr-defined]


def of(result: object, kind: HitKind) -> list[int]:
    return [h.id for h in result.hits if h.kind == kind]  # type: ignore[attr-defined]


async def test_invoice_by_number_in_the_matchers_spellings(search: SearchService,
                                                          world: World) -> None:
    assert world.big_number == "INV-2026-00001"
    for typed in ("INV-2026-00001", "inv 2026 1", "inv2026/1", "Счет № 1 от 20.11.2026", "сч 1",
                  "счёт № 1", "СЧ-2026-00001", "№1", "01", "00001", "INV-1"):
        result = await search.search(world.ivan, typed)
        assert of(result, HitKind.INVOICE) == [world.big], typed
    hit = next(h for h in (await search.search(world.ivan, "№1")).hits
               if h.kind == HitKind.INVOICE)
    assert (hit.number, hit.amount_minor, hit.currency, hit.company_name, hit.status) == (
        "INV-2026-00001", 88269440, "RUB", "Ромашка", "issued")
    # Another year or series is another invoice.
    assert of(await search.search(world.ivan, "INV-2025-00001"), HitKind.INVOICE) == []
    assert of(await search.search(world.ivan, "Q-2026-00001"), HitKind.INVOICE) == []


async def test_quote_by_number_and_payments_of_a_found_invoice(search: SearchService,
                                                               world: World) -> None:
    assert world.quote_number == "Q-2026-00001"
    result = await search.search(world.ivan, "Q-2026-00001")
    assert of(result, HitKind.QUOTE) != [] and of(result, HitKind.INVOICE) == []
    # Invoice 2 was paid by payment order 15: found with it.
    result = await search.search(world.ivan, world.small_number)
    assert of(result, HitKind.INVOICE) == [world.small]
    assert of(result, HitKind.PAYMENT) == [world.payment]
    pay = next(h for h in result.hits if h.kind == HitKind.PAYMENT)
    assert (pay.amount_minor, pay.number, pay.invoice_id, pay.invoice_number) == (
        100000, "15", world.small, world.small_number)


async def test_amounts_typed_any_way(search: SearchService, world: World) -> None:
    for typed in ("882694,40", "882 694", "882694.4", "882 694 р.", "882 694,40 ₽",
                  "882\u00a0694,40", "882694"):
        result = await search.search(world.ivan, typed)
        assert of(result, HitKind.INVOICE) == [world.big], typed
    assert of(await search.search(world.ivan, "882694,41"), HitKind.INVOICE) == []
    # The head sees both managers' invoices of that amount.
    assert sorted(of(await search.search(world.admin, "882 694,40"), HitKind.INVOICE)) == [
        world.big, world.petr_big]
    # Payments by amount.
    assert of(await search.search(world.ivan, "1000"), HitKind.PAYMENT) == [world.payment]
    assert of(await search.search(world.ivan, "1 000,00 руб"), HitKind.PAYMENT) == [
        world.payment]


async def test_payment_order_number(search: SearchService, world: World) -> None:
    assert of(await search.search(world.ivan, "п/п 15"), HitKind.PAYMENT) == [world.payment]
    assert of(await search.search(world.ivan, "15"), HitKind.PAYMENT) == [world.payment]
    assert of(await search.search(world.petr, "77"), HitKind.PAYMENT) == [world.petr_payment]


async def test_client_by_account_or_iban(search: SearchService, world: World) -> None:
    for typed in (ACCOUNT, "4070 2810 9000 0000 1234", "р/с 40702810900000001234",
                  "ro49 aaaa 1b31 0075 9384 0000", "IBAN RO49AAAA1B31007593840000"):
        assert of(await search.search(world.ivan, typed), HitKind.COMPANY) == [
            world.romashka], typed
    assert of(await search.search(world.petr, ACCOUNT), HitKind.COMPANY) == []


async def test_a_manager_finds_nothing_of_anothers(search: SearchService, world: World) -> None:
    for typed in (world.petr_number, "882 694,40", "77", "700", "Василёк"):
        result = await search.search(world.ivan, typed)
        assert world.petr_big not in of(result, HitKind.INVOICE), typed
        assert world.petr_payment not in of(result, HitKind.PAYMENT), typed
        assert world.vasilek not in of(result, HitKind.COMPANY), typed
        assert all(h.owner_id == world.ivan.id for h in result.hits), typed
    result = await search.search(world.petr, world.big_number)
    assert of(result, HitKind.INVOICE) == [] and of(result, HitKind.PAYMENT) == []
    assert of(await search.search(world.petr, "15"), HitKind.PAYMENT) == []
    assert of(await search.search(world.petr, "1000"), HitKind.PAYMENT) == []


async def test_archived_records_only_when_asked(search: SearchService, world: World) -> None:
    live = await search.search(world.ivan, "Ром")
    assert [(h.kind.value, h.name) for h in live.hits] == [("company", "Ромашка")]
    for result in (await search.search(world.ivan, "архив Ром"),
                   await search.search(world.ivan, "Ром", archived=True),
                   await search.search(world.ivan, "ARCHIVE ром")):
        assert [(h.kind.value, h.name, h.archived) for h in result.hits] == [
            ("company", "Ромашка", False), ("company", "Ромашка Старая", True),
            ("contact", "Ромов Архип", True), ("lead", "Ромео", True),
            ("deal", "Ромашка: проигранная", True)]
        assert result.keys.archived


async def test_invoice_filters(db: Database, world: World) -> None:
    invoices = InvoiceService(db.uow, FrozenClock(T0), "UTC")

    async def ids(actor: object, flt: InvoiceFilter) -> list[int]:
        view = await invoices.filtered(actor, flt, 0, 10)  # type: ignore[arg-type]
        return [i.id for i in view.page.items]

    ivan = world.ivan
    assert await ids(ivan, InvoiceFilter()) == [world.small, world.big]
    assert await ids(ivan, InvoiceFilter(status="overdue")) == [world.big]
    assert await ids(ivan, InvoiceFilter(status="partial")) == [world.small]
    assert await ids(ivan, InvoiceFilter(status="issued")) == [world.big]
    assert await ids(ivan, InvoiceFilter(status="paid")) == []
    assert await ids(ivan, InvoiceFilter(company_id=world.romashka, period="this")) == [
        world.small, world.big]
    assert await ids(ivan, InvoiceFilter(period="last")) == []
    assert await ids(ivan, InvoiceFilter(status="overdue", period=parse_period(
        "01.11.2026–30.11.2026"))) == [world.big]
    view = await invoices.filtered(ivan, InvoiceFilter(company_id=world.romashka,
                                                       period="this"), 0, 1)
    assert (view.client_name, view.page.total, len(view.page.items)) == ("Ромашка", 2, 1)
    assert str(view.start) == "2026-11-01" and str(view.end) == "2026-11-30"
    # Another manager's client in a filter: not found, nothing listed.
    with pytest.raises(NotFound):
        await invoices.filtered(ivan, InvoiceFilter(company_id=world.vasilek), 0, 10)
    assert await ids(world.petr, InvoiceFilter(status="overdue")) == []
    assert await ids(world.admin, InvoiceFilter(company_id=world.vasilek)) == [world.petr_big]


async def test_credit_note_by_number_opens_its_invoice(db: Database, search: SearchService,
                                                       world: World) -> None:
    from storage import models as m

    async with db.uow() as uow:
        org = (await uow.session.execute(m.Organization.__table__.select())).first()
        assert org is not None
        series = m.NumberSeries(organization_id=org.id, kind="credit_note", year=2026,
                                prefix="CN", last_number=1)
        uow.session.add(series)
        await uow.session.flush()
        uow.session.add(m.CreditNote(invoice_id=world.big, organization_id=org.id,
                                     owner_id=world.ivan.id, company_id=world.romashka,
                                     series_id=series.id, number=1, number_text="CN-2026-00001",
                                     issue_date=T0.date(), currency="RUB", total_minor=12200))
        await uow.commit()
    result = await search.search(world.ivan, "CN-2026-00001")
    notes = [h for h in result.hits if h.kind == HitKind.CREDIT_NOTE]
    assert [(h.number, h.invoice_id, h.amount_minor) for h in notes] == [
        ("CN-2026-00001", world.big, 12200)]
    assert of(result, HitKind.INVOICE) == []  # INV-2026-00001 is another series
    assert of(await search.search(world.petr, "CN-2026-00001"), HitKind.CREDIT_NOTE) == []
