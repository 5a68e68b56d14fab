"""Tasks in a team end to end, in Russian: each status from the card (in progress, waiting,
deferred to a typed date, done, cancelled = archived, restore) with the card and its buttons
after it, the database and audit rows; assigning to a colleague, who is told through the
outbox in their language; comments; /week in the manager's time zone; the overdue ones on
/today; forged buttons and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons
from tests.e2e.test_foundation import invite

IVAN, PETR, SERGEY = 2001, 2002, 2003
# Monday 07.12.2026, 12:00 in Moscow (the team's default zone).
MONDAY_NOON = datetime(2026, 12, 7, 9, tzinfo=UTC)
NOT_FOUND = "Не найдено. Возможно, запись удалена или недоступна вам."
OPEN_CARD = ["Выполнено", "В работе", "Ждёт ответа", "+1 день", "+1 неделя",
             "Отложить до даты", "Поручить", "Комментарий", "Отменить задачу"]
CLOSED_CARD = ["Восстановить", "Комментарий"]


async def ru_team(bot: Harness, *people: tuple[int, str]) -> None:
    bot.clock.set(MONDAY_NOON)
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    for user_id, name in people:
        await bot.client.user(user_id, first_name=name, language_code="ru")
        joined = await bot.say(user_id, f"/start {await invite(bot)}")
        assert "Добро пожаловать" in joined["text"], joined["text"]


async def new_task(bot: Harness, user_id: int, title: str, when: str) -> dict[str, Any]:
    kinds = await bot.say(user_id, "/task")
    await bot.client.press(user_id, kinds["message_id"], text="Задача")
    asked = await bot.client.wait_for_edit(user_id, kinds["message_id"])
    assert asked["text"] == "Задача: о чём речь?"
    assert (await bot.say(user_id, title))["text"].startswith("Срок?")
    saved = await bot.say(user_id, when)
    assert saved["text"].startswith("Сохранено: 📌 Задача: " + title), saved["text"]
    return saved


async def today_items(bot: Harness, user_id: int) -> tuple[str, list[dict[str, Any]]]:
    header = await bot.say(user_id, "/today")
    items = []
    if header["text"].startswith("Сегодня"):
        count = int(header["text"].split(": ")[1].split(" ")[0])
        items = [await bot.client.wait_for(user_id) for _ in range(count)]
    return header["text"], items


async def open_card(bot: Harness, user_id: int, item: dict[str, Any]) -> dict[str, Any]:
    return await bot.press(user_id, item, "Открыть")


async def press_card(bot: Harness, user_id: int, card: dict[str, Any], text: str
                     ) -> tuple[str, dict[str, Any]]:
    answer = await bot.press_for_answer(user_id, card["message_id"], text=text)
    return answer, await bot.client.wait_for_edit(user_id, card["message_id"])


async def rows(bot: Harness) -> dict[str, list[Any]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            s = uow.session
            out = {
                "tasks": list((await s.execute(select(
                    m.Task.id, m.Task.title, m.Task.status, m.Task.owner_id, m.Task.created_by,
                    m.Task.due_at, m.Task.done_at).order_by(m.Task.id))).all()),
                "audit": list((await s.execute(select(
                    m.AuditEntry.actor_id, m.AuditEntry.action, m.AuditEntry.entity_id,
                    m.AuditEntry.company_id, m.AuditEntry.deal_id, m.AuditEntry.data)
                    .where(m.AuditEntry.entity == "task").order_by(m.AuditEntry.id))).all()),
                "comments": list((await s.execute(select(
                    m.TaskComment.task_id, m.TaskComment.author_id, m.TaskComment.text,
                    m.TaskComment.created_at).order_by(m.TaskComment.id))).all()),
                "users": list((await s.execute(select(
                    m.User.id, m.User.telegram_id))).all()),
                "outbox": list((await s.execute(select(
                    m.OutboxMessage.kind, m.OutboxMessage.chat_id, m.OutboxMessage.status)
                    .where(m.OutboxMessage.kind.like("task_%"))
                    .order_by(m.OutboxMessage.id))).all()),
            }
    finally:
        await db.dispose()
    return out


def user_id_of(data: dict[str, list[Any]], telegram_id: int) -> int:
    return next(u.id for u in data["users"] if u.telegram_id == telegram_id)


def utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=value.tzinfo or UTC)


def status_change(old: str, new: str) -> dict[str, Any]:
    return {"changes": [{"field": "status", "old": old, "new": new}]}


async def test_every_status_from_the_card_with_its_audit(bot: Harness) -> None:
    await ru_team(bot, (IVAN, "Иван"))
    await new_task(bot, IVAN, "Позвонить Анне", "сегодня 15:00")
    header, (item,) = await today_items(bot, IVAN)
    assert header == "Сегодня, 07.12: 1"
    assert item["text"] == "📌 Задача: Позвонить Анне · 15:00 (запланировано)"
    assert buttons(item) == ["Выполнено", "+1 день", "+1 неделя", "Открыть"]
    card = await open_card(bot, IVAN, item)
    assert card["text"] == ("📌 Задача: Позвонить Анне\nСрок: 07.12 15:00\n"
                            "Статус: запланировано\nОтветственный: Иван")
    assert buttons(card) == OPEN_CARD

    answer, card = await press_card(bot, IVAN, card, "В работе")
    assert answer == "Статус: в работе"
    assert "Статус: в работе" in card["text"]
    assert buttons(card) == [b for b in OPEN_CARD if b != "В работе"]
    answer, card = await press_card(bot, IVAN, card, "Ждёт ответа")
    assert answer == "Статус: ожидание" and "Статус: ожидание" in card["text"]
    assert buttons(card) == [b for b in OPEN_CARD if b != "Ждёт ответа"]

    # Deferring asks for the date; unreadable and past dates are refused, nothing changes.
    ask = await bot.press(IVAN, card, "Отложить до даты")
    assert ask["text"] == ("До какого срока отложить «Позвонить Анне»? "
                           "Например: 25.12 или 25.12 15:00")
    before = await rows(bot)
    assert (await bot.say(IVAN, "когда-нибудь"))["text"] == (
        "Не удалось распознать время. Примеры: 25.11 15:00, завтра 10:00.")
    assert (await bot.say(IVAN, "01.12.2026"))["text"] == "Это время уже прошло."
    assert (await bot.say(IVAN, "сегодня 08:00"))["text"] == "Это время уже прошло."
    assert await rows(bot) == before
    deferred = await bot.say(IVAN, "10.12 11:00")
    assert deferred["text"] == ("Отложено.\n\n📌 Задача: Позвонить Анне\nСрок: 10.12 11:00\n"
                                "Статус: отложено до 10.12\nОтветственный: Иван")
    assert buttons(deferred) == OPEN_CARD
    data = await rows(bot)
    (task,) = data["tasks"]
    assert (task.status, utc(task.due_at)) == ("deferred", datetime(2026, 12, 10, 8, tzinfo=UTC))
    assert "На сегодня ничего не запланировано" in (await bot.say(IVAN, "/today"))["text"]

    # Cancelled = archived: out of /week; the filter shows it; Restore reopens it.
    answer, card = await press_card(bot, IVAN, deferred, "Отменить задачу")
    assert answer == "Отменено: задача в архиве."
    assert "Статус: отменено" in card["text"] and buttons(card) == CLOSED_CARD
    week = await bot.say(IVAN, "/week")
    assert week["text"] == ("На ближайшие семь дней ничего не запланировано. "
                            "Добавьте задачу: /task.")
    assert buttons(week) == ["Выполненные и отменённые"]
    closed = await bot.press(IVAN, week, "Выполненные и отменённые")
    assert closed["text"] == ("Выполненные и отменённые, сначала последние:\n"
                              "✖️ Задача: Позвонить Анне · 10.12 11:00 (отменено)")
    assert buttons(closed) == ["Чт 10.12 11:00 📌 Позвонить Анне"]
    card = await bot.press(IVAN, closed, "Чт 10.12 11:00 📌 Позвонить Анне")
    assert buttons(card) == CLOSED_CARD
    answer, card = await press_card(bot, IVAN, card, "Восстановить")
    assert answer == "Восстановлено."
    assert "Статус: запланировано" in card["text"] and buttons(card) == OPEN_CARD
    answer, card = await press_card(bot, IVAN, card, "Выполнено")
    assert answer == "Выполнено."
    assert "Статус: выполнено" in card["text"] and buttons(card) == CLOSED_CARD

    data = await rows(bot)
    ivan = user_id_of(data, IVAN)
    (task,) = data["tasks"]
    assert (task.status, task.owner_id, task.created_by) == ("done", ivan, ivan)
    assert utc(task.done_at) == MONDAY_NOON
    assert [(a.actor_id, a.action, a.entity_id, a.company_id, a.deal_id)
            for a in data["audit"]] == [
        (ivan, action, task.id, None, None)
        for action in ("task.create", "task.in_progress", "task.waiting", "task.deferred",
                       "task.cancelled", "task.restore", "task.done")]
    assert [a.data for a in data["audit"][1:]] == [
        status_change("planned", "in_progress"), status_change("in_progress", "waiting"),
        {"changes": [{"field": "status", "old": "waiting", "new": "deferred"},
                     {"field": "due", "old": "07.12.2026 15:00", "new": "10.12.2026 11:00"}]},
        status_change("deferred", "cancelled"), status_change("cancelled", "planned"),
        status_change("planned", "done")]


async def test_assign_to_a_colleague_who_is_told_then_comments(bot: Harness) -> None:
    await ru_team(bot, (IVAN, "Иван"), (PETR, "Пётр"))
    await new_task(bot, IVAN, "Отправить КП", "сегодня 18:00")
    _, (item,) = await today_items(bot, IVAN)
    card = await open_card(bot, IVAN, item)
    choose = await bot.press(IVAN, card, "Поручить")
    assert choose["text"] == "Кому поручить «Отправить КП»?"
    assert buttons(choose) == ["Пётр"]  # active managers and heads, not the owner
    answer = await bot.press_for_answer(IVAN, choose["message_id"], text="Пётр")
    assert answer == "Поручено."
    done = await bot.client.wait_for_edit(IVAN, choose["message_id"])
    assert done["text"] == "Задача «Отправить КП» поручена: Пётр. Уведомление отправлено."

    # Petr is told through the outbox, in Russian, with a button to open the task.
    note = await bot.client.wait_for_text(PETR, "поручает вам задачу")
    assert note["text"] == "Иван поручает вам задачу:\n📌 Отправить КП\nСрок: 07.12 18:00"
    assert buttons(note) == ["Открыть задачу"]
    card = await bot.press(PETR, note, "Открыть задачу")
    assert card["text"] == ("📌 Задача: Отправить КП\nСрок: 07.12 18:00\n"
                            "Статус: запланировано\nОтветственный: Пётр\n"
                            "Поставил(а): Иван")
    assert buttons(card) == OPEN_CARD
    # It is on Petr's day now, not on Ivan's.
    header, (item,) = await today_items(bot, PETR)
    assert header == "Сегодня, 07.12: 1"
    assert item["text"] == "📌 Задача: Отправить КП · 18:00 (запланировано)"
    assert "На сегодня ничего" in (await bot.say(IVAN, "/today"))["text"]

    # A comment: an empty one is refused; the other party (Ivan, who set it) is told.
    ask = await bot.press(PETR, card, "Комментарий")
    assert ask["text"] == "Ваш комментарий к «Отправить КП»?"
    assert (await bot.say(PETR, "   "))["text"] == "Поле «текст» не может быть пустым."
    await bot.client.send_sticker(PETR)
    assert (await bot.client.wait_for(PETR))["text"] == (
        "Пришлите это текстом, пожалуйста (или /cancel).")
    saved = await bot.say(PETR, "Клиент просит скидку 5%")
    assert saved["text"] == ("Комментарий сохранён.\n\n📌 Задача: Отправить КП\n"
                             "Срок: 07.12 18:00\nСтатус: запланировано\n"
                             "Ответственный: Пётр\nПоставил(а): Иван\n\nКомментарии:\n"
                             "07.12 12:00 Пётр: Клиент просит скидку 5%")
    told = await bot.client.wait_for_text(IVAN, "комментарий к задаче")
    assert told["text"] == ("Пётр — комментарий к задаче «Отправить КП»:\n\n"
                            "Клиент просит скидку 5%")
    assert buttons(told) == ["Открыть задачу"]
    # Ivan, who set it, still opens it and answers; Petr is told.
    card = await bot.press(IVAN, told, "Открыть задачу")
    assert "Ответственный: Пётр" in card["text"] and "Клиент просит скидку 5%" in card["text"]
    await bot.press(IVAN, card, "Комментарий")
    await bot.say(IVAN, "Дай 3%")
    answer_note = await bot.client.wait_for_text(PETR, "Дай 3%")
    assert answer_note["text"] == "Иван — комментарий к задаче «Отправить КП»:\n\nДай 3%"

    data = await rows(bot)
    ivan, petr = user_id_of(data, IVAN), user_id_of(data, PETR)
    (task,) = data["tasks"]
    assert (task.owner_id, task.created_by, task.status) == (petr, ivan, "planned")
    assert [(c.author_id, c.text) for c in data["comments"]] == [
        (petr, "Клиент просит скидку 5%"), (ivan, "Дай 3%")]
    assert utc(data["comments"][0].created_at) == MONDAY_NOON
    assert [(a.actor_id, a.action) for a in data["audit"]] == [
        (ivan, "task.create"), (ivan, "task.assign"), (petr, "task.comment"),
        (ivan, "task.comment")]
    assign = data["audit"][1]
    assert assign.data["changes"] == [{"field": "owner", "old": "Иван", "new": "Пётр"}]
    assert data["audit"][2].data["text"] == "Клиент просит скидку 5%"
    assert [tuple(o) for o in data["outbox"]] == [
        ("task_assigned", PETR, "sent"), ("task_comment", IVAN, "sent"),
        ("task_comment", PETR, "sent")]


async def test_week_in_the_managers_zone_and_overdue_on_today(bot: Harness) -> None:
    await ru_team(bot, (IVAN, "Иван"))
    bot.clock.set(MONDAY_NOON - timedelta(days=4))  # Thursday 03.12
    await new_task(bot, IVAN, "Старый счёт", "03.12 15:00")
    bot.clock.set(MONDAY_NOON)
    await new_task(bot, IVAN, "Сегодня", "сегодня 16:00")
    await new_task(bot, IVAN, "Ночью", "08.12 00:30")  # 07.12 21:30 UTC: Tuesday in Moscow
    await new_task(bot, IVAN, "В воскресенье", "13.12 10:00")
    await new_task(bot, IVAN, "Слишком далеко", "14.12 10:00")

    header, items = await today_items(bot, IVAN)
    assert header == "Сегодня, 07.12: 2 · просрочено: 1"
    assert [i["text"] for i in items] == [
        "📌 Задача: Старый счёт · 03.12 15:00 (запланировано) ⚠️ просрочено с 03.12",
        "📌 Задача: Сегодня · 16:00 (запланировано)"]
    assert buttons(items[0]) == ["Выполнено", "+1 день", "+1 неделя", "Открыть"]

    commands = await bot.client.commands(scope="chat", chat_id=IVAN)
    assert {"command": "week", "description": "Мои задачи и события на семь дней"} in commands
    week = await bot.say(IVAN, "/week")
    assert week["text"] == (
        "Неделя 07.12–13.12: 4\n\n"
        "⚠️ Просроченные\n"
        "📌 Задача: Старый счёт · 03.12 15:00 (запланировано) ⚠️ просрочено с 03.12\n\n"
        "Пн 07.12\n📌 Задача: Сегодня · 16:00 (запланировано)\n\n"
        "Вт 08.12\n📌 Задача: Ночью · 00:30 (запланировано)\n\n"
        "Вс 13.12\n📌 Задача: В воскресенье · 10:00 (запланировано)")
    assert buttons(week) == ["⚠️ 03.12 📌 Старый счёт", "Пн 07.12 16:00 📌 Сегодня",
                             "Вт 08.12 00:30 📌 Ночью", "Вс 13.12 10:00 📌 В воскресенье",
                             "Выполненные и отменённые"]
    card = await bot.press(IVAN, week, "Вт 08.12 00:30 📌 Ночью")
    assert card["text"].startswith("📌 Задача: Ночью\nСрок: 08.12 00:30\n")

    # Done from /today: the overdue one leaves the overdue section.
    await bot.press_for_answer(IVAN, items[0]["message_id"], text="Выполнено")
    header, items = await today_items(bot, IVAN)
    assert header == "Сегодня, 07.12: 1"


async def test_forged_buttons_and_bad_assignees_change_nothing(bot: Harness) -> None:
    await ru_team(bot, (IVAN, "Иван"), (PETR, "Пётр"), (SERGEY, "Сергей"))
    await new_task(bot, IVAN, "Секретный звонок", "сегодня 15:00")
    _, (item,) = await today_items(bot, IVAN)
    card = await open_card(bot, IVAN, item)
    choose = await bot.press(IVAN, card, "Поручить")
    assert buttons(choose) == ["Пётр", "Сергей"]
    ident = int(buttons_data(card)[0].split(":")[2])
    data = await rows(bot)
    petr = user_id_of(data, PETR)

    # Petr forges every button of Ivan's task: refused, nothing learned or changed.
    own = await bot.say(PETR, "/week")
    forged = [f"tc:{a}:{ident}:0" for a in ("o", "d", "p1", "p7", "ip", "w", "x", "r", "df",
                                             "a", "c")]
    forged += [f"tc:at:{ident}:{petr}", f"tk:d:{ident}", f"tk:p1:{ident}", f"tk:p7:{ident}"]
    for callback in forged:
        answer = await bot.press_for_answer(PETR, own["message_id"], callback, forged=True)
        assert answer == NOT_FOUND, (callback, answer)
    # Nor does a comment or a date typed after a forged button reach the task.
    await bot.settled()
    assert (await bot.say(PETR, "мой комментарий"))["text"] != "Комментарий сохранён."
    texts = [msg["text"] or "" for msg in await bot.client.messages(PETR)]
    assert not any("Секретный" in t for t in texts)
    assert await rows(bot) == data

    # Sergey is deactivated after the list was shown: his button is refused.
    team = await bot.say(ADMIN, "/team")
    member = await bot.press(ADMIN, team, next(b for b in buttons(team)
                                               if b.startswith("Сергей")))
    await bot.client.press(ADMIN, member["message_id"], text="Deactivate")
    keep = await bot.client.wait_for_edit(ADMIN, member["message_id"])
    await bot.client.press(ADMIN, keep["message_id"], text="Deactivate, keep clients")
    await bot.client.wait_for_edit(ADMIN, keep["message_id"])
    bad = "Задачу можно поручить только работающему сотруднику: менеджеру или руководителю продаж."
    answer = await bot.press_for_answer(IVAN, choose["message_id"], text="Сергей")
    assert answer == bad
    # A customer (a forged button naming one) is refused the same way.
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            customer = await uow.users.add(5005, Role.CUSTOMER, "Клиент", None, "ru", None)
            await uow.commit()
    finally:
        await db.dispose()
    answer = await bot.press_for_answer(IVAN, choose["message_id"],
                                        f"tc:at:{ident}:{customer.id}", forged=True)
    assert answer == bad
    after = await rows(bot)
    assert after["tasks"] == data["tasks"] and after["audit"] == data["audit"]
    assert after["outbox"] == []
    week = await bot.say(IVAN, "/week")
    card = await bot.press(IVAN, week, "Пн 07.12 15:00 📌 Секретный звонок")
    assert "Ответственный: Иван" in card["text"] and "Статус: запланировано" in card["text"]


def buttons_data(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in message.get("buttons") or [] for b in row]
