"""Credit notes and refunds on a real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL
is set): gapless numbers under concurrency, a line never credited beyond what is left even
when credit notes race, the amounts of a part of a line, every refusal writing nothing, the
open amount everywhere (receivables, reminders, matching), refunds as outgoing payments that
no money-in query counts, and the actor's scope."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from services.credit_notes import CreditNoteService
from services.deals import DealService
from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import Invoice, Line
from services.numbering import format_number
from services.payments import PaymentService
from services.pricing import NO_VAT
from services.receivables import ReceivableService
from services.users import User
from storage import models as m
from storage.uow import Database
from tests.integration.test_invoices import World, make_world
from tests.unit.services.conftest import PIPELINES

D = Decimal
N = 30


async def issued(w: World, who: User, lines: list[Line], company: int | None = None
                 ) -> Invoice:
    inv = await w.invoices.create_draft(who, company or (w.company if who.id != w.m2.id
                                                         else w.other_company))
    for line in lines:
        await w.invoices.add_line(who, inv.id, line)
    return await w.invoices.issue(who, inv.id)


def chairs(qty: int = 3, price: str = "33.33", vat: Any = D(22)) -> Line:
    return Line("Стул", D(qty), D(price), vat, unit="шт")


async def count(db: Database, model: Any) -> int:
    async with db.uow(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def line_ids(db: Database, invoice_id: int) -> list[int]:
    async with db.uow(readonly=True) as uow:
        return list((await uow.session.execute(
            select(m.DocumentLine.id).where(m.DocumentLine.invoice_id == invoice_id)
            .order_by(m.DocumentLine.position))).scalars())


@pytest.fixture
async def w(db: Database) -> World:
    return await make_world(db)


@pytest.fixture
def notes(w: World) -> CreditNoteService:
    return CreditNoteService(w.db.uow, w.clock, "Europe/Moscow")  # type: ignore[arg-type]


@pytest.fixture
def payments(w: World) -> PaymentService:
    return PaymentService(w.db.uow, w.clock, DealService(w.db.uow, w.clock, PIPELINES),
                          "Europe/Moscow")


async def test_concurrent_credit_notes_get_gapless_numbers(w: World,
                                                          notes: CreditNoteService) -> None:
    invoices = [await issued(w, w.m1, [Line(f"L{i}", D(1), D(i + 1), NO_VAT)])
                for i in range(N)]
    draft = await w.invoices.create_draft(w.m1, w.company)
    results = await asyncio.gather(
        *(notes.issue(w.m1, i.id, None, "Возврат") for i in [*invoices, draft]),
        return_exceptions=True)
    assert isinstance(results[-1], Conflict)  # a draft takes none and consumes no number
    numbers = sorted(r.number_text for r in results[:-1] if not isinstance(r, BaseException))
    assert numbers == [format_number("{prefix}-{yyyy}-{seq:05}", prefix="КН", year=2026, seq=n)
                       for n in range(1, N + 1)]
    async with w.db.uow(readonly=True) as uow:
        last = (await uow.session.execute(select(m.NumberSeries.last_number).where(
            m.NumberSeries.kind == "credit_note"))).scalars().all()
    assert last == [N]


async def test_racing_credit_notes_never_credit_a_line_twice(w: World,
                                                            notes: CreditNoteService) -> None:
    inv = await issued(w, w.m1, [chairs()])
    (line,) = await line_ids(w.db, inv.id)
    results = await asyncio.gather(
        *(notes.issue(w.m1, inv.id, {line: D(1)}, "Возврат") for _ in range(5)),
        return_exceptions=True)
    done = [r for r in results if not isinstance(r, BaseException)]
    assert len(done) == 3
    assert all(isinstance(r, (InvalidInput, Conflict)) for r in results
               if isinstance(r, BaseException))
    fresh = await w.invoices.get(w.m1, inv.id)
    # 3 × 33.33 = 99.99 + VAT 22% 22.00 = 121.99: the three parts add up to the line exactly.
    assert fresh.grand_total == D("121.99")
    assert sum(n.total for n in fresh.credit_notes) == D("121.99")
    assert (fresh.credited, fresh.status, fresh.remaining) == (D("121.99"), "paid", D("0.00"))


async def test_part_of_a_line_at_the_invoice_amounts(w: World,
                                                    notes: CreditNoteService) -> None:
    inv = await issued(w, w.m1, [chairs(), Line("Доставка", D(1), D("500.00"), D(22),
                                                kind="shipping")])
    chair, _ = await line_ids(w.db, inv.id)
    one = await notes.issue(w.m1, inv.id, {chair: D(1)}, "Скидка")
    # net 99.99 × 1/3 = 33.33, VAT 22.00 × 1/3 = 7.33 (HALF_UP), no float anywhere.
    assert [(x.quantity, x.net_minor, x.vat_minor) for x in one.lines] == [(D(1), 3333, 733)]
    rest = await notes.issue(w.m1, inv.id, {chair: D(2)}, "Скидка")
    assert [(x.net_minor, x.vat_minor) for x in rest.lines] == [(6666, 1467)]
    fresh = await w.invoices.get(w.m1, inv.id)
    assert fresh.remaining == fresh.grand_total - D("121.99")
    assert fresh.status == "issued"


async def test_refusals_write_nothing(w: World, notes: CreditNoteService) -> None:
    inv = await issued(w, w.m1, [chairs()])
    (line,) = await line_ids(w.db, inv.id)
    with pytest.raises(InvalidInput) as over:
        await notes.issue(w.m1, inv.id, {line: D(4)}, "Возврат")
    assert over.value.code == "credit_quantity_over"
    with pytest.raises(InvalidInput) as empty:
        await notes.issue(w.m1, inv.id, {line: D(0)}, "Возврат")
    assert empty.value.code == "credit_empty"
    with pytest.raises(InvalidInput):
        await notes.issue(w.m1, inv.id, None, "   ")
    with pytest.raises(NotFound):  # another manager's invoice
        await notes.issue(w.m2, inv.id, None, "Возврат")
    with pytest.raises(NotFound):  # a line of another invoice
        await notes.issue(w.m1, inv.id, {line + 1000: D(1)}, "Возврат")
    cancelled = await issued(w, w.m1, [chairs()])
    await w.invoices.cancel(w.m1, cancelled.id, "Дубликат")
    with pytest.raises(Conflict) as gone:
        await notes.issue(w.m1, cancelled.id, None, "Возврат")
    assert gone.value.code == "not_creditable"
    assert await count(w.db, m.CreditNote) == 0
    assert await count(w.db, m.NumberSeries) == 1  # the invoices' only
    fresh = await w.invoices.get(w.m1, inv.id)
    assert (fresh.credited, fresh.status) == (D("0.00"), "issued")
    # A credited invoice is not cancelled any more; a paid one neither, with the amount said.
    await notes.issue(w.m1, inv.id, {line: D(1)}, "Возврат")
    with pytest.raises(Conflict) as credited:
        await w.invoices.cancel(w.m1, inv.id, "Ошибка")
    assert credited.value.code == "has_credit_notes"


async def test_cancel_keeps_the_reason_and_refuses_a_paid_invoice(
        w: World, payments: PaymentService) -> None:
    inv = await issued(w, w.m1, [chairs()])
    await payments.record_manual(w.m1, inv.id, "cash", "10")
    with pytest.raises(Conflict) as paid:
        await w.invoices.cancel(w.m1, inv.id, "Ошибка")
    assert (paid.value.code, paid.value.params["paid"]) == ("has_payments", D("10.00"))
    other = await issued(w, w.m1, [chairs()])
    with pytest.raises(NotFound):
        await w.invoices.cancel(w.m2, other.id, "Ошибка")
    done = await w.invoices.cancel(w.m1, other.id, "Ошибка в счёте")
    assert (done.status, done.cancel_reason) == ("cancelled", "Ошибка в счёте")
    async with w.db.uow(readonly=True) as uow:
        audit = (await uow.session.execute(select(
            m.AuditEntry.data, m.AuditEntry.company_id).where(
            m.AuditEntry.action == "invoice.cancel"))).all()
    assert [tuple(a) for a in audit] == [({"reason": "Ошибка в счёте"}, w.company)]


async def test_open_amount_everywhere_and_refunds_are_money_out(
        w: World, notes: CreditNoteService, payments: PaymentService) -> None:
    inv = await issued(w, w.m1, [Line("Работы", D(1), D("1000.00"), NO_VAT)])
    (line,) = await line_ids(w.db, inv.id)
    receivables = ReceivableService(w.db.uow, w.clock, "Europe/Moscow")  # type: ignore[arg-type]
    await payments.record_manual(w.m1, inv.id, "cash", "600")
    # Nothing overpaid yet: a credit note of 300 leaves 100 to pay, nothing to refund.
    async with w.db.uow(readonly=True) as uow:
        inv_money = await uow.credit_notes.invoice_money(inv.id, None)
    assert inv_money is not None and inv_money.open_minor == 40000
    first = await notes.issue(w.m1, inv.id, {line: D("0.3")}, "Скидка")
    assert first.total == D("300.00")
    report = await receivables.debts(w.m1)
    assert report.total.total("RUB") == D("100.00")
    statement = await receivables.statement(w.m1, w.company)
    assert statement.balance == {"RUB": D("100.00")}
    async with w.db.uow(readonly=True) as uow:
        target = await uow.alerts.invoice_target(inv.id)
        open_for_matching = [o for o in await uow.payments.open_invoices([w.org.id])
                             if o.id == inv.id]
    assert target is not None and target.remaining_minor == 10000
    assert [o.open_minor for o in open_for_matching] == [10000]
    with pytest.raises(Conflict) as nothing:
        await payments.refund(w.m1, first.id, None, "press-1")
    assert nothing.value.code == "nothing_to_refund"

    # 500 more credited: 600 paid against 200 owed, the client overpaid by 400.
    second = await notes.issue(w.m1, inv.id, {line: D("0.5")}, "Скидка")
    fresh = await w.invoices.get(w.m1, inv.id)
    assert (fresh.status, fresh.remaining) == ("paid", D("0.00"))
    assert (await receivables.debts(w.m1)).clients == ()
    _, left = await payments.refundable(w.m1, second.id)
    assert left == D("400.00")  # paid 600 + credited 800 − total 1000, of its 500
    with pytest.raises(InvalidInput) as too_much:
        await payments.refund(w.m1, first.id, "400", "press-2")
    assert too_much.value.code == "refund_over"
    _, left_first = await payments.refundable(w.m1, first.id)
    assert left_first == D("300.00")
    payment, note, again = await payments.refund(w.m1, first.id, "250", "press-3")
    assert (payment.amount_minor, note.refunded_minor, again) == (25000, 25000, False)
    repeat = await payments.refund(w.m1, first.id, "250", "press-3")
    assert repeat[2] is True
    with pytest.raises(NotFound):
        await payments.refund(w.m2, first.id, "10", "press-4")
    _, left_now = await payments.refundable(w.m1, second.id)
    assert left_now == D("150.00")  # overpaid 400 − 250 refunded

    async with w.db.uow(readonly=True) as uow:
        out = (await uow.session.execute(select(
            m.Payment.direction, m.Payment.source, m.Payment.status, m.Payment.credit_note_id,
            m.Payment.amount_minor).where(m.Payment.direction == "out"))).all()
        credits = await uow.payments.credits(w.company, "RUB")
        assert await uow.payments.pending(100) == []
    assert [tuple(r) for r in out] == [("out", "refund", "refund", first.id, 25000)]
    assert credits == []
    statement = await receivables.statement(w.m1, w.company)
    assert [p.amount_minor for p in statement.payments] == [60000]
    assert [(c.kind, c.number, c.amount_minor) for c in statement.corrections] == [
        ("credit_note", first.number_text, 30000), ("credit_note", second.number_text, 50000),
        ("refund", first.number_text, 25000)]
    assert (await receivables.statement(w.m2, w.other_company)).corrections == ()
