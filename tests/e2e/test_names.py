"""Names typed in chat are stored the way they look: a name made only of zero-width and
bidirectional control characters is refused like a blank one and nothing is written; one with
a zero-width joiner inside and doubled or no-break spaces is stored cleaned."""

from __future__ import annotations

from sqlalchemy import select

from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons
from tests.e2e.test_leads import leads_in_db

# Zero-width space, left-to-right mark, right-to-left override: looks like nothing at all.
INVISIBLE = "\u200b\u200e\u202e"
RU_USER = 2301


async def company_names(bot: Harness) -> list[str]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return list(await uow.session.scalars(select(m.Company.name).order_by(m.Company.id)))
    finally:
        await db.dispose()


def visible(text: str) -> bool:
    return not any(c in text for c in "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u00a0")


async def test_a_client_name_of_invisible_characters_is_refused_like_a_blank_one(
    bot: Harness,
) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    ask = await bot.say(ADMIN, "/newclient")
    assert ask["text"] == "Company or client name?"
    blank = await bot.say(ADMIN, "   ")
    assert blank["text"] == "The name cannot be empty."
    invisible = await bot.say(ADMIN, INVISIBLE)
    assert invisible["text"] == blank["text"]
    assert await company_names(bot) == []
    # Nothing was taken as the name: the flow still waits for it.
    ask_phone = await bot.say(ADMIN, "Ро\u200dга  и\u00a0\u00a0копыта ")
    assert ask_phone["text"] == "Phone number? (or Skip)"
    ask_email = await bot.press(ADMIN, ask_phone, "Skip")
    summary = await bot.press(ADMIN, ask_email, "Skip")
    assert "Name: Рога и копыта\n" in summary["text"], summary["text"]
    await bot.client.press(ADMIN, summary["message_id"], text="Save")
    saved = await bot.client.wait_for_edit(ADMIN, summary["message_id"])
    assert saved["text"].startswith("Saved.\nРога и копыта"), saved["text"]
    assert buttons(await bot.say(ADMIN, "/clients")) == ["Рога и копыта"]
    assert await company_names(bot) == ["Рога и копыта"]


async def test_a_lead_name_of_invisible_characters_is_refused_in_the_users_language(
    bot: Harness,
) -> None:
    await bot.client.user(RU_USER, first_name="Ольга", language_code="ru")
    await bot.client.user(ADMIN, first_name="Anna", language_code="ru")
    ask = await bot.say(ADMIN, "/lead")
    blank = await bot.say(ADMIN, " \u00a0 ")
    assert blank["text"].startswith("Поле «") and "не может быть пустым" in blank["text"]
    assert (await bot.say(ADMIN, INVISIBLE))["text"] == blank["text"]
    assert (await bot.say(ADMIN, "\u2066\u200f\ufeff"))["text"] == blank["text"]
    assert await leads_in_db(bot) == []
    ask = await bot.say(ADMIN, "Мари\u200dя   Соколова")
    assert ask["text"] != blank["text"]
    ask = await bot.say(ADMIN, "ООО\u00a0«Вектор»\u200b")
    ask = await bot.say(ADMIN, "+7 903 555-12-34")
    for _ in range(4):  # e-mail, city, topic, source
        ask = await bot.press(ADMIN, ask, buttons(ask)[-1])
    assert "Мария Соколова\n" in ask["text"] and "ООО «Вектор»\n" in ask["text"], ask["text"]
    assert visible(ask["text"])
    await bot.client.press(ADMIN, ask["message_id"], text=buttons(ask)[0])
    saved = await bot.client.wait_for_edit(ADMIN, ask["message_id"])
    assert "Мария Соколова\n" in saved["text"] and visible(saved["text"]), saved["text"]
    (row,) = await leads_in_db(bot)
    assert (row["contact_name"], row["company_name"]) == ("Мария Соколова", "ООО «Вектор»")
