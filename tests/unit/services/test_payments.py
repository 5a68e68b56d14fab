"""PaymentService's manual payments on the in-memory fakes: partial and full payment, the
deal that follows, overpayment as credit, one payment per action, the pushes committed with
the money (and none when the transaction fails), reversal and the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal as D

import pytest

from services.deals import DealDraft
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import Line
from services.notices import PAYMENT_APPLIED, PAYMENT_RECEIPT, PAYMENT_TEAM
from services.pricing import NO_VAT
from tests.unit.services.conftest import TEAM_CHAT, World

CUSTOMER_CHAT = 500
PUSHES = (PAYMENT_APPLIED, PAYMENT_RECEIPT, PAYMENT_TEAM)


@dataclass
class Sale:
    deal_id: int
    invoice_id: int
    number: str


async def sale(w: World, amount: str = "1000.00") -> Sale:
    """m1's deal with Ромашка and its issued invoice; the customer's contact is bound to
    Telegram (chat 500, Romanian)."""
    await w.db.add_contact(w.m1.id, "Анна", company_id=w.c1, telegram_user_id=CUSTOMER_CHAT,
                           language="ro")
    deal = await w.deals.create(w.m1, DealDraft(title="Бумага", company_id=w.c1))
    draft = await w.invoices.create_for_deal(w.m1, deal.id)
    await w.invoices.add_line(w.m1, draft.id, Line("Бумага", D(1), D(amount), NO_VAT))
    doc = await w.invoices.issue(w.m1, draft.id)
    assert doc.number_text is not None
    return Sale(deal.id, doc.id, doc.number_text)


def pushes(w: World) -> list[tuple[str, int | None, str | None]]:
    """The payment pushes committed to the outbox: (kind, chat, amount)."""
    return [(r.kind, r.chat_id, r.payload.get("amount"))
            for r in w.db.outbox_rows() if r.kind in PUSHES]


async def test_a_partial_payment_then_the_rest(w: World) -> None:
    s = await sale(w)
    first = await w.payments.record_manual(w.m1, s.invoice_id, "cash", "300", action_key="a1")
    assert (first.payment.status, first.payment.amount, first.duplicate) == ("allocated",
                                                                             D("300.00"), False)
    (event,) = first.events
    assert (event.invoice_number, event.amount, event.remaining) == (s.number, D("300.00"),
                                                                     D("700.00"))
    card = await w.payments.money_card(w.m1, s.invoice_id)
    assert (card.status, card.paid, card.remaining) == ("partially_paid", D("300.00"),
                                                        D("700.00"))
    assert pushes(w) == [(PAYMENT_APPLIED, w.m1.telegram_id, "300.00"),
                         (PAYMENT_TEAM, TEAM_CHAT, "300.00"),
                         (PAYMENT_RECEIPT, CUSTOMER_CHAT, "300.00")]
    assert (await w.deals.get(w.m1, s.deal_id)).stage_code == "new"
    w.clock.advance(timedelta(hours=1))
    rest = await w.payments.record_manual(w.m1, s.invoice_id, "card", "700,00",
                                          action_key="a2")
    assert rest.events[0].remaining == D("0.00") and rest.events[0].deal_stage == "paid"
    card = await w.payments.money_card(w.m1, s.invoice_id)
    assert (card.status, card.paid, card.remaining) == ("paid", D("1000.00"), D("0.00"))
    assert [line.on_invoice for line in card.payments] == [D("300.00"), D("700.00")]
    assert (await w.deals.get(w.m1, s.deal_id)).stage_code == "paid"
    assert len(pushes(w)) == 6
    with pytest.raises(Conflict) as err:
        await w.payments.record_manual(w.m1, s.invoice_id, "cash", "1", action_key="a3")
    assert err.value.code == "invoice_not_payable"


async def test_an_overpayment_becomes_credit_for_the_next_invoice(w: World) -> None:
    s = await sale(w, "1000.00")
    over = await w.payments.record_manual(w.m1, s.invoice_id, "bank", "1250")
    assert (over.payment.status, over.payment.unallocated) == ("credit", D("250.00"))
    assert (await w.payments.money_card(w.m1, s.invoice_id)).paid == D("1000.00")
    second = await sale(w, "100.00")
    assert await w.payments.available_credit(w.m1, second.invoice_id) == D("250.00")
    applied = await w.payments.apply_credit(w.m1, second.invoice_id)
    assert (applied.payment.id, applied.payment.status) == (over.payment.id, "credit")
    assert applied.events[0].amount == D("100.00")
    card = await w.payments.money_card(w.m1, second.invoice_id)
    assert (card.status, card.credit) == ("paid", D("150.00"))


async def test_the_same_action_is_recorded_once_equal_receipts_twice(w: World) -> None:
    s = await sale(w)
    first = await w.payments.record_manual(w.m1, s.invoice_id, "cash", "100", action_key="f1")
    again = await w.payments.record_manual(w.m1, s.invoice_id, "cash", "100", action_key="f1")
    assert again.duplicate and again.payment.id == first.payment.id and again.events == ()
    assert len(pushes(w)) == 3
    # Another press (another action) of the same amount is another payment.
    other = await w.payments.record_manual(w.m1, s.invoice_id, "cash", "100", action_key="f2")
    assert not other.duplicate and other.payment.id != first.payment.id
    card = await w.payments.money_card(w.m1, s.invoice_id)
    assert (card.paid, len(card.payments)) == (D("200.00"), 2)
    assert len(pushes(w)) == 6


async def test_a_failed_commit_leaves_no_payment_and_no_push(w: World) -> None:
    s = await sale(w)
    w.db.commit_error = ConnectionError("server closed the connection")
    with pytest.raises(ConnectionError):
        await w.payments.record_manual(w.m1, s.invoice_id, "cash", "1000", action_key="c1")
    card = await w.payments.money_card(w.m1, s.invoice_id)
    assert (card.status, card.paid, card.payments) == ("issued", D("0.00"), ())
    assert pushes(w) == []
    assert (await w.deals.get(w.m1, s.deal_id)).stage_code == "new"
    # The person presses again: recorded now, once.
    done = await w.payments.record_manual(w.m1, s.invoice_id, "cash", "1000", action_key="c1")
    assert not done.duplicate and done.events[0].deal_stage == "paid"
    assert [kind for kind, _, _ in pushes(w)] == [PAYMENT_APPLIED, PAYMENT_TEAM,
                                                  PAYMENT_RECEIPT]


async def test_bad_input_changes_nothing(w: World) -> None:
    s = await sale(w)
    for amount, day, code in (("0", None, "payment_not_positive"), ("abc", None, None),
                              ("10", "21.11.2026", "payment_in_future")):
        with pytest.raises(InvalidInput) as err:
            await w.payments.record_manual(w.m1, s.invoice_id, "cash", amount, received_on=day)
        if code is not None:
            assert err.value.code == code
    with pytest.raises(InvalidInput):
        await w.payments.record_manual(w.m1, s.invoice_id, "crypto", "10")
    draft = await w.invoices.create_draft(w.m1, w.c1)
    with pytest.raises(Conflict) as conflict:
        await w.payments.record_manual(w.m1, draft.id, "cash", "10")
    assert conflict.value.code == "invoice_not_payable"
    assert (await w.payments.money_card(w.m1, s.invoice_id)).payments == ()
    assert pushes(w) == []


async def test_reversal_restores_the_invoice(w: World) -> None:
    s = await sale(w)
    paid = await w.payments.record_manual(w.m1, s.invoice_id, "cash", "1000")
    with pytest.raises(InvalidInput):
        await w.payments.reverse(w.m1, paid.payment.id, "   ")
    reversed_ = await w.payments.reverse(w.m1, paid.payment.id, "typo")
    assert reversed_.payment.status == "reversed"
    card = await w.payments.money_card(w.m1, s.invoice_id)
    assert (card.status, card.paid, card.payments) == ("issued", D("0.00"), ())
    with pytest.raises(Conflict) as err:
        await w.payments.reverse(w.m1, paid.payment.id, "again")
    assert err.value.code == "payment_done"


async def test_another_managers_invoice_and_payment_are_not_found(w: World) -> None:
    s = await sale(w)
    paid = await w.payments.record_manual(w.m1, s.invoice_id, "cash", "10")
    for invoice_id in (s.invoice_id, s.invoice_id + 100):
        for call in (lambda i: w.payments.record_manual(w.m2, i, "cash", "10"),
                     lambda i: w.payments.money_card(w.m2, i),
                     lambda i: w.payments.apply_credit(w.m2, i)):
            with pytest.raises(NotFound) as err:
                await call(invoice_id)
            assert err.value.params == {"entity": "invoice", "id": invoice_id}
    for payment_id in (paid.payment.id, paid.payment.id + 100):
        with pytest.raises(NotFound) as err:
            await w.payments.reverse(w.m2, payment_id, "not mine")
        assert err.value.params == {"entity": "payment", "id": payment_id}
    assert (await w.payments.money_card(w.m1, s.invoice_id)).paid == D("10.00")
    assert len(pushes(w)) == 3
    # A head of sales sees it; a manager may reverse only what they typed in themselves.
    card = await w.payments.money_card(w.admin, s.invoice_id)
    assert [line.can_reverse for line in card.payments] == [True]
    by_admin = await w.payments.record_manual(w.admin, s.invoice_id, "cash", "5")
    with pytest.raises(Forbidden):
        await w.payments.reverse(w.m1, by_admin.payment.id, "not mine")


def reminders(w: World) -> list[tuple[str, str]]:
    """The customer's reminders of the invoice in the outbox: (kind, status), by due time."""
    rows = sorted((r for r in w.db.outbox_rows() if r.invoice_id is not None),
                  key=lambda r: r.due_at)
    return [(r.kind, r.status) for r in rows]


async def test_reminders_follow_the_money(w: World) -> None:
    s = await sale(w)
    assert reminders(w) == []  # nothing planned them yet (the daily job would)
    partial = await w.payments.record_manual(w.m1, s.invoice_id, "cash", "300")
    planned = reminders(w)
    assert [kind for kind, _ in planned][:3] == ["invoice_due_soon", "invoice_due_today",
                                                 "invoice_overdue"]
    assert {status for _, status in planned} == {"pending"}
    assert all(r.chat_id == CUSTOMER_CHAT for r in w.db.outbox_rows()
               if r.invoice_id is not None)
    await w.payments.record_manual(w.m1, s.invoice_id, "cash", "700")
    assert {status for _, status in reminders(w)} == {"cancelled"}  # paid: none go out
    await w.payments.reverse(w.m1, partial.payment.id, "wrong invoice")
    assert reminders(w) == planned  # 700 of 1000 paid: the same reminders are due again
