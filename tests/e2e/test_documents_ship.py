"""The documents of shipment and money, end to end through the sandbox, read back as text from
the PDFs the bot sent: the payment push's "Issue act" → the act; Ship → "Delivery note"; cash
recorded from the invoice card → the cash receipt of that amount; /debts → client → the
statement (акт сверки) as PDF to the manager and into the customer's own chat, or a clear
answer when the customer never opened the bot; forged buttons for another manager's invoice or
client → "Not found"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from handlers.payments import PayAction, PayCb
from handlers.printing import PrintCb, PrintKind
from handlers.receivables import StatementCb
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import Harness, buttons, running_bot
from tests.e2e.test_debts_exports import MANAGER, MANAGER2, NOT_FOUND, seed
from tests.e2e.test_manual_payments import open_menu
from tests.integration.test_pdf import flat

CUSTOMER = 9001


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url) as harness:
        yield harness


async def pdf_text(bot: Harness, user: int, message: dict[str, Any]) -> str:
    assert message["document"]["mime_type"] == "application/pdf", message
    return flat(await bot.client.file_bytes(user, message["message_id"]))


async def next_document(bot: Harness, user: int, after: int) -> dict[str, Any]:
    return await bot.client.wait_for(user, lambda msg: msg.get("document") is not None,
                                     after=after)


async def test_issue_act_from_the_push_and_delivery_note_after_shipping(bot: Harness) -> None:
    seeded = await seed(bot, paid="1220")
    anchor = await bot.say(MANAGER, "/debts")
    act_push = PayCb(action=PayAction.ACT, invoice=seeded.invoice_id).pack()
    await bot.client.press_raw(MANAGER, anchor["message_id"], act_push)
    act = await next_document(bot, MANAGER, anchor["message_id"])
    assert act["caption"] == f"Act of completed works for invoice {seeded.number}."
    assert act["document"]["file_name"] == "Act_1.pdf"  # its own series
    text = await pdf_text(bot, MANAGER, act)
    assert "Акт выполненных работ (оказанных услуг) № 1 от " in text
    assert f"Основание: Счёт на оплату № {seeded.number} от " in text
    assert "Заказчик: Ромашка" in text

    ship = PayCb(action=PayAction.SHIP, invoice=seeded.invoice_id).pack()
    await bot.client.press_raw(MANAGER, act["message_id"], ship)
    shipped = await bot.client.wait_for_text(MANAGER, "is shipped", after=act["message_id"])
    assert buttons(shipped) == ["Act", "UPD", "Delivery note"]
    # The UPD names the buyer's INN, which nobody typed in: refused, nothing issued.
    await bot.client.press(MANAGER, shipped["message_id"], text="UPD")
    refused = await bot.client.wait_for_text(MANAGER, "Nothing was issued",
                                             after=shipped["message_id"])
    assert refused["text"] == ("Nothing was issued: the client has no tax id yet. Add it on "
                               "the client's card.")
    assert await rows(bot, m.IssuedDocument.kind) == ["act"]
    await bot.client.press(MANAGER, shipped["message_id"], text="Delivery note")
    note = await next_document(bot, MANAGER, shipped["message_id"])
    text = await pdf_text(bot, MANAGER, note)
    assert f"Товарная накладная № {seeded.number} от " in text
    assert "Груз получил" in text
    # Shipping again offers the documents instead.
    await bot.client.press_raw(MANAGER, note["message_id"], ship)
    again = await bot.client.wait_for_text(MANAGER, "already shipped", after=note["message_id"])
    assert buttons(again) == ["Act", "UPD", "Delivery note"]
    stored = await rows(bot, m.Document.kind)
    assert {"act_pdf", "delivery_note_pdf"} <= set(stored)

    # Petr's forged buttons for Ivan's invoice.
    other = await bot.say(MANAGER2, "/debts")
    for data in (act_push, *(PrintCb(kind=kind, invoice=seeded.invoice_id).pack()
                             for kind in (PrintKind.UPD, PrintKind.DELIVERY_NOTE))):
        assert await bot.press_for_answer(MANAGER2, other["message_id"], forged=True,
                                          callback_data=data) == NOT_FOUND


async def test_cash_payment_sends_its_receipt(bot: Harness) -> None:
    seeded = await seed(bot, paid="0")
    menu = await open_menu(bot, seeded.number)
    ask = await bot.press(MANAGER, menu, "Cash")
    done = await bot.say(MANAGER, "500")
    assert done["text"] == "Recorded: cash, RUB\xa0500.00."
    receipt = await next_document(bot, MANAGER, ask["message_id"])
    assert receipt["caption"] == f"Cash receipt for invoice {seeded.number}."
    text = await pdf_text(bot, MANAGER, receipt)
    assert "500,00" in text and "Пятьсот рублей 00 копеек" in text
    assert f"Оплата по счёту № {seeded.number}" in text
    # The menu offers it again.
    menu = await open_menu(bot, seeded.number)
    receipt_button = next(b for b in buttons(menu) if b.startswith("🧾 Receipt"))
    await bot.client.press(MANAGER, menu["message_id"], text=receipt_button)
    again = await next_document(bot, MANAGER, menu["message_id"])
    assert again["document"]["file_name"] == receipt["document"]["file_name"]
    # A forged receipt of a payment that is not on this invoice.
    forged = PrintCb(kind=PrintKind.RECEIPT, invoice=seeded.invoice_id, payment=999).pack()
    await bot.client.press_raw(MANAGER, again["message_id"], forged)
    refused = await bot.client.wait_for(MANAGER, after=again["message_id"])
    assert refused["text"] == NOT_FOUND


async def test_statement_pdf_to_the_manager_and_into_the_customers_chat(bot: Harness) -> None:
    seeded = await seed(bot, paid="1000")
    listing = await bot.say(MANAGER, "/debts")
    statement = await bot.press(MANAGER, listing, "Ромашка")
    assert buttons(statement) == ["PDF", "Send to the customer"]
    await bot.client.press(MANAGER, statement["message_id"], text="PDF")
    pdf = await next_document(bot, MANAGER, statement["message_id"])
    text = await pdf_text(bot, MANAGER, pdf)
    assert "Акт сверки взаимных расчётов" in text and seeded.number in text
    assert "Счёт на оплату № " + seeded.number + " 1\u202f220,00\xa0₽" in text
    assert "Оплата № ПКО-1 1\u202f000,00\xa0₽ 220,00\xa0₽" in text  # and the running balance
    assert "Задолженность Ромашка перед ООО «Демо»: 220,00\xa0₽" in text
    # Nobody of the client opened the bot yet.
    answer = await bot.press_for_answer(MANAGER, statement["message_id"],
                                        text="Send to the customer")
    assert answer == ("The customer has not opened our bot yet: send them an invoice by "
                      "Telegram link first.")
    await bind_customer(bot, seeded.company_id)
    await bot.client.user(CUSTOMER, first_name="Anna", language_code="en")
    await bot.say(CUSTOMER, "/start")
    answer = await bot.press_for_answer(MANAGER, statement["message_id"],
                                        text="Send to the customer")
    assert answer == "Sent to the customer."
    got = await bot.client.wait_for(CUSTOMER, lambda msg: msg.get("document") is not None,
                                    after=0)
    assert got["caption"].startswith("Statement of our mutual settlements as of ")
    assert seeded.number in await pdf_text(bot, CUSTOMER, got)
    # Petr cannot have Ivan's client's statement, by either button.
    other = await bot.say(MANAGER2, "/debts")
    for send in (False, True):
        data = StatementCb(company=seeded.company_id, send=send).pack()
        assert await bot.press_for_answer(MANAGER2, other["message_id"], forged=True,
                                          callback_data=data) == NOT_FOUND


async def rows(bot: Harness, *columns: Any) -> list[Any]:
    from tests.e2e.test_delivery import db_rows

    return [r[0] if len(r) == 1 else r for r in await db_rows(bot, *columns)]


async def bind_customer(bot: Harness, company_id: int) -> None:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            owner = await uow.session.scalar(
                m.Company.__table__.select().with_only_columns(m.Company.owner_id)
                .where(m.Company.id == company_id))
            uow.session.add(m.Contact(owner_id=owner, company_id=company_id, name="Anna",
                                      name_norm="anna", telegram_user_id=CUSTOMER,
                                      language="en"))
            await uow.commit()
    finally:
        await db.dispose()
