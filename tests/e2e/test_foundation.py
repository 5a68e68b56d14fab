"""The foundation end to end: the real bot over HTTP against the Bot API sandbox."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from sandbox.client import eventually
from tests.conftest import REDIS_SKIP, REDIS_URL
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot

STRANGER, MANAGER, MANAGER2 = 9001, 2001, 2002
REFUSAL = "private bot for our sales team"


async def invite(bot: Harness, role_button: str = "Manager") -> str:
    menu = await bot.say(ADMIN, "/invite")
    assert buttons(menu) == ["Manager", "Head of sales", "Admin"]
    await bot.client.press(ADMIN, menu["message_id"], text=role_button)
    msg = await bot.client.wait_for_edit(ADMIN, menu["message_id"])
    match = re.search(r"https://t\.me/(\w+)\?start=(join_[\w-]+)", msg["text"])
    assert match, msg["text"]
    assert match.group(1) == "dealchat_test_bot"
    return match.group(2)


async def join(bot: Harness, user_id: int, payload: str, name: str = "Ivan") -> dict:
    await bot.client.user(user_id, first_name=name, language_code="en")
    return await bot.say(user_id, f"/start {payload}")


async def new_client(bot: Harness, user_id: int, name: str) -> str:
    await bot.say(user_id, "/newclient")
    ask_phone = await bot.say(user_id, name)
    ask_email = await bot.press(user_id, ask_phone, "Skip")
    summary = await bot.press(user_id, ask_email, "Skip")
    await bot.client.press(user_id, summary["message_id"], text="Save")
    saved = await bot.client.wait_for_edit(user_id, summary["message_id"])
    assert saved["text"].startswith("Saved."), saved["text"]
    return saved["text"]


async def test_unknown_user_is_refused_politely(bot: Harness) -> None:
    await bot.client.user(STRANGER, first_name="Eve", language_code="en")
    for text in ("/start", "hello", "/clients", "/invite"):
        reply = await bot.say(STRANGER, text)
        assert REFUSAL in reply["text"]
        assert reply["buttons"] in (None, [])
    await bot.client.user(STRANGER + 1, first_name="Ева", language_code="ru")
    reply = await bot.say(STRANGER + 1, "/start")
    assert "закрытый бот" in reply["text"]
    sent = await bot.client.messages(STRANGER)
    assert len(sent) == 4  # one short answer each, nothing else


async def test_admin_invites_and_manager_joins(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    welcome = await bot.say(ADMIN, "/start")
    assert "admin" in welcome["text"] and "/invite" in welcome["text"]
    payload = await invite(bot)
    joined = await join(bot, MANAGER, payload)
    assert "Welcome to the team" in joined["text"] and "manager" in joined["text"]
    assert "/invite" not in joined["text"]
    reply = await bot.say(MANAGER, "/clients")
    assert "no clients yet" in reply["text"]
    commands = await bot.client.commands(scope="chat", chat_id=MANAGER)
    names = {c["command"] for c in commands}
    assert {"clients", "newclient", "help", "cancel", "language"} <= names
    assert "invite" not in names
    # The manager is not an admin: admin commands fall through to "not understood".
    reply = await bot.say(MANAGER, "/invite")
    assert "did not understand" in reply["text"]


async def test_used_and_expired_invites_are_refused(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    payload = await invite(bot)
    await join(bot, MANAGER, payload)
    again = await join(bot, MANAGER2, payload, name="Petr")
    assert "not valid or has already been used" in again["text"]
    assert REFUSAL in (await bot.say(MANAGER2, "/clients"))["text"]
    late = await invite(bot)
    bot.clock.advance(timedelta(days=3))
    expired = await join(bot, MANAGER2, late, name="Petr")
    assert "expired" in expired["text"]
    assert REFUSAL in (await bot.say(MANAGER2, "/help"))["text"]
    forged = await join(bot, MANAGER2, "join_" + "x" * 32, name="Petr")
    assert "not valid" in forged["text"]


async def test_deactivated_manager_loses_access_at_once(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await join(bot, MANAGER, await invite(bot), name="Ivan")
    await join(bot, MANAGER2, await invite(bot), name="Petr")
    await new_client(bot, MANAGER, "Ромашка")
    team = await bot.say(ADMIN, "/team")
    card = await bot.press(ADMIN, team, next(b for b in buttons(team) if b.startswith("Ivan")))
    await bot.client.press(ADMIN, card["message_id"], text="Deactivate")
    choose = await bot.client.wait_for_edit(ADMIN, card["message_id"])
    assert "Hand clients to Petr" in buttons(choose)
    await bot.client.press(ADMIN, choose["message_id"], text="Hand clients to Petr")
    done = await bot.client.wait_for_edit(ADMIN, choose["message_id"])
    assert "deactivated; 1 clients handed over" in done["text"]
    assert REFUSAL in (await bot.say(MANAGER, "/clients"))["text"]
    listing = await bot.say(MANAGER2, "/clients")
    assert "Ромашка" in buttons(listing)


async def test_team_buttons_naming_no_member_change_nothing(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await join(bot, MANAGER, await invite(bot), name="Ivan")
    team = await bot.say(ADMIN, "/team")
    for data in ("tm:o:99999:0", "tm:d:99999:0", "tm:h:99999:0"):
        answer = await bot.press_for_answer(ADMIN, team["message_id"], data, forged=True)
        assert answer.startswith("Not found"), (data, answer)
    # A manager forging the admin's buttons is not answered as an admin.
    own = await bot.say(MANAGER, "/clients")
    ivan = next(b["callback_data"] for row in team["buttons"] for b in row
                if b["text"].startswith("Ivan"))
    answer = await bot.press_for_answer(MANAGER, own["message_id"],
                                        ivan.replace("tm:o:", "tm:h:"), forged=True)
    assert "deactivated" not in answer
    # Ivan is still active: his clients are still his to see.
    listing = await bot.say(MANAGER, "/clients")
    assert REFUSAL not in listing["text"]


async def test_forged_callback_for_another_managers_client(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await join(bot, MANAGER, await invite(bot), name="Ivan")
    await join(bot, MANAGER2, await invite(bot), name="Petr")
    await new_client(bot, MANAGER, "Secret Client")
    mine = await bot.say(MANAGER, "/clients")
    data = mine["buttons"][0][0]["callback_data"]
    assert data.startswith("cl:o:")
    # Petr forges Ivan's button on a message of his own chat.
    own = await bot.say(MANAGER2, "/clients")
    answer = await bot.press_for_answer(MANAGER2, own["message_id"], data, forged=True)
    assert answer.startswith("Not found")
    msgs = await bot.client.messages(MANAGER2)
    assert not any("Secret Client" in (m["text"] or "") for m in msgs)
    # Garbage callback data is answered too, and changes nothing.
    answer = await bot.press_for_answer(MANAGER2, own["message_id"], "cl:o:not-a-number",
                                        forged=True)
    assert "no longer active" in answer


async def test_bad_input_in_a_flow(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await bot.say(ADMIN, "/newclient")
    reply = await bot.say(ADMIN, "x" * 300)
    assert "too long" in reply["text"]
    await bot.client.send_sticker(ADMIN)
    assert "answer with text" in (await bot.client.wait_for(ADMIN))["text"]
    await bot.client.send_voice(ADMIN)
    assert "answer with text" in (await bot.client.wait_for(ADMIN))["text"]
    ask_phone = await bot.say(ADMIN, "Acme")
    assert "Phone" in ask_phone["text"]
    bad = await bot.say(ADMIN, "call me maybe")
    assert "does not look like a phone number" in bad["text"]
    helped = await bot.say(ADMIN, "/help")  # a command mid-flow answers and keeps the flow
    assert "/newclient" in helped["text"]
    ask_email = await bot.say(ADMIN, "+7 (912) 345-67-89")
    assert "E-mail" in ask_email["text"]
    summary = await bot.say(ADMIN, "sales@acme.example")
    assert "+79123456789" in summary["text"] and "Save" in buttons(summary)
    # A button from an earlier run of the flow cannot act on this one.
    await bot.say(ADMIN, "/newclient")
    stale = await bot.press_for_answer(ADMIN, summary["message_id"], text="Save")
    assert "finished step" in stale
    await bot.say(ADMIN, "/cancel")
    assert "no clients yet" in (await bot.say(ADMIN, "/clients"))["text"]


async def test_double_press_saves_once(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await bot.say(ADMIN, "/newclient")
    ask_phone = await bot.say(ADMIN, "Twice Ltd")
    ask_email = await bot.press(ADMIN, ask_phone, "Skip")
    summary = await bot.press(ADMIN, ask_email, "Skip")
    q1, q2 = await asyncio.gather(
        bot.client.press(ADMIN, summary["message_id"], text="Save"),
        bot.client.press(ADMIN, summary["message_id"], text="Save"))

    async def both_answered() -> list[list[dict[str, Any]]] | None:
        answers = [await bot.client.callback_answers(q) for q in (q1, q2)]
        return answers if all(answers) else None

    answers = await eventually(both_answered, "both taps answered")
    texts = sorted(a[0].get("text") or "" for a in answers)
    assert texts[0] == "" and "finished step" in texts[1]
    listing = await bot.say(ADMIN, "/clients")
    assert "Clients: 1" in listing["text"]


@pytest.mark.parametrize("fsm", ["database", pytest.param("redis", marks=pytest.mark.redis)])
async def test_restart_mid_flow_resumes(database_url: str, fsm: str) -> None:
    extra: dict[str, Any] = {}
    if fsm == "redis":
        if not REDIS_URL:
            pytest.skip(REDIS_SKIP)
        # FSM keys of this test's own: the test runs once per engine, the suite runs in
        # several processes, and another test run may use the same Redis at the same time
        # (the same bot and users would share keys).
        extra["redis_url"] = REDIS_URL
        extra["redis_prefix"] = f"fsm-test-{uuid.uuid4().hex}"
    try:
        await restart_mid_flow(database_url, extra)
    finally:
        if fsm == "redis":
            await drop_keys(REDIS_URL or "", extra["redis_prefix"])


async def drop_keys(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    async for key in client.scan_iter(match=f"{prefix}:*"):
        await client.delete(key)
    await client.aclose()


async def restart_mid_flow(database_url: str, extra: dict[str, Any]) -> None:
    async with running_bot(database_url, **extra) as bot:
        await bot.client.user(ADMIN, first_name="Anna", language_code="en")
        await bot.say(ADMIN, "/newclient")
        ask_phone = await bot.say(ADMIN, "Restart Ltd")
        assert "Phone" in ask_phone["text"]
        await bot.restart()
        ask_email = await bot.say(ADMIN, "+40 721 234 567")
        assert "E-mail" in ask_email["text"]
        summary = await bot.say(ADMIN, "office@restart.example")
        assert "Restart Ltd" in summary["text"] and "+40721234567" in summary["text"]


@pytest.mark.parametrize(("kind", "extra"), [
    ("429", {"retry_after": 1}),
    ("5xx", {"status": 502, "count": 2}),
    ("drop", {"count": 2}),
])
async def test_survives_telegram_faults_without_loss_or_duplicates(
    bot: Harness, kind: str, extra: dict
) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await bot.say(ADMIN, "/start")
    await bot.client.inject(kind, method="sendMessage", **extra)
    reply = await bot.say(ADMIN, "/help")
    assert "Commands:" in reply["text"]
    await bot.settled()  # /help is handled to the end: a duplicate would be there by now
    sent = [m for m in await bot.client.messages(ADMIN) if (m["text"] or "").startswith(
        "Commands:")]
    assert len(sent) == 1
    calls = [c for c in await bot.client.calls("sendMessage")]
    faulted = [c for c in calls if c.get("fault")]
    assert len(faulted) == extra.get("count", 1)
    if kind == "429":
        after = [c for c in calls if c["time"] > faulted[0]["time"]]
        assert after and after[0]["time"] - faulted[0]["time"] >= 1.0


def test_no_real_telegram_in_tests() -> None:
    assert "api.telegram.org" not in os.environ.get("TELEGRAM_API_URL", "")


async def test_language_switch_changes_replies_and_menu(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    menu = await bot.say(ADMIN, "/language")
    assert buttons(menu) == ["Русский", "English", "Română"]
    await bot.client.press(ADMIN, menu["message_id"], text="Русский")
    done = await bot.client.wait_for_edit(ADMIN, menu["message_id"])
    assert done["text"] == "Язык: Русский."
    helped = await bot.say(ADMIN, "/help")
    assert helped["text"].startswith("Команды:")
    commands = await bot.client.commands(scope="chat", chat_id=ADMIN)
    assert any(c["command"] == "clients" and c["description"] == "Мои клиенты"
               for c in commands)
    # Telegram's own language setting is only the default: the choice sticks.
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    assert (await bot.say(ADMIN, "/cancel"))["text"].startswith("Отменять нечего")


async def test_text_longer_than_a_message_is_refused_cleanly(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    await bot.say(ADMIN, "/newclient")
    reply = await bot.say(ADMIN, "Я" * 5000)
    assert "too long" in reply["text"] and len(reply["text"]) < 200
    assert "no clients yet" in (await bot.say(ADMIN, "/clients"))["text"]
