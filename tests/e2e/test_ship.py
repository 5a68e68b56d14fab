"""Ship end to end: the payment push's "Ship" on a paid invoice ships it and wins the deal; a
second Ship is refused; a partly paid invoice asks for terms: 50/50 in 30 days makes two
installments, a guarantee letter asks a date (bad input changes nothing); another manager's
invoice is "Not found"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.payments import PayAction, PayCb
from storage import models as m
from tests.e2e.harness import Harness, buttons, running_bot
from tests.e2e.test_debts_exports import MANAGER, MANAGER2, NOT_FOUND, seed
from tests.e2e.test_delivery import db_rows


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url) as harness:
        yield harness


def push_ship(invoice_id: int) -> str:
    return PayCb(action=PayAction.SHIP, invoice=invoice_id).pack()


async def test_push_ship_paid_invoice_wins_the_deal(bot: Harness) -> None:
    seeded = await seed(bot, paid="1220")
    anchor = await bot.say(MANAGER, "/debts")  # any message of the bot to press on
    # The push's button: the same callback data the notifier puts under "Ship".
    answer = await bot.press_for_answer(MANAGER, anchor["message_id"], forged=True,
                                        callback_data=push_ship(seeded.invoice_id))
    assert answer == "Shipped."
    done = await bot.client.wait_for_text(MANAGER, "is shipped", after=anchor["message_id"])
    assert done["text"] == f"Invoice {seeded.number} is shipped.\nThe deal is won."
    assert await db_rows(bot, m.Shipment.invoice_id, m.Shipment.on_credit) == [
        (seeded.invoice_id, False)]
    assert await db_rows(bot, m.Deal.status) == [("won",)]
    again = await bot.press_for_answer(MANAGER, anchor["message_id"], forged=True,
                                       callback_data=push_ship(seeded.invoice_id))
    assert again == "This invoice is already shipped."
    # Petr cannot ship Ivan's invoice.
    await bot.client.user(MANAGER2, first_name="Petr", language_code="en")
    other = await bot.say(MANAGER2, "/debts")
    refused = await bot.press_for_answer(MANAGER2, other["message_id"], forged=True,
                                         callback_data=push_ship(seeded.invoice_id))
    assert refused == NOT_FOUND


async def test_partly_paid_ships_on_50_50(bot: Harness) -> None:
    seeded = await seed(bot)
    listing = await bot.say(MANAGER, "/invoices")
    card = await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith(seeded.number)))
    assert "Ship" in buttons(card)
    terms = await bot.press(MANAGER, card, "Ship")
    assert terms["text"] == "The invoice is not paid in full. On what terms do we ship it?"
    assert buttons(terms) == ["50% now, 50% in 30 days", "3 equal monthly", "Guarantee letter",
                              "Another schedule"]
    done = await bot.press(MANAGER, terms, "50% now, 50% in 30 days")
    today = bot.today()
    later = today + timedelta(days=30)
    assert done["text"] == (
        f"Invoice {seeded.number} is shipped on credit. Payment schedule:\n"
        f"{today:%d.%m.%Y} — RUB\xa0110.00\n{later:%d.%m.%Y} — RUB\xa0110.00")
    assert await db_rows(bot, m.Installment.due_date, m.Installment.amount_minor) == [
        (today, 11000), (later, 11000)]
    assert await db_rows(bot, m.Deal.status) == [("open",)]


async def test_guarantee_letter_asks_a_date(bot: Harness) -> None:
    seeded = await seed(bot)
    anchor = await bot.say(MANAGER, "/debts")
    await bot.client.press_raw(MANAGER, anchor["message_id"],
                               push_ship(seeded.invoice_id))
    terms = await bot.client.wait_for_text(MANAGER, "On what terms", after=anchor["message_id"])
    ask = await bot.press(MANAGER, terms, "Guarantee letter")
    assert ask["text"] == "Send the date the client promises to pay by, as DD.MM.YYYY."
    bad = await bot.say(MANAGER, "next week")
    assert bad["text"] == "Send the date as DD.MM.YYYY, for example 20.12.2026."
    past = await bot.say(MANAGER, "01.01.2020")
    assert past["text"] == "A due date cannot be in the past."
    assert await db_rows(bot, m.Shipment.id) == []
    promised = bot.today() + timedelta(days=14)
    done = await bot.say(MANAGER, f"{promised:%d.%m.%Y}")
    assert done["text"] == (f"Invoice {seeded.number} is shipped on credit against a guarantee "
                            f"letter: payment promised by {promised:%d.%m.%Y}.")
    assert await db_rows(bot, m.Shipment.on_credit, m.Shipment.guarantee_until) == [
        (True, promised)]
    assert await db_rows(bot, select(m.Installment.id).exists()) == [(False,)]
