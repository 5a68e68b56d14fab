"""The customer's side end to end: a stranger opens a deep link and becomes a customer who
sees only their documents, is refused the team's commands, tells the manager they paid, asks
a question, and accepts a quote or asks for changes; forged buttons find nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from bot.images import PoolImageTools
from bot.pdf import PdfRenderer
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.delivery import DeliveryService
from services.invoices import InvoiceService
from services.quotes import QuoteService
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import Harness, buttons, running_bot
from tests.e2e.test_delivery import (
    CUSTOMER,
    LINK_RE,
    MANAGER,
    MANAGER2,
    Seeded,
    db_rows,
    seed,
    send_menu,
)


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url, pdf_workers=1) as harness:
        yield harness


async def open_invoice_link(bot: Harness, seeded: Seeded) -> dict[str, Any]:
    menu = await send_menu(bot, seeded.number)
    found = LINK_RE.search((await bot.press(MANAGER, menu, "Telegram link"))["text"])
    assert found is not None
    await bot.client.send_text(CUSTOMER, f"/start {found.group(1)}")
    return await bot.client.wait_for(CUSTOMER, lambda v: v["document"] is not None)


async def test_a_stranger_becomes_a_customer_who_cannot_use_team_commands(
        bot: Harness) -> None:
    seeded = await seed(bot)
    doc = await open_invoice_link(bot, seeded)
    assert doc["document"]["file_name"] == f"Invoice_{seeded.number}.pdf"
    await bot.client.wait_for(CUSTOMER, lambda v: bool(v["photo"]))
    for command in ("/clients", "/newclient", "/invoice", "/deals"):
        answer = await bot.say(CUSTOMER, command)
        assert answer["text"].startswith("Sorry, this command is for our team."), command
    help_text = (await bot.say(CUSTOMER, "/help"))["text"]
    assert "/documents" in help_text and "/clients" not in help_text
    listing = await bot.say(CUSTOMER, "/documents")
    assert listing["text"] == "Your documents:"
    assert [b.split(" · ")[0] for b in buttons(listing)] == [f"Invoice {seeded.number}"]
    again = await bot.press(CUSTOMER, listing, buttons(listing)[0])
    assert again["document"]["file_name"] == f"Invoice_{seeded.number}.pdf"
    customers = await db_rows(bot, m.User.role, m.User.full_name)
    assert ("customer", "Olga") in customers


async def test_customer_buttons_reach_the_manager(bot: Harness) -> None:
    seeded = await seed(bot)
    doc = await open_invoice_link(bot, seeded)
    pay = await bot.press_for_answer(CUSTOMER, doc["message_id"], text="Pay")
    assert pay.startswith("Card payment is coming soon.")
    await bot.client.press(CUSTOMER, doc["message_id"], text="I've paid")
    thanks = await bot.client.wait_for_text(CUSTOMER, "Thank you!")
    assert "check the payment" in thanks["text"]
    paid = await bot.client.wait_for_text(MANAGER, "says invoice")
    assert paid["text"] == (f"Olga says invoice {seeded.number} is paid. Reminders are paused "
                            "until the payment is matched.")
    assert await db_rows(bot, m.Invoice.reminders_paused) == [(True,)]

    ask = await bot.press(CUSTOMER, doc, "Ask a question")
    assert f"Type your question about invoice {seeded.number}" in ask["text"]
    sent = await bot.say(CUSTOMER, "Можно оплатить двумя частями? <b>")
    assert sent["text"] == "Sent to your manager. They will answer you soon."
    question = await bot.client.wait_for_text(MANAGER, "Question from Olga")
    assert question["text"] == (f"Question from Olga about invoice {seeded.number}:\n\n"
                                "Можно оплатить двумя частями? <b>")


async def test_forged_customer_buttons_find_nothing(bot: Harness) -> None:
    seeded = await seed(bot)
    doc = await open_invoice_link(bot, seeded)
    # Another manager's client and invoice: not the customer's.
    db = Database(create_engine(bot.database_url))
    try:
        petr = await AccessService(db.uow, bot.clock, "UTC").identify(MANAGER2)
        assert petr is not None
        company = await ClientService(db.uow, bot.clock).create_company(
            petr, CompanyDraft(name="Лютик"))
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        other = await invoices.create_draft(petr, company.id)
        other = await invoices.add_free_line(petr, other.id, "X", Decimal(1), Decimal("10.00"))
        other = await invoices.issue(petr, other.id)
    finally:
        await db.dispose()
    for action in ("o", "pd", "a", "p"):
        answer = await bot.press_for_answer(CUSTOMER, doc["message_id"],
                                            f"cu:{action}:i:{other.id}", forged=True)
        assert answer.startswith("Not found"), (action, answer)
    rows = await db_rows(bot, m.Invoice.id, m.Invoice.reminders_paused)
    assert (other.id, False) in rows
    # Nor may the customer use the manager's Send buttons.
    answer = await bot.press_for_answer(CUSTOMER, doc["message_id"],
                                        f"dv:l:i:{seeded.invoice_id}:0", forged=True)
    assert answer == "This button is no longer active."


async def quote_link(bot: Harness, title: str) -> str:
    db = Database(create_engine(bot.database_url))
    renderer = PdfRenderer(1)  # a deep link renders nothing
    try:
        ivan = await AccessService(db.uow, bot.clock, "UTC").identify(MANAGER)
        assert ivan is not None
        (company,) = [c for c in (await ClientService(db.uow, bot.clock)
                                  .list_companies(ivan)).items if c.name == "Ромашка"]
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        quotes = QuoteService(db.uow, bot.clock, invoices, "UTC")
        quote = await quotes.create_draft(ivan, company.id)
        await quotes.add_free_line(ivan, quote.id, title, Decimal(1), Decimal("9000.00"))
        delivery = DeliveryService(db.uow, bot.clock, invoices, quotes, renderer,
                                   PoolImageTools(renderer))
        link = await delivery.deep_link(ivan, "quote", quote.id)
    finally:
        renderer.close()
        await db.dispose()
    return link.start_payload


async def test_customer_accepts_a_quote_or_asks_for_changes(bot: Harness) -> None:
    await seed(bot)
    await bot.say(MANAGER, "/start")  # Telegram lets a bot write only to who started it
    payload = await quote_link(bot, "Аудит")
    await bot.client.send_text(CUSTOMER, f"/start {payload}")
    doc = await bot.client.wait_for(CUSTOMER, lambda v: v["document"] is not None)
    assert doc["document"]["file_name"].startswith("Quote_")
    assert buttons(doc) == ["Accept", "Ask for changes", "Ask a question"]
    await bot.client.press(CUSTOMER, doc["message_id"], text="Accept")
    assert "is accepted" in (await bot.client.wait_for_text(CUSTOMER, "Thank you!"))["text"]
    accepted = await bot.client.wait_for_text(MANAGER, "accepted quote")
    assert accepted["text"].startswith("Olga accepted quote ")
    ((status, by),) = await db_rows(bot, m.Quote.status, m.Quote.accepted_by_telegram_id)
    assert (status, by) == ("accepted", CUSTOMER)

    payload = await quote_link(bot, "Монтаж")
    await bot.client.send_text(CUSTOMER, f"/start {payload}")
    doc = await bot.client.wait_for(CUSTOMER, lambda v: v["document"] is not None)
    ask = await bot.press(CUSTOMER, doc, "Ask for changes")
    assert "What should we change in quote" in ask["text"]
    await bot.say(CUSTOMER, "Скидку 10%, пожалуйста")
    changes = await bot.client.wait_for_text(MANAGER, "asks for changes")
    assert changes["text"].endswith("\n\nСкидку 10%, пожалуйста")
    statuses = sorted(await db_rows(bot, m.Quote.status, m.Quote.change_request))
    assert statuses == [("accepted", None), ("changes_requested", "Скидку 10%, пожалуйста")]
