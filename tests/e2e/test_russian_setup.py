"""Issue 17's acceptance in Russian: a Russian-speaking admin sets Dealchat up from scratch —
our organization (its summary before saving, its card after), a product, an invitation — and
every text reads as natural Russian, asserted in full as the admin reads it: labels, not
field keys; the country by name; the unit in Russian; dates in the reader's zone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from services.access import INVITE_TTL
from services.money import format_money
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url) as harness:
        yield harness


async def count(bot: Harness, model: Any) -> int:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return int((await uow.session.execute(select(func.count()).select_from(model)))
                       .scalar_one())
    finally:
        await db.dispose()


async def test_russian_admin_sets_up_organization_product_and_invitation(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Админ", language_code="ru")

    orgs = await bot.say(ADMIN, "/org")
    assert orgs["text"] == ("Организаций пока нет: добавьте ту, от имени которой выставляются "
                            "счета.")
    assert buttons(orgs) == ["Добавить организацию"]
    ask = await bot.press(ADMIN, orgs, "Добавить организацию")
    assert ask["text"] == "Название организации (как в документах)?"
    country = await bot.say(ADMIN, "ООО «Демо»")
    assert country["text"] == "Страна?"
    # Russia is the first country offered (pressed by place: its label is the walk's part)
    await bot.client.press(ADMIN, country["message_id"],
                           country["buttons"][0][0]["callback_data"])
    steps = [("Налоговый номер (ИНН, УНП, IDNO или CUI)?", "7707083893"),
             ("КПП?", "773601001"),
             ("Юридический адрес?", "117997, г. Москва, ул. Вавилова, д. 19")]
    asked = await bot.client.wait_for_text(ADMIN, "Налоговый номер", after=country["message_id"])
    for question, answer in steps:
        assert asked["text"] == question
        asked = await bot.say(ADMIN, answer)
    assert asked["text"] == "Валюта счетов? (или нажмите кнопку с валютой по умолчанию)"
    assert buttons(asked) == ["RUB"]
    asked = await bot.press(ADMIN, asked, "RUB")
    for question, answer in [("Префикс номера счёта, например INV?", "INV"),
                             ("БИК банка?", "044525225"),
                             ("Наименование банка (как в платёжках)?", "ПАО Сбербанк"),
                             ("Расчётный счёт (20 цифр)?", "40702810938000000001"),
                             ("Корреспондентский счёт (20 цифр)?", "30101810400000000225")]:
        assert asked["text"] == question
        asked = await bot.say(ADMIN, answer)

    summary = asked["text"].split("\n")
    assert summary[:2] == ["Новая организация:", "Название (в документах): ООО «Демо»"]
    assert summary[2] == "Страна: Россия"  # the country by name, not "RU"
    assert summary[3:] == [
        "ИНН / налоговый номер: 7707083893",
        "КПП: 773601001",
        "Юридический адрес: 117997, г. Москва, ул. Вавилова, д. 19",
        "Валюта: RUB",
        "Префикс номера счёта: INV",
        "БИК: 044525225",
        "Банк: ПАО Сбербанк",
        "Расчётный счёт: 40702810938000000001",
        "Корреспондентский счёт: 30101810400000000225",
        "Сохранить?",
    ]
    assert buttons(asked) == ["Сохранить", "Отмена"]
    await bot.client.press(ADMIN, asked["message_id"], text="Сохранить")
    card = (await bot.client.wait_for_edit(ADMIN, asked["message_id"]))["text"].split("\n")
    assert card[:1] == ["Сохранено."]
    assert card[1] == "ООО «Демо» (Россия)"  # the country by name
    assert card[2:] == [
        "ИНН: 7707083893, КПП 773601001",
        "117997, г. Москва, ул. Вавилова, д. 19",
        "Валюта: RUB; префикс счетов: INV",
        "Срок оплаты: 5 дн.",
        "Банк: БИК 044525225, 40702810938000000001",
    ]
    assert await count(bot, m.Organization) == 1

    product = [await bot.say(ADMIN, "/newproduct")]
    for answer in ("Стул офисный", "CH-1", "22", "RUB", "2 500"):
        product.append(await bot.say(ADMIN, answer))
    assert [p["text"] for p in product[:-1]] == [
        "Название товара или услуги?",
        "Артикул? (отправьте -, если его нет)",
        "Ставка НДС? 22, 10, 0 или «без НДС».",
        "Валюта цены? RUB, BYN, MDL, RON, EUR или USD.",
        "Цена? Например, 1 200,50.",
    ]
    # the unit in Russian («шт.», as the PDF prints it), not "pcs"
    price = format_money(Decimal("2500"), "RUB", "ru")  # «2 500,00 ₽», no-break spaces
    assert product[-1]["text"] == f"Сохранено.\n• Стул офисный [CH-1] — {price} / шт. · НДС 22%"
    assert await count(bot, m.Product) == 1

    menu = await bot.say(ADMIN, "/invite")
    assert menu["text"] == "Кого вы приглашаете?"
    assert buttons(menu) == ["Менеджер", "Руководитель продаж", "Администратор"]
    await bot.client.press(ADMIN, menu["message_id"], text="Менеджер")
    invite = (await bot.client.wait_for_edit(ADMIN, menu["message_id"]))["text"]
    text, link = invite.split("\n")
    assert link.startswith("https://t.me/dealchat_test_bot?start=join_")
    until = (bot.clock.now() + INVITE_TTL).astimezone(ZoneInfo(bot.settings.default_timezone))
    assert until - bot.clock.now() > timedelta(days=1)
    # DD.MM HH:MM in the reader's zone (Moscow here), never ISO and UTC
    assert text == ("Приглашение для роли «менеджер». Отправьте эту ссылку сотруднику: она "
                    f"одноразовая и действует до {until:%d.%m %H:%M}:")
