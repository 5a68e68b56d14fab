"""A Telegram language we do not have ("de") reads the configured default language (Russian
here) on every screen, its own and what the bot later sends it; the invitation's expiry is
the admin's local DD.MM HH:MM, never UTC (issue 17)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from services.access import INVITE_TTL
from storage import models as m
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot
from tests.e2e.test_delivery import db_rows

GERMAN = 2301
CLIENTS_RU = "У вас пока нет клиентов."


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url, default_language="ru",
                           default_timezone="Europe/Moscow") as harness:
        yield harness


async def test_a_german_admin_and_manager_read_the_default_russian(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Klaus", language_code="de")
    hello = await bot.say(ADMIN, "/start")
    assert hello["text"].startswith("Здравствуйте, Klaus!"), hello["text"]
    menu = await bot.say(ADMIN, "/invite")
    assert buttons(menu) == ["Менеджер", "Руководитель продаж", "Администратор"]
    await bot.client.press(ADMIN, menu["message_id"], text="Менеджер")
    invite = await bot.client.wait_for_edit(ADMIN, menu["message_id"])
    expires = (bot.clock.now() + INVITE_TTL).astimezone(ZoneInfo("Europe/Moscow"))
    assert f"действует до {expires:%d.%m %H:%M}:\n" in invite["text"], invite["text"]
    assert "UTC" not in invite["text"] and not re.search(r"\d{4}-\d\d-\d\d", invite["text"])
    payload = re.search(r"start=(join_[\w-]+)", invite["text"])
    assert payload

    await bot.client.user(GERMAN, first_name="Jörg", language_code="de-AT")
    joined = await bot.say(GERMAN, f"/start {payload.group(1)}")
    assert joined["text"].startswith("Добро пожаловать в команду! Ваша роль: менеджер.")
    clients = await bot.say(GERMAN, "/clients")
    assert CLIENTS_RU in clients["text"], clients["text"]
    # Stored as "no language of ours": pushes and reminders use the default too.
    assert (GERMAN, None) in await db_rows(bot, m.User.telegram_id, m.User.language)
