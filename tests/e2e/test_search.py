"""/find and inline search end to end: the real bot over HTTP against the Bot API sandbox."""

from __future__ import annotations

import re
from typing import Any

from sandbox.client import eventually
from tests.e2e.harness import ADMIN, Harness, buttons

STRANGER, IVAN, PETR = 9001, 2001, 2002


async def invite(bot: Harness) -> str:
    menu = await bot.say(ADMIN, "/invite")
    await bot.client.press(ADMIN, menu["message_id"], text="Manager")
    msg = await bot.client.wait_for_edit(ADMIN, menu["message_id"])
    match = re.search(r"start=(join_[\w-]+)", msg["text"])
    assert match, msg["text"]
    return match.group(1)


async def team(bot: Harness) -> None:
    """Admin Anna, managers Ivan and Petr, all speaking English."""
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await bot.say(ADMIN, "/start")
    for user_id, name in ((IVAN, "Ivan"), (PETR, "Petr")):
        payload = await invite(bot)
        await bot.client.user(user_id, first_name=name, language_code="en")
        joined = await bot.say(user_id, f"/start {payload}")
        assert "Welcome to the team" in joined["text"]


async def new_client(bot: Harness, user_id: int, name: str, phone: str | None = None) -> None:
    await bot.say(user_id, "/newclient")
    ask_phone = await bot.say(user_id, name)
    if phone:
        ask_email = await bot.say(user_id, phone)
    else:
        ask_email = await bot.press(user_id, ask_phone, "Skip")
    summary = await bot.press(user_id, ask_email, "Skip")
    await bot.client.press(user_id, summary["message_id"], text="Save")
    saved = await bot.client.wait_for_edit(user_id, summary["message_id"])
    assert saved["text"].startswith("Saved."), saved["text"]


async def inline(bot: Harness, user_id: int, query: str) -> list[dict[str, Any]]:
    qid = await bot.client.inline_query(user_id, query)
    return await eventually(lambda: bot.client.inline_answer(qid), "inline query not answered")


async def test_find_by_phone_typed_any_way_opens_the_card(bot: Harness) -> None:
    await team(bot)
    await new_client(bot, IVAN, "Ромашка", "+7 912 345-67-89")
    await new_client(bot, IVAN, "Лютик")
    found = await bot.say(IVAN, "/find 8 (912) 345-67-89")
    assert "Found for «8 (912) 345-67-89»: 1" in found["text"], found["text"]
    assert "Ромашка" in found["text"] and "+79123456789" in found["text"]
    assert "Лютик" not in found["text"]
    assert buttons(found) == ["🏢 Ромашка", "🗄 Show archive"]
    assert found["buttons"][0][0]["callback_data"].startswith("cl:o:")
    card = await bot.press(IVAN, found, "🏢 Ромашка")
    assert "Ромашка" in card["text"] and "Phone: +79123456789" in card["text"]
    assert "Requisites" in buttons(card) and "Reassign" not in buttons(card)
    nothing = await bot.say(IVAN, "/find +7 999 000-00-00")
    assert "Nothing found" in nothing["text"]
    usage = await bot.say(IVAN, "/find")
    assert "Send /find and part of a name" in usage["text"]
    short = await bot.say(IVAN, "/find ё")
    assert "at least 2 characters" in short["text"]


async def test_find_by_cyrillic_name_prefix_in_any_case(bot: Harness) -> None:
    await team(bot)
    await new_client(bot, IVAN, "Ёлочка Трейд")
    await new_client(bot, IVAN, "Елисеевский")
    await new_client(bot, IVAN, "Лесоторг")
    for query in ("ЕЛОЧ", "ёлочка т", "елочка ТРЕЙД"):
        found = await bot.say(IVAN, f"/find {query}")
        assert buttons(found) == ["🏢 Ёлочка Трейд", "🗄 Show archive"], (query, found["text"])
    both = await bot.say(IVAN, "/find Ел")
    assert buttons(both) == ["🏢 Елисеевский", "🏢 Ёлочка Трейд", "🗄 Show archive"]


async def test_a_manager_never_sees_another_managers_client(bot: Harness) -> None:
    await team(bot)
    await new_client(bot, IVAN, "Секретная Ромашка", "+7 912 345-67-89")
    mine = await bot.say(IVAN, "/find секрет")
    data = mine["buttons"][0][0]["callback_data"]
    company_id = int(data.rsplit(":", 1)[1])
    # /find
    for query in ("секрет", "+79123456789", "8 912 345 67 89"):
        reply = await bot.say(PETR, f"/find {query}")
        assert "Nothing found" in reply["text"], reply["text"]
        assert buttons(reply) == ["🗄 Show archive"], reply["buttons"]
    # inline mode
    articles = await inline(bot, IVAN, "секрет")
    assert [a["title"] for a in articles] == ["🏢 Секретная Ромашка"]
    assert "+79123456789" in articles[0]["input_message_content"]["message_text"]
    assert await inline(bot, PETR, "секрет") == []
    assert await inline(bot, PETR, "+79123456789") == []
    await bot.client.user(STRANGER, first_name="Eve", language_code="en")
    assert await inline(bot, STRANGER, "секрет") == []
    answers = (await bot.client.calls("answerInlineQuery"))
    assert answers and all(c["params"].get("is_personal") in (True, "true") for c in answers)
    # forged callbacks: the card, the requisites, reassignment
    own = await bot.say(PETR, "/find nothing-here")
    for forged in (data, f"co:r:{company_id}:0", f"co:o:{company_id}:0",
                   f"co:a:{company_id}:0", f"co:m:{company_id}:1"):
        answer = await bot.press_for_answer(PETR, own["message_id"], forged, forged=True)
        assert answer.startswith("Not found"), (forged, answer)
    sent = await bot.client.messages(PETR)
    assert not any("Секретная" in (m["text"] or "") for m in sent)
    # Ivan still owns it.
    assert buttons(await bot.say(IVAN, "/clients")) == ["Секретная Ромашка"]
