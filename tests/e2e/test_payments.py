"""Money in, end to end through the sandbox: a statement uploaded in chat → the summary → the
push to the manager of each matched invoice (and a receipt to the customer's bound chat) → an
ambiguous payment (equal amounts of two clients) resolved with buttons, exactly once; files
that are not statements get a short answer and change nothing."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.invoices import InvoiceService, Line
from services.money import format_money
from services.organizations import OrganizationService, seed_demo_organization
from services.pricing import NO_VAT
from services.statements import generate_1c
from services.users import Role, User
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

IVAN, PETR, CUSTOMER = 2001, 2002, 3001
OWN, BIK, INN = "40702810938000000001", "044525225", "500100732259"
D = Decimal


@dataclass
class Seeded:
    n1: str  # Ivan's, 1500, paid by number
    n2: str  # Ivan's, 990
    n3: str  # Petr's, 990
    inv3: int


async def issue(invoices: InvoiceService, who: User, company: int, amount: str
                ) -> tuple[int, str]:
    draft = await invoices.create_draft(who, company)
    await invoices.add_line(who, draft.id, Line("Работы", D(1), D(amount), NO_VAT))
    issued = await invoices.issue(who, draft.id)
    assert issued.number_text is not None
    return issued.id, issued.number_text


async def seed(bot: Harness) -> Seeded:
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(IVAN, (await access.create_invite(admin, Role.MANAGER)).token,
                                 "Ivan", None, "en")
        petr = await access.join(PETR, (await access.create_invite(admin, Role.MANAGER)).token,
                                 "Petr", None, "en")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        clients = ClientService(db.uow, bot.clock)
        c1 = await clients.create_company(ivan, CompanyDraft(name="Ромашка", country="RU",
                                                             tax_id=INN))
        c2 = await clients.create_company(petr, CompanyDraft(name="Василёк"))
        async with db.uow() as uow:
            uow.session.add(m.Contact(owner_id=ivan.id, company_id=c1.id, name="Анна",
                                      name_norm="анна", telegram_user_id=CUSTOMER,
                                      language="en"))
            await uow.commit()
        invoices = InvoiceService(db.uow, bot.clock, "UTC", 5)
        _, n1 = await issue(invoices, ivan, c1.id, "1500.00")
        _, n2 = await issue(invoices, ivan, c1.id, "990.00")
        inv3, n3 = await issue(invoices, petr, c2.id, "990.00")
    finally:
        await db.dispose()
    for uid, name in ((IVAN, "Ivan"), (PETR, "Petr"), (CUSTOMER, "Anna")):
        await bot.client.user(uid, first_name=name, language_code="en")
        await bot.say(uid, "/start")  # Telegram only lets the bot write to chats opened
    return Seeded(n1, n2, n3, inv3)


def rub(amount: str) -> str:
    return format_money(D(amount), "RUB", "en")


def statement(today: date, s: Seeded, account: str = OWN) -> bytes:
    return generate_1c(account, BIK, [
        {"direction": "in", "amount": "1500.00", "date": today, "number": "101",
         "purpose": f"Оплата по счету {s.n1}", "counterparty_inn": INN,
         "counterparty_name": "ООО Ромашка"},
        {"direction": "in", "amount": "990.00", "date": today, "number": "102",
         "purpose": "Оплата за товар", "counterparty_name": "ИП Неизвестный"},
        {"direction": "in", "amount": "12.34", "date": today, "number": "103",
         "purpose": "возврат"},
        {"direction": "out", "amount": "100.00", "date": today, "number": "104",
         "purpose": "комиссия банка"},
    ])


async def db_counts(bot: Harness) -> tuple[int, int, int]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            s = uow.session
            return (int(await s.scalar(select(func.count()).select_from(m.Payment)) or 0),
                    int(await s.scalar(select(func.count()).select_from(
                        m.PaymentAllocation)) or 0),
                    int(await s.scalar(select(func.coalesce(func.sum(m.Invoice.paid_minor),
                                                            0))) or 0))
    finally:
        await db.dispose()


async def test_statement_in_chat_push_and_review(bot: Harness) -> None:
    s = await seed(bot)
    today = bot.today()
    await bot.client.send_document(IVAN, "выписка.txt", statement(today, s))
    summary = await bot.client.wait_for_text(IVAN, "Statement:")
    assert summary["text"] == (
        "Statement: 3 incoming, 3 new (0 already imported), 1 matched automatically, "
        "1 need your decision, 1 unmatched.\nBalances OK.")
    push = await bot.client.wait_for_text(IVAN, "Payment received")
    assert push["text"] == (f"💰 Payment received: Ромашка, invoice {s.n1}: {rub('1500')}.\n"
                            "The invoice is paid in full.")
    assert buttons(push) == ["Thank the customer", "Ship", "Issue act"]
    receipt = await bot.client.wait_for_text(CUSTOMER, "We received your payment")
    assert receipt["text"] == (f"We received your payment of {rub('1500')} for invoice "
                               f"{s.n1}. Thank you!")
    ivan_review = await bot.client.wait_for_text(IVAN, "needs your decision")
    petr_review = await bot.client.wait_for_text(PETR, "needs your decision")
    assert buttons(ivan_review) == [f"Apply to {s.n2}", "Split", "Not ours"]
    assert buttons(petr_review) == [f"Apply to {s.n3}", "Split", "Not ours"]
    assert f"from ИП Неизвестный on {today:%d.%m.%Y}" in petr_review["text"]

    # Petr recognises it; Ivan's button, pressed after, finds it done.
    answer = await bot.press_for_answer(PETR, petr_review["message_id"],
                                        text=f"Apply to {s.n3}")
    assert answer == "Applied."
    edited = await bot.client.wait_for_edit(PETR, petr_review["message_id"])
    assert edited["text"].endswith(f"Applied to {s.n3}.") and buttons(edited) == []
    petr_push = await bot.client.wait_for_text(PETR, "Payment received")
    assert petr_push["text"].startswith(f"💰 Payment received: Василёк, invoice {s.n3}")
    late = await bot.press_for_answer(IVAN, ivan_review["message_id"],
                                      text=f"Apply to {s.n2}")
    assert late == "This payment is already done."
    assert await db_counts(bot) == (3, 2, 150000 + 99000)

    # The push's buttons: a thank-you to the customer; Ship ships the paid invoice; a forged
    # thank-you on Petr's invoice finds nothing.
    assert await bot.press_for_answer(IVAN, push["message_id"],
                                      text="Thank the customer") == "Sent to the customer."
    thanks = await bot.client.wait_for_text(CUSTOMER, "Thank you for paying")
    assert s.n1 in thanks["text"]
    assert await bot.press_for_answer(IVAN, push["message_id"], text="Ship") == "Shipped."
    forged = await bot.press_for_answer(IVAN, push["message_id"],
                                        callback_data=f"pm:t:0:{s.inv3}", forged=True)
    assert forged.startswith("Not found.")

    # The same file again records nothing new.
    await bot.client.send_document(IVAN, "выписка (1).txt", statement(today, s))
    again = await bot.client.wait_for_text(IVAN, "Statement:")
    assert again["text"].startswith("Statement: 3 incoming, 0 new (3 already imported), "
                                    "0 matched automatically, 0 need your decision")
    assert await db_counts(bot) == (3, 2, 249000)


async def test_files_that_are_not_statements(bot: Harness) -> None:
    s = await seed(bot)
    today = bot.today()
    refusal = ("This is not a bank statement (1C, camt.053, camt.054 or MT940). "
               "Nothing was imported.")
    big = b"1CClientBankExchange\r\n" + b"x" * (21 * 1024 * 1024)
    cases: list[tuple[Callable[[], Awaitable[Any]], str]] = [
        (lambda: bot.client.send_photo(IVAN, b"\xff\xd8\xff\xe0JFIF" + b"\x00" * 64), refusal),
        (lambda: bot.client.send_document(IVAN, "statement.pdf", b"%PDF-1.7\n%%EOF",
                                          mime_type="application/pdf"), refusal),
        (lambda: bot.client.send_document(IVAN, "kl_to_1c.txt", bytes(range(256)) * 8),
         refusal),
        (lambda: bot.client.send_document(IVAN, "big.txt", big),
         "The file is too large: a bank statement can be at most 20 MB."),
        (lambda: bot.client.send_document(IVAN, "other.txt",
                                          statement(today, s, "40702810500000000123")),
         "This statement is for account 40702810500000000123, which is not an account of "
         "our organizations. Nothing was imported."),
        (lambda: bot.client.send_document(IVAN, "bad.txt", statement(today, s).replace(
            b"\xd1\xf3\xec\xec\xe0=990.00", b"\xd1\xf3\xec\xec\xe0=-990.00")),
         "The statement was not imported: line 43: an amount is negative "
         "(Сумма=-990.00). Nothing was saved."),
    ]
    for send, expected in cases:
        with warnings.catch_warnings():
            # The sandbox control client posts the 21 MB upload as one JSON body, which
            # aiohttp warns about; the bot itself never downloads it (it checks the size).
            warnings.simplefilter("ignore", ResourceWarning)
            await send()
        answer = await bot.client.wait_for(IVAN)
        assert answer["text"] == expected
    assert await db_counts(bot) == (0, 0, 0)
