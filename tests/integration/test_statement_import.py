"""Bank statement import on a real database (SQLite and PostgreSQL): each payment recorded
once however often a file (or an overlapping one) is imported; automatic matches allocated and
payer accounts remembered; review payments resolved exactly once; bad files change nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select

from bot.i18n import DOMAIN, LOCALES, compile_catalogs
from handlers.notices import RENDERERS
from services.errors import Conflict, NotFound
from services.notices import PAYMENT_APPLIED, PAYMENT_DIGEST, PAYMENT_TEAM
from services.payments import PaymentApplied, PaymentService, ReviewNeeded, read_and_match
from services.statements import StatementError, generate_1c
from services.tasks import TaskDraft, TaskKind, TaskService
from storage import models as m
from tests.integration.test_payments import (
    C1_INN,
    C2_INN,
    World,
    active_allocations,
    count,
    invoice_row,
    issue,
)
from tests.integration.test_payments import w as w

OWN = "40702810938000000001"
BIK = "044525225"
PAYER1 = "40702810100000000011"
D = Decimal


def tx(amount: str, day: int, number: str, purpose: str = "", inn: str = "",
       account: str = "40702810900000000999", name: str = "ООО Плательщик",
       direction: str = "in") -> dict[str, Any]:
    return {"direction": direction, "amount": D(amount), "date": date(2026, 3, day),
            "number": number, "purpose": purpose, "counterparty_inn": inn,
            "counterparty_account": account, "counterparty_name": name}


def statement(*txs: dict[str, Any], account: str = OWN) -> bytes:
    return generate_1c(account, BIK, list(txs))


async def payments(w: World) -> list[Any]:
    async with w.db.uow(readonly=True) as uow:
        return list((await uow.session.execute(
            select(m.Payment.external_id, m.Payment.amount_minor, m.Payment.status,
                   m.Payment.company_id).order_by(m.Payment.id))).all())


async def test_same_file_three_times_records_each_payment_once(w: World) -> None:
    inv, number = await issue(w, w.m1, w.c1, "1500.00")
    data = statement(tx("1500.00", 3, "11", f"Оплата по счету {number}", C1_INN, PAYER1),
                     tx("700.00", 4, "12", "Оплата по договору 5"),
                     tx("50.00", 4, "13", "перевод", direction="out"))
    first = await w.payments.import_statement(w.m1, data, "kl_to_1c.txt")
    assert (first.incoming, first.new, first.already, first.auto, first.review,
            first.unmatched, first.balances) == (2, 2, 0, 1, 0, 1, ())
    (applied,) = [e for e in first.events if isinstance(e, PaymentApplied)]
    assert (applied.invoice_number, applied.amount, applied.remaining) == (
        number, D("1500.00"), D("0.00"))
    for _ in range(2):
        again = await w.payments.import_statement(w.m1, data, "kl_to_1c.txt")
        assert (again.incoming, again.new, again.already, again.auto, again.events) == (
            2, 0, 2, 0, ())
    assert len(await payments(w)) == 2
    assert await invoice_row(w, inv) == (150000, "paid", w.clock.now())
    async with w.db.uow(readonly=True) as uow:
        allocated = await uow.session.scalar(select(func.sum(
            m.PaymentAllocation.amount_minor)))
        confirmed = (await uow.session.execute(select(
            m.CompanyAccount.company_id, m.CompanyAccount.account,
            m.CompanyAccount.confirmed))).all()
        statements = (await uow.session.execute(select(
            m.BankStatement.transactions, m.BankStatement.new_payments)
            .order_by(m.BankStatement.id))).all()
    assert allocated == 150000
    assert confirmed == [(w.c1, PAYER1, True)]  # the payer's account is now the client's
    assert statements == [(3, 2), (3, 0), (3, 0)]


async def test_overlapping_statement_records_each_payment_once(w: World) -> None:
    a, na = await issue(w, w.m1, w.c1, "100.00")
    b, nb = await issue(w, w.m1, w.c1, "200.00")
    monday = statement(tx("100.00", 2, "1", f"счет {na}", C1_INN),
                       tx("33.00", 3, "2", "аванс"))
    tuesday = statement(tx("33.00", 3, "2", "аванс"),  # the shared day, again
                        tx("200.00", 4, "3", f"счет {nb}", C1_INN))
    one = await w.payments.import_statement(w.m1, monday)
    two = await w.payments.import_statement(w.m1, tuesday)
    assert (one.new, two.new, two.already) == (2, 1, 1)
    assert [p.amount_minor for p in await payments(w)] == [10000, 3300, 20000]
    assert (await invoice_row(w, a))[:2] == (10000, "paid")
    assert (await invoice_row(w, b))[:2] == (20000, "paid")


async def test_equal_amounts_of_two_clients_wait_for_a_person(w: World) -> None:
    a, na = await issue(w, w.m1, w.c1, "990.00")
    b, nb = await issue(w, w.m2, w.c2, "990.00")
    report = await w.payments.import_statement(w.admin, statement(
        tx("990.00", 10, "77", "оплата за товар")))
    assert (report.auto, report.review, report.unmatched) == (0, 1, 0)
    reviews = [e for e in report.events if isinstance(e, ReviewNeeded)]
    # Each manager is asked about their own invoice only.
    assert sorted((e.recipient_chat, tuple(c.number_text for c in e.candidates))
                  for e in reviews) == [(2, (na,)), (3, (nb,))]
    pid = reviews[0].payment_id
    card = await w.payments.review_card(w.m1, pid)
    assert [c.invoice_id for c in card.candidates] == [a]
    with pytest.raises(NotFound):  # m1 cannot put it on m2's invoice
        await w.payments.resolve(w.m1, pid, b)
    done = await w.payments.resolve(w.m2, pid, b)
    assert done.payment.status == "allocated" and done.events[0].invoice_number == nb
    with pytest.raises(Conflict) as err:
        await w.payments.resolve(w.m1, pid, a)
    assert err.value.code == "payment_done"
    with pytest.raises(Conflict):
        await w.payments.dismiss(w.m1, pid)
    assert (await invoice_row(w, a))[:2] == (0, "issued")
    assert (await invoice_row(w, b))[:2] == (99000, "paid")
    assert await w.payments.review_queue(w.m1) == []


async def test_not_ours_and_the_queue(w: World) -> None:
    await issue(w, w.m1, w.c1, "10.00")
    await issue(w, w.m1, w.c1, "10.00")
    report = await w.payments.import_statement(w.m1, statement(tx("10.00", 10, "1", "")))
    assert report.review == 1
    (card,) = await w.payments.review_queue(w.m1)
    assert len(card.candidates) == 2 and card.reason == "amount_only"
    assert await w.payments.review_queue(w.m2) == []
    with pytest.raises(NotFound):
        await w.payments.dismiss(w.m2, card.payment.id)
    assert (await w.payments.dismiss(w.m1, card.payment.id)).status == "ignored"
    assert await w.payments.review_queue(w.admin) == []


async def test_statement_for_an_unknown_account_is_refused_whole(w: World) -> None:
    await issue(w, w.m1, w.c1, "10.00")
    with pytest.raises(Conflict) as err:
        await w.payments.import_statement(w.m1, statement(tx("10.00", 5, "1", ""),
                                                          account="40702810500000000123"))
    assert (err.value.code, err.value.params["account"]) == (
        "statement_foreign_account", "40702810500000000123")
    assert (await count(w, m.Payment), await count(w, m.BankStatement)) == (0, 0)


def broken(old: str, new: str) -> bytes:
    """The second document of a two-document file with one field spoilt (line 42: its date,
    43: its amount)."""
    text = statement(tx("10.00", 5, "1", ""), tx("20.00", 6, "2", "")).decode("cp1251")
    assert text.splitlines()[41:43] == ["Дата=06.03.2026", "Сумма=20.00"]
    return text.replace(old, new, 1).encode("cp1251")


@pytest.mark.parametrize(("data", "code", "line"), [
    (broken("Сумма=20.00", "Сумма=-20.00"), "negative_amount", 43),
    (broken("Сумма=20.00", "Сумма=20,0x"), "bad_amount", 43),
    (broken("Дата=06.03.2026", "Дата=31.02.2026"), "bad_date", 42),
    (b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF", "not_a_statement", None),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4, "not_a_statement", None),
    (bytes(range(256)) * 64, "not_a_statement", None),
    (b"1CClientBankExchange\r\n" + b"x" * (50 * 1024 * 1024), "too_large", None),
])
async def test_bad_files_are_rejected_whole(w: World, data: bytes, code: str,
                                            line: int | None) -> None:
    await issue(w, w.m1, w.c1, "10.00")
    with pytest.raises(StatementError) as err:
        await w.payments.import_statement(w.m1, data, "statement.txt")
    assert (err.value.code, err.value.line) == (code, line)
    assert (await count(w, m.Payment), await count(w, m.BankStatement)) == (0, 0)


async def test_a_long_purpose_is_accepted_and_balances_are_checked(w: World) -> None:
    _, number = await issue(w, w.m1, w.c1, "10.00")
    purpose = f"Оплата по счету {number} " + "очень длинное назначение " * 200
    purpose = purpose[:5000]
    data = statement(tx("10.00", 5, "1", purpose, C1_INN))
    text = data.decode("cp1251").replace("КонечныйОстаток=10.00", "КонечныйОстаток=15.00")
    report = await w.payments.import_statement(w.m1, text.encode("cp1251"))
    assert (report.auto, report.new) == (1, 1)
    assert [(b.kind, b.expected, b.actual) for b in report.balances] == [
        ("closing_balance", D("15.00"), D("10.00"))]
    async with w.db.uow(readonly=True) as uow:
        stored = await uow.session.scalar(select(m.Payment.purpose))
    assert stored == purpose and len(purpose) == 5000


async def test_customers_cannot_import(w: World) -> None:
    from dataclasses import replace

    from services.errors import Forbidden
    from services.users import Role

    with pytest.raises(Forbidden):
        await w.payments.import_statement(replace(w.m1, role=Role.CUSTOMER),
                                          statement(tx("1.00", 5, "1")))
    report = await w.payments.import_statement(None, statement(tx("1.00", 5, "1", "", C2_INN)))
    assert report.new == 1  # the system (the CLI without --as) may


async def test_a_transfer_typed_in_and_then_in_the_statement_counts_once(w: World) -> None:
    """The manager typed in the client's transfer (payment order № 15); the bank statement
    then brings the same transfer: it is recorded as the twin of the typed one, confirms it,
    and no money is counted twice."""
    inv, number = await issue(w, w.m1, w.c1, "1000.00")
    typed = await w.payments.record_manual(w.m1, inv, "bank", "1000", "15", date(2026, 3, 6))
    report = await w.payments.import_statement(
        w.m1, statement(tx("1000.00", 9, "№ 015", f"Оплата по счету {number}", C1_INN)),
        "kl_to_1c.txt")
    assert (report.new, report.twins, report.auto, report.events) == (1, 1, 0, ())
    assert await invoice_row(w, inv) == (100000, "paid", w.clock.now())
    rows = await payments(w)
    assert [(r.amount_minor, r.status) for r in rows] == [(100000, "allocated"),
                                                         (100000, "twin")]
    async with w.db.uow(readonly=True) as uow:
        confirmed_by = await uow.session.scalar(select(m.Payment.statement_id).where(
            m.Payment.id == typed.payment.id))
    assert confirmed_by == report.statement_id
    # A second transfer with the same number a month later is another payment.
    other, _ = await issue(w, w.m1, w.c1, "1000.00")
    later = await w.payments.import_statement(
        w.m1, statement(tx("1000.00", 28, "15", "Оплата", C1_INN)), "kl_to_1c.txt")
    assert (later.new, later.twins) == (1, 0)
    assert other


async def test_a_transfer_already_in_the_statement_is_not_typed_in_twice(w: World) -> None:
    inv, number = await issue(w, w.m1, w.c1, "500.00")
    paid, paid_number = await issue(w, w.m1, w.c1, "800.00")
    await w.payments.import_statement(
        w.m1, statement(tx("500.00", 5, "41", "за услуги"),  # nobody knows whose: waits
                        tx("300.00", 6, "42", f"Оплата по счету {paid_number}", C1_INN)),
        "kl_to_1c.txt")
    assert (await invoice_row(w, inv))[:2] == (0, "issued")
    # Typing in the waiting transfer applies the statement's payment instead of a new one.
    out = await w.payments.record_manual(w.m1, inv, "bank", "500", "41", date(2026, 3, 5))
    assert out.from_statement and out.payment.status == "allocated"
    assert [e.invoice_number for e in out.events] == [number]
    assert await invoice_row(w, inv) == (50000, "paid", w.clock.now())
    assert len(await payments(w)) == 2
    # The other one was applied (in part) by the statement already: typing it in is refused.
    assert (await invoice_row(w, paid))[:2] == (30000, "partially_paid")
    with pytest.raises(Conflict) as twice:
        await w.payments.record_manual(w.m1, paid, "bank", "300", "42", date(2026, 3, 6))
    assert twice.value.code == "payment_in_statement"
    assert len(await payments(w)) == 2
    assert (await invoice_row(w, paid))[:2] == (30000, "partially_paid")


class HeldMatcher:
    """A CPU runner that holds every match (parsed and matched in one worker call) until
    `release` is set, and says when one has begun: the statement is then read, but not
    written."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered: asyncio.Queue[None] = asyncio.Queue()
        self.matches = 0

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        if fn is read_and_match:
            self.matches += 1
            self.entered.put_nowait(None)
            await self.release.wait()
        return await asyncio.to_thread(fn, *args)


def held_import(w: World, held: HeldMatcher) -> PaymentService:
    return PaymentService(w.db.uow, w.clock, w.deals, "UTC", run_cpu=held.run)


async def test_other_writes_go_on_while_a_statement_is_matched(w: World) -> None:
    """No transaction (and on SQLite not the process's writer lock) is held while the worker
    pool matches: a manual payment and a task complete before the match ends."""
    inv, number = await issue(w, w.m1, w.c1, "1500.00")
    other, _ = await issue(w, w.m1, w.c1, "300.00")
    held = HeldMatcher()
    importing = asyncio.create_task(held_import(w, held).import_statement(
        w.m1, statement(tx("1500.00", 3, "11", f"Оплата по счету {number}", C1_INN)),
        "kl_to_1c.txt"))
    await held.entered.get()
    # Were a transaction held across the match, these would wait for it: a deadlock here.
    cash = await asyncio.wait_for(w.payments.record_manual(w.m1, other, "cash", "300", "1"),
                                  10)
    task = await asyncio.wait_for(TaskService(w.db.uow, w.clock, "UTC").create(
        w.m1, TaskDraft(TaskKind.TASK, "Позвонить", w.clock.now())), 10)
    assert not importing.done()
    held.release.set()
    report = await importing
    assert (report.new, report.auto, held.matches) == (1, 1, 1)
    assert cash.payment.status == "allocated" and task.id
    assert await invoice_row(w, inv) == (150000, "paid", w.clock.now())
    assert await invoice_row(w, other) == (30000, "paid", w.clock.now())


async def test_an_invoice_paid_while_matching_is_not_paid_twice(w: World) -> None:
    """The cash came in while the statement was matched: the write sees the invoice changed
    and matches again, as if the statement had come after the cash."""
    inv, number = await issue(w, w.m1, w.c1, "1500.00")
    held = HeldMatcher()
    importing = asyncio.create_task(held_import(w, held).import_statement(
        w.m1, statement(tx("1500.00", 3, "11", f"Оплата по счету {number}", C1_INN)),
        "kl_to_1c.txt"))
    await held.entered.get()
    await w.payments.record_manual(w.m1, inv, "cash", "1500", "ПКО-7")
    held.release.set()
    report = await importing
    assert held.matches == 2
    assert (report.new, report.auto, report.events) == (1, 0, ())
    assert await invoice_row(w, inv) == (150000, "paid", w.clock.now())
    assert await active_allocations(w, inv) == 150000
    # Nothing of that company is open any more: the statement's payment waits for a person
    # (before, it was credited as an overpayment of the invoice the cash had paid).
    (_, (_, amount, status, company)) = await payments(w)
    assert (amount, status, company) == (150000, "unmatched", None)
    assert await count(w, m.PaymentAllocation) == 1


async def test_a_transfer_typed_in_while_matching_is_its_twin(w: World) -> None:
    inv, number = await issue(w, w.m1, w.c1, "1000.00")
    held = HeldMatcher()
    importing = asyncio.create_task(held_import(w, held).import_statement(
        w.m1, statement(tx("1000.00", 9, "15", f"Оплата по счету {number}", C1_INN)),
        "kl_to_1c.txt"))
    await held.entered.get()
    typed = await w.payments.record_manual(w.m1, inv, "bank", "1000", "15", date(2026, 3, 9))
    held.release.set()
    report = await importing
    assert (report.new, report.twins, report.auto, report.events) == (1, 1, 0, ())
    assert [(r.amount_minor, r.status) for r in await payments(w)] == [
        (100000, "allocated"), (100000, "twin")]
    assert await active_allocations(w, inv) == 100000
    async with w.db.uow(readonly=True) as uow:
        confirmed_by = await uow.session.scalar(select(m.Payment.statement_id).where(
            m.Payment.id == typed.payment.id))
    assert confirmed_by == report.statement_id


async def test_the_same_file_imported_twice_at_once_counts_once(w: World) -> None:
    inv, number = await issue(w, w.m1, w.c1, "1500.00")
    data = statement(tx("1500.00", 3, "11", f"Оплата по счету {number}", C1_INN),
                     tx("700.00", 4, "12", "Оплата по договору 5"))
    held = HeldMatcher()
    service = held_import(w, held)
    both = asyncio.gather(service.import_statement(w.m1, data, "a.txt"),
                          service.import_statement(w.m2, data, "b.txt"))
    await held.entered.get()
    await held.entered.get()  # both read the payments as new, both are matching
    held.release.set()
    one, two = sorted(await both, key=lambda r: -r.new)
    assert (one.new, one.already, one.auto, one.unmatched) == (2, 0, 1, 1)
    assert (two.new, two.already, two.auto, two.events) == (0, 2, 0, ())
    assert held.matches == 3  # the second one matched again, on what the first wrote
    assert len(await payments(w)) == 2
    assert await invoice_row(w, inv) == (150000, "paid", w.clock.now())
    assert await active_allocations(w, inv) == 150000


async def outbox(w: World) -> list[Any]:
    async with w.db.uow(readonly=True) as uow:
        return list((await uow.session.execute(
            select(m.OutboxMessage.kind, m.OutboxMessage.chat_id, m.OutboxMessage.payload)
            .order_by(m.OutboxMessage.id))).all())


def rendered(payload: dict[str, Any], lang: str) -> str:
    i18n = I18n(path=LOCALES, default_locale="en", domain=DOMAIN)
    with i18n.context(), i18n.use_locale(lang):
        return RENDERERS[PAYMENT_DIGEST](payload)[0]


async def test_a_large_statement_tells_each_manager_once_in_a_digest(w: World) -> None:
    """Above the digest threshold each manager gets ONE message about the money on their
    invoices and the team chat one about all of it, instead of a push per payment; the same
    file again queues nothing. Below it, each payment is pushed as before."""
    compile_catalogs()
    a, na = await issue(w, w.m1, w.c1, "100.00")
    b, nb = await issue(w, w.m1, w.c1, "300.00")
    c, nc = await issue(w, w.m2, w.c2, "50.00")
    team = -1001
    service = PaymentService(w.db.uow, w.clock, w.deals, "UTC", team_chat_id=team,
                             digest_above=2)
    data = statement(tx("100.00", 3, "1", f"Оплата счета {na}", C1_INN),
                     tx("120.00", 3, "2", f"Оплата счета {nb}", C1_INN),
                     tx("50.00", 4, "3", f"Оплата счета {nc}", C2_INN))
    report = await service.import_statement(w.admin, data, "big.txt")
    assert (report.new, report.auto) == (3, 3)
    queued = await outbox(w)
    by_chat = {chat: payload for kind, chat, payload in queued if kind == PAYMENT_DIGEST}
    assert sorted(kind for kind, _, _ in queued) == [PAYMENT_DIGEST] * 3
    assert set(by_chat) == {w.m1.telegram_id, w.m2.telegram_id, team}
    mine = rendered(by_chat[w.m1.telegram_id], "en")
    assert "big.txt: payments on your invoices: 2." in mine
    assert "Invoices paid in full: 1, in part: 1." in mine
    assert "220" in mine and "50" not in mine.replace("big.txt", "")
    assert "payments on the team's invoices: 3." in rendered(by_chat[team], "en")
    assert "платежей по вашим счетам: 1." in rendered(by_chat[w.m2.telegram_id], "ru")
    assert "plăți pe facturile dvs.: 2." in rendered(by_chat[w.m1.telegram_id], "ro")
    assert (await invoice_row(w, a))[:2] == (10000, "paid")
    assert (await invoice_row(w, b))[:2] == (12000, "partially_paid")
    assert (await invoice_row(w, c))[:2] == (5000, "paid")

    again = await service.import_statement(w.admin, data, "big.txt")
    assert (again.new, again.events) == (0, ())
    assert len(await outbox(w)) == 3

    small = await service.import_statement(w.admin, statement(
        tx("180.00", 5, "4", f"Оплата счета {nb}", C1_INN)), "small.txt")
    assert small.auto == 1
    assert [(k, chat) for k, chat, _ in (await outbox(w))[3:]] == [
        (PAYMENT_APPLIED, w.m1.telegram_id), (PAYMENT_TEAM, team)]
