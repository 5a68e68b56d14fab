"""Money recorded by hand from the invoice card, end to end through the sandbox: a bank
transfer with its payment order (bad amount and impossible date asked again, nothing saved),
the rest in cash with "All", the push and the deal's move; an overpayment by card kept as the
client's credit and offered on the next invoice; a reversal with its reason in the audit log;
another manager's invoice is "Not found" even with a forged button."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from handlers.manual_payments import MpAction, MpCb
from services.access import AccessService
from services.invoices import InvoiceService
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import Harness, buttons, running_bot
from tests.e2e.test_debts_exports import MANAGER, MANAGER2, NOT_FOUND, seed
from tests.e2e.test_delivery import db_rows


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url) as harness:
        yield harness


async def money_of(bot: Harness, invoice_id: int) -> tuple[str, int]:
    rows = await db_rows(bot, m.Invoice.id, m.Invoice.status, m.Invoice.paid_minor)
    return next((status, paid) for i, status, paid in rows if i == invoice_id)


async def open_menu(bot: Harness, number: str) -> dict:  # type: ignore[type-arg]
    listing = await bot.say(MANAGER, "/invoices")
    card = await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith(number)))
    assert "💰 Payment" in buttons(card)
    return await bot.press(MANAGER, card, "💰 Payment")


async def test_bank_then_cash_pays_the_invoice_and_a_reversal_reopens_it(bot: Harness) -> None:
    seeded = await seed(bot, paid="0")
    menu = await open_menu(bot, seeded.number)
    assert menu["text"] == (f"Invoice {seeded.number}: total RUB\xa01,220.00, paid "
                            f"RUB\xa00.00, remaining RUB\xa01,220.00.\nHow was it paid?")
    assert buttons(menu) == ["Bank transfer", "Cash", "Card"]
    ask = await bot.press(MANAGER, menu, "Bank transfer")
    assert ask["text"] == (f"How much was received (bank transfer)? Remaining on "
                           f"{seeded.number}: RUB\xa01,220.00. /cancel to stop.")
    assert (await bot.say(MANAGER, "a lot"))["text"] == (
        "That is not an amount. Example: 1 200,50.")
    assert (await bot.say(MANAGER, "-5"))["text"] == "The amount cannot be negative."
    order = await bot.say(MANAGER, "1 000,00")
    assert order["text"] == ("The payment order's number and date, e.g. 15 20.11.2026 "
                             "(without a date: today).")
    assert (await bot.say(MANAGER, "15 31.02.2026"))["text"] == (
        "That is not a date. Example: 25.11.2026.")
    assert (await bot.say(MANAGER, "15 01.01.2099"))["text"] == "This date is in the future."
    assert await db_rows(bot, m.Payment.id) == []
    today = bot.today()
    done = await bot.say(MANAGER, f"15 {today:%d.%m.%Y}")
    assert done["text"] == "Recorded: bank transfer, RUB\xa01,000.00."
    push = await bot.client.wait_for_text(MANAGER, "Payment received", after=done["message_id"])
    assert push["text"] == (f"💰 Payment received: Ромашка, invoice {seeded.number}: "
                            f"RUB\xa01,000.00.\nRemaining: RUB\xa0220.00.")
    assert await db_rows(bot, m.Payment.source, m.Payment.doc_number, m.Payment.amount_minor,
                         m.Payment.received_on) == [("bank", "15", 100000, today)]

    menu = await open_menu(bot, seeded.number)
    assert f"• {today:%d.%m.%Y} · bank transfer № 15 · RUB\xa01,000.00" in menu["text"]
    ask = await bot.press(MANAGER, menu, "Cash")
    done = await bot.press(MANAGER, ask, "All: RUB\xa0220.00")
    assert done["text"] == "Recorded: cash, RUB\xa0220.00."
    push = await bot.client.wait_for_text(MANAGER, "paid in full", after=done["message_id"])
    assert "The deal moved to the stage «Paid»." in push["text"]
    assert await money_of(bot, seeded.invoice_id) == ("paid", 122000)
    # The old "All" button of a finished step records nothing more.
    stale = await bot.press_for_answer(MANAGER, ask["message_id"], text="All: RUB\xa0220.00")
    assert stale == "Nothing is due on this invoice."
    assert len(await db_rows(bot, m.Payment.id)) == 2

    menu = await open_menu(bot, seeded.number)
    assert menu["text"].endswith("Nothing is due on this invoice.")
    assert buttons(menu) == [f"Reverse {today:%d.%m} RUB\xa01,000.00",
                             f"🧾 Receipt {today:%d.%m} RUB\xa0220.00",
                             f"Reverse {today:%d.%m} RUB\xa0220.00"]
    why = await bot.press(MANAGER, menu, f"Reverse {today:%d.%m} RUB\xa0220.00")
    assert why["text"] == ("Why is the payment of RUB\xa0220.00 reversed? The reason goes to "
                           "the audit log. /cancel to keep it.")
    after = await bot.say(MANAGER, "counted twice")
    assert after["text"].startswith("The payment is reversed; the audit log keeps it.\n\n"
                                    f"Invoice {seeded.number}: total RUB\xa01,220.00, paid "
                                    "RUB\xa01,000.00, remaining RUB\xa0220.00.")
    assert await money_of(bot, seeded.invoice_id) == ("partially_paid", 100000)
    audit = await db_rows(bot, m.AuditEntry.action, m.AuditEntry.data)
    assert ("payment.reverse", {"reason": "counted twice",
                                "allocations": [[seeded.invoice_id, 22000]]}) in audit


async def test_overpayment_by_card_is_credit_offered_on_the_next_invoice(bot: Harness) -> None:
    seeded = await seed(bot, paid="0")
    menu = await open_menu(bot, seeded.number)
    await bot.press(MANAGER, menu, "Card")
    done = await bot.say(MANAGER, "1500")
    assert done["text"] == ("Recorded: card, RUB\xa01,500.00.\nOverpayment of RUB\xa0280.00 "
                            "is kept as the client's credit: it will be offered on their next "
                            "invoice.")
    # The next invoice of the same client: issuing it offers the credit at once.
    db = Database(create_engine(bot.database_url))
    try:
        ivan = await AccessService(db.uow, bot.clock, "UTC").identify(MANAGER)
        assert ivan is not None
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        draft = await invoices.create_draft(ivan, seeded.company_id, None)
        await invoices.add_free_line(ivan, draft.id, "Доставка", Decimal(1), Decimal("500"))
    finally:
        await db.dispose()
    listing = await bot.say(MANAGER, "/invoices")
    card = await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith(f"draft #{draft.id}")))
    issued = await bot.press(MANAGER, card, "Issue ✅")
    offer = await bot.client.wait_for_text(MANAGER, "has a credit", after=issued["message_id"])
    assert offer["text"] == "The client has a credit of RUB\xa0280.00 from earlier payments."
    assert buttons(offer) == ["Use credit RUB\xa0280.00"]
    number = (await db_rows(bot, m.Invoice.number_text, m.Invoice.id))
    second_number = next(n for n, i in number if i == draft.id)
    menu = await open_menu(bot, second_number)
    assert "The client has a credit of RUB\xa0280.00 from earlier payments." in menu["text"]
    assert "Use credit RUB\xa0280.00" in buttons(menu)
    used = await bot.press(MANAGER, menu, "Use credit RUB\xa0280.00")
    assert used["text"] == f"Credit applied to {second_number}."
    rows = dict(await db_rows(bot, m.Invoice.id, m.Invoice.paid_minor))
    assert (rows[seeded.invoice_id], rows[draft.id]) == (122000, 28000)
    again = await bot.press_for_answer(MANAGER, menu["message_id"],
                                       text="Use credit RUB\xa0280.00")
    assert again == "This client has no credit to apply."


async def test_another_managers_invoice_is_not_found(bot: Harness) -> None:
    seeded = await seed(bot, paid="0")
    anchor = await bot.say(MANAGER2, "/debts")
    for action in (MpAction.MENU, MpAction.CASH, MpAction.CREDIT):
        forged = MpCb(action=action, invoice=seeded.invoice_id).pack()
        assert await bot.press_for_answer(MANAGER2, anchor["message_id"], forged=True,
                                          callback_data=forged) == NOT_FOUND
    assert await db_rows(bot, m.Payment.id) == []


async def test_two_equal_cash_receipts_count_twice_a_double_tap_once(bot: Harness) -> None:
    """Two genuine cash receipts of 300 on one day are 600 paid; "All" tapped twice on the
    same payment form (two callbacks of one form) records it once."""
    seeded = await seed(bot, paid="0")
    for _ in range(2):
        menu = await open_menu(bot, seeded.number)
        await bot.press(MANAGER, menu, "Cash")
        done = await bot.say(MANAGER, "300")
        assert done["text"] == "Recorded: cash, RUB\xa0300.00."
        # Its receipt PDF and its push, before the next step.
        await bot.client.wait_for(MANAGER, lambda v: v["document"] is not None,
                                  after=done["message_id"])
        await bot.client.wait_for_text(MANAGER, "Payment received", after=done["message_id"])
    assert await money_of(bot, seeded.invoice_id) == ("partially_paid", 60000)
    assert len(await db_rows(bot, m.Payment.id)) == 2

    menu = await open_menu(bot, seeded.number)
    ask = await bot.press(MANAGER, menu, "Cash")
    # Both taps reach the bot before either is answered.
    await bot.client.press(MANAGER, ask["message_id"], text="All: RUB\xa0620.00")
    second = await bot.client.press(MANAGER, ask["message_id"], text="All: RUB\xa0620.00")
    done = await bot.client.wait_for_text(MANAGER, "Recorded: cash, RUB\xa0620.00.")
    push = await bot.client.wait_for_text(MANAGER, "paid in full", after=done["message_id"])
    assert "RUB\xa0620.00" in push["text"]
    assert await money_of(bot, seeded.invoice_id) == ("paid", 122000)
    assert len(await db_rows(bot, m.Payment.id)) == 3
    pushes = [v for v in await bot.client.messages(MANAGER)
              if "Payment received" in (v["text"] or "")]
    assert len(pushes) == 3  # 300, 300 and 620: the double tap pushed once
    for _ in range(300):  # the second tap is answered too, with why it did nothing
        answered = await bot.client.callback_answers(second)
        if answered:
            break
        await asyncio.sleep(0.1)
    assert answered[-1].get("text") in ("This button is from an earlier step.",
                                        "Nothing is due on this invoice.")
