"""Tasks and events end to end: /task, Add task on a deal card, /today with Done and
Postpone, in the manager's time zone (the default, Europe/Moscow, UTC+3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.e2e.harness import Harness, buttons
from tests.e2e.test_deals import MANAGER, new_deal, team


async def new_task(bot: Harness, kind: str, title: str, when: str) -> dict[str, Any]:
    kinds = await bot.say(MANAGER, "/task")
    await bot.client.press(MANAGER, kinds["message_id"], text=kind)
    asked = await bot.client.wait_for_edit(MANAGER, kinds["message_id"])
    assert asked["text"] == f"{kind}: what is it about?"
    assert "when?" in (await bot.say(MANAGER, title))["text"]
    return await bot.say(MANAGER, when)


async def test_today_with_done_and_postpone(bot: Harness) -> None:
    await team(bot, (MANAGER, "Ivan"))  # 20.11.2026 09:00 UTC = 12:00 in Moscow
    bad = await new_task(bot, "Task", "Call Anna", "someday")
    assert "could not read the time" in bad["text"]
    assert "already passed" in (await bot.say(MANAGER, "today 11:00"))["text"]
    saved = await bot.say(MANAGER, "today 15:00")
    assert saved["text"] == "Saved: 📌 Task: Call Anna · 20.11 15:00 (planned)"

    ask_end = await new_task(bot, "Meeting", "Demo at the client's", "20.11 16:00")
    assert "Ends at?" in ask_end["text"]
    assert "after the start" in (await bot.say(MANAGER, "15:00"))["text"]
    remind = await bot.say(MANAGER, "17:30")
    assert remind["text"] == "Remind the client before the meeting?"
    which = await bot.press(MANAGER, remind, "Yes")
    # Not on a deal: which client the reminders go to (none here: Skip).
    assert which["text"] == "Which client is it with? Type part of the name, a phone or a tax id."
    saved = await bot.press(MANAGER, which, "Skip")
    assert saved["text"] == ("Saved: 🤝 Meeting: Demo at the client's · 20.11 16:00–17:30 "
                             "(planned) 🔔")
    ask_end = await new_task(bot, "Call", "Supplier", "завтра 10:00")
    saved = await bot.press(MANAGER, ask_end, "Skip")
    assert saved["text"] == "Saved: 📞 Call: Supplier · 21.11 10:00–11:00 (planned)"

    header = await bot.say(MANAGER, "/today")
    assert header["text"] == "Today, 20.11: 2"
    first = await bot.client.wait_for(MANAGER)
    second = await bot.client.wait_for(MANAGER)
    assert first["text"] == "📌 Task: Call Anna · 15:00 (planned)"
    assert second["text"] == "🤝 Meeting: Demo at the client's · 16:00–17:30 (planned) 🔔"
    assert buttons(first) == ["Done", "+1 day", "+1 week", "Open"]

    answer = await bot.press_for_answer(MANAGER, first["message_id"], text="Done")
    assert answer == "Done."
    done = await bot.client.wait_for_edit(MANAGER, first["message_id"])
    assert done["text"] == "✅ Task: Call Anna · 20.11 15:00 (done)" and not buttons(done)

    answer = await bot.press_for_answer(MANAGER, second["message_id"], text="+1 day")
    assert answer == "Postponed."
    moved = await bot.client.wait_for_edit(MANAGER, second["message_id"])
    assert moved["text"] == "🤝 Meeting: Demo at the client's · 21.11 16:00–17:30 (planned) 🔔"
    await bot.client.press(MANAGER, second["message_id"], text="+1 week")
    moved = await bot.client.wait_for_edit(MANAGER, second["message_id"])
    assert "28.11 16:00–17:30" in moved["text"]

    header = await bot.say(MANAGER, "/today")
    assert header["text"] == "Today, 20.11: 1"
    assert "(done)" in (await bot.client.wait_for(MANAGER))["text"]

    # The next morning (Moscow), the call is today's and yesterday's task is not.
    bot.clock.set(datetime(2026, 11, 21, 5, tzinfo=UTC))
    header = await bot.say(MANAGER, "/today")
    assert header["text"] == "Today, 21.11: 1"
    assert "Supplier · 10:00–11:00" in (await bot.client.wait_for(MANAGER))["text"]


async def test_add_task_from_the_deal_card(bot: Harness) -> None:
    await team(bot, (MANAGER, "Ivan"))
    card = await new_deal(bot, MANAGER, "Chairs")
    kinds = await bot.press(MANAGER, card, "Add task")
    assert kinds["text"] == "What is it?" and buttons(kinds) == ["Task", "Meeting", "Call"]
    await bot.client.press(MANAGER, kinds["message_id"], text="Task")
    ask = await bot.client.wait_for_edit(MANAGER, kinds["message_id"])
    assert ask["text"] == "Task: what is it about?"
    assert "Due when?" in (await bot.say(MANAGER, "Send the price list"))["text"]
    saved = await bot.say(MANAGER, "tomorrow 10:00")
    assert saved["text"] == "Saved: 📌 Task: Send the price list · 21.11 10:00 (planned)"
    listing = await bot.say(MANAGER, "/deals")
    reopened = await bot.press(MANAGER, listing, "Chairs · New")
    assert "Next task: Send the price list — 21.11 10:00" in reopened["text"]
