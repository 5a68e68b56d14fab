"""Issue 13 for leads, end to end in Russian: editing a lead from its card before conversion
(validated as at creation, audited old → new, refused after conversion), junk with a reason
from buttons or typed, the junk filter, restore, forged buttons of another manager."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.access import AccessService
from services.deals import DealService
from services.leads import LeadDraft, LeadService, LeadSettings
from services.pipelines import load_pipelines
from services.users import Role, User
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

MANAGER, MANAGER2 = 2401, 2402
NOT_FOUND = "Не найдено. Возможно, запись удалена или недоступна вам."


async def team(bot: Harness) -> dict[int, User]:
    bot.clock.set(datetime(2026, 11, 20, 9, tzinfo=UTC))
    db = Database(create_engine(bot.database_url))
    users: dict[int, User] = {}
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        for tid, name in ((MANAGER, "Иван"), (MANAGER2, "Пётр")):
            link = await access.create_invite(admin, Role.MANAGER)
            users[tid] = await access.join(tid, link.token, name, None, "ru")
    finally:
        await db.dispose()
    for tid, name in ((MANAGER, "Иван"), (MANAGER2, "Пётр")):
        await bot.client.user(tid, first_name=name, language_code="ru")
    return users


def lead_service(bot: Harness, db: Database) -> LeadService:
    deals = DealService(db.uow, bot.clock, load_pipelines(Path(bot.settings.pipelines_file)))
    return LeadService(db.uow, bot.clock, deals,
                       LeadSettings(default_region=bot.settings.default_region))


async def make_lead(bot: Harness, owner: User, name: str, phone: str) -> int:
    """A lead made through the service (this file is about the card, not /lead)."""
    db = Database(create_engine(bot.database_url))
    try:
        lead = await lead_service(bot, db).create(owner, LeadDraft(contact_name=name,
                                                                   phone=phone))
        return lead.id
    finally:
        await db.dispose()


async def db_lead(bot: Harness, lead_id: int) -> dict[str, Any]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            row = await uow.session.get(m.Lead, lead_id)
            assert row is not None
            await uow.session.refresh(row)
            return {c.key: getattr(row, c.key) for c in m.Lead.__table__.c}
    finally:
        await db.dispose()


async def db_audit(bot: Harness, prefix: str) -> list[tuple[Any, ...]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            rows = await uow.session.scalars(
                select(m.AuditEntry).where(m.AuditEntry.action.like(prefix + "%"))
                .order_by(m.AuditEntry.id))
            return [(r.action, r.actor_id, r.entity, r.entity_id, r.data) for r in rows]
    finally:
        await db.dispose()


async def open_lead(bot: Harness, user: int, lead_id: int) -> dict[str, Any]:
    listing = await bot.say(user, "/leads")
    label = next(b for b in buttons(listing) if b.startswith(f"#{lead_id} "))
    return await bot.press(user, listing, label)


async def press_edit(bot: Harness, user: int, message: dict[str, Any], text: str
                     ) -> dict[str, Any]:
    await bot.client.press(user, message["message_id"], text=text)
    return await bot.client.wait_for_edit(user, message["message_id"])


async def test_editing_a_lead_validates_as_at_creation(bot: Harness) -> None:
    users = await team(bot)
    ivan = users[MANAGER]
    lead_id = await make_lead(bot, ivan, "Анна Петрова", "+7 912 345-67-89")
    card = await open_lead(bot, MANAGER, lead_id)
    assert "Телефон: +79123456789" in card["text"]
    fields = await press_edit(bot, MANAGER, card, "Изменить")
    assert buttons(fields) == ["Изменить имя", "Изменить компанию", "Изменить телефон",
                               "Изменить e-mail", "Изменить город", "Изменить тему",
                               "Изменить источник", "Изменить налоговый номер", "Назад"]

    ask = await bot.press(MANAGER, fields, "Изменить телефон")
    assert ask["text"] == "Номер телефона? (или /cancel)"
    bad = await bot.say(MANAGER, "не телефон")
    assert bad["text"] == "Это не похоже на номер телефона. Пример: +7 912 345-67-89."
    assert (await db_lead(bot, lead_id))["phone"] == "+79123456789"
    card = await bot.say(MANAGER, "+7 912 000-11-22")
    assert "Телефон: +79120001122" in card["text"]

    fields = await press_edit(bot, MANAGER, card, "Изменить")
    await bot.press(MANAGER, fields, "Изменить e-mail")
    bad = await bot.say(MANAGER, "anna@")
    assert bad["text"] == "Некорректный адрес e-mail. Пример: name@company.ru."
    assert (await db_lead(bot, lead_id))["email"] is None
    card = await bot.say(MANAGER, "Anna@Romashka.RU")
    assert "E-mail: anna@romashka.ru" in card["text"]

    fields = await press_edit(bot, MANAGER, card, "Изменить")
    ask = await bot.press(MANAGER, fields, "Изменить налоговый номер")
    assert ask["text"] == "Налоговый номер (ИНН, УНП, IDNO или CUI)? (или /cancel)"
    bad = await bot.say(MANAGER, "7707083894")
    assert bad["text"] == ("INN: не сходится контрольное число. Ничего не сохранено — "
                           "проверьте номер.")
    assert (await db_lead(bot, lead_id))["tax_id"] is None
    card = await bot.say(MANAGER, "7707083893")
    assert "Налоговый номер: ИНН 7707083893" in card["text"]

    fields = await press_edit(bot, MANAGER, card, "Изменить")
    await bot.press(MANAGER, fields, "Изменить компанию")
    card = await bot.say(MANAGER, "ООО  Ромашка")
    assert "Компания: ООО Ромашка" in card["text"]

    row = await db_lead(bot, lead_id)
    assert (row["phone"], row["email"], row["country"], row["tax_id"], row["company_name"]) \
        == ("+79120001122", "anna@romashka.ru", "RU", "7707083893", "ООО Ромашка")
    assert await db_audit(bot, "lead.edit") == [
        ("lead.edit", ivan.id, "lead", lead_id, {"changes": [
            {"field": "phone", "old": "+79123456789", "new": "+79120001122"}]}),
        ("lead.edit", ivan.id, "lead", lead_id, {"changes": [
            {"field": "email", "old": None, "new": "anna@romashka.ru"}]}),
        ("lead.edit", ivan.id, "lead", lead_id, {"changes": [
            {"field": "tax_id", "old": None, "new": "INN 7707083893"}]}),
        ("lead.edit", ivan.id, "lead", lead_id, {"changes": [
            {"field": "company_name", "old": None, "new": "ООО Ромашка"}]}),
    ]

    # Converted, the lead is no longer edited: the card left on the screen is refused.
    db = Database(create_engine(bot.database_url))
    try:
        leads = lead_service(bot, db)
        await leads.set_status(ivan, lead_id, "qualified")
        conv = await leads.convert(ivan, lead_id)
        assert conv.deal is not None
    finally:
        await db.dispose()
    refused = await bot.press_for_answer(MANAGER, card["message_id"], text="Изменить")
    assert refused == "Этот лид уже конвертирован."
    forged = await bot.press_for_answer(MANAGER, card["message_id"],
                                        f"ld:f:{lead_id}:phone:0", forged=True)
    assert forged == "Этот лид уже конвертирован."
    assert len(await db_audit(bot, "lead.edit")) == 4


async def test_junk_with_a_reason_the_filter_and_restore(bot: Harness) -> None:
    users = await team(bot)
    ivan = users[MANAGER]
    lead_id = await make_lead(bot, ivan, "Спамер", "+79123456789")
    other_id = await make_lead(bot, ivan, "Олег", "+79120000000")
    card = await open_lead(bot, MANAGER, lead_id)
    reasons = await bot.press(MANAGER, card, "Некачественный")
    assert reasons["text"] == "Почему лид некачественный? Выберите причину."
    assert buttons(reasons) == ["Спам", "Дубль", "Не наш клиент", "Не удаётся связаться",
                                "Другое (написать причину)"]
    junk = await press_edit(bot, MANAGER, reasons, "Спам")
    assert "· некачественный" in junk["text"]
    assert "Некачественный, причина: Спам" in junk["text"]
    assert buttons(junk) == ["Восстановить ↩️", "Изменить"]
    row = await db_lead(bot, lead_id)
    assert (row["status"], row["junk_reason"]) == ("junk", "spam")
    assert await db_audit(bot, "lead.junk") == [
        ("lead.junk", ivan.id, "lead", lead_id, {"from": "new", "reason": "spam"})]

    # Junk leaves the list; its filter shows it.
    listing = await bot.say(MANAGER, "/leads")
    assert listing["text"] == "Лиды: 1"
    assert not any(b.startswith(f"#{lead_id} ") for b in buttons(listing))
    assert any(b.startswith(f"#{other_id} ") for b in buttons(listing))
    filtered = await press_edit(bot, MANAGER, listing, "Некачественный")
    assert filtered["text"] == "Лиды · некачественный: 1"
    label = next(b for b in buttons(filtered) if b.startswith(f"#{lead_id} "))
    reopened = await bot.press(MANAGER, filtered, label)

    # Another manager's forged buttons change nothing.
    own = await bot.say(MANAGER2, "/leads")
    for data in (f"ld:s:{lead_id}:in_progress:0", f"ld:j:{other_id}:spam:0",
                 f"ld:j:{other_id}:other:0", f"ld:j:{other_id}::0", f"ld:e:{other_id}::0",
                 f"ld:f:{other_id}:tax_id:0"):
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], data, forged=True)
        assert answer == NOT_FOUND, (data, answer)
    assert (await db_lead(bot, lead_id))["status"] == "junk"
    assert (await db_lead(bot, other_id))["status"] == "new"

    restored = await press_edit(bot, MANAGER, reopened, "Восстановить ↩️")
    assert "· в работе" in restored["text"] and "причина" not in restored["text"]
    row = await db_lead(bot, lead_id)
    assert (row["status"], row["junk_reason"]) == ("in_progress", None)
    assert await db_audit(bot, "lead.restore") == [
        ("lead.restore", ivan.id, "lead", lead_id, {"to": "in_progress", "reason": "spam"})]
    assert (await bot.say(MANAGER, "/leads"))["text"] == "Лиды: 2"

    # A reason of one's own, typed.
    card = await open_lead(bot, MANAGER, other_id)
    reasons = await bot.press(MANAGER, card, "Некачественный")
    ask = await press_edit(bot, MANAGER, reasons, "Другое (написать причину)")
    assert ask["text"] == ("Почему лид некачественный? Напишите причину одним сообщением "
                           "(или /cancel).")
    junk = await bot.say(MANAGER, "продаёт нам SEO")
    assert "Некачественный, причина: продаёт нам SEO" in junk["text"]
    assert (await db_lead(bot, other_id))["junk_reason"] == "продаёт нам SEO"
