"""A credit note's document end to end through the sandbox, in Russian: issued from the invoice
card, its «📄 КН-…» button opens its Send menu (the customer's chat, e-mail, PDF — no links);
the PDF the manager gets is the УКД read back as text; sent into the customer's chat through
the outbox with no customer buttons; a credit note larger than what the invoice has left is
refused with the amount and writes nothing; another manager's forged buttons find nothing."""

from __future__ import annotations

from sqlalchemy import update

from handlers.delivery import DeliveryCb, Dv
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import Harness, buttons
from tests.e2e.test_corrections import (
    CUSTOMER,
    MANAGER,
    MANAGER2,
    NOT_FOUND,
    open_card,
    rows,
    rub,
    seed,
)
from tests.e2e.test_documents_ship import next_document, pdf_text


async def test_credit_note_document_from_the_card_to_the_manager_and_the_customer(
        bot: Harness) -> None:
    seeded = await seed(bot)
    number = f"КН-{bot.today().year}-00001"
    card = await open_card(bot, seeded.number)
    pick = await bot.press(MANAGER, card, "Кредит-нота")
    await bot.press(MANAGER, pick, "1. Стул офисный")
    pick = await bot.say(MANAGER, "1")
    why = await bot.press(MANAGER, pick, "Готово")
    done = await bot.press(MANAGER, why, "Возврат товара")
    assert f"📄 {number}" in buttons(done)
    [(note_id,)] = await rows(bot, m.CreditNote.id)

    menu = await bot.press(MANAGER, done, f"📄 {number}")
    assert menu["text"] == f"Как отправить кредит-ноту {number}?"
    assert buttons(menu) == ["В чат клиента", "E-mail", "PDF"]  # no links for a credit note

    await bot.client.press(MANAGER, menu["message_id"], text="PDF")
    doc = await next_document(bot, MANAGER, menu["message_id"])
    assert doc["caption"] == f"Кредит-нота {number}"
    assert doc["document"]["file_name"] == "Credit_note_-2026-00001.pdf".replace(
        "2026", str(bot.today().year))
    text = await pdf_text(bot, MANAGER, doc)
    for mention in ("Универсальный корректировочный документ", "Статус: 2",
                    f"Корректировочный счёт-фактура № {number} от",
                    f"к счёту № {seeded.number} от",
                    "Покупатель: Ромашка",
                    f"А — до изменения 4 {rub('1500.00')} {rub('6000.00')} Без НДС Без НДС",
                    f"Б — после изменения 3 {rub('1500.00')} {rub('4500.00')}",
                    f"Г — уменьшение 1 — {rub('1500.00')}",
                    f"Всего уменьшение (сумма строк Г) {rub('1500.00')}",
                    "Основание для корректировки: Возврат товара"):
        assert mention in text, mention
    assert "Монтаж" not in text  # only the credited line

    # Into the customer's chat through the outbox: the same stored PDF, no buttons to pay.
    await bot.client.press(MANAGER, menu["message_id"], text="В чат клиента")
    got = await next_document(bot, CUSTOMER, 0)
    assert got["caption"].startswith(f"Кредит-нота {number}")
    assert got["buttons"] == []
    assert await bot.client.file_bytes(CUSTOMER, got["message_id"]) \
        == await bot.client.file_bytes(MANAGER, doc["message_id"])
    await bot.client.wait_for_text(MANAGER, "Отправлено в чат: Ольга.")
    stored = await rows(bot, m.Document.id, where=m.Document.kind == "credit_note_pdf")
    assert len(stored) == 1
    assert await rows(bot, m.DocumentDelivery.document_id, m.DocumentDelivery.channel) == [
        (stored[0][0], "telegram")]

    # Petr's forged buttons for Ivan's credit note: nothing shown, nothing stored.
    own = await bot.say(MANAGER2, "/invoices")
    for action in (Dv.MENU, Dv.PDF, Dv.CHAT, Dv.MAIL):
        data = DeliveryCb(action=action, k="c", id=note_id).pack()
        assert await bot.press_for_answer(MANAGER2, own["message_id"], forged=True,
                                          callback_data=data) == NOT_FOUND, action
    await bot.settled()
    assert len(await rows(bot, m.Document.id, where=m.Document.kind == "credit_note_pdf")) == 1
    assert not [x for x in await bot.client.messages(MANAGER2) if x.get("document")]


async def test_a_credit_note_larger_than_the_invoice_has_left_is_refused(bot: Harness) -> None:
    seeded = await seed(bot)
    # What is left to credit is the invoice total less its credit notes: the lines still
    # hold 8 000,00, but the invoice has only 500,00 left (7 500,00 credited before).
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            await uow.session.execute(update(m.Invoice).where(
                m.Invoice.id == seeded.invoice_id).values(credited_minor=750000))
            await uow.commit()
    finally:
        await db.dispose()
    card = await open_card(bot, seeded.number)
    pick = await bot.press(MANAGER, card, "Кредит-нота")
    why = await bot.press(MANAGER, pick, f"Весь счёт ({rub('500.00')})")
    refused = await bot.press(MANAGER, why, "Возврат товара")
    assert refused["text"] == (f"Кредит-нота больше, чем осталось по счёту: не больше "
                               f"{rub('500.00')}. Ничего не оформлено.")
    assert await rows(bot, m.CreditNote.id) == []
    assert await rows(bot, m.NumberSeries.kind, where=m.NumberSeries.kind
                      == "credit_note") == []
    assert await rows(bot, m.Invoice.credited_minor, m.Invoice.status,
                      where=m.Invoice.id == seeded.invoice_id) == [(750000, "sent")]
