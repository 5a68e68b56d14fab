"""The pure rules of corrections: the open amount, a credited part of a line, what may be
refunded, the invoice status once money and credit notes are counted, and credit notes and
refunds on the printed client statement."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from services.credit_notes import CreditNote, InvoiceLineLeft, credit_line
from services.credit_notes.model import CreditState, whole
from services.documents import StatementEntry, build_statement_view
from services.invoices.model import InvoiceMoney
from services.money import format_money, open_minor
from services.payments.refunds import refundable_minor
from services.payments.rules import status_after
from tests.unit.test_documents import BUYER, SELLER_RU

D = Decimal


def line(qty: str = "3", net: int = 9999, vat: int = 2200, taken: str = "0",
         taken_net: int = 0, taken_vat: int = 0) -> InvoiceLineLeft:
    return InvoiceLineLeft(7, 1, "item", None, "Стул", "шт", D(qty), 3333, None, "22", net,
                           vat, net + vat, D(taken), taken_net, taken_vat)


def money(total: int, paid: int, credited: int, status: str = "sent") -> InvoiceMoney:
    return InvoiceMoney(1, 1, 1, 1, None, "INV-1", "RUB", total, paid, status,
                        date(2026, 12, 1), True, False, credited)


def test_open_amount_is_total_less_paid_less_credited_never_negative() -> None:
    assert open_minor(10000, 3000, 2000) == 5000
    assert open_minor(10000, 8000, 4000) == 0
    assert money(10000, 3000, 2000).open_minor == 5000
    assert money(10000, 3000, 2000).due_minor == 8000


def test_a_part_of_a_line_rounds_half_up_and_the_last_part_takes_the_rest() -> None:
    first = credit_line(line(), D(1), 1, "RUB")
    assert (first.net_minor, first.vat_minor, first.total_minor) == (3333, 733, 4066)
    second = credit_line(line(taken="1", taken_net=3333, taken_vat=733), D(1), 1, "RUB")
    assert (second.net_minor, second.vat_minor) == (3333, 733)
    last = credit_line(line(taken="2", taken_net=6666, taken_vat=1466), D(1), 1, "RUB")
    assert (last.net_minor, last.vat_minor) == (3333, 734)  # 9999 / 2200 in all, exactly
    assert isinstance(last.net_minor, int) and last.row()["total_minor"] == 4067


def test_whole_credits_what_each_line_has_left() -> None:
    state = CreditState(1, "INV-1", "RUB", "sent", 12199, 0, 4066,
                        (line(taken="1", taken_net=3333, taken_vat=733),))
    assert whole(state) == {7: D(2)}
    assert state.creditable_minor == 8133


def test_refund_at_most_the_unrefunded_credit_and_the_overpayment() -> None:
    note = CreditNote(1, 1, "INV-1", 1, 1, 1, None, "КН-2026-00001", date(2026, 12, 1), "",
                      "RUB", 0, 0, 30000, 10000, "issued", datetime(2026, 12, 1, tzinfo=UTC))
    assert refundable_minor(note, 100000, 100000, 30000, 10000) == 20000
    assert refundable_minor(note, 100000, 90000, 30000, 10000) == 10000  # overpaid 20000
    assert refundable_minor(note, 100000, 0, 30000, 0) == 0  # nothing was paid


def test_status_once_credit_notes_count() -> None:
    today = date(2026, 12, 5)
    # 700 of 1000 paid, 300 credited: paid in full.
    assert status_after(money(100000, 0, 30000), 70000, today) == "paid"
    assert status_after(money(100000, 0, 30000), 60000, today) == "partially_paid"
    # A reversal with a credit note standing reopens it (overdue: due before today).
    assert status_after(money(100000, 70000, 30000, "paid"), 0, today) == "overdue"


def test_credit_notes_and_refunds_on_the_printed_statement() -> None:
    d = date(2026, 3, 9)
    view = build_statement_view(
        seller=SELLER_RU, buyer=BUYER, currency="RUB", issue_date=date(2026, 4, 1),
        entries=[StatementEntry(date(2026, 3, 5), "invoice", "INV-1", D("1000")),
                 StatementEntry(d, "payment", "15", D("1000")),
                 StatementEntry(d, "credit_note", "КН-2026-00001", D("300")),
                 StatementEntry(date(2026, 3, 10), "refund", "КН-2026-00001", D("300"))])
    assert [(r.document, r.debit, r.credit, r.balance) for r in view.rows][2:] == [
        ("Кредит-нота № КН-2026-00001", D("0.00"), D("300.00"), D("-300.00")),
        ("Возврат № КН-2026-00001", D("300.00"), D("0.00"), D("0.00"))]
    assert view.closing_text == "Задолженности нет: расчёты сверены."
    assert format_money(view.closing, "RUB", "ru") == format_money(D(0), "RUB", "ru")
