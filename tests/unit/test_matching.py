"""Matching incoming payments to open invoices: what the accountant would see per payment."""

from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

import pytest

from services.matching import (
    Allocation,
    Candidate,
    IncomingPayment,
    MatchResult,
    OpenInvoice,
    confirmed_account_to_remember,
    match_payments,
)
from services.statements.model import StatementTransaction

ROMASHKA_INN = "7701234567"
LUTIK_INN = "7807654321"
ROMASHKA_ACC = "40702810400000001111"
LUTIK_ACC = "40702810500000002222"


def invoice(
    invoice_id: int,
    number: int | None = None,
    *,
    open_minor: int = 1_200_00,
    total_minor: int | None = None,
    company: int = 1,
    tax_id: str = ROMASHKA_INN,
    accounts: tuple[str, ...] = (),
    currency: str = "RUB",
    year: int = 2026,
    issue: date = date(2026, 11, 1),
    due: date = date(2026, 11, 15),
) -> OpenInvoice:
    number = invoice_id if number is None else number
    return OpenInvoice(
        id=invoice_id,
        number_text=f"INV-{year}-{number:05d}",
        number=number,
        series_prefix="INV",
        year=year,
        company_id=company,
        company_tax_id=tax_id,
        confirmed_accounts=frozenset(accounts),
        currency=currency,
        total_minor=open_minor if total_minor is None else total_minor,
        open_minor=open_minor,
        issue_date=issue,
        due_date=due,
        owner_id=1,
    )


def payment(
    amount_minor: int,
    purpose: str = "Оплата за услуги",
    *,
    key: str = "p1",
    currency: str = "RUB",
    received_on: date = date(2026, 11, 5),
    tax_id: str = "",
    account: str = "",
) -> IncomingPayment:
    return IncomingPayment(
        key=key,
        amount_minor=amount_minor,
        currency=currency,
        received_on=received_on,
        purpose=purpose,
        payer_name="ООО «Ромашка»",
        payer_tax_id=tax_id,
        payer_account=account,
        doc_number="17",
    )


def one(pay: IncomingPayment, invoices: list[OpenInvoice]) -> MatchResult:
    (result,) = match_payments([pay], invoices)
    return result


def ids(result: MatchResult) -> list[int]:
    return [c.invoice_id for c in result.candidates]


# Distractors: open invoices whose numbers look like the dates, rates, amounts and codes that
# real purposes carry. None of them may be picked up from the texts below.
DISTRACTORS = [
    invoice(100 + n, n, open_minor=5_000_00 + n, company=9, tax_id="7700000009")
    for n in (1, 11, 15, 17, 20, 22, 26, 200, 1200, 2026)
]


# --- rule 1: invoice numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "purpose",
    [
        "Оплата по счету № INV-2026-00042",
        "Оплата по сч. N 42. Сумма 1 200,00, в т.ч. НДС 22% 216,39",
        "Оплата по счет No.42 от 01.11.2026 за услуги",
        "Оплата: Счёт №INV-2026-42",
        "Payment for invoice #42",
        "Оплата по сч.№ 00042 (15 шт.)",
        "INV 2026 00042",
        "ОПЛАТА ПО СЧЕТУ N42 ОТ 01.11.2026",
        "Оплата по счету на оплату № 42 от 01.11.2026, по договору № 15 от 01.01.2026",
        "Plata factura nr. 42 din 01.11.2026",
        "Plata conform factură 42, TVA 21%",
        "оплата inv-2026-42 без НДС",
        "Оплата сч. Nr. 42",
        "Оплата по счёту 42",
        "оплата по сч 00042 от 01.11.26г, ИНН 7701234567, р/с 40702810400000001111",
        "Оплата по счету № ІNV-2026-00042",  # a Cyrillic "І" typed for the Latin one
    ],
)
def test_the_invoice_number_in_many_spellings_auto_allocates(purpose: str) -> None:
    invoices = [invoice(42, open_minor=1_200_00), invoice(41, open_minor=800_00), *DISTRACTORS]
    result = one(payment(1_200_00, purpose), invoices)
    assert result.decision == "auto", result
    assert result.reason == "number_exact"
    assert result.allocations == [Allocation(42, 1_200_00)]
    assert result.overpayment_minor == 0
    assert result.company_id == 1


@pytest.mark.parametrize(
    "purpose",
    [
        "Оплата по счетам 41, 42",
        "Оплата сч. 41 и 42",
        "Оплата по счетам №41; №42 от 01.11.2026",
        "Оплата INV-2026-00041, INV-2026-00042",
        "Оплата INV-2026-00041 и 42",
        "Оплата сч 41,42",
        "Plata facturi 41 si 42",
    ],
)
def test_two_invoices_in_one_purpose_paid_exactly_are_both_allocated(purpose: str) -> None:
    invoices = [invoice(41, open_minor=800_00), invoice(42, open_minor=1_200_00), *DISTRACTORS]
    result = one(payment(2_000_00, purpose), invoices)
    assert result.decision == "auto", result
    assert sorted(result.allocations, key=lambda a: a.invoice_id) == [
        Allocation(41, 800_00),
        Allocation(42, 1_200_00),
    ]
    assert result.overpayment_minor == 0


@pytest.mark.parametrize(
    "purpose",
    [
        "Оплата по договору № 15 от 01.11.2026",
        "Оплата за услуги 01.11.2026, сумма 1 200,00 руб., в т.ч. НДС 22% 216,39 руб.",
        "Оплата, ИНН 7701234567 КПП 770101001, р/с 40702810400000001111",
        "Перевод по п/п № 17 от 20.11.2026",
        "Оплата по счету от 01.11.2026 сумма 1200,00",
        "Оплата по счет-фактуре № 22 от 20.11.2026",
        "Оплата по счету 1 200,00 руб",
        "Оплата по счету 22% НДС",
        "Оплата по счету 2026.11.01",
        "Оплата 200 шт. по заказу № 11",
        "на расчетный счет 40702810400000001111 за 2026 год",
        "Пополнение, лицевой счет 11",
        "Перевод на р/счет 22 (внутренний)",
        "Plata contract nr. 15 din 20.11.2026, suma 1.200,00 lei",
    ],
)
def test_dates_amounts_rates_and_tax_ids_are_not_read_as_invoice_numbers(purpose: str) -> None:
    # The payment amount matches nothing open, so any match could only come from the text.
    result = one(payment(3_333_33, purpose), [invoice(42), *DISTRACTORS])
    assert result.decision == "unmatched", result
    assert result.allocations == []
    assert result.candidates == []


def test_a_bare_number_without_a_marker_or_invoice_word_is_not_a_reference() -> None:
    result = one(payment(1_200_00, "Оплата 42 за услуги"), [invoice(42), invoice(43, company=2)])
    assert result.rule == "amount"
    assert result.decision == "review"


def test_partial_payment_of_one_invoice_is_allocated_and_the_rest_stays_open() -> None:
    invoices = [invoice(42, open_minor=1_200_00, total_minor=1_500_00)]
    first, second = match_payments(
        [
            payment(500_00, "Частичная оплата по счету № 42", key="a"),
            payment(700_00, "Оплата остатка по счету № 42", key="b"),
        ],
        invoices,
    )
    assert (first.decision, first.reason) == ("auto", "number_partial")
    assert first.allocations == [Allocation(42, 500_00)]
    assert first.overpayment_minor == 0
    assert (second.decision, second.reason) == ("auto", "number_exact")
    assert second.allocations == [Allocation(42, 700_00)]
    assert invoices[0].open_minor == 1_200_00  # the caller's invoices are not mutated


def test_overpayment_allocates_what_is_open_and_keeps_the_rest_as_credit() -> None:
    result = one(payment(1_500_00, "Оплата по счету № 42"), [invoice(42, open_minor=1_200_00)])
    assert (result.decision, result.reason) == ("auto", "number_overpayment")
    assert result.allocations == [Allocation(42, 1_200_00)]
    assert result.overpayment_minor == 300_00
    assert result.company_id == 1


def test_overpayment_over_two_named_invoices() -> None:
    invoices = [invoice(41, open_minor=800_00), invoice(42, open_minor=1_200_00)]
    result = one(payment(2_100_00, "счета 41, 42"), invoices)
    assert result.decision == "auto"
    assert {a.invoice_id: a.amount_minor for a in result.allocations} == {41: 800_00, 42: 1_200_00}
    assert result.overpayment_minor == 100_00


def test_paying_part_of_two_named_invoices_goes_to_review_oldest_due_first() -> None:
    invoices = [
        invoice(42, open_minor=1_200_00, due=date(2026, 11, 20)),
        invoice(41, open_minor=800_00, due=date(2026, 11, 10)),
    ]
    result = one(payment(1_000_00, "счета 41, 42"), invoices)
    assert (result.decision, result.reason) == ("review", "number_partial_several")
    assert result.allocations == []
    assert ids(result) == [41, 42]
    assert result.company_id == 1


def test_a_number_of_another_clients_invoice_is_demoted_to_review() -> None:
    invoices = [invoice(42, tax_id=LUTIK_INN, company=2)]
    result = one(payment(1_200_00, "Оплата по счету № 42", tax_id=ROMASHKA_INN), invoices)
    assert (result.decision, result.reason) == ("review", "number_tax_id_mismatch")
    assert result.allocations == []
    assert result.candidates == [Candidate(42, "number_tax_id_mismatch", 60)]


def test_romanian_cui_with_and_without_ro_prefix_is_the_same_payer() -> None:
    invoices = [invoice(42, tax_id="RO 18547290", currency="RON")]
    result = one(payment(1_200_00, "factura 42", currency="RON", tax_id="18547290"), invoices)
    assert result.decision == "auto"


def test_named_invoices_of_two_companies_go_to_review() -> None:
    invoices = [invoice(41, open_minor=800_00), invoice(42, company=2, tax_id=LUTIK_INN)]
    result = one(payment(2_000_00, "счета 41, 42"), invoices)
    assert (result.decision, result.reason) == ("review", "number_several_companies")
    assert result.company_id is None


def test_same_number_in_two_years_is_told_apart_by_the_date_written_after_it() -> None:
    invoices = [
        invoice(1, 42, year=2025, issue=date(2025, 11, 1), due=date(2025, 11, 15)),
        invoice(2, 42, year=2026),
    ]
    dated = one(payment(1_200_00, "Оплата по счету № 42 от 01.11.2026"), invoices)
    assert dated.allocations == [Allocation(2, 1_200_00)]
    undated = one(payment(1_200_00, "Оплата по счету № 42"), invoices)
    assert (undated.decision, undated.reason) == ("review", "number_ambiguous")
    assert ids(undated) == [1, 2]


# --- rules 2 and 3: who pays -----------------------------------------------------------------


def test_tax_id_and_exact_amount_auto_match_and_teach_the_payer_account() -> None:
    invoices = [
        invoice(41, open_minor=800_00),
        invoice(42, open_minor=1_200_00),
        invoice(43, open_minor=1_200_00, company=2, tax_id=LUTIK_INN),
    ]
    pay = payment(1_200_00, "Оплата за услуги", tax_id=ROMASHKA_INN, account=ROMASHKA_ACC)
    result = one(pay, invoices)
    assert (result.decision, result.reason, result.rule) == ("auto", "tax_id_amount", "tax_id")
    assert result.allocations == [Allocation(42, 1_200_00)]
    assert confirmed_account_to_remember(result, pay) == (1, ROMASHKA_ACC)


def test_tax_id_with_two_equal_open_amounts_goes_to_review_with_both() -> None:
    invoices = [
        invoice(42, open_minor=1_200_00, due=date(2026, 11, 20)),
        invoice(41, open_minor=1_200_00, due=date(2026, 11, 10)),
    ]
    pay = payment(1_200_00, tax_id=ROMASHKA_INN, account=ROMASHKA_ACC)
    result = one(pay, invoices)
    assert (result.decision, result.reason) == ("review", "tax_id_amount_several")
    assert ids(result) == [41, 42]
    assert result.company_id == 1
    assert confirmed_account_to_remember(result, pay) is None


def test_confirmed_account_and_exact_amount_auto_match() -> None:
    invoices = [
        invoice(42, accounts=(ROMASHKA_ACC,)),
        invoice(43, company=2, tax_id=LUTIK_INN, accounts=(LUTIK_ACC,)),
    ]
    pay = payment(1_200_00, account="4070 2810 4000 0000 1111")
    result = one(pay, invoices)
    assert (result.decision, result.reason, result.rule) == ("auto", "account_amount", "account")
    assert result.allocations == [Allocation(42, 1_200_00)]
    assert result.company_id == 1
    # Already confirmed: nothing new to remember.
    assert confirmed_account_to_remember(result, pay) is None


def test_a_number_match_teaches_the_account_but_a_review_does_not() -> None:
    pay = payment(1_200_00, "счет 42", account=ROMASHKA_ACC)
    auto = one(pay, [invoice(42)])
    assert confirmed_account_to_remember(auto, pay) == (1, ROMASHKA_ACC)
    review = one(pay, [invoice(42), invoice(1042, 42, year=2025)])
    assert review.decision == "review"
    assert confirmed_account_to_remember(review, pay) is None


# --- rules 4 and 5: amounts only ---------------------------------------------------------------


def test_equal_amounts_of_two_clients_without_identification_are_never_auto() -> None:
    invoices = [invoice(42), invoice(43, company=2, tax_id=LUTIK_INN)]
    result = one(payment(1_200_00, "Оплата за услуги"), invoices)
    assert (result.decision, result.reason) == ("review", "amount_only")
    assert result.allocations == []
    assert ids(result) == [42, 43]
    assert {c.reason for c in result.candidates} == {"amount_date"}
    assert result.company_id is None


def test_a_single_amount_match_without_identification_is_still_only_review() -> None:
    result = one(payment(1_200_00), [invoice(42)])
    assert result.decision == "review"
    assert result.allocations == []
    assert result.company_id is None


def test_amount_outside_the_date_window_is_unmatched_with_a_hint() -> None:
    invoices = [invoice(42, due=date(2026, 11, 15))]
    late = one(payment(1_200_00, received_on=date(2026, 12, 16)), invoices)
    assert (late.decision, late.candidates) == (
        "unmatched",
        [Candidate(42, "amount_outside_window", 20)],
    )
    in_grace = one(payment(1_200_00, received_on=date(2026, 12, 15)), invoices)
    assert in_grace.decision == "review"
    early = one(payment(1_200_00, received_on=date(2026, 10, 31)), invoices)
    assert early.decision == "unmatched"


def test_known_payer_with_an_unknown_amount_is_unmatched_but_names_the_company() -> None:
    invoices = [invoice(41, open_minor=800_00), invoice(43, company=2, tax_id=LUTIK_INN)]
    result = one(payment(999_00, tax_id=ROMASHKA_INN), invoices)
    assert result.decision == "unmatched"
    assert result.company_id == 1
    assert result.candidates == [Candidate(41, "same_company", 10)]


# --- currency ----------------------------------------------------------------------------------


def test_currency_mismatch_never_allocates() -> None:
    invoices = [invoice(42, currency="RUB")]
    by_number = one(payment(1_200_00, "счет 42", currency="EUR"), invoices)
    assert (by_number.decision, by_number.reason) == ("review", "number_currency_mismatch")
    assert by_number.allocations == []
    by_tax_id = one(payment(1_200_00, currency="EUR", tax_id=ROMASHKA_INN), invoices)
    assert by_tax_id.decision == "unmatched"
    assert by_tax_id.candidates == []  # the client's RUB invoices are no hint for EUR money
    by_amount = one(payment(1_200_00, currency="EUR"), invoices)
    assert (by_amount.decision, by_amount.candidates) == ("unmatched", [])


def test_the_same_number_in_two_currencies_prefers_the_payments_currency() -> None:
    invoices = [invoice(1, 42, currency="EUR"), invoice(2, 42, currency="RUB")]
    result = one(payment(1_200_00, "invoice 42", currency="EUR"), invoices)
    assert result.allocations == [Allocation(1, 1_200_00)]


# --- batches -----------------------------------------------------------------------------------


def test_two_payments_for_the_same_invoice_in_one_batch() -> None:
    invoices = [invoice(42, open_minor=1_200_00)]
    first, second = match_payments(
        [
            payment(1_200_00, "Оплата по счету № 42", key="a"),
            payment(1_200_00, "Оплата по счету № 42", key="b"),
        ],
        invoices,
    )
    assert (first.payment_key, first.reason) == ("a", "number_exact")
    assert first.allocations == [Allocation(42, 1_200_00)]
    assert (second.payment_key, second.decision, second.reason) == (
        "b",
        "auto",
        "number_overpayment",
    )
    assert second.allocations == []
    assert (second.overpayment_minor, second.company_id) == (1_200_00, 1)


def test_an_auto_match_removes_the_amount_from_later_amount_matches() -> None:
    invoices = [invoice(42, accounts=(ROMASHKA_ACC,))]
    first, second = match_payments(
        [
            payment(1_200_00, key="a", account=ROMASHKA_ACC),
            payment(1_200_00, key="b", account=ROMASHKA_ACC),
        ],
        invoices,
    )
    assert first.decision == "auto"
    assert (second.decision, second.candidates) == ("unmatched", [])
    assert second.company_id == 1


def test_a_review_does_not_consume_the_invoice() -> None:
    invoices = [invoice(42), invoice(43, company=2, tax_id=LUTIK_INN)]
    review, auto = match_payments(
        [payment(1_200_00, key="a"), payment(1_200_00, "сч 42", key="b")], invoices
    )
    assert review.decision == "review"
    assert auto.allocations == [Allocation(42, 1_200_00)]


def test_non_positive_amounts_and_duplicate_invoices() -> None:
    assert one(payment(0, "счет 42"), [invoice(42)]).reason == "not_positive"
    with pytest.raises(ValueError):
        match_payments([], [invoice(42), invoice(42)])


def test_ten_thousand_payments_against_ten_thousand_invoices() -> None:
    count = 10_000
    invoices = [
        invoice(
            i,
            open_minor=100_00 + i * 137,
            company=i % 3_000 + 1,
            tax_id=f"77{i % 3_000 + 1:08d}",
            accounts=(f"40702810{i % 3_000 + 1:012d}",),
        )
        for i in range(1, count + 1)
    ]
    payments: list[IncomingPayment] = []
    expected: dict[str, tuple[str, str, list[Allocation], list[int]]] = {}
    for inv in invoices:
        key, amount, kind = f"p{inv.id}", inv.open_minor, inv.id % 4
        if kind == 0:
            pay = payment(amount, f"Оплата по счету № {inv.number_text} от 01.11.2026", key=key)
            expected[key] = ("auto", "number_exact", [Allocation(inv.id, amount)], [inv.id])
        elif kind == 1:
            pay = payment(amount, "Оплата за услуги, НДС 22%", key=key, tax_id=inv.company_tax_id)
            expected[key] = ("auto", "tax_id_amount", [Allocation(inv.id, amount)], [inv.id])
        elif kind == 2:
            (acc,) = inv.confirmed_accounts
            pay = payment(amount, "Оплата по договору № 15", key=key, account=acc)
            expected[key] = ("auto", "account_amount", [Allocation(inv.id, amount)], [inv.id])
        else:
            pay = payment(amount, "Перевод 01.11.2026 1 200,00", key=key)
            expected[key] = ("review", "amount_only", [], [inv.id])
        payments.append(pay)
    random.Random(5).shuffle(payments)

    started = time.perf_counter()
    results = match_payments(payments, invoices)
    elapsed = time.perf_counter() - started
    print(f"\nmatch_payments: {count} payments x {count} invoices in {elapsed * 1000:.0f} ms")

    assert [r.payment_key for r in results] == [p.key for p in payments]
    for result in results:
        assert (result.decision, result.reason, result.allocations, ids(result)) == expected[
            result.payment_key
        ]


# --- statement transactions --------------------------------------------------------------------


def transaction(direction: str) -> StatementTransaction:
    return StatementTransaction(
        direction="in" if direction == "in" else "out",
        amount=Decimal("1200.50"),
        currency="RUB",
        doc_number="17",
        doc_date=date(2026, 11, 4),
        value_date=date(2026, 11, 5),
        doc_kind="Платежное поручение",
        payer_name="ООО «Ромашка»",
        payer_inn=ROMASHKA_INN,
        payer_kpp="770101001",
        payer_account=ROMASHKA_ACC,
        payer_bank_bic="044525974",
        payee_name="ООО «Дилчат»",
        payee_inn="7705000000",
        payee_account="40702810900000012345",
        purpose="Оплата по счету № 42",
        line=12,
        account="40702810900000012345",
    )


def test_an_outgoing_transaction_is_ignored() -> None:
    assert IncomingPayment.from_transaction(transaction("out"), "40702810900000012345") is None


def test_an_incoming_transaction_becomes_a_payment_in_minor_units() -> None:
    tx = transaction("in")
    pay = IncomingPayment.from_transaction(tx, "40702810900000012345")
    assert pay is not None
    assert (pay.amount_minor, pay.currency, pay.received_on) == (
        1_200_50,
        "RUB",
        date(2026, 11, 5),
    )
    assert (pay.payer_tax_id, pay.payer_account, pay.doc_number) == (
        ROMASHKA_INN,
        ROMASHKA_ACC,
        "17",
    )
    assert pay.key == tx.stable_key()
    result = one(pay, [invoice(42, open_minor=1_200_50)])
    assert result.allocations == [Allocation(42, 1_200_50)]


def test_money_from_our_own_account_is_not_a_client_payment() -> None:
    assert IncomingPayment.from_transaction(transaction("in"), ROMASHKA_ACC) is None


def test_a_transfer_typed_in_is_found_in_the_statement_once() -> None:
    from services.payments import Payment, doc_key, find_twins

    assert {doc_key(x) for x in ("15", "№ 015", "N15", " 0015 ")} == {"15"}
    assert doc_key("") == doc_key("№ ") == ""

    def typed(pid: int, number: str, minor: int, day: int) -> Payment:
        return Payment(id=pid, source="bank", external_id=f"m:{pid}", organization_id=1,
                       company_id=7, amount_minor=minor, allocated_minor=minor,
                       currency="RUB", received_on=date(2026, 3, day), payer_name="",
                       purpose="", doc_number=number, status="allocated", created_by=2)

    def line(key: str, number: str, minor: int, day: int) -> IncomingPayment:
        return IncomingPayment(key=key, amount_minor=minor, currency="RUB",
                               received_on=date(2026, 3, day), doc_number=number)

    recorded = [typed(1, "15", 1000, 6), typed(2, "16", 500, 6)]
    found = find_twins([line("a", "№15", 1000, 9), line("b", "15", 1000, 9),
                        line("c", "16", 501, 6), line("d", "16", 500, 20),
                        line("e", "", 500, 6)], recorded)
    # One to one; a different amount, a date beyond a week or no number is not the same.
    assert {k: p.id for k, p in found.items()} == {"a": 1}
    # Another payer (its tax id differs from the client's) with the same number and amount.
    other = IncomingPayment(key="f", amount_minor=1000, currency="RUB",
                            received_on=date(2026, 3, 6), doc_number="15",
                            payer_tax_id="7707083893")
    assert find_twins([other], recorded, {7: "500100732259"}) == {}
    assert set(find_twins([other], recorded, {7: "7707083893"})) == {"f"}
    assert set(find_twins([other], recorded)) == {"f"}  # the client's tax id unknown
