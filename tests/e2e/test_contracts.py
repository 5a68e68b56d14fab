"""Issue 19, part C, end to end through the sandbox, in Russian: the deal card's «Договор»
button → what the contract is drawn from → start and end dates (an end before the start
refused, nothing numbered) → the confirmation with the client's language and the others →
the numbered PDF in the manager's chat, read back as text, and its card (Send…, PDF: the
reprint, the same bytes) → into the customer's chat through the outbox → a Telegram link
opened by the client's accountant, who finds it in /documents and asks about it →
/contracts. Another manager's forged buttons find nothing; a deal with no client and an
organization without a director get a short answer and number nothing."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import update

from handlers.contracts import ContractCb, Ct
from handlers.delivery import DeliveryCb, Dv
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import Harness, buttons
from tests.e2e.test_corrections import CUSTOMER, MANAGER, MANAGER2, NOT_FOUND, rows, rub, seed
from tests.e2e.test_documents_ship import next_document, pdf_text

ACCOUNTANT = 7102  # the client's accountant, who opens the contract's Telegram link
STRANGER = 7199


async def change(bot: Harness, table: Any, values: dict[str, Any], where: Any = None) -> None:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            q = update(table).values(**values)
            await uow.session.execute(q.where(where) if where is not None else q)
            await uow.commit()
    finally:
        await db.dispose()


async def open_deal(bot: Harness, title: str) -> dict[str, Any]:
    listing = await bot.say(MANAGER, "/deals")
    return await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith(title)))


async def test_from_the_deal_card_to_the_pdf_in_the_chat(bot: Harness) -> None:
    seeded = await seed(bot)
    await change(bot, m.Company, {"country": "RU", "legal_form": "АО", "tax_id": "7728168971",
                                  "kpp": "772801001", "legal_address": "г. Тверь, ул. Советская, "
                                                                       "д. 1"},
                 m.Company.id == seeded.company_id)
    year = bot.today().year
    card = await open_deal(bot, "Поставка стульев")
    assert "Договор" in buttons(card)
    plan = await bot.press(MANAGER, card, "Договор")
    assert plan["text"] == (f"Договор по сделке «Поставка стульев» с Ромашка: строки счёта "
                            f"{seeded.number}, {rub('8000.00')}.\n\n"
                            "Дата начала? Например, 01.02.2026.")
    await bot.say(MANAGER, f"01.07.{year}")
    refused = await bot.say(MANAGER, f"30.06.{year}")
    assert refused["text"] == "Дата окончания не может быть раньше даты начала."
    confirm = await bot.say(MANAGER, f"30.06.{year + 1}")
    assert confirm["text"] == (f"Договор по «Поставка стульев», действует 01.07.{year} – "
                               f"30.06.{year + 1}, язык: Русский. Оформить? Ему будет присвоен "
                               "следующий номер.")
    assert buttons(confirm) == ["Оформить договор", "English", "Română"]
    assert await rows(bot, m.NumberSeries.id, where=m.NumberSeries.kind == "contract") == []
    # Another language on the same confirmation (edited in place), then back to Russian.
    for name, others in (("English", ["Русский", "Română"]), ("Русский", ["English", "Română"])):
        assert await bot.press_for_answer(MANAGER, confirm["message_id"], text=name) == ""
        confirm = next(x for x in await bot.client.messages(MANAGER)
                       if x["message_id"] == confirm["message_id"])
        assert f"язык: {name}." in confirm["text"]
        assert buttons(confirm) == ["Оформить договор", *others]

    await bot.client.press(MANAGER, confirm["message_id"], text="Оформить договор")
    doc = await next_document(bot, MANAGER, confirm["message_id"])
    assert doc["caption"] == f"Договор 1/{year}"
    assert doc["document"]["file_name"] == f"Contract_1_{year}.pdf"
    text = await pdf_text(bot, MANAGER, doc)
    for mention in (f"Договор оказания услуг № 1/{year}",
                    "ООО «Демо» (далее — «Исполнитель»), от имени которого действует "
                    "Генеральный директор Иванов И. И. на основании Устава",
                    "АО Ромашка (далее — «Заказчик»)",
                    f"1 Стул офисный 4 шт {rub('1500.00')}",
                    f"Цена договора составляет {rub('8000.00')} (Восемь тысяч рублей 00 "
                    "копеек). Без НДС.",
                    f"Договор вступает в силу 1 июля {year} г. и действует по 30 июня "
                    f"{year + 1} г. включительно.",
                    "Заказчик АО Ромашка ИНН 7728168971, КПП 772801001 г. Тверь"):
        assert mention in text, (mention, text)
    card = await bot.client.wait_for_text(MANAGER, "Договор оформлен", after=doc["message_id"])
    assert card["text"] == (
        "Договор оформлен. Напомню за 30, 7 и 1 день до окончания.\n\n"
        f"Договор 1/{year} · Ромашка\nПредмет: «Поставка стульев»\n"
        f"Цена: {rub('8000.00')}\nДействует: 01.07.{year} – 30.06.{year + 1}\nЯзык: Русский")
    assert buttons(card) == ["Отправить…", "PDF", "Создать сделку на продление"]
    [(contract_id, ends_on)] = await rows(bot, m.Contract.id, m.Contract.ends_on)
    assert ends_on.isoformat() == f"{year + 1}-06-30"

    # The reprint: the same number, the same bytes.
    await bot.client.press(MANAGER, card["message_id"], text="PDF")
    again = await next_document(bot, MANAGER, card["message_id"])
    assert await bot.client.file_bytes(MANAGER, again["message_id"]) \
        == await bot.client.file_bytes(MANAGER, doc["message_id"])

    # Into the customer's chat, through the outbox: the stored PDF with the question button.
    menu = await bot.press(MANAGER, card, "Отправить…")
    assert buttons(menu) == ["Ссылка в Telegram", "В чат клиента", "E-mail",
                             "Публичная ссылка", "PDF"]
    await bot.client.press(MANAGER, menu["message_id"], text="В чат клиента")
    got = await next_document(bot, CUSTOMER, 0)
    assert got["caption"].startswith(f"Договор 1/{year}") and buttons(got) == ["Задать вопрос"]
    assert await bot.client.file_bytes(CUSTOMER, got["message_id"]) \
        == await bot.client.file_bytes(MANAGER, doc["message_id"])
    await bot.client.wait_for_text(MANAGER, "Отправлено в чат: Ольга.")

    # A Telegram link of the contract, opened by the client's accountant: they get the
    # contract, find it in /documents and ask about it; the manager is told both.
    menu = await bot.press(MANAGER, card, "Отправить…")
    link = await bot.press(MANAGER, menu, "Ссылка в Telegram")
    found = re.search(r"start=(ctr_[A-Za-z0-9_-]+)", link["text"])
    assert found is not None, link["text"]
    await bot.client.user(ACCOUNTANT, first_name="Сергей", language_code="ru")
    await bot.client.send_text(ACCOUNTANT, f"/start {found.group(1)}")
    hello = await bot.client.wait_for(ACCOUNTANT)
    assert hello["text"] == ("Здравствуйте, Сергей! Вот ваш договор. Кнопка под ним отправит "
                             "вопрос по нему вашему менеджеру. /documents — все ваши документы.")
    opened = await next_document(bot, ACCOUNTANT, hello["message_id"])
    assert opened["caption"].startswith(f"Договор 1/{year} · Ромашка")
    assert buttons(opened) == ["Задать вопрос"]
    assert await bot.client.file_bytes(ACCOUNTANT, opened["message_id"]) \
        == await bot.client.file_bytes(MANAGER, doc["message_id"])
    await bot.client.wait_for_text(MANAGER, f"Сергей просматривает договор 1/{year} в Telegram.")
    mine = await bot.say(ACCOUNTANT, "/documents")
    assert mine["text"] == "Ваши документы:"
    listed = [b for b in buttons(mine) if b.startswith("Договор")]
    assert listed == [f"Договор 1/{year} · {rub('8000.00')}"]
    again = await bot.press(ACCOUNTANT, mine, listed[0])
    assert again["document"]["file_name"] == f"Contract_1_{year}.pdf"
    ask = await bot.press(ACCOUNTANT, opened, "Задать вопрос")
    assert ask["text"] == (f"Напишите вопрос по договору 1/{year}, я передам его вашему "
                           "менеджеру.")
    sent = await bot.say(ACCOUNTANT, "Можно оплату в два этапа?")
    assert sent["text"] == "Отправлено вашему менеджеру. Скоро вам ответят."
    question = await bot.client.wait_for_text(MANAGER, "Сергей задаёт вопрос")
    assert question["text"] == (f"Сергей задаёт вопрос по договору 1/{year}:\n\n"
                                "Можно оплату в два этапа?")
    # Nothing to pay or accept on a contract; a stranger's forged press finds nothing.
    for action in ("p", "pd", "ac", "ch"):
        answer = await bot.press_for_answer(ACCOUNTANT, opened["message_id"], forged=True,
                                            callback_data=f"cu:{action}:k:{contract_id}")
        assert answer == NOT_FOUND, (action, answer)
    await bot.client.user(STRANGER, first_name="Некто", language_code="ru")
    greeted = await bot.say(STRANGER, "/start")
    answer = await bot.press_for_answer(STRANGER, greeted["message_id"], forged=True,
                                        callback_data=f"cu:o:k:{contract_id}")
    assert answer.startswith("Извините"), answer

    # In /contracts, soonest end first, opening its card.
    listing = await bot.say(MANAGER, "/contracts")
    assert listing["text"] == (f"Договоры:\n«Поставка стульев» № 1/{year}: 01.07.{year} – "
                               f"30.06.{year + 1}")
    opened = await bot.press(MANAGER, listing, f"1/{year} · Ромашка")
    assert opened["text"].startswith(f"Договор 1/{year} · Ромашка")

    # Petr's forged buttons: nothing shown, nothing numbered.
    own = await bot.say(MANAGER2, "/contracts")
    for data in (ContractCb(action=Ct.DEAL, id=seeded.deal_id).pack(),
                 ContractCb(action=Ct.OPEN, id=contract_id).pack(),
                 DeliveryCb(action=Dv.PDF, k="k", id=contract_id).pack(),
                 DeliveryCb(action=Dv.CHAT, k="k", id=contract_id).pack()):
        assert await bot.press_for_answer(MANAGER2, own["message_id"], forged=True,
                                          callback_data=data) == NOT_FOUND, data
    await bot.settled()
    assert not [x for x in await bot.client.messages(MANAGER2) if x.get("document")]
    assert await rows(bot, m.NumberSeries.last_number,
                      where=m.NumberSeries.kind == "contract") == [(1,)]


async def test_bad_deals_and_requisites_get_a_short_answer_and_no_number(
        bot: Harness) -> None:
    seeded = await seed(bot)
    # The client has no tax id: named before any date is asked.
    card = await open_deal(bot, "Поставка стульев")
    refused = await bot.press(MANAGER, card, "Договор")
    assert refused["text"] == ("Ничего не оформлено: у клиента не указано поле «налоговый номер». "
                               "Добавьте его в карточке клиента.")
    await change(bot, m.Company, {"tax_id": "7728168971", "legal_address": "г. Тверь"},
                 m.Company.id == seeded.company_id)
    await change(bot, m.Organization, {"director": ""})
    refused = await bot.press(MANAGER, card, "Договор")
    assert refused["text"] == ("Ничего не оформлено: у нашей организации не указано поле "
                               "«директор». Администратор добавит его в /org.")
    # A deal with no client.
    await change(bot, m.Deal, {"company_id": None}, m.Deal.id == seeded.deal_id)
    refused = await bot.press(MANAGER, card, "Договор")
    assert refused["text"] == ("Ничего не оформлено: у сделки нет клиента. Сначала укажите "
                               "клиента в сделке.")
    assert await rows(bot, m.NumberSeries.id, where=m.NumberSeries.kind == "contract") == []
    assert await rows(bot, m.Contract.id) == []
