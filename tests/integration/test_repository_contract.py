"""The contract of the unit of work and of four repositories (numbering, tasks, deals,
payments), the same cases on the in-memory fakes (tests/fakes), SQLite and PostgreSQL: what
the unit tests of services on the fakes (tests/unit/services) assume is what the database
does."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.clients import CompanyDraft
from services.organizations import DEMO_ORGANIZATIONS
from services.payments import NewPaymentRow
from services.pipelines import load_pipelines
from services.users import Role
from storage.db import create_engine
from storage.deals import sync_pipelines
from storage.uow import Database
from tests.conftest import truncate_all
from tests.fakes import FakeDatabase

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)

Uows = Callable[..., Any]  # `async with uows() as uow:` on either store


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None for the fakes, else a migrated, empty database (sync: the session fixtures it
    uses run their own event loops)."""
    if request.param == "fake":
        return None
    if request.param == "sqlite":
        path = tmp_path / "contract.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(truncate_all(url))
    return url


@pytest.fixture
async def uows(store_url: str | None) -> AsyncIterator[Uows]:
    if store_url is None:
        yield FakeDatabase(PIPELINES).uow
        return
    db = Database(create_engine(store_url))
    try:
        async with db.uow() as uow:
            await sync_pipelines(uow.session, PIPELINES)
            await uow.commit()
        yield db.uow
    finally:
        await db.dispose()


async def people(uows: Uows) -> tuple[int, int, int]:
    """Two managers, M1 and M2, and our organization: (m1, m2, organization) ids."""
    async with uows() as uow:
        m1 = await uow.users.add(2, Role.MANAGER, "M1", None, "en", "UTC")
        m2 = await uow.users.add(3, Role.MANAGER, "M2", None, "ru", "UTC")
        org = await uow.organizations.add(DEMO_ORGANIZATIONS["RU"], T0)
        await uow.commit()
    return m1.id, m2.id, org.id


# --- the unit of work -----------------------------------------------------------------------


async def test_nothing_is_seen_unless_committed(uows: Uows) -> None:
    m1, _, _ = await people(uows)
    async with uows() as uow:
        dropped = await uow.companies.add(m1, CompanyDraft(name="Dropped"), T0)
        assert (await uow.companies.get(dropped.id, None)) is not None  # its own writes
    with pytest.raises(RuntimeError):
        async with uows() as uow:
            await uow.companies.add(m1, CompanyDraft(name="Failed"), T0)
            raise RuntimeError("the use case failed before its commit")
    async with uows() as uow:
        kept = await uow.companies.add(m1, CompanyDraft(name="Kept"), T0)
        await uow.commit()
    async with uows(readonly=True) as uow:
        companies, total = await uow.companies.list(None, 0, 10)
    assert ([c.name for c in companies], total) == (["Kept"], 1)
    assert companies[0].id == kept.id


# --- numbering ------------------------------------------------------------------------------


async def test_numbers_count_per_organization_kind_and_year(uows: Uows) -> None:
    _, _, org = await people(uows)
    async with uows() as uow:
        taken = [await uow.numbering.take_next(org, "invoice", 2026, "INV") for _ in range(3)]
        quote = await uow.numbering.take_next(org, "quote", 2026, "Q")
        next_year = await uow.numbering.take_next(org, "invoice", 2027, "INV")
        await uow.commit()
    series = taken[0][0]
    assert taken == [(series, 1), (series, 2), (series, 3)]
    assert quote[1] == 1 and quote[0] != series
    assert next_year[1] == 1 and next_year[0] not in (series, quote[0])
    async with uows(readonly=True) as uow:
        assert await uow.numbering.last_number(org, "invoice", 2026) == 3
        assert await uow.numbering.last_number(org, "act", 2026) == 0


async def test_a_rolled_back_number_is_given_again(uows: Uows) -> None:
    _, _, org = await people(uows)
    async with uows() as uow:
        first = await uow.numbering.take_next(org, "invoice", 2026, "INV")
        await uow.commit()
    async with uows() as uow:
        assert (await uow.numbering.take_next(org, "invoice", 2026, "INV"))[1] == 2
        # no commit: the issue failed
    async with uows() as uow:
        again = await uow.numbering.take_next(org, "invoice", 2026, "INV")
        await uow.commit()
    assert again == (first[0], 2)


# --- tasks ----------------------------------------------------------------------------------


async def test_a_task_is_found_only_within_its_owners_scope(uows: Uows) -> None:
    m1, m2, _ = await people(uows)
    async with uows() as uow:
        task = await uow.tasks.add(m1, {"kind": "task", "title": "Call", "status": "planned",
                                        "due_at": T0 + H}, T0)
        await uow.tasks.update(task.id, {"status": "done", "done_at": T0})
        await uow.commit()
    async with uows(readonly=True) as uow:
        assert await uow.tasks.get(task.id, m2) is None
        assert await uow.tasks.get(task.id + 1, None) is None
        mine = await uow.tasks.get(task.id, m1)
        anyone = await uow.tasks.get(task.id, None)
    assert mine == anyone
    assert mine is not None
    assert (mine.title, mine.status, mine.done_at, mine.due_at, mine.created_at) == (
        "Call", "done", T0, T0 + H, T0)
    assert (mine.deal_id, mine.starts_at, mine.remind_client) == (None, None, False)


async def test_due_until_open_first_then_by_time(uows: Uows) -> None:
    m1, m2, _ = await people(uows)
    start, end = T0, T0 + 24 * H

    async def add(uow: Any, owner: int, title: str, status: str = "planned",
                  **when: datetime) -> int:
        kind = "meeting" if "starts_at" in when else "task"
        task = await uow.tasks.add(owner, {"kind": kind, "title": title, "status": status,
                                           **when}, T0 - 72 * H)
        return int(task.id)

    async with uows() as uow:
        late = await add(uow, m1, "late", due_at=T0 + 20 * H)
        done_today = await add(uow, m1, "done today", "done", due_at=T0 + H)
        meeting = await add(uow, m1, "meeting", starts_at=T0 + 2 * H, ends_at=T0 + 3 * H)
        overdue = await add(uow, m1, "overdue", "deferred", due_at=T0 - 48 * H)
        await add(uow, m1, "overdue but done", "done", due_at=T0 - 24 * H)
        await add(uow, m1, "held long ago", "held", starts_at=T0 - 5 * H)
        await add(uow, m1, "tomorrow", due_at=end)
        await add(uow, m1, "no time")
        await add(uow, m2, "not mine", due_at=T0 + H)
        early = await add(uow, m1, "early", due_at=T0)
        await uow.commit()
    async with uows(readonly=True) as uow:
        found = await uow.tasks.due_until(m1, start, end)
    assert [t.id for t in found] == [overdue, early, meeting, late, done_today]


async def test_the_next_task_of_a_deal(uows: Uows) -> None:
    m1, _, _ = await people(uows)
    async with uows() as uow:
        deal = await uow.deals.add(m1, "sales", "new", "Paper", None, None, None, "RUB", {}, T0)
        values = {"kind": "task", "status": "planned", "deal_id": deal.id}
        await uow.tasks.add(m1, {**values, "title": "no time"}, T0)
        await uow.tasks.add(m1, {**values, "title": "done", "status": "done", "due_at": T0}, T0)
        await uow.tasks.add(m1, {**values, "title": "later", "due_at": T0 + 2 * H}, T0)
        await uow.tasks.add(m1, {**values, "title": "sooner", "kind": "call",
                                 "starts_at": T0 + H, "ends_at": T0 + 2 * H}, T0)
        await uow.commit()
    async with uows() as uow:
        nxt = await uow.tasks.next_for_deal(deal.id)
        assert nxt is not None and nxt.title == "sooner"
        assert (await uow.deals.get(deal.id, None)).open_tasks == 3
        await uow.tasks.update(nxt.id, {"status": "held"})
        nxt = await uow.tasks.next_for_deal(deal.id)
        assert nxt is not None and nxt.title == "later"
        await uow.tasks.update(nxt.id, {"status": "cancelled"})
        nxt = await uow.tasks.next_for_deal(deal.id)
        assert nxt is not None and nxt.title == "no time"  # untimed ones last
        assert (await uow.deals.get(deal.id, None)).open_tasks == 1


# --- deals ----------------------------------------------------------------------------------


async def test_deals_are_listed_newest_change_first_within_scope(uows: Uows) -> None:
    m1, m2, _ = await people(uows)
    async with uows() as uow:
        ids = [(await uow.deals.add(m1, "sales", "new", f"D{i}", None, None, 100 * i, "RUB",
                                    {"i": i}, T0 + i * H)).id for i in range(4)]
        theirs = await uow.deals.add(m2, "sales", "new", "Theirs", None, None, None, "RUB", {},
                                     T0)
        await uow.deals.update(ids[0], {"amount_minor": 5}, T0 + 10 * H)  # now the newest
        await uow.deals.set_stage(ids[2], "lost", "lost", "price", T0 + 5 * H, T0 + 5 * H)
        await uow.commit()
    async with uows(readonly=True) as uow:
        page, total = await uow.deals.list(m1, "open", 0, 2)
        rest, _ = await uow.deals.list(m1, "open", 2, 2)
        everyone, everyone_total = await uow.deals.list(None, "open", 0, 10)
        lost, _ = await uow.deals.list(None, "lost", 0, 10)
        assert await uow.deals.get(theirs.id, m1) is None
        first = await uow.deals.get(ids[0], m1)
    assert ([d.id for d in page], total) == ([ids[0], ids[3]], 3)
    assert [d.id for d in rest] == [ids[1]]
    assert everyone_total == 4 and theirs.id in [d.id for d in everyone]
    assert [(d.id, d.status, d.stage_code, d.lost_reason, d.closed_at) for d in lost] == [
        (ids[2], "lost", "lost", "price", T0 + 5 * H)]
    assert first is not None
    assert (first.amount_minor, first.fields, first.updated_at, first.created_at) == (
        5, {"i": 0}, T0 + 10 * H, T0)


async def test_stage_history_with_and_without_stages(uows: Uows) -> None:
    m1, _, _ = await people(uows)
    async with uows() as uow:
        deal = await uow.deals.add(m1, "sales", "new", "Paper", None, None, None, "RUB", {}, T0)
        await uow.deals.log_stage(deal.id, None, "new", m1, T0, None)
        await uow.deals.set_stage(deal.id, "qualified", "open", None, T0 + H, None)
        await uow.deals.log_stage(deal.id, "new", "qualified", m1, T0 + H, "call went well")
        quick = await uow.deals.add(m1, "quick", None, "Pens", None, None, None, "RUB", {}, T0)
        await uow.deals.log_stage(quick.id, None, None, m1, T0, None)
        await uow.deals.set_stage(quick.id, None, "won", None, T0 + H, T0 + H)
        await uow.deals.log_stage(quick.id, None, "won", None, T0 + H, None)
        await uow.commit()
    async with uows(readonly=True) as uow:
        history = await uow.deals.stage_history(deal.id)
        quick_history = await uow.deals.stage_history(quick.id)
        moved = await uow.deals.get(deal.id, None)
        won = await uow.deals.get(quick.id, None)
    assert [(h.from_stage, h.to_stage, h.actor_name, h.at, h.note) for h in history] == [
        (None, "new", "M1", T0, None), ("new", "qualified", "M1", T0 + H, "call went well")]
    assert [(h.from_stage, h.to_stage, h.actor_id, h.actor_name, h.note)
            for h in quick_history] == [(None, None, m1, "M1", None),
                                        (None, "won", None, "", "won")]
    assert moved is not None and moved.stage_code == "qualified"
    assert won is not None
    assert (won.stage_code, won.status, won.closed_at) == (None, "won", T0 + H)


async def test_companies_typed_on_a_deal(uows: Uows) -> None:
    m1, m2, _ = await people(uows)
    async with uows() as uow:
        for owner, name in ((m1, "Ёлка"), (m1, "елки-палки"), (m1, "Берёза"), (m2, "Ель")):
            await uow.companies.add(owner, CompanyDraft(name=name), T0)
        deal = await uow.deals.add(m1, "projects", "brief", "Site", None, None, None, "RUB",
                                   {}, T0)
        contact_id = await uow.deals.create_contact_for(deal, "Анна", T0)
        await uow.deals.update(deal.id, {"contact_id": contact_id}, T0)
        deal = await uow.deals.get(deal.id, None)
        company_id = await uow.deals.create_company_for(deal, "ООО Ромашка", T0)
        await uow.deals.update(deal.id, {"company_id": company_id}, T0)
        await uow.commit()
    async with uows(readonly=True) as uow:
        mine = await uow.deals.find_companies(m1, "ЕЛ", 8)
        everyone = await uow.deals.find_companies(None, "ел", 2)
        deal = await uow.deals.get(deal.id, m1)
        names = await uow.deals.card_names(deal)
        company = await uow.companies.get(company_id, m1)
    assert [c.name for c in mine] == ["Ёлка", "елки-палки"]
    assert len(everyone) == 2 and {c.name for c in everyone} <= {"Ёлка", "елки-палки", "Ель"}
    assert names == ("ООО Ромашка", "Анна", "M1")
    assert company is not None and company.owner_id == m1


# --- payments -------------------------------------------------------------------------------


def payment_row(key: str, amount: int, company: int | None, day: int = 1,
                source: str = "cash", status: str = "allocated") -> NewPaymentRow:
    return NewPaymentRow(
        source=source, external_id=key, organization_id=None, company_id=company,
        statement_id=None, amount_minor=amount, currency="RUB",
        received_on=(T0 + day * 24 * H).date(), payer_name="", payer_tax_id="",
        payer_account="", purpose="", doc_number="", status=status, created_by=None)


async def test_payments_are_captured_once_and_allocations_add_up(uows: Uows) -> None:
    m1, m2, org = await people(uows)
    async with uows() as uow:
        company = (await uow.companies.add(m1, CompanyDraft(name="Ромашка"), T0)).id
        invoice = await uow.invoices.add({
            "owner_id": m1, "organization_id": org, "company_id": company, "currency": "RUB",
            "status": "issued", "created_at": T0})
        first = await uow.payments.insert_payment(payment_row("k1", 30000, company))
        assert first is not None
        assert await uow.payments.insert_payment(payment_row("k1", 99, company)) is None
        new = await uow.payments.insert_payments([
            payment_row("k1", 1, company), payment_row("k2", 500, company, day=0,
                                                       status="credit"),
            payment_row("k3", 700, company, status="credit")])
        assert sorted(new) == ["k2", "k3"]  # (PostgreSQL's ids may skip: not compared)
        k2, k3 = new["k2"], new["k3"]
        assert len({first, k2, k3}) == 3
        await uow.payments.add_allocations([(first, invoice, 20000), (k2, invoice, 500),
                                            (k3, invoice, 100)], m1, T0)
        await uow.commit()
    async with uows() as uow:
        payment = await uow.payments.by_external("cash", "k1")
        assert payment is not None and payment.id == first
        assert (payment.amount_minor, payment.allocated_minor) == (30000, 20000)
        assert await uow.payments.existing_keys("cash", ["k1", "k3", "k9"]) == {"k1", "k3"}
        assert await uow.payments.allocated_to_invoice(invoice) == 20600
        # Credits: the client's payments with something left, oldest first.
        credits = await uow.payments.credits(company, "RUB")
        assert [(p.id, p.unallocated_minor) for p in credits] == [(k3, 600)]
        assert not await uow.payments.set_status(first, "reversed", expect=["credit"])
        assert await uow.payments.set_status(first, "reversed", expect=["allocated"],
                                             reversed_at=T0)
        await uow.payments.reverse_allocations(first, T0)
        assert await uow.payments.allocated_to_invoice(invoice) == 600
        assert await uow.payments.allocations(first) == []
        assert await uow.payments.allocations(k3) == [(invoice, 100)]
        on_invoice = await uow.payments.invoice_payments(invoice)
        assert [(p.id, on) for p, on in on_invoice] == [(k2, 500), (k3, 100)]
        assert await uow.payments.invoice_money(invoice, m2) is None
        money = await uow.payments.invoice_money(invoice, m1, lock=True)
        assert money is not None
        assert (money.number_text, money.paid_minor, money.status, money.sent) == (
            f"#{invoice}", 0, "issued", False)
        assert await uow.payments.owns_any([invoice, invoice + 5], m1)
        assert not await uow.payments.owns_any([invoice], m2)
        await uow.commit()
    async with uows(readonly=True) as uow:
        reversed_ = await uow.payments.get(first)
    assert reversed_ is not None
    assert (reversed_.status, reversed_.allocated_minor) == ("reversed", 0)
