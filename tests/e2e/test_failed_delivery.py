"""A document that does not reach the customer changes nothing: the invoice stays "issued",
no delivery row is written, and the manager is told why (blocked: e-mail offered). It is
recorded only once Telegram (or the SMTP server) accepted it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from services.access import AccessService
from services.invoices import InvoiceService
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import Harness, buttons
from tests.e2e.test_delivery import (
    CUSTOMER,
    LINK_RE,
    MANAGER,
    Inbox,
    db_rows,
    delivering_bot,
    seed,
    send_menu,
    serving,
)


class RefusingInbox(Inbox):
    """An SMTP server that refuses every message while `refuse` is set."""

    refuse = True

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "550 5.7.1 Message refused"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> Iterator[tuple[RefusingInbox, int]]:
    with serving(RefusingInbox()) as served:
        yield served


@pytest.fixture
async def bot(database_url: str, smtp: tuple[RefusingInbox, int]) -> AsyncIterator[Harness]:
    async with delivering_bot(database_url, smtp[1]) as harness:
        yield harness


async def bound_customer_and_a_new_invoice(bot: Harness) -> str:
    """The customer opened the first invoice's link (their chat is known); a second invoice
    is issued: the one the manager now sends into that chat. Returns its number."""
    seeded = await seed(bot)
    menu = await send_menu(bot, seeded.number)
    link = LINK_RE.search((await bot.press(MANAGER, menu, "Telegram link"))["text"])
    assert link is not None
    await bot.client.send_text(CUSTOMER, f"/start {link.group(1)}")
    await bot.client.wait_for(CUSTOMER, lambda v: v["photo"] is not None, timeout=60)
    await bot.client.wait_for_text(MANAGER, "Olga opened invoice")
    db = Database(create_engine(bot.database_url))
    try:
        ivan = await AccessService(db.uow, bot.clock, "UTC").identify(MANAGER)
        assert ivan is not None
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        (company,) = [c for (c,) in await db_rows(bot, m.Company.id)]
        inv = await invoices.create_draft(ivan, company)
        inv = await invoices.add_free_line(ivan, inv.id, "Аудит", Decimal(1), Decimal("900.00"))
        inv = await invoices.issue(ivan, inv.id)
    finally:
        await db.dispose()
    assert inv.number_text is not None
    return inv.number_text


async def state_of(bot: Harness, number: str) -> tuple[str, int]:
    """The invoice's status and how many deliveries its documents have."""
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            inv_id, status = (await uow.session.execute(
                select(m.Invoice.id, m.Invoice.status)
                .where(m.Invoice.number_text == number))).one()
            delivered = len((await uow.session.execute(
                select(m.DocumentDelivery.id).join(
                    m.Document, m.Document.id == m.DocumentDelivery.document_id)
                .where(m.Document.subject_type == "invoice",
                       m.Document.subject_id == inv_id))).all())
    finally:
        await db.dispose()
    return str(status), delivered


async def to_customer_chat(bot: Harness, number: str) -> None:
    menu = await send_menu(bot, number)
    answer = await bot.press_for_answer(MANAGER, menu["message_id"],
                                        text="To the customer's chat")
    assert answer == "Sending to Olga's chat…"


async def outbox_errors(bot: Harness) -> list[str]:
    return [str(e) for (e,) in await db_rows(bot, m.OutboxMessage.last_error) if e]


@pytest.mark.parametrize(("fault", "told"), [
    ("blocked", "the customer has blocked the bot"),
    ("chat_gone", "their chat no longer exists"),
])
async def test_a_refused_document_changes_nothing_and_the_manager_hears_why(
        bot: Harness, fault: str, told: str) -> None:
    number = await bound_customer_and_a_new_invoice(bot)
    before = len(await bot.client.messages(CUSTOMER))
    if fault == "blocked":
        await bot.client.block(CUSTOMER)
    else:
        bot.sandbox.inject("chat_gone", "sendDocument")
    await to_customer_chat(bot, number)
    why = await bot.client.wait_for_text(MANAGER, "Telegram did not deliver")
    assert why["text"] == (f"Telegram did not deliver invoice {number} to Olga: {told}. "
                           "Send it by e-mail or as a link.")
    assert buttons(why) == ["By e-mail"]
    assert await state_of(bot, number) == ("issued", 0)
    assert len(await bot.client.messages(CUSTOMER)) == before
    # "By e-mail" opens the e-mail step of that invoice.
    ask = await bot.press(MANAGER, why, "By e-mail")
    assert ask["text"] == f"E-mail address to send invoice {number} to?"


async def test_a_network_failure_records_nothing_until_telegram_accepts(
        bot: Harness) -> None:
    number = await bound_customer_and_a_new_invoice(bot)
    bot.sandbox.inject("5xx", "sendDocument", count=100, status=502)
    await to_customer_chat(bot, number)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not await outbox_errors(bot):
        assert loop.time() < deadline, "the failed send was never recorded as a retry"
        await asyncio.sleep(0.2)
    assert await state_of(bot, number) == ("issued", 0)
    # Telegram is back; the retry comes due: the document arrives, and only now is it
    # recorded and the manager told.
    bot.sandbox.clear_faults()
    bot.clock.advance(timedelta(minutes=5))
    done = await bot.client.wait_for_text(MANAGER, "Sent to Olga's chat.", timeout=60)
    assert done["text"] == "Sent to Olga's chat."
    doc = await bot.client.wait_for(
        CUSTOMER, lambda v: (v["document"] or {}).get("file_name") == f"Invoice_{number}.pdf",
        after=0)
    assert doc["caption"]
    assert await state_of(bot, number) == ("sent", 1)


async def test_a_refused_email_changes_nothing(
        bot: Harness, smtp: tuple[RefusingInbox, int]) -> None:
    inbox, _port = smtp
    number = await bound_customer_and_a_new_invoice(bot)
    menu = await send_menu(bot, number)
    await bot.press(MANAGER, menu, "E-mail")
    refused = await bot.say(MANAGER, "olga@romashka.ru")
    assert refused["text"] == ("The mail server did not accept the message. Nothing was sent.\n"
                               "Try again, or send /cancel.")
    assert await state_of(bot, number) == ("issued", 0)
    inbox.refuse = False
    done = await bot.say(MANAGER, "olga@romashka.ru")
    assert done["text"] == "E-mailed to olga@romashka.ru."
    assert len(inbox.messages) == 1 and isinstance(inbox.messages[0], EmailMessage)
    assert await state_of(bot, number) == ("sent", 1)
