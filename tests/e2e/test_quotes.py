"""Quotes end to end: a manager builds a quote from a deal card, sends a Telegram link, the
customer accepts it, and the manager makes the invoice in one tap with the same lines and
totals; bad input changes nothing; a forged callback on another manager's quote finds
nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from services.pricing import LineInput, compute_totals
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import Harness, buttons, running_bot
from tests.e2e.test_deals import new_deal
from tests.e2e.test_invoices import MANAGER, MANAGER2, rub, seed

CUSTOMER = 5001
D = Decimal
LINK_RE = re.compile(r"https://t\.me/dealchat_test_bot\?start=(quo_[A-Za-z0-9_-]+)")


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url, pdf_workers=1) as harness:
        yield harness


async def db_docs(bot: Harness) -> tuple[Any, ...]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            quotes = (await uow.session.execute(select(
                m.Quote.id, m.Quote.status, m.Quote.number_text, m.Quote.valid_until,
                m.Quote.total_minor, m.Quote.accepted_by_telegram_id).order_by(m.Quote.id))).all()
            invoices = (await uow.session.execute(select(
                m.Invoice.id, m.Invoice.status, m.Invoice.total_minor, m.Invoice.vat_minor)
                .order_by(m.Invoice.id))).all()
            lines = (await uow.session.execute(select(
                m.DocumentLine.quote_id, m.DocumentLine.invoice_id, m.DocumentLine.name,
                m.DocumentLine.quantity, m.DocumentLine.unit_price_minor,
                m.DocumentLine.total_minor).order_by(m.DocumentLine.id))).all()
    finally:
        await db.dispose()
    return tuple(map(tuple, quotes)), tuple(map(tuple, invoices)), tuple(map(tuple, lines))


async def quote_from_deal(bot: Harness) -> dict[str, Any]:
    deal = await new_deal(bot, MANAGER, "Офис", client="Ромашка")
    assert "Quote" in buttons(deal)
    card = await bot.press(MANAGER, deal, "Quote")
    valid = (bot.today() + timedelta(days=14)).strftime("%d.%m.%Y")
    assert card["text"].startswith("Quote draft #"), card["text"]
    assert f"Valid until {valid}" in card["text"] and "No lines yet" in card["text"]
    assert "Send…" not in buttons(card)  # nothing to send yet
    return card


async def test_quote_from_a_deal_accepted_then_invoiced_in_one_tap(bot: Harness) -> None:
    await seed(bot)
    await bot.client.user(CUSTOMER, first_name="Olga", language_code="en")
    await bot.say(MANAGER, "/start")  # Telegram lets a bot write only to who started it
    card = await quote_from_deal(bot)
    await bot.press(MANAGER, card, "Add product")
    found = await bot.say(MANAGER, "стул")
    await bot.press(MANAGER, found, buttons(found)[0])
    card = await bot.say(MANAGER, "2")
    assert f"1. Стул офисный — 2 × {rub('2500.00')} = {rub('5000.00')} · VAT 22%" in card["text"]
    await bot.press(MANAGER, card, "Add line")
    await bot.say(MANAGER, "Монтаж")
    await bot.say(MANAGER, "1,5")
    card = await bot.say(MANAGER, "1 200,50")
    await bot.press(MANAGER, card, "Discount")
    card = await bot.say(MANAGER, "10%")
    await bot.press(MANAGER, card, "Valid until")
    valid = bot.today() + timedelta(days=30)
    card = await bot.say(MANAGER, valid.strftime("%d.%m.%Y"))
    assert f"Valid until {valid:%d.%m.%Y}" in card["text"]
    expected = compute_totals([LineInput("Стул офисный", D(2), D("2500.00"), D(22)),
                               LineInput("Монтаж", D("1.5"), D("1200.50"), D(22))],
                              "RUB", "per_line", total_discount_percent=D(10))
    total = f"Total: {rub(str(expected.grand_total))}"
    assert total in card["text"]
    assert buttons(card)[-1] == "Send…"

    menu = await bot.press(MANAGER, card, "Send…")
    sent = await bot.press(MANAGER, menu, "Telegram link")
    link = LINK_RE.search(sent["text"])
    assert link is not None, sent["text"]
    year = bot.clock.now().year
    number = f"Q-{year}-00001"
    assert number in sent["text"]
    ((quote_id, status, number_text, valid_until, total_minor, by),), _, _ = await db_docs(bot)
    assert (status, number_text, valid_until, by) == ("sent", number, valid, None)
    assert total_minor == int(expected.grand_total * 100)

    await bot.client.send_text(CUSTOMER, f"/start {link.group(1)}")
    doc = await bot.client.wait_for(CUSTOMER, lambda v: v["document"] is not None)
    assert buttons(doc) == ["Accept", "Ask for changes", "Ask a question"]
    await bot.client.press(CUSTOMER, doc["message_id"], text="Accept")
    await bot.client.wait_for_text(MANAGER, "accepted quote")

    listing = await bot.say(MANAGER, "/quotes")
    assert listing["text"] == "Quotes (All): 1"
    row = buttons(listing)[0]
    assert row.startswith(f"{number} · Ромашка · ") and row.endswith(" · accepted"), row
    card = await bot.press(MANAGER, listing, row)
    accepted_at = bot.clock.now().strftime("%d.%m.%Y %H:%M")
    assert f"Accepted by Olga at {accepted_at}" in card["text"], card["text"]
    assert buttons(card) == ["Make invoice", "Repeat"]

    invoice = await bot.press(MANAGER, card, "Make invoice")
    text = invoice["text"]
    assert text.startswith("Invoice made from the quote.") and "Invoice draft #" in text

    def body(message_text: str) -> list[str]:  # the lines and totals, without the title
        rows = message_text.splitlines()
        return [x for x in rows[rows.index(next(r for r in rows if r.startswith("1. "))):] if x]

    assert body(text) == body(card["text"])
    assert body(text)[:2] == [
        f"1. Стул офисный — 2 × {rub('2500.00')} = {rub('4500.00')} · VAT 22%",
        f"2. Монтаж — 1.5 × {rub('1200.50')} = {rub('1620.67')} · VAT 22%"]
    assert total in text and "Issue ✅" in buttons(invoice)
    quotes, invoices, lines = await db_docs(bot)
    assert quotes[0][1:3] == ("accepted", number) and quotes[0][5] == CUSTOMER
    ((inv_id, inv_status, inv_total, inv_vat),) = invoices
    assert (inv_status, inv_total, inv_vat) == ("draft", total_minor,
                                                int(expected.vat_total * 100))
    of_quote = [x[2:] for x in lines if x[0] == quote_id]
    of_invoice = [x[2:] for x in lines if x[1] == inv_id]
    assert of_quote == of_invoice and len(of_quote) == 2
    # One tap makes one invoice: the quote card no longer offers it.
    edited = await bot.client.wait_for_edit(MANAGER, card["message_id"])
    assert buttons(edited) == []


async def test_bad_input_and_forged_callbacks_on_another_managers_quote(
        bot: Harness) -> None:
    await seed(bot)
    card = await quote_from_deal(bot)
    await bot.press(MANAGER, card, "Valid until")
    past = (bot.today() - timedelta(days=1)).strftime("%d.%m.%Y")
    for bad, expected in (("31.02.2026", "date"), (past, "already passed")):
        reply = await bot.say(MANAGER, bad)
        assert expected in reply["text"] and len(reply["text"]) < 160, reply["text"]
    await bot.say(MANAGER, "/cancel")
    before = await db_docs(bot)
    data = next(b["callback_data"] for row in card["buttons"] for b in row
                if b["text"] == "Add line")
    own = await bot.say(MANAGER2, "/quotes")
    assert "No quotes yet" in own["text"]
    for action in ("al", "o", "mi", "re", "ds"):
        forged = data.replace(":al:", f":{action}:")
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], forged, forged=True)
        assert answer.startswith("Not found"), (action, answer)
    assert await db_docs(bot) == before
    assert not any("Ромашка" in (x["text"] or "") for x in await bot.client.messages(MANAGER2))
