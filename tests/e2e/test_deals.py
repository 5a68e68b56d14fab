"""Deals end to end: the card, stages with required fields asked in place, strict and manual
pipelines, won / lost, notes and the client timeline, forged buttons, the funnel."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storage.db import create_engine
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot
from tests.e2e.test_foundation import invite, join, new_client

MANAGER, MANAGER2 = 2001, 2002
PNG = b"\x89PNG\r\n\x1a\n"


async def team(bot: Harness, *managers: tuple[int, str]) -> None:
    bot.clock.set(datetime(2026, 11, 20, 9, tzinfo=UTC))
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    for user_id, name in managers:
        await join(bot, user_id, await invite(bot), name=name)


async def new_deal(bot: Harness, user_id: int, title: str, pipeline: str = "Sales",
                   client: str | None = None, amount: str | None = None) -> dict[str, Any]:
    """/newdeal through to the card; returns the card message."""
    assert "Deal title" in (await bot.say(user_id, "/newdeal"))["text"]
    ask_client = await bot.say(user_id, title)
    if client is None:
        ask_amount = await bot.press(user_id, ask_client, "Skip")
    else:
        choose = await bot.say(user_id, client[:3].lower())
        assert client in buttons(choose), choose
        ask_amount = await bot.press(user_id, choose, client)
    assert "Amount" in ask_amount["text"]
    if amount is None:
        ask_pipeline = await bot.press(user_id, ask_amount, "Skip")
    else:
        ask_pipeline = await bot.say(user_id, amount)
    assert buttons(ask_pipeline) == ["Sales", "Projects", "Quick sales"]
    card = await bot.press(user_id, ask_pipeline, pipeline)
    assert card["text"].startswith("Deal created."), card["text"]
    return card


def deal_id(card: dict[str, Any]) -> int:
    for row in card["buttons"]:
        for b in row:
            m = re.match(r"dl:\w+:(\d+)", b.get("callback_data") or "")
            if m:
                return int(m.group(1))
    raise AssertionError(card)


async def test_required_fields_are_asked_in_place_then_the_deal_moves(bot: Harness) -> None:
    await team(bot, (MANAGER, "Ivan"))
    card = await new_deal(bot, MANAGER, "Office chairs")
    assert "Client: —" in card["text"] and "Amount: —" in card["text"]
    assert "Pipeline: Sales · stage: New" in card["text"]
    assert "Responsible: Ivan" in card["text"] and "Next task: none" in card["text"]
    assert "20.11 12:00 · created in «New» · Ivan" in card["text"]  # Moscow time
    # (Later issues add their buttons, e.g. Invoice, after these.)
    assert buttons(card)[:6] == ["Next stage ▶ Qualified", "Choose stage", "Lost ❌",
                                 "Add task", "Add note", "Change amount"]
    ask = await bot.press(MANAGER, card, "Next stage ▶ Qualified")
    assert ask["text"] == ("To move to «Qualified» fill in: contact, amount\n\n"
                           "Contact person's name?")
    ask_amount = await bot.say(MANAGER, "Anna Petrova")
    assert ask_amount["text"] == "Amount? For example: 1 200,50"
    assert "not an amount" in (await bot.say(MANAGER, "twelve"))["text"]
    assert "two digits" in (await bot.say(MANAGER, "10,505"))["text"]
    moved = await bot.say(MANAGER, "1 200,50")
    assert moved["text"].startswith("Moved to «Qualified».")
    assert "Contact: Anna Petrova" in moved["text"]
    assert "Amount: RUB\u00a01,200.50" in moved["text"]
    assert "stage: Qualified" in moved["text"]
    assert "New → Qualified · Ivan" in moved["text"]
    assert "Next stage ▶ Proposal sent" in buttons(moved)
    # The first card's button, pressed again, does not move the deal a second time.
    stale = await bot.press_for_answer(MANAGER, card["message_id"],
                                       text="Next stage ▶ Qualified")
    assert stale == "The deal has moved since this card was shown. Open it again."
    # A date field is validated too, then the deal moves on.
    ask = await bot.press(MANAGER, moved, "Next stage ▶ Proposal sent")
    assert "fill in: expected close date" in ask["text"] and "DD.MM.YYYY" in ask["text"]
    assert "not a date" in (await bot.say(MANAGER, "soon"))["text"]
    moved = await bot.say(MANAGER, "15.12.2026")
    assert moved["text"].startswith("Moved to «Proposal sent».")
    # The deal list shows it at its stage.
    listing = await bot.say(MANAGER, "/deals")
    assert listing["text"] == "Open deals: 1"
    assert buttons(listing) == ["Office chairs · Proposal sent"]


async def test_strict_pipeline_refuses_a_skip_a_manual_one_allows(bot: Harness) -> None:
    await team(bot, (MANAGER, "Ivan"))
    card = await new_deal(bot, MANAGER, "Paper")
    await bot.client.press(MANAGER, card["message_id"], text="Choose stage")
    choose = await bot.client.wait_for_edit(MANAGER, card["message_id"])
    assert buttons(choose) == ["Qualified", "« Back"]
    forged = await bot.press_for_answer(MANAGER, card["message_id"],
                                        f"dl:s:{deal_id(card)}:proposal", forged=True)
    assert "cannot be chosen now" in forged
    listing = await bot.say(MANAGER, "/deals")
    assert buttons(listing) == ["Paper · New"]

    card = await new_deal(bot, MANAGER, "Website", pipeline="Projects")
    await bot.client.press(MANAGER, card["message_id"], text="Choose stage")
    choose = await bot.client.wait_for_edit(MANAGER, card["message_id"])
    assert buttons(choose) == ["Estimate", "Contract", "Won", "« Back"]
    ask = await bot.press(MANAGER, choose, "Contract")
    assert ask["text"].startswith(
        "To move to «Contract» fill in: contract number, client company")
    ask_company = await bot.say(MANAGER, "Д-17/2026")
    assert ask_company["text"] == "Client company name?"
    moved = await bot.say(MANAGER, "ООО Ромашка")
    assert moved["text"].startswith("Moved to «Contract».")
    assert "Client: ООО Ромашка" in moved["text"]
    assert "Brief → Contract · Ivan" in moved["text"]


async def test_won_and_lost_with_a_reason(bot: Harness) -> None:
    await team(bot, (MANAGER, "Ivan"))
    card = await new_deal(bot, MANAGER, "Website", pipeline="Projects", amount="5000")
    assert "Amount: RUB\u00a05,000.00" in card["text"]
    await bot.client.press(MANAGER, card["message_id"], text="Won ✅")
    won = await bot.client.wait_for_edit(MANAGER, card["message_id"])
    assert won["text"].startswith("Moved to «Won».") and "Status: won ✅" in won["text"]
    assert buttons(won)[:1] == ["Add note"]
    assert not {"Won ✅", "Lost ❌", "Add task", "Choose stage"} & set(buttons(won))

    card = await new_deal(bot, MANAGER, "Desks")
    reasons = await bot.press(MANAGER, card, "Lost ❌")
    assert reasons["text"] == "Why was the deal lost? Choose the reason."
    assert buttons(reasons)[-1] == "Other (type the reason)"
    await bot.client.press(MANAGER, reasons["message_id"], text="Other (type the reason)")
    ask = await bot.client.wait_for_edit(MANAGER, reasons["message_id"])
    assert ask["text"] == "Why was the deal lost? Write the reason."
    lost = await bot.say(MANAGER, "Too expensive")
    assert lost["text"].startswith("The deal is lost.")
    assert "Status: lost ❌ (Too expensive)" in lost["text"]
    # A button of the closed deal left on the screen changes nothing.
    stale = await bot.press_for_answer(MANAGER, card["message_id"],
                                       text="Next stage ▶ Qualified")
    assert stale == "This deal is already closed."
    assert "no open deals" in (await bot.say(MANAGER, "/deals"))["text"]


async def test_notes_and_the_client_timeline(bot: Harness) -> None:
    await team(bot, (MANAGER, "Ivan"))
    await new_client(bot, MANAGER, "Ромашка")
    card = await new_deal(bot, MANAGER, "Chairs", client="Ромашка", amount="700")
    assert "Client: Ромашка" in card["text"]
    prompt = await bot.press(MANAGER, card, "Add note")
    assert "text, a voice message or a photo" in prompt["text"]
    await bot.client.press(MANAGER, prompt["message_id"], text="Call")
    assert "Kind: Call" in (await bot.client.wait_for_edit(MANAGER, prompt["message_id"]))["text"]
    saved = await bot.say(MANAGER, "Asked for <b>delivery</b> terms")
    assert saved["text"] == "Saved to the timeline."
    prompt = await bot.press(MANAGER, card, "Add note")
    await bot.client.send_voice(MANAGER, b"OggS\x00voice-bytes")
    assert (await bot.client.wait_for(MANAGER))["text"] == "Saved to the timeline."

    clients = await bot.say(MANAGER, "/clients")
    client_card = await bot.press(MANAGER, clients, "Ромашка")
    assert buttons(client_card)[:2] == ["Timeline", "Add note"]
    prompt = await bot.press(MANAGER, client_card, "Add note")
    await bot.say(MANAGER, "Sent a catalogue")
    timeline = await bot.press(MANAGER, client_card, "Timeline")
    lines = timeline["text"].splitlines()
    assert lines[0] == "Timeline: Ромашка"
    assert "Note: Sent a catalogue" in timeline["text"]
    assert "Note: [voice note]" in timeline["text"]
    assert "Call: Asked for <b>delivery</b> terms" in timeline["text"]  # shown as typed
    assert "Deal «Chairs» created, RUB\u00a0700.00" in lines[-1]
    # The voice note's bytes are kept in the documents table.
    engine = create_engine(bot.database_url)
    async with engine.connect() as conn:
        files = (await conn.execute(text(
            "SELECT content, mime_type FROM documents WHERE kind = 'interaction'"))).all()
    await engine.dispose()
    assert [(bytes(row[0]), row[1]) for row in files] == [(b"OggS\x00voice-bytes", "audio/ogg")]


async def test_forged_buttons_for_another_managers_deal_and_task(bot: Harness) -> None:
    await team(bot, (MANAGER, "Ivan"), (MANAGER2, "Petr"))
    await new_client(bot, MANAGER, "Secret Co")
    company = (await bot.say(MANAGER, "/clients"))["buttons"][0][0]["callback_data"]
    company_id = int(company.removeprefix("cl:o:"))
    card = await new_deal(bot, MANAGER, "Secret deal")
    ident = deal_id(card)
    kinds = await bot.say(MANAGER, "/task")
    assert buttons(kinds) == ["Task", "Meeting", "Call"]
    await bot.client.press(MANAGER, kinds["message_id"], text="Task")
    await bot.client.wait_for_edit(MANAGER, kinds["message_id"])
    await bot.say(MANAGER, "Secret call")
    assert "Saved" in (await bot.say(MANAGER, "today 15:00"))["text"]
    await bot.say(MANAGER, "/today")
    item = await bot.client.wait_for(MANAGER)
    task_data = item["buttons"][0][0]["callback_data"]
    assert re.fullmatch(r"tk:d:\d+", task_data)

    own = await bot.say(MANAGER2, "/deals")
    assert "no open deals" in own["text"], own["text"]
    assert f"dl:n:{ident}:new" in [b["callback_data"] for row in card["buttons"] for b in row]
    for data in (f"dl:o:{ident}:", f"dl:n:{ident}:new", f"dl:s:{ident}:qualified",
                 f"dl:l:{ident}:", f"dl:t:{ident}:", f"dl:a:{ident}:", f"dl:c:{ident}:",
                 f"dl:m:{ident}:", f"cx:t:{company_id}", f"cx:n:{company_id}", task_data,
                 task_data.replace("tk:d:", "tk:p1:"), task_data.replace("tk:d:", "tk:p7:")):
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], data, forged=True)
        assert answer.startswith("Not found"), (data, answer)
    texts = [m["text"] or "" for m in await bot.client.messages(MANAGER2)]
    assert not any("Secret" in t for t in texts)
    # Nothing moved or changed for the owner.
    listing = await bot.say(MANAGER, "/deals")
    assert buttons(listing) == ["Secret deal · New"]
    await bot.say(MANAGER, "/today")
    item = await bot.client.wait_for(MANAGER)
    assert "Secret call · 15:00 (planned)" in item["text"] and "Done" in buttons(item)


async def test_funnel_text_and_chart(bot: Harness) -> None:
    await team(bot, (MANAGER, "Ivan"), (MANAGER2, "Petr"))
    await new_deal(bot, MANAGER, "One", amount="1000")
    card = await new_deal(bot, MANAGER, "Two", amount="500")
    await bot.client.press(MANAGER, card["message_id"], text="Choose stage")
    await bot.client.wait_for_edit(MANAGER, card["message_id"])
    await bot.press(MANAGER, card, "Qualified")
    assert (await bot.say(MANAGER, "Anna"))["text"].startswith("Moved to «Qualified»")
    await new_deal(bot, MANAGER2, "Other", amount="70")

    funnel = await bot.say(MANAGER, "/funnel")
    lines = funnel["text"].splitlines()
    assert lines[0] == "Funnel «Sales» · this month · my deals"
    assert lines[1] == "New: 2 · RUB\u00a01,500.00 → 50.0% went on"
    assert lines[2] == "Qualified: 1 · RUB\u00a0500.00 → 0.0% went on"
    assert "Lost: 0" in lines
    assert "Whole team" not in buttons(funnel)  # a manager has no team view
    photo = await bot.client.wait_for(MANAGER)
    assert photo["photo"]
    assert (await bot.client.file_bytes(MANAGER, photo["message_id"])).startswith(PNG)

    await bot.say(ADMIN, "/start")
    admin_view = await bot.say(ADMIN, "/funnel")
    assert "New: 0" in admin_view["text"]
    await bot.client.wait_for(ADMIN)  # the chart
    await bot.client.press(ADMIN, admin_view["message_id"], text="Whole team")
    team_view = await bot.client.wait_for_edit(ADMIN, admin_view["message_id"])
    assert "· team" in team_view["text"] and "New: 3 · RUB\u00a01,570.00" in team_view["text"]
    assert "Only my deals" in buttons(team_view)
    assert (await bot.client.wait_for(ADMIN))["photo"]
    await bot.client.press(ADMIN, admin_view["message_id"], text="all time")
    every = await bot.client.wait_for_edit(ADMIN, admin_view["message_id"])
    assert "· all time · team" in every["text"] and "• all time" in buttons(every)


YES_NO_PIPELINE = """
[pipelines.b2b]
default = true
kind = "strict"
name = "B2B"
[[pipelines.b2b.stages]]
code = "new"
name = "New"
[[pipelines.b2b.stages]]
code = "budget"
name = { en = "Budget", ru = "Бюджет" }
required = ["budget_confirmed"]
[[pipelines.b2b.stages]]
code = "won"
name = "Won"
outcome = "won"
[[pipelines.b2b.stages]]
code = "lost"
name = "Lost"
outcome = "lost"
"""


async def test_a_yes_no_field_is_asked_with_buttons(database_url: str, tmp_path: Path) -> None:
    config = tmp_path / "pipelines.toml"
    config.write_text(YES_NO_PIPELINE, encoding="utf-8")
    async with running_bot(database_url, pipelines_file=str(config)) as bot:
        await team(bot, (MANAGER, "Ivan"))
        await bot.say(MANAGER, "/newdeal")
        ask_client = await bot.say(MANAGER, "Servers")
        ask_amount = await bot.press(MANAGER, ask_client, "Skip")
        card = await bot.press(MANAGER, ask_amount, "Skip")  # one pipeline: saved at once
        assert card["text"].startswith("Deal created.") and "B2B" in card["text"]
        ask = await bot.press(MANAGER, card, "Next stage ▶ Budget")
        assert ask["text"].endswith("fill in: budget confirmed\n\nIs the budget confirmed?")
        assert buttons(ask) == ["Yes", "No"]
        assert "Yes or No" in (await bot.say(MANAGER, "maybe"))["text"]
        moved = await bot.press(MANAGER, ask, "Yes")
        assert moved["text"].startswith("Moved to «Budget».")
