"""Payments recorded by hand on a real database (SQLite and PostgreSQL): partial payments,
overpayment as credit, credit applied later, splits, reversal; invoice status and the deal's
stage follow the money in the same transaction; scoping; idempotent capture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.deals import DealDraft, DealService
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import InvoiceService, Line
from services.organizations import Organization, OrganizationService, seed_demo_organization
from services.payments import PaymentApplied, PaymentService
from services.pipelines import load_pipelines
from services.pricing import NO_VAT
from services.users import Role, User
from storage import models as m
from storage.deals import sync_pipelines
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
D = Decimal
C1_INN = "500100732259"
C2_INN = "7707083893"


@dataclass
class World:
    db: Database
    clock: FrozenClock
    payments: PaymentService
    invoices: InvoiceService
    deals: DealService
    clients: ClientService
    org: Organization
    admin: User
    m1: User
    m2: User
    c1: int  # m1's client
    c2: int  # m2's client


async def make_world(db: Database) -> World:
    clock = FrozenClock(T0)
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M1", None, "en")
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M2", None, "en")
    org = await seed_demo_organization(OrganizationService(db.uow, clock, 5))
    clients = ClientService(db.uow, clock, "RU")
    c1 = await clients.create_company(m1, CompanyDraft(name="Ромашка", country="RU",
                                                       tax_id=C1_INN))
    c2 = await clients.create_company(m2, CompanyDraft(name="Василёк", country="RU",
                                                       tax_id=C2_INN))
    deals = DealService(db.uow, clock, PIPELINES)
    return World(db, clock, PaymentService(db.uow, clock, deals, "UTC"),
                 InvoiceService(db.uow, clock, "UTC", 5), deals, clients, org, admin,
                 m1, m2, c1.id, c2.id)


@pytest.fixture
async def w(db: Database) -> World:
    return await make_world(db)


async def issue(w: World, who: User, company: int, amount: str,
                deal_id: int | None = None) -> tuple[int, str]:
    """An issued invoice of one no-VAT line: its total is exactly `amount`."""
    draft = await w.invoices.create_draft(who, company, deal_id)
    await w.invoices.add_line(who, draft.id, Line("Работы", D(1), D(amount), NO_VAT))
    issued = await w.invoices.issue(who, draft.id)
    assert issued.grand_total == D(amount)
    assert issued.number_text is not None
    return issued.id, issued.number_text


async def invoice_row(w: World, invoice_id: int) -> Any:
    async with w.db.uow(readonly=True) as uow:
        return (await uow.session.execute(select(m.Invoice.paid_minor, m.Invoice.status,
                                                 m.Invoice.paid_at)
                                          .where(m.Invoice.id == invoice_id))).one()


async def count(w: World, model: Any) -> int:
    async with w.db.uow(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def active_allocations(w: World, invoice_id: int) -> int:
    async with w.db.uow(readonly=True) as uow:
        return int(await uow.session.scalar(
            select(func.coalesce(func.sum(m.PaymentAllocation.amount_minor), 0)).where(
                m.PaymentAllocation.invoice_id == invoice_id,
                m.PaymentAllocation.reversed_at.is_(None))) or 0)


async def test_partial_then_rest_pays_the_invoice_and_moves_the_deal(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Поставка", company_id=w.c1))
    inv, number = await issue(w, w.m1, w.c1, "1200.50", deal.id)
    first = await w.payments.record_manual(w.m1, inv, "cash", "1 000,50", "ПКО-1")
    assert (first.payment.amount, first.payment.status) == (D("1000.50"), "allocated")
    assert await invoice_row(w, inv) == (100050, "partially_paid", None)
    (event,) = first.events
    assert isinstance(event, PaymentApplied)
    assert (event.invoice_number, event.company_name, event.amount, event.remaining,
            event.manager_chat, event.deal_stage) == (number, "Ромашка", D("1000.50"),
                                                      D("200.00"), 2, None)
    second = await w.payments.record_manual(w.m1, inv, "card", D("200.00"), "", "10.03.2026")
    paid, status, paid_at = await invoice_row(w, inv)
    assert (paid, status, paid_at) == (120050, "paid", T0)
    assert second.events[0].deal_stage == "paid"
    moved = await w.deals.get(w.m1, deal.id)
    assert (moved.stage_code, moved.status) == ("paid", "open")
    history = await w.deals.history(w.m1, deal.id)
    assert (history[-1].from_stage, history[-1].to_stage, history[-1].actor_id) == (
        "new", "paid", None)
    assert await active_allocations(w, inv) == 120050


async def test_deal_waits_for_all_its_invoices(w: World) -> None:
    deal = await w.deals.create(w.m1, DealDraft(title="Два счёта", company_id=w.c1))
    a, _ = await issue(w, w.m1, w.c1, "100.00", deal.id)
    await issue(w, w.m1, w.c1, "50.00", deal.id)
    out = await w.payments.record_manual(w.m1, a, "bank", "100")
    assert out.events[0].deal_stage is None
    assert (await w.deals.get(w.m1, deal.id)).stage_code == "new"


async def test_overpayment_is_credit_applied_to_the_next_invoice(w: World) -> None:
    first, _ = await issue(w, w.m1, w.c1, "1000.00")
    out = await w.payments.record_manual(w.m1, first, "cash", "1500", "ПКО-7")
    assert (out.payment.status, out.payment.unallocated) == ("credit", D("500.00"))
    assert await invoice_row(w, first) == (100000, "paid", T0)
    second, _ = await issue(w, w.m1, w.c1, "800.00")
    assert await w.payments.available_credit(w.m1, second) == D("500.00")
    applied = await w.payments.apply_credit(w.m1, second)
    assert applied.payment.status == "allocated"
    assert applied.events[0].remaining == D("300.00")
    assert await invoice_row(w, second) == (50000, "partially_paid", None)
    with pytest.raises(Conflict) as err:
        await w.payments.apply_credit(w.m1, second)
    assert err.value.code == "no_credit"


async def test_split_across_invoices_of_one_client(w: World) -> None:
    a, na = await issue(w, w.m1, w.c1, "600.00")
    b, nb = await issue(w, w.m1, w.c1, "400.00")
    other, no = await issue(w, w.m2, w.c2, "100.00")
    # A payment left as credit on a third invoice is then split over the two.
    c, _ = await issue(w, w.m1, w.c1, "10.00")
    credit = await w.payments.record_manual(w.m1, c, "bank", "1010.00", "п/п 5")
    assert credit.payment.unallocated == D("1000.00")
    with pytest.raises(InvalidInput) as bad:
        await w.payments.split_text(w.m1, credit.payment.id, f"{na} 600,00\n{nb} 401,00")
    assert bad.value.code == "split_over_invoice"
    with pytest.raises(InvalidInput) as bad:
        await w.payments.split_text(w.m1, credit.payment.id, f"{na} 600,00\n{no} 100,00")
    assert bad.value.code == "split_unknown_invoice"  # m2's invoice is not m1's to name
    with pytest.raises(Conflict) as conflict:
        await w.payments.split(w.admin, credit.payment.id, [(a, D(600)), (other, D(100))])
    assert conflict.value.code == "split_several_clients"
    assert await active_allocations(w, a) == 0
    out = await w.payments.split_text(w.m1, credit.payment.id, f"{na} 600,00\n{nb} 300")
    assert [e.invoice_number for e in out.events] == [na, nb]
    assert (out.payment.status, out.payment.unallocated) == ("credit", D("100.00"))
    assert await invoice_row(w, a) == (60000, "paid", T0)
    assert await invoice_row(w, b) == (30000, "partially_paid", None)


async def test_reverse_restores_invoices_and_keeps_the_audit(w: World) -> None:
    a, _ = await issue(w, w.m1, w.c1, "300.00")
    out = await w.payments.record_manual(w.m1, a, "cash", "300")
    assert (await invoice_row(w, a))[1] == "paid"
    with pytest.raises(InvalidInput):
        await w.payments.reverse(w.m1, out.payment.id, "   ")
    with pytest.raises(NotFound):
        await w.payments.reverse(w.m2, out.payment.id, "not mine")
    reversed_ = await w.payments.reverse(w.m1, out.payment.id, "wrong invoice")
    assert reversed_.payment.status == "reversed"
    assert await invoice_row(w, a) == (0, "issued", None)
    assert await active_allocations(w, a) == 0
    async with w.db.uow(readonly=True) as uow:
        audit = (await uow.session.execute(select(m.AuditEntry.action, m.AuditEntry.data)
                                           .where(m.AuditEntry.action == "payment.reverse"))
                 ).one()
    assert audit.data["reason"] == "wrong invoice"
    with pytest.raises(Conflict) as err:
        await w.payments.reverse(w.m1, out.payment.id, "again")
    assert err.value.code == "payment_done"
    # Paying again after the reversal works from a clean state.
    await w.payments.record_manual(w.m1, a, "cash", "100", "ПКО-2")
    assert (await invoice_row(w, a))[:2] == (10000, "partially_paid")


async def test_who_may_reverse_and_the_money_card(w: World) -> None:
    """A manager reverses only what they typed in themselves; money recorded by someone else
    (or reported by the bank or Telegram) is for a head or an admin. The money card shows
    each payment on the invoice with whether this viewer may reverse it."""
    a, number = await issue(w, w.m1, w.c1, "900.00")
    own = await w.payments.record_manual(w.m1, a, "cash", "100", "ПКО-5")
    by_admin = await w.payments.record_manual(w.admin, a, "bank", "200", "88")
    card = await w.payments.money_card(w.m1, a)
    assert (card.number_text, card.total, card.paid, card.remaining, card.credit) == (
        number, D("900.00"), D("300.00"), D("600.00"), D("0.00"))
    assert [(x.payment.id, x.on_invoice, x.can_reverse) for x in card.payments] == [
        (own.payment.id, D("100.00"), True), (by_admin.payment.id, D("200.00"), False)]
    assert [x.can_reverse for x in (await w.payments.money_card(w.admin, a)).payments] == [
        True, True]
    with pytest.raises(Forbidden):
        await w.payments.reverse(w.m1, by_admin.payment.id, "not mine to undo")
    assert (await invoice_row(w, a))[:2] == (30000, "partially_paid")
    with pytest.raises(NotFound):
        await w.payments.money_card(w.m2, a)
    await w.payments.reverse(w.admin, by_admin.payment.id, "bounced")
    card = await w.payments.money_card(w.m1, a)
    assert [x.payment.id for x in card.payments] == [own.payment.id]
    assert (card.paid, card.remaining) == (D("100.00"), D("800.00"))


async def test_the_same_action_twice_is_recorded_once(w: World) -> None:
    """A form submitted twice (a double tap, an update delivered again) is one payment,
    whatever its content says; its pushes are queued once."""
    a, _ = await issue(w, w.m1, w.c1, "500.00")
    one = await w.payments.record_manual(w.m1, a, "cash", "200", "ПКО-9", date(2026, 3, 9),
                                         action_key="form:1")
    two = await w.payments.record_manual(w.m1, a, "cash", "200,00", "ПКО-9", "09.03.2026",
                                         action_key="form:1")
    assert (two.duplicate, two.payment.id, two.events) == (True, one.payment.id, ())
    assert await count(w, m.Payment) == 1
    assert await invoice_row(w, a) == (20000, "partially_paid", None)
    assert await count(w, m.OutboxMessage) == 1  # the manager's push, once


async def test_two_equal_receipts_on_one_day_both_count(w: World) -> None:
    """Two genuine cash receipts of 300 on the same invoice on the same day are two
    payments: the key is the action, not the content."""
    a, _ = await issue(w, w.m1, w.c1, "1000.00")
    one = await w.payments.record_manual(w.m1, a, "cash", "300", "", date(2026, 3, 9),
                                         action_key="form:1")
    two = await w.payments.record_manual(w.m1, a, "cash", "300", "", date(2026, 3, 9),
                                         action_key="form:2")
    assert not one.duplicate and not two.duplicate
    assert one.payment.id != two.payment.id
    assert await count(w, m.Payment) == 2
    assert await invoice_row(w, a) == (60000, "partially_paid", None)


@pytest.mark.parametrize(("amount", "day", "code"), [
    ("-5", None, "amount_negative"),
    ("abc", None, "amount_not_a_number"),
    ("0", None, "payment_not_positive"),
    ("10,555", None, "amount_too_many_decimals"),
    ("10", "31.02.2026", "bad_date"),
    ("10", "11.03.2026", "payment_in_future"),
])
async def test_bad_input_changes_nothing(w: World, amount: str, day: str | None,
                                         code: str) -> None:
    a, _ = await issue(w, w.m1, w.c1, "500.00")
    with pytest.raises(InvalidInput) as err:
        await w.payments.record_manual(w.m1, a, "cash", amount, "", day)
    assert err.value.code == code
    assert await count(w, m.Payment) == 0
    assert await invoice_row(w, a) == (0, "issued", None)


async def test_scoping_and_statuses(w: World) -> None:
    a, _ = await issue(w, w.m1, w.c1, "500.00")
    with pytest.raises(NotFound):
        await w.payments.record_manual(w.m2, a, "cash", "10")
    with pytest.raises(InvalidInput):
        await w.payments.record_manual(w.m1, a, "crypto", "10")
    draft = await w.invoices.create_draft(w.m1, w.c1)
    with pytest.raises(Conflict) as err:
        await w.payments.record_manual(w.m1, draft.id, "cash", "10")
    assert err.value.code == "invoice_not_payable"
    await w.payments.record_manual(w.m1, a, "cash", "500")
    with pytest.raises(Conflict):
        await w.payments.record_manual(w.m1, a, "cash", "1", "again")
    # The head of sales sees everyone's invoices.
    b, _ = await issue(w, w.m2, w.c2, "50.00")
    out = await w.payments.record_manual(w.admin, b, "card", "50")
    assert out.events[0].manager_chat == 3
    assert await count(w, m.Payment) == 2
