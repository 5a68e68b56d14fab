"""Find everything (issue 13, item 6) end to end, in Russian: /find and inline mode find
invoices, quotes and payments by number in the matcher's spellings, invoices and payments by
amount, payments by payment order number, clients by INN, account and IBAN; each hit opens its
card; archived records are hidden until asked for; /invoices filters by status, client, period
and overdue, kept while paging; another manager's records are never found nor opened."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, update

from sandbox.client import eventually
from services.invoices import InvoiceService
from services.money import format_money
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import Harness, buttons
from tests.e2e.test_delivery import db_rows
from tests.fixtures.search_world import ACCOUNT, ADMIN_TG, IVAN_TG, PETR_TG, World, build_world

NOT_FOUND = "Не найдено. Возможно, запись удалена или недоступна вам."
ARCHIVE = "🗄 Показать архив"
INN = "7707083893"


async def seed(bot: Harness) -> World:
    db = Database(create_engine(bot.database_url))
    try:
        world = await build_world(db, bot.clock, bot.settings.default_timezone)
        async with db.uow() as uow:
            await uow.session.execute(update(m.Company).where(
                m.Company.id == world.romashka).values(tax_id=INN, country="RU"))
            # The seeded payments' pushes would arrive in the middle of the dialogue.
            await uow.session.execute(delete(m.OutboxMessage))
            await uow.commit()
    finally:
        await db.dispose()
    for uid, name in ((ADMIN_TG, "Анна"), (IVAN_TG, "Иван"), (PETR_TG, "Пётр")):
        await bot.client.user(uid, first_name=name, language_code="ru")
    return world


def rub(amount: str) -> str:
    return format_money(Decimal(amount), "RUB", "ru")


async def inline(bot: Harness, user_id: int, query: str) -> list[dict[str, Any]]:
    qid = await bot.client.inline_query(user_id, query)
    return await eventually(lambda: bot.client.inline_answer(qid), "inline query not answered")


def data_of(message: dict[str, Any], text: str) -> str:
    return next(b["callback_data"] for row in message["buttons"] for b in row
                if b["text"] == text)


async def test_invoice_by_number_in_any_spelling_opens_its_card(bot: Harness) -> None:
    world = await seed(bot)
    year = bot.today().year
    number = f"INV-{year}-00001"
    assert world.big_number == number
    for typed in (number, f"СЧ-{year}-00001", "сч 1", "№1", f"inv{year}/1", "счёт № 1"):
        found = await bot.say(IVAN_TG, f"/find {typed}")
        assert found["text"].startswith(f"Найдено по запросу «{typed}»:"), found["text"]
        assert (f"🧾 {number} · счёт · Ромашка · {rub('882694.40')} · "
                f"от {bot.today():%d.%m.%Y} · выставлен") in found["text"], found["text"]
        assert f"🧾 {number}" in buttons(found) and buttons(found)[-1] == ARCHIVE
    card = await bot.press(IVAN_TG, found, f"🧾 {number}")
    assert f"Счёт {number}" in card["text"] and "Ромашка" in card["text"]
    # The quote by its number opens the quote card.
    quote = await bot.say(IVAN_TG, f"/find {world.quote_number}")
    assert buttons(quote) == [f"📄 {world.quote_number}", ARCHIVE]
    assert f"📄 {world.quote_number} · КП · Ромашка · {rub('610.00')}" in quote["text"]
    qcard = await bot.press(IVAN_TG, quote, f"📄 {world.quote_number}")
    assert world.quote_number in qcard["text"]


async def test_amounts_payment_orders_inn_and_iban(bot: Harness) -> None:
    world = await seed(bot)
    for typed in ("882694,40", "882 694", "882694.4", "882 694 р."):
        found = await bot.say(IVAN_TG, f"/find {typed}")
        assert buttons(found) == [f"🧾 {world.big_number}", ARCHIVE], (typed, found["text"])
        assert world.petr_number not in found["text"]
    # A payment by its payment order's number opens the invoice it paid.
    paid = await bot.say(IVAN_TG, "/find п/п 15")
    line = (f"💰 Платёж {rub('1000.00')} · платёж · Ромашка · "
            f"поступил {bot.today():%d.%m.%Y} · п/п № 15 · счёт {world.small_number}")
    assert line in paid["text"], paid["text"]
    assert buttons(paid) == [f"💰 Платёж {rub('1000.00')}", ARCHIVE]
    card = await bot.press(IVAN_TG, paid, f"💰 Платёж {rub('1000.00')}")
    assert f"Счёт {world.small_number}" in card["text"]
    by_amount = await bot.say(IVAN_TG, "/find 1 000,00 руб")
    assert f"💰 Платёж {rub('1000.00')}" in buttons(by_amount)
    # Clients by INN, account and IBAN.
    for typed in (INN, f"ИНН {INN}", ACCOUNT, "р/с 4070 2810 9000 0000 1234",
                  "RO49 AAAA 1B31 0075 9384 0000"):
        client = await bot.say(IVAN_TG, f"/find {typed}")
        assert buttons(client) == ["🏢 Ромашка", ARCHIVE], (typed, client["text"])
    ccard = await bot.press(IVAN_TG, client, "🏢 Ромашка")
    assert "Ромашка" in ccard["text"]


async def test_inline_mode_finds_documents_and_payments(bot: Harness) -> None:
    world = await seed(bot)
    articles = await inline(bot, IVAN_TG, "882 694,40")
    assert [a["title"] for a in articles] == [f"🧾 {world.big_number}"]
    assert articles[0]["description"] == (
        f"счёт · Ромашка · {rub('882694.40')} · от {bot.today():%d.%m.%Y} · выставлен")
    assert world.big_number in articles[0]["input_message_content"]["message_text"]
    payments = await inline(bot, IVAN_TG, "п/п 15")
    assert [a["title"] for a in payments] == [f"💰 Платёж {rub('1000.00')}"]
    by_number = await inline(bot, IVAN_TG, world.small_number)
    assert [a["title"] for a in by_number] == [f"🧾 {world.small_number}",
                                               f"💰 Платёж {rub('1000.00')}"]
    iban = await inline(bot, IVAN_TG, "RO49AAAA1B31007593840000")
    assert [a["title"] for a in iban] == ["🏢 Ромашка"]


async def test_archived_records_hidden_until_asked(bot: Harness) -> None:
    await seed(bot)
    found = await bot.say(IVAN_TG, "/find Ром")
    assert buttons(found) == ["🏢 Ромашка", ARCHIVE]
    assert "Старая" not in found["text"] and "Ромео" not in found["text"]
    await bot.client.press(IVAN_TG, found["message_id"], text=ARCHIVE)
    shown = await bot.client.wait_for_edit(IVAN_TG, found["message_id"])
    assert shown["text"].startswith("С архивом.\nНайдено по запросу «Ром»: 5"), shown["text"]
    assert "🏢 Ромашка Старая · компания · в архиве" in shown["text"]
    assert "👤 Ромов Архип · контакт · Ромашка · в архиве" in shown["text"]
    assert "🎯 Ромео · лид · некачественный · в архиве" in shown["text"], shown["text"]
    assert "💼 Ромашка: проигранная · сделка · Ромашка · проиграна · в архиве" in shown["text"]
    assert buttons(shown) == ["🏢 Ромашка", "🏢 Ромашка Старая", "👤 Ромов Архип",
                              "🎯 Ромео", "💼 Ромашка: проигранная"]
    # The archive word does the same, in /find and inline mode.
    word = await bot.say(IVAN_TG, "/find архив Ром")
    assert word["text"] == shown["text"].replace("«Ром»", "«архив Ром»")
    assert [a["title"] for a in await inline(bot, IVAN_TG, "Ром")] == ["🏢 Ромашка"]
    assert [a["title"] for a in await inline(bot, IVAN_TG, "архив Ром")] == [
        "🏢 Ромашка", "🏢 Ромашка Старая", "👤 Ромов Архип", "🎯 Ромео",
        "💼 Ромашка: проигранная"]


async def test_another_managers_records_are_never_found_nor_opened(bot: Harness) -> None:
    world = await seed(bot)
    ivans = [world.big_number, world.small_number, "Ромашка", "Платёж"]
    before = (await db_rows(bot, m.Invoice.id, m.Invoice.status, m.Invoice.paid_minor),
              await db_rows(bot, m.Payment.id, m.Payment.status, m.Payment.amount_minor))
    audit = await db_rows(bot, m.AuditEntry.id)
    for typed in (world.big_number, world.small_number, "882 694,40", "п/п 15", "1000",
                  ACCOUNT, INN, "Ром", "архив Ром"):
        reply = await bot.say(PETR_TG, f"/find {typed}")
        hits = reply["text"].split("\n")[1:]  # the first line repeats the query
        assert "ничего не найдено" in reply["text"] or hits, reply["text"]
        assert not any(x in line for x in ivans for line in hits), (typed, reply["text"])
        assert not any(x in b for x in ivans for b in buttons(reply)), typed
        titles = [a["title"] for a in await inline(bot, PETR_TG, typed)]
        assert not any(x in t for x in ivans for t in titles), (typed, titles)
    # Petr's own invoice of the same amount is found.
    own = await bot.say(PETR_TG, "/find 882 694,40")
    assert buttons(own) == [f"🧾 {world.petr_number}", ARCHIVE]
    # Forged buttons of Ivan's invoice, payment, client and list filter.
    ivan_find = await bot.say(IVAN_TG, f"/find {world.small_number}")
    forged_invoice = data_of(ivan_find, f"🧾 {world.small_number}")
    for forged in (forged_invoice, f"pm:o:{world.payment}:0", f"cl:o:{world.romashka}",
                   f"in:li:0:0:all.{world.romashka}."):
        answer = await bot.press_for_answer(PETR_TG, own["message_id"], forged, forged=True)
        assert answer == NOT_FOUND, (forged, answer)
    sent = await bot.client.messages(PETR_TG)
    assert not any("Ромашка" in (x["text"] or "") for x in sent)
    # Searching and refused buttons change nothing and write no audit entry.
    assert (await db_rows(bot, m.Invoice.id, m.Invoice.status, m.Invoice.paid_minor),
            await db_rows(bot, m.Payment.id, m.Payment.status, m.Payment.amount_minor)) == before
    assert await db_rows(bot, m.AuditEntry.id) == audit


async def test_invoice_list_filters(bot: Harness) -> None:
    world = await seed(bot)
    today = bot.today()
    listing = await bot.say(IVAN_TG, "/invoices")
    assert listing["text"].startswith("Счета (Все): 2"), listing["text"]
    statuses = ["• Все", "Черновики", "Выставленные", "Неоплаченные", "Частично оплаченные",
                "Оплаченные", "Просроченные", "Отменённые"]
    assert buttons(listing)[2:] == [*statuses, "👤 Клиент", "📅 Период"]
    # Overdue.
    await bot.client.press(IVAN_TG, listing["message_id"], text="Просроченные")
    overdue = await bot.client.wait_for_edit(IVAN_TG, listing["message_id"])
    assert overdue["text"].startswith("Счета (Просроченные): 1"), overdue["text"]
    assert buttons(overdue)[0].startswith(f"{world.big_number} · Ромашка")
    assert "• Просроченные" in buttons(overdue) and "✖ Сбросить фильтры" in buttons(overdue)
    # The client, picked from the list.
    await bot.client.press(IVAN_TG, listing["message_id"], text="👤 Клиент")
    pick = await bot.client.wait_for_edit(IVAN_TG, listing["message_id"])
    assert pick["text"] == "Счета какого клиента? Выберите или пришлите часть названия."
    assert buttons(pick) == ["Ромашка", "Ромашка Старая", "Все клиенты"]
    await bot.client.press(IVAN_TG, listing["message_id"], text="Ромашка")
    both = await bot.client.wait_for_edit(IVAN_TG, listing["message_id"])
    assert both["text"].startswith("Счета (Просроченные · клиент Ромашка): 1"), both["text"]
    assert "👤 Клиент: Ромашка" in buttons(both)
    # The period: this month, then a typed one (a bad one first).
    await bot.client.press(IVAN_TG, listing["message_id"], text="📅 Период")
    periods = await bot.client.wait_for_edit(IVAN_TG, listing["message_id"])
    assert buttons(periods) == ["Этот месяц", "Прошлый месяц", "Другой период…",
                                "За всё время"]
    await bot.client.press(IVAN_TG, listing["message_id"], text="Этот месяц")
    month = await bot.client.wait_for_edit(IVAN_TG, listing["message_id"])
    first = today.replace(day=1)
    assert month["text"].startswith(
        f"Счета (Просроченные · клиент Ромашка · {first:%d.%m.%Y}–"), month["text"]
    assert month["text"].split("\n")[0].endswith(": 1")
    await bot.client.press(IVAN_TG, listing["message_id"],
                           text=next(b for b in buttons(month) if b.startswith("📅")))
    again = await bot.client.wait_for_edit(IVAN_TG, listing["message_id"])
    ask = await bot.press(IVAN_TG, again, "Другой период…")
    assert ask["text"] == ("Пришлите период двумя датами, например 01.11.2026–30.11.2026. "
                           "/cancel — отмена.")
    bad = await bot.say(IVAN_TG, "вчера")
    assert bad["text"] == "Это не период. Пример: 01.11.2026–30.11.2026."
    reversed_ = await bot.say(IVAN_TG, "30.11.2026–01.11.2026")
    assert reversed_["text"] == "Период заканчивается раньше, чем начинается."
    old = await bot.say(IVAN_TG, "01.01.2020 - 31.01.2020")
    assert old["text"].startswith(
        "Счета (Просроченные · клиент Ромашка · 01.01.2020–31.01.2020): 0"), old["text"]
    # Reset; a client found by typing part of the name.
    await bot.client.press(IVAN_TG, old["message_id"], text="✖ Сбросить фильтры")
    reset = await bot.client.wait_for_edit(IVAN_TG, old["message_id"])
    assert reset["text"].startswith("Счета (Все): 2")
    await bot.client.press(IVAN_TG, old["message_id"], text="👤 Клиент")
    await bot.client.wait_for_edit(IVAN_TG, old["message_id"])
    nobody = await bot.say(IVAN_TG, "Василёк")
    assert nobody["text"] == ("У вас нет клиента «Василёк». Пришлите другую часть названия "
                              "или /cancel.")
    typed = await bot.say(IVAN_TG, "ромашка ст")
    assert typed["text"] == "Счета какого клиента?"
    assert buttons(typed) == ["Ромашка Старая", "Все клиенты"]
    await bot.client.press(IVAN_TG, typed["message_id"], text="Ромашка Старая")
    none = await bot.client.wait_for_edit(IVAN_TG, typed["message_id"])
    assert none["text"].startswith("Счета (Все · клиент Ромашка Старая): 0"), none["text"]


async def test_invoice_list_paging_keeps_the_filter(bot: Harness) -> None:
    world = await seed(bot)
    db = Database(create_engine(bot.database_url))
    try:
        invoices = InvoiceService(db.uow, bot.clock, bot.settings.default_timezone)
        for _ in range(9):
            await invoices.create_draft(world.ivan, world.romashka)
    finally:
        await db.dispose()
    listing = await bot.say(IVAN_TG, "/invoices")
    await bot.client.press(IVAN_TG, listing["message_id"], text="Черновики")
    drafts = await bot.client.wait_for_edit(IVAN_TG, listing["message_id"])
    assert drafts["text"].startswith("Счета (Черновики): 9")
    assert len([b for b in buttons(drafts) if b.startswith("черновик #")]) == 8
    await bot.client.press(IVAN_TG, listing["message_id"], text="▶")
    second = await bot.client.wait_for_edit(IVAN_TG, listing["message_id"])
    assert second["text"].startswith("Счета (Черновики): 9")
    assert len([b for b in buttons(second) if b.startswith("черновик #")]) == 1
    assert "◀" in buttons(second) and "• Черновики" in buttons(second)
    assert re.fullmatch(r"in:li:0:0:draft\.\.", data_of(second, "◀"))
    assert sorted(await db_rows(bot, m.Invoice.status)) == [("draft",)] * 9 + [
        ("issued",), ("partially_paid",), ("partially_paid",)]
