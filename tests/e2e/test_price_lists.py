"""Price lists in chat, in Russian: a head creates the «Опт» list by giving a product a price
in it; the catalog lists the price lists; a client whose price list is «Опт» gets it on new
invoices and quotes (a product without a price there is priced from the base list, and the
manager is told); another price list chosen on the draft prices the catalog lines again and
keeps the lines typed by hand. An unknown price list and another manager's draft are refused
and change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import update

from services.access import AccessService
from services.catalog import CatalogService, Price, ProductDraft
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot
from tests.e2e.test_catalog_edit import HEAD, MANAGER, MANAGER2, audit, rows, rub, seed, user_id

D = Decimal


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url) as harness:
        yield harness


async def set_client_price_list(bot: Harness, company_id: int, code: str) -> None:
    """What the client card's editing (another stream) stores: companies.price_list."""
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            await uow.session.execute(update(m.Company).where(m.Company.id == company_id)
                                      .values(price_list=code))
            await uow.commit()
        admin = await AccessService(db.uow, bot.clock, "UTC").identify(ADMIN)
        assert admin is not None
        await CatalogService(db.uow, bot.clock).create(admin, ProductDraft(
            name="Стол", vat_code="22", unit="шт", prices=(Price("base", "RUB", D("9000.00")),)))
    finally:
        await db.dispose()


async def test_a_new_price_list_prices_the_clients_drafts_and_another_can_be_chosen(
        bot: Harness) -> None:
    seeded = await seed(bot)
    # A head makes the «Опт» list by giving the chair a price in it.
    card = await bot.press(HEAD, await bot.say(HEAD, "/products"), "Стул офисный")
    ask = await bot.press(HEAD, card, "Цена в другом прайс-листе")
    assert ask["text"] == ("Какой прайс-лист? Выберите или введите название нового "
                           "(например, Опт).")
    reply = await bot.say(HEAD, "Опт: 1")
    assert reply["text"].startswith(
        "В названии прайс-листа допустимы только буквы, цифры, пробелы, - и _.")
    ask = await bot.say(HEAD, "Опт")
    assert ask["text"] == "Цена в прайс-листе «Опт», в RUB? Например 1 200,50."
    card = await bot.say(HEAD, "2 300")
    assert card["text"].endswith(f"Цены:\n• Базовый: {rub('2500.00')}\n• Опт: {rub('2300.00')}")
    listing = await bot.say(MANAGER, "/products")
    assert listing["text"].splitlines()[1] == "Прайс-листы: Базовый, Опт"
    assert await rows(bot, m.ProductPrice.price_list, m.ProductPrice.price_minor) == [
        ("base", 250000), ("Опт", 230000)]

    # The client's price list is the default of their new invoice.
    await set_client_price_list(bot, seeded.company, "Опт")
    draft = await bot.press(MANAGER, await bot.say(MANAGER, "/invoice"), "Ромашка")
    assert "Прайс-лист: Опт" in draft["text"] and "Прайс-лист" in buttons(draft)
    await bot.press(MANAGER, draft, "Добавить товар")
    found = await bot.say(MANAGER, "стул")
    assert buttons(found) == [f"Стул офисный · {rub('2300.00')}"]
    await bot.press(MANAGER, found, buttons(found)[0])
    draft = await bot.say(MANAGER, "2")
    assert f"1. Стул офисный — 2 × {rub('2300.00')} = {rub('4600.00')}" in draft["text"]
    await bot.press(MANAGER, draft, "Добавить товар")
    found = await bot.say(MANAGER, "стол")
    await bot.press(MANAGER, found, buttons(found)[0])
    draft = await bot.say(MANAGER, "1")
    assert draft["text"].startswith("У «Стол» нет цены в прайс-листе «Опт»: взята базовая "
                                    "цена.")
    assert f"2. Стол — 1 × {rub('9000.00')}" in draft["text"]
    await bot.press(MANAGER, draft, "Добавить строку")
    await bot.say(MANAGER, "Монтаж")
    await bot.say(MANAGER, "1")
    draft = await bot.say(MANAGER, "500")
    ((inv_id, price_list),) = await rows(bot, m.Invoice.id, m.Invoice.price_list)
    assert price_list == "Опт"

    # Forged: an unknown price list, another manager's draft — refused, nothing changes.
    lines_before = await rows(bot, m.DocumentLine.id, m.DocumentLine.unit_price_minor)
    for user, data, told in (
            (MANAGER, f"in:spl:{inv_id}:0:Розница",
             "Неизвестный прайс-лист: ни у одного товара нет цены в нём."),
            (MANAGER2, f"in:spl:{inv_id}:0:base",
             "Не найдено. Возможно, запись удалена или недоступна вам."),
            (MANAGER2, f"in:pl:{inv_id}:0:",
             "Не найдено. Возможно, запись удалена или недоступна вам.")):
        own = await bot.say(user, "/start")
        answer = await bot.press_for_answer(user, own["message_id"], data, forged=True)
        assert answer == told, data
    assert await rows(bot, m.Invoice.id, m.Invoice.price_list) == [(inv_id, "Опт")]
    assert await rows(bot, m.DocumentLine.id, m.DocumentLine.unit_price_minor) == lines_before

    # Another price list on the draft: catalog lines priced again, the typed line kept.
    choose = await bot.press(MANAGER, draft, "Прайс-лист")
    assert choose["text"].startswith("Прайс-лист черновика (сейчас «Опт»)?")
    assert buttons(choose) == ["Базовый", "• Опт"]
    draft = await bot.press(MANAGER, choose, "Базовый")
    assert draft["text"].startswith(
        "Цены обновлены по прайс-листу «Базовый» на сегодня; изменилось строк: 1.")
    assert "Прайс-лист: Базовый" in draft["text"]
    assert f"1. Стул офисный — 2 × {rub('2500.00')} = {rub('5000.00')}" in draft["text"]
    assert f"3. Монтаж — 1 × {rub('500.00')}" in draft["text"]
    assert await rows(bot, m.Invoice.id, m.Invoice.price_list, m.Invoice.total_minor) == [
        (inv_id, "base", 1769000)]
    assert [p for (_i, p) in await rows(bot, m.DocumentLine.id,
                                        m.DocumentLine.unit_price_minor)] == [
        250000, 900000, 50000]
    ivan = await user_id(bot, MANAGER)
    edits = [a for a in await audit(bot, "invoice.edit") if a[3]]
    assert edits == [(ivan, "invoice.edit", inv_id, {"changes": [
        {"field": "price_list", "old": "Опт", "new": "base"}]})]
    # The client's quote starts from their price list too.
    quote = await bot.press(MANAGER, await bot.say(MANAGER, "/quote"), "Ромашка")
    assert "Прайс-лист: Опт" in quote["text"]
    assert await rows(bot, m.Quote.company_id, m.Quote.price_list) == [(seeded.company, "Опт")]
