"""Issue 13 for deals, end to end in Russian: editing from the card (name, amount, currency,
expected close date, pipeline with its required fields, owner by a head), lost with a reason
from the configured list and restore, the lost deals' filter, a stale card, forged buttons,
and the deal moving when its invoice is issued."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from services.access import AccessService
from services.catalog import CatalogService, Price, ProductDraft
from services.clients import ClientService, CompanyDraft
from services.contacts_norm import normalize_name
from services.deals import DealDraft, DealService
from services.organizations import OrganizationService, seed_demo_organization
from services.pipelines import PipelineConfig
from services.users import Role, User
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

MANAGER, MANAGER2, HEAD = 2301, 2302, 2303
NOT_FOUND = "Не найдено. Возможно, запись удалена или недоступна вам."
EDIT_MENU = ["Название", "Сумма", "Валюта", "Дата закрытия", "Воронка", "« Назад"]


def rub(text: str) -> str:
    """The Russian form of an amount in roubles: narrow spaces between thousands."""
    return text.replace(" ", "\u202f") + "\u00a0₽"


async def team(bot: Harness) -> dict[int, User]:
    """An admin, two managers and a head of sales, all reading Russian."""
    bot.clock.set(datetime(2026, 11, 20, 9, tzinfo=UTC))
    db = Database(create_engine(bot.database_url))
    users: dict[int, User] = {}
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        users[ADMIN] = admin
        for tid, name, role in ((MANAGER, "Иван", Role.MANAGER),
                                (MANAGER2, "Пётр", Role.MANAGER), (HEAD, "Ольга", Role.HEAD)):
            link = await access.create_invite(admin, role)
            users[tid] = await access.join(tid, link.token, name, None, "ru")
    finally:
        await db.dispose()
    await bot.client.user(ADMIN, first_name="Анна", language_code="ru")
    for tid, name in ((MANAGER, "Иван"), (MANAGER2, "Пётр"), (HEAD, "Ольга")):
        await bot.client.user(tid, first_name=name, language_code="ru")
    return users


def pipelines(bot: Harness) -> tuple[PipelineConfig, ...]:
    from pathlib import Path

    from services.pipelines import load_pipelines
    return load_pipelines(Path(bot.settings.pipelines_file))


async def make_deal(bot: Harness, owner: User, title: str, pipeline: str = "sales",
                    amount: str | None = None, company_id: int | None = None,
                    fields: dict[str, str] | None = None, to: str | None = None) -> int:
    """A deal made through the service (this file is about the card, not /newdeal),
    optionally filled and moved to stage `to`."""
    db = Database(create_engine(bot.database_url))
    try:
        deals = DealService(db.uow, bot.clock, pipelines(bot))
        deal = await deals.create(owner, DealDraft(
            title=title, pipeline_code=pipeline, company_id=company_id,
            amount=Decimal(amount) if amount else None))
        for name, value in (fields or {}).items():
            await deals.set_field(owner, deal.id, name, value)
        if to:
            assert (await deals.move(owner, deal.id, to)).moved
        return deal.id
    finally:
        await db.dispose()


async def db_deal(bot: Harness, deal_id: int) -> dict[str, Any]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            row = await uow.session.get(m.Deal, deal_id)
            assert row is not None
            await uow.session.refresh(row)
            out = {c.key: getattr(row, c.key) for c in m.Deal.__table__.c}
            out["pipeline"] = await uow.session.scalar(
                select(m.Pipeline.code).where(m.Pipeline.id == row.pipeline_id))
            out["stage"] = await uow.session.scalar(
                select(m.Stage.code).where(m.Stage.id == row.stage_id))
            return out
    finally:
        await db.dispose()


async def db_audit(bot: Harness, prefix: str = "deal.") -> list[dict[str, Any]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            rows = await uow.session.scalars(
                select(m.AuditEntry).where(m.AuditEntry.action.like(prefix + "%"))
                .order_by(m.AuditEntry.id))
            return [{"action": r.action, "actor_id": r.actor_id, "entity_id": r.entity_id,
                     "data": r.data, "company_id": r.company_id, "deal_id": r.deal_id}
                    for r in rows]
    finally:
        await db.dispose()


async def db_changes(bot: Harness, deal_id: int) -> list[tuple[Any, ...]]:
    """The deal's stage changes: (from pipeline, from stage, to pipeline, to stage, actor,
    note)."""
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            out = []
            changes = await uow.session.scalars(
                select(m.DealStageChange).where(m.DealStageChange.deal_id == deal_id)
                .order_by(m.DealStageChange.id))
            for ch in changes:
                names = []
                for sid in (ch.from_stage_id, ch.to_stage_id):
                    stage = await uow.session.get(m.Stage, sid) if sid else None
                    pipeline = (await uow.session.get(m.Pipeline, stage.pipeline_id)
                                if stage else None)
                    names += [pipeline.code if pipeline else None,
                              stage.code if stage else None]
                out.append((*names, ch.actor_id, ch.note))
            return out
    finally:
        await db.dispose()


async def open_card(bot: Harness, user: int, label: str) -> dict[str, Any]:
    listing = await bot.say(user, "/deals")
    assert label in buttons(listing), buttons(listing)
    return await bot.press(user, listing, label)


async def press_edit(bot: Harness, user: int, message: dict[str, Any], text: str
                     ) -> dict[str, Any]:
    """Presses a button whose answer redraws the same message."""
    await bot.client.press(user, message["message_id"], text=text)
    return await bot.client.wait_for_edit(user, message["message_id"])


def callback(message: dict[str, Any], text: str) -> str:
    for row in message["buttons"]:
        for b in row:
            if b["text"] == text:
                return str(b["callback_data"])
    raise AssertionError((text, message))


async def test_edit_name_amount_currency_and_close_date(bot: Harness) -> None:
    users = await team(bot)
    ivan = users[MANAGER]
    deal_id = await make_deal(bot, ivan, "Офисные кресла", amount="1000")
    card = await open_card(bot, MANAGER, "Офисные кресла · Новая")
    assert "Изменить ✏️" in buttons(card)
    menu = await press_edit(bot, MANAGER, card, "Изменить ✏️")
    assert buttons(menu) == EDIT_MENU  # a manager has no "Ответственный"

    ask = await bot.press(MANAGER, menu, "Название")
    assert ask["text"] == "Новое название сделки? (или /cancel)"
    saved = await bot.say(MANAGER, "  Кресла   офисные, 40 шт ")
    assert saved["text"].startswith("Сохранено.\n\n💼 Кресла офисные, 40 шт")
    assert "Изменения:\n• Название: Офисные кресла → Кресла офисные, 40 шт · Иван" in \
        saved["text"]
    row = await db_deal(bot, deal_id)
    assert (row["title"], row["title_norm"]) == ("Кресла офисные, 40 шт",
                                                  normalize_name("Кресла офисные, 40 шт"))

    menu = await press_edit(bot, MANAGER, saved, "Изменить ✏️")
    ask = await bot.press(MANAGER, menu, "Сумма")
    assert ask["text"] == "Новая сумма? Например: 1 200,50 (или /cancel)"
    assert (await bot.say(MANAGER, "двенадцать"))["text"] == "Это не сумма. Пример: 1 200,50."
    assert (await db_deal(bot, deal_id))["amount_minor"] == 100000  # nothing changed
    saved = await bot.say(MANAGER, "2 500,50")
    assert f"Сумма: {rub('2 500,50')}" in saved["text"]
    assert "• Сумма: 1000.00 → 2500.50 · Иван" in saved["text"]

    menu = await press_edit(bot, MANAGER, saved, "Изменить ✏️")
    currencies = await press_edit(bot, MANAGER, menu, "Валюта")
    assert buttons(currencies) == ["BYN", "MDL", "RON", "EUR", "USD", "« Назад"]
    saved = await press_edit(bot, MANAGER, currencies, "EUR")
    assert saved["text"].startswith("Сохранено.")
    assert "Сумма: 2\u202f500,50\u00a0€" in saved["text"]

    menu = await press_edit(bot, MANAGER, saved, "Изменить ✏️")
    ask = await bot.press(MANAGER, menu, "Дата закрытия")
    assert ask["text"] == "Новая ожидаемая дата закрытия (ДД.ММ.ГГГГ)? (или /cancel)"
    assert (await bot.say(MANAGER, "скоро"))["text"] == "Это не дата. Пример: 25.11.2026."
    yesterday = (bot.today() - timedelta(days=1)).strftime("%d.%m.%Y")
    past = await bot.say(MANAGER, yesterday)
    assert past["text"] == "Эта дата уже прошла: укажите сегодняшнюю или более позднюю."
    assert "expected_close" not in (await db_deal(bot, deal_id))["fields"]
    later = bot.today() + timedelta(days=25)
    saved = await bot.say(MANAGER, later.strftime("%d.%m.%Y"))
    assert f"Ожидаемое закрытие: {later.strftime('%d.%m.%Y')}" in saved["text"]

    row = await db_deal(bot, deal_id)
    assert (row["amount_minor"], row["currency"], row["fields"]["expected_close"]) == (
        250050, "EUR", later.isoformat())
    edits = await db_audit(bot, "deal.edit")
    assert [(a["actor_id"], a["entity_id"], a["deal_id"], a["company_id"]) for a in edits] == \
        [(ivan.id, deal_id, deal_id, None)] * 4
    assert [a["data"]["changes"] for a in edits] == [
        [{"field": "title", "old": "Офисные кресла", "new": "Кресла офисные, 40 шт"}],
        [{"field": "amount", "old": "1000.00", "new": "2500.50"}],
        [{"field": "currency", "old": "RUB", "new": "EUR"}],
        [{"field": "expected_close", "old": None, "new": later.strftime("%d.%m.%Y")}],
    ]


async def test_moving_to_another_pipeline_asks_its_required_fields(bot: Harness) -> None:
    users = await team(bot)
    ivan = users[MANAGER]
    deal_id = await make_deal(bot, ivan, "Сайт")
    card = await open_card(bot, MANAGER, "Сайт · Новая")
    menu = await press_edit(bot, MANAGER, card, "Изменить ✏️")
    choose = await press_edit(bot, MANAGER, menu, "Воронка")
    assert buttons(choose) == ["Проекты", "Быстрые продажи", "« Назад"]
    stages = await press_edit(bot, MANAGER, choose, "Проекты")
    assert buttons(stages) == ["Бриф", "Смета", "Договор", "« Назад"]
    ask = await bot.press(MANAGER, stages, "Договор")
    assert ask["text"] == ("Чтобы перейти на стадию «Проекты · Договор», заполните: "
                           "номер договора, компания клиента\n\nНомер договора?")
    assert (await db_deal(bot, deal_id))["pipeline"] == "sales"  # not moved yet
    ask = await bot.say(MANAGER, "Д-17/2026")
    assert ask["text"] == "Название компании клиента?"
    moved = await bot.say(MANAGER, "ООО Ромашка")
    assert moved["text"].startswith("Сделка перенесена на стадию «Проекты · Договор».")
    assert "Воронка: Проекты · стадия: Договор" in moved["text"]
    assert "Новая → Договор · Иван" in moved["text"]
    assert "• Воронка: Продажи · Новая → Проекты · Договор · Иван" in moved["text"]
    row = await db_deal(bot, deal_id)
    assert (row["pipeline"], row["stage"], row["fields"]["contract_number"]) == (
        "projects", "contract", "Д-17/2026")
    assert (await db_changes(bot, deal_id))[-1] == (
        "sales", "new", "projects", "contract", ivan.id, None)
    (edit,) = await db_audit(bot, "deal.edit")
    assert edit["data"] == {"changes": [{"field": "pipeline", "old": "Продажи · Новая",
                                         "new": "Проекты · Договор"}]}
    assert edit["deal_id"] == deal_id and edit["company_id"] == row["company_id"] is not None

    # A pipeline without stages takes the deal at once.
    menu = await press_edit(bot, MANAGER, moved, "Изменить ✏️")
    choose = await press_edit(bot, MANAGER, menu, "Воронка")
    assert buttons(choose) == ["Продажи", "Быстрые продажи", "« Назад"]
    quick = await press_edit(bot, MANAGER, choose, "Быстрые продажи")
    assert quick["text"].startswith("Сделка перенесена на стадию «Быстрые продажи».")
    row = await db_deal(bot, deal_id)
    assert (row["pipeline"], row["stage"]) == ("quick", None)


async def test_a_head_gives_the_deal_to_another_manager_who_is_told(bot: Harness) -> None:
    users = await team(bot)
    deal_id = await make_deal(bot, users[MANAGER], "Бумага")
    assert "У вас нет открытых сделок" in (await bot.say(MANAGER2, "/deals"))["text"]
    # A manager has no owner button, and a forged one is refused.
    card = await open_card(bot, MANAGER, "Бумага · Новая")
    version = callback(card, "Изменить ✏️").rsplit(":", 1)[1]
    for data in (f"dl:f:{deal_id}:owner.{version}",
                 f"dl:u:{deal_id}:{users[MANAGER2].id}.{version}"):
        answer = await bot.press_for_answer(MANAGER, card["message_id"], data, forged=True)
        assert answer == "Это может сделать только руководитель отдела продаж или администратор."
    assert (await db_deal(bot, deal_id))["owner_id"] == users[MANAGER].id

    head_card = await open_card(bot, HEAD, "Бумага · Новая")
    menu = await press_edit(bot, HEAD, head_card, "Изменить ✏️")
    assert buttons(menu) == [*EDIT_MENU[:-1], "Ответственный", "« Назад"]
    staff = await press_edit(bot, HEAD, menu, "Ответственный")
    admin_name = users[ADMIN].full_name or str(ADMIN)
    assert sorted(buttons(staff)[:-1]) == sorted(["Ольга", "Пётр", admin_name])
    assert buttons(staff)[-1] == "« Назад"  # the owner himself (Иван) is not offered
    saved = await press_edit(bot, HEAD, staff, "Пётр")
    assert saved["text"].startswith("Сохранено.") and "Ответственный: Пётр" in saved["text"]
    assert "• Ответственный: Иван → Пётр · Ольга" in saved["text"]
    told = await bot.client.wait_for_text(MANAGER2, "передал(а) вам сделку")
    assert told["text"] == "Ольга передал(а) вам сделку:\nБумага"
    assert buttons(told) == ["Открыть сделку"]
    row = await db_deal(bot, deal_id)
    assert row["owner_id"] == users[MANAGER2].id
    (edit,) = await db_audit(bot, "deal.edit")
    assert edit["actor_id"] == users[HEAD].id
    assert edit["data"] == {"changes": [{"field": "owner", "old": "Иван", "new": "Пётр"}]}
    # The new owner opens it from the notice; the old one no longer sees it.
    opened = await bot.press(MANAGER2, told, "Открыть сделку")
    assert "💼 Бумага" in opened["text"]
    assert "У вас нет открытых сделок" in (await bot.say(MANAGER, "/deals"))["text"]


async def test_lost_with_a_reason_leaves_the_list_and_is_restored(bot: Harness) -> None:
    users = await team(bot)
    ivan = users[MANAGER]
    deal_id = await make_deal(bot, ivan, "Столы", amount="700",
                              fields={"contact": "Анна"}, to="qualified")
    card = await open_card(bot, MANAGER, "Столы · Квалифицирована")
    reasons = await bot.press(MANAGER, card, "Проиграна ❌")
    assert reasons["text"] == "Почему сделка проиграна? Выберите причину."
    assert buttons(reasons) == ["Дорого", "Выбрали конкурента", "Нет бюджета",
                                "Перестал отвечать", "Уже не нужно",
                                "Другое (написать причину)"]
    lost = await press_edit(bot, MANAGER, reasons, "Выбрали конкурента")
    assert lost["text"].startswith("Сделка проиграна.")
    assert "Статус: проиграна ❌ (Выбрали конкурента)" in lost["text"]
    assert buttons(lost) == ["Добавить заметку", "Восстановить ↩️", "📎 Файлы", "Прикрепить файл"]
    row = await db_deal(bot, deal_id)
    assert (row["status"], row["stage"], row["lost_reason"]) == ("lost", "lost", "competitor")
    assert row["closed_at"] is not None
    (audit,) = await db_audit(bot, "deal.lost")
    assert (audit["actor_id"], audit["deal_id"]) == (ivan.id, deal_id)
    assert audit["data"] == {"reason": "Выбрали конкурента", "reason_code": "competitor",
                             "from": "qualified"}

    # Lost deals leave /deals; a button shows them.
    listing = await bot.say(MANAGER, "/deals")
    assert listing["text"].startswith("У вас нет открытых сделок")
    assert buttons(listing) == ["Проигранные: 1"]
    lost_list = await press_edit(bot, MANAGER, listing, "Проигранные: 1")
    assert lost_list["text"] == "Проигранные сделки: 1"
    assert buttons(lost_list) == ["Столы · Выбрали конкурента", "« Открытые сделки"]
    reopened = await bot.press(MANAGER, lost_list, "Столы · Выбрали конкурента")
    restore_data = callback(reopened, "Восстановить ↩️")
    restored = await press_edit(bot, MANAGER, reopened, "Восстановить ↩️")
    assert restored["text"].startswith("Сделка снова открыта.")
    assert "стадия: Квалифицирована" in restored["text"]
    assert "Проиграна ❌" in buttons(restored) and "Статус:" not in restored["text"]
    row = await db_deal(bot, deal_id)
    assert (row["status"], row["stage"], row["lost_reason"], row["closed_at"]) == (
        "open", "qualified", None, None)
    assert (await db_changes(bot, deal_id))[-2:] == [
        ("sales", "qualified", "sales", "lost", ivan.id, "Выбрали конкурента"),
        ("sales", "lost", "sales", "qualified", ivan.id, None)]
    (audit,) = await db_audit(bot, "deal.restore")
    assert (audit["actor_id"], audit["deal_id"], audit["data"]) == (
        ivan.id, deal_id, {"to": "qualified"})
    # Restoring again (the old card's button) changes nothing.
    again = await bot.press_for_answer(MANAGER, reopened["message_id"], restore_data,
                                       forged=True)
    assert again == "Восстановить можно только проигранную сделку."

    # Another reason, typed.
    other_id = await make_deal(bot, ivan, "Шкафы")
    card = await open_card(bot, MANAGER, "Шкафы · Новая")
    reasons = await bot.press(MANAGER, card, "Проиграна ❌")
    ask = await press_edit(bot, MANAGER, reasons, "Другое (написать причину)")
    assert ask["text"] == "Почему сделка проиграна? Напишите причину."
    lost = await bot.say(MANAGER, "Заказчик закрылся")
    assert lost["text"].startswith("Сделка проиграна.")
    assert "Статус: проиграна ❌ (Заказчик закрылся)" in lost["text"]
    assert (await db_deal(bot, other_id))["lost_reason"] == "Заказчик закрылся"


async def test_a_stale_card_changes_nothing(bot: Harness) -> None:
    users = await team(bot)
    deal_id = await make_deal(bot, users[MANAGER], "Принтеры", amount="300")
    card = await open_card(bot, MANAGER, "Принтеры · Новая")
    # The head changes the amount: the manager's card is stale.
    head_card = await open_card(bot, HEAD, "Принтеры · Новая")
    menu = await press_edit(bot, HEAD, head_card, "Изменить ✏️")
    await bot.press(HEAD, menu, "Сумма")
    await bot.say(HEAD, "450")
    changed = await bot.press_for_answer(MANAGER, card["message_id"], text="Изменить ✏️")
    assert changed == ("Сделку изменили после того, как была показана эта карточка: ничего "
                       "не изменено. Откройте её заново.")
    changed = await bot.press_for_answer(MANAGER, card["message_id"], text="Проиграна ❌")
    assert changed.startswith("Сделку изменили")

    # The manager opens it again and starts typing a new amount; the head closes it meanwhile.
    card = await open_card(bot, MANAGER, "Принтеры · Новая")
    menu = await press_edit(bot, MANAGER, card, "Изменить ✏️")
    await bot.press(MANAGER, menu, "Сумма")
    head_card = await open_card(bot, HEAD, "Принтеры · Новая")
    reasons = await bot.press(HEAD, head_card, "Проиграна ❌")
    await press_edit(bot, HEAD, reasons, "Дорого")
    late = await bot.say(MANAGER, "999")
    assert late["text"] == "Эта сделка уже закрыта."
    for text in ("Название", "Валюта", "Воронка"):  # the Edit menu left on the screen
        answer = await bot.press_for_answer(MANAGER, card["message_id"], text=text)
        assert answer == "Эта сделка уже закрыта."
    row = await db_deal(bot, deal_id)
    assert (row["status"], row["amount_minor"], row["lost_reason"]) == ("lost", 45000, "price")
    assert [a["actor_id"] for a in await db_audit(bot, "deal.edit")] == [users[HEAD].id]


async def test_forged_buttons_for_another_managers_deal(bot: Harness) -> None:
    users = await team(bot)
    deal_id = await make_deal(bot, users[MANAGER], "Секретная сделка", amount="100")
    card = await open_card(bot, MANAGER, "Секретная сделка · Новая")
    version = callback(card, "Изменить ✏️").rsplit(":", 1)[1]
    own = await bot.say(MANAGER2, "/deals")
    for data in (f"dl:e:{deal_id}:{version}", f"dl:e:{deal_id}:",
                 f"dl:f:{deal_id}:title.{version}", f"dl:f:{deal_id}:amount.{version}",
                 f"dl:f:{deal_id}:pipeline.{version}", f"dl:y:{deal_id}:EUR.{version}",
                 f"dl:g:{deal_id}:quick.{version}", f"dl:h:{deal_id}:projects/brief.{version}",
                 f"dl:l:{deal_id}:{version}", f"dl:r:{deal_id}:price.{version}",
                 f"dl:r:{deal_id}:other.{version}", f"dl:x:{deal_id}:{version}"):
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], data, forged=True)
        assert answer == NOT_FOUND, (data, answer)
    texts = [x["text"] or "" for x in await bot.client.messages(MANAGER2)]
    assert not any("Секретная" in t for t in texts)
    row = await db_deal(bot, deal_id)
    assert (row["status"], row["pipeline"], row["currency"], row["owner_id"]) == (
        "open", "sales", "RUB", users[MANAGER].id)
    assert await db_audit(bot, "deal.edit") == [] and await db_audit(bot, "deal.lost") == []
    # The owner's own card still works.
    menu = await press_edit(bot, MANAGER, card, "Изменить ✏️")
    assert buttons(menu) == EDIT_MENU
    # Lost, the deal cannot be restored by the other manager either.
    reasons = await bot.press(MANAGER, await open_card(bot, MANAGER, "Секретная сделка · Новая"),
                              "Проиграна ❌")
    lost = await press_edit(bot, MANAGER, reasons, "Дорого")
    restore = callback(lost, "Восстановить ↩️")
    answer = await bot.press_for_answer(MANAGER2, own["message_id"], restore, forged=True)
    assert answer == NOT_FOUND
    row = await db_deal(bot, deal_id)
    assert (row["status"], row["lost_reason"]) == ("lost", "price")
    assert await db_audit(bot, "deal.restore") == []


async def test_issuing_the_deals_invoice_moves_the_deal(bot: Harness) -> None:
    users = await team(bot)
    ivan = users[MANAGER]
    db = Database(create_engine(bot.database_url))
    try:
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        await CatalogService(db.uow, bot.clock).create(users[ADMIN], ProductDraft(
            name="Стул офисный", vat_code="22", sku="CH-1", unit="шт",
            prices=(Price("base", "RUB", Decimal("2500.00")),)))
        company = await ClientService(db.uow, bot.clock).create_company(
            ivan, CompanyDraft(name="Ромашка"))
    finally:
        await db.dispose()
    deal_id = await make_deal(bot, ivan, "Стулья", amount="5000", company_id=company.id,
                              fields={"contact": "Анна", "expected_close": "20.12.2026"},
                              to="qualified")
    await make_deal_move(bot, ivan, deal_id, "proposal")
    card = await open_card(bot, MANAGER, "Стулья · КП отправлено")
    draft = await bot.press(MANAGER, card, "Счёт")
    ask = await bot.press(MANAGER, draft, "Добавить товар")
    found = await bot.say(MANAGER, "стул")
    ask_qty = await bot.press(MANAGER, found, buttons(found)[0])
    assert ask_qty is not None
    draft = await bot.say(MANAGER, "2")
    issued = await bot.press(MANAGER, draft, "Выставить ✅")
    assert re.search(r"INV-\d{4}-00001", issued["text"]), issued["text"]
    row = await db_deal(bot, deal_id)
    assert (row["status"], row["stage"]) == ("open", "invoice")
    assert (await db_changes(bot, deal_id))[-1] == (
        "sales", "proposal", "sales", "invoice", ivan.id, "invoice")
    moves = [a for a in await db_audit(bot, "deal.move") if a["data"].get("by") == "invoice"]
    assert [(a["actor_id"], a["deal_id"], a["data"]["to"]) for a in moves] == [
        (ivan.id, deal_id, "invoice")]
    reopened = await open_card(bot, MANAGER, "Стулья · Счёт выставлен")
    assert "КП отправлено → Счёт выставлен · Иван" in reopened["text"]
    assert ask is not None


async def make_deal_move(bot: Harness, owner: User, deal_id: int, to: str) -> None:
    db = Database(create_engine(bot.database_url))
    try:
        assert (await DealService(db.uow, bot.clock, pipelines(bot)).move(
            owner, deal_id, to)).moved
    finally:
        await db.dispose()
