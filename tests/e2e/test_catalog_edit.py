"""Editing after creation, in Russian: a head edits a product from its card (price, VAT rate,
unit, name) and archives it — it leaves the catalog list and the draft's product picker, a
filter shows it, and it comes back when restored; bad input gets the creation's refusal and
changes nothing; a manager's forged buttons are refused. An admin edits the organization
field by field, validated as when it was added. Every change is an audit row old → new."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from services.access import AccessService
from services.catalog import CatalogService, Price, ProductDraft
from services.clients import ClientService, CompanyDraft
from services.money import format_money
from services.organizations import OrganizationService, seed_demo_organization
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot

MANAGER, MANAGER2, HEAD = 2001, 2002, 2003
D = Decimal


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url) as harness:
        yield harness


@dataclass
class Seeded:
    product: int
    company: int
    org: int


async def seed(bot: Harness) -> Seeded:
    """An admin, a head and two managers (all in Russian), our organization, a chair at
    2 500 ₽ and a client of the first manager."""
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Иван", None, "ru")
        await access.join(MANAGER2, (await access.create_invite(admin, Role.MANAGER)).token,
                          "Пётр", None, "ru")
        await access.join(HEAD, (await access.create_invite(admin, Role.HEAD)).token,
                          "Анна", None, "ru")
        org = await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        product = await CatalogService(db.uow, bot.clock).create(admin, ProductDraft(
            name="Стул офисный", vat_code="22", sku="CH-1", unit="шт",
            prices=(Price("base", "RUB", D("2500.00")),)))
        company = await ClientService(db.uow, bot.clock).create_company(
            ivan, CompanyDraft(name="Ромашка"))
    finally:
        await db.dispose()
    for uid, name in ((ADMIN, "Админ"), (MANAGER, "Иван"), (MANAGER2, "Пётр"), (HEAD, "Анна")):
        await bot.client.user(uid, first_name=name, language_code="ru")
    return Seeded(product.id, company.id, org.id)


def rub(amount: str) -> str:
    return format_money(D(amount), "RUB", "ru")


async def rows(bot: Harness, *columns: Any, where: Any = None) -> list[tuple[Any, ...]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            q = select(*columns)
            if where is not None:
                q = q.where(where)
            return [tuple(r) for r in (await uow.session.execute(q.order_by(columns[0])))]
    finally:
        await db.dispose()


async def product_state(bot: Harness) -> tuple[Any, ...]:
    return (await rows(bot, m.Product.id, m.Product.name, m.Product.unit, m.Product.vat_rate,
                       m.Product.is_active),
            await rows(bot, m.ProductPrice.id, m.ProductPrice.price_list,
                       m.ProductPrice.currency, m.ProductPrice.price_minor),
            await rows(bot, m.AuditEntry.id, m.AuditEntry.action,
                       where=m.AuditEntry.entity == "product"))


async def audit(bot: Harness, *actions: str) -> list[tuple[Any, ...]]:
    return [r[1:] for r in await rows(bot, m.AuditEntry.id, m.AuditEntry.actor_id,
                                      m.AuditEntry.action, m.AuditEntry.entity_id,
                                      m.AuditEntry.data,
                                      where=m.AuditEntry.action.in_(actions))]


async def user_id(bot: Harness, telegram_id: int) -> int:
    ((uid,),) = await rows(bot, m.User.id, where=m.User.telegram_id == telegram_id)
    return int(uid)


async def test_a_head_edits_archives_and_restores_a_product_in_chat(bot: Harness) -> None:
    seeded = await seed(bot)
    listing = await bot.say(HEAD, "/products")
    assert listing["text"].splitlines()[:2] == ["Каталог: товаров 1", "Прайс-листы: Базовый"]
    assert buttons(listing) == ["Стул офисный", "Показать архив"]
    card = await bot.press(HEAD, listing, "Стул офисный")
    assert card["text"] == ("Стул офисный [CH-1]\nЕдиница: шт · НДС 22%\nЦены:\n"
                            f"• Базовый: {rub('2500.00')}")
    assert buttons(card) == ["Цена", "Цена в другом прайс-листе", "Название", "Ставка НДС",
                             "Единица", "В архив"]

    # Price: a bad amount is the creation's refusal and changes nothing.
    which = await bot.press(HEAD, card, "Цена")
    assert which["text"] == "Какую цену?" and buttons(which) == [f"Базовый: {rub('2500.00')}"]
    ask = await bot.press(HEAD, which, buttons(which)[0])
    assert ask["text"] == "Цена в прайс-листе «Базовый», в RUB? Например 1 200,50."
    before = await product_state(bot)
    for bad, told in (("абв", "Это не сумма. Пример: 1 200,50."),
                      ("-5", "Сумма не может быть отрицательной.")):
        reply = await bot.say(HEAD, bad)
        assert reply["text"] == f"{told}\nПопробуйте ещё раз или отправьте /cancel.", bad
    assert await product_state(bot) == before
    card = await bot.say(HEAD, "2 700,50")
    assert card["text"].startswith("Сохранено.\n\nСтул офисный [CH-1]")
    assert f"• Базовый: {rub('2700.50')}" in card["text"]

    # VAT rate: only the rates allowed at creation.
    await bot.press(HEAD, card, "Ставка НДС")
    reply = await bot.say(HEAD, "7")
    assert reply["text"].startswith("Неизвестная ставка НДС. Укажите 22, 10, 0 или «без НДС»")
    card = await bot.say(HEAD, "10%")
    assert "Единица: шт · НДС 10%" in card["text"]
    await bot.press(HEAD, card, "Единица")
    card = await bot.say(HEAD, "компл")
    await bot.press(HEAD, card, "Название")
    card = await bot.say(HEAD, "Кресло офисное")
    assert card["text"].startswith("Сохранено.\n\nКресло офисное [CH-1]\n"
                                   "Единица: компл · НДС 10%")

    # Archived: gone from the list and the draft's picker; the filter shows it.
    archived = await bot.press(HEAD, card, "В архив")
    assert archived["text"].startswith(
        "Перенесено в архив. Документы с этим товаром не изменились.")
    assert "В архиве: не предлагается в новых документах." in archived["text"]
    assert buttons(archived)[-1] == "Восстановить"
    listing = await bot.say(HEAD, "/products")
    assert listing["text"].startswith("Каталог: товаров 0") and buttons(listing) == [
        "Показать архив"]
    shelf = await bot.press(HEAD, listing, "Показать архив")
    assert shelf["text"].startswith("Товары в архиве: 1")
    assert buttons(shelf) == ["Кресло офисное", "Показать активные"]
    assert (await bot.say(MANAGER, "/products крес"))["text"] == "Ничего не найдено."
    pick = await bot.say(MANAGER, "/invoice")
    draft = await bot.press(MANAGER, pick, "Ромашка")
    await bot.press(MANAGER, draft, "Добавить товар")
    nothing = await bot.say(MANAGER, "кресло")
    assert nothing["text"].startswith("Ничего не найдено.")
    await bot.say(MANAGER, "/cancel")

    restored = await bot.press(HEAD, await bot.press(HEAD, shelf, "Кресло офисное"),
                               "Восстановить")
    assert restored["text"].startswith("Восстановлено.") and buttons(restored)[-1] == "В архив"
    found = await bot.say(MANAGER, "/products крес")
    assert found["text"] == f"• Кресло офисное [CH-1] — {rub('2700.50')} / компл · НДС 10%"

    assert await rows(bot, m.Product.name, m.Product.unit, m.Product.vat_rate,
                      m.Product.is_active) == [("Кресло офисное", "компл", "10", True)]
    assert await rows(bot, m.ProductPrice.price_list, m.ProductPrice.currency,
                      m.ProductPrice.price_minor) == [("base", "RUB", 270050)]
    head = await user_id(bot, HEAD)
    assert await audit(bot, "product.edit", "product.archive", "product.restore") == [
        (head, "product.edit", seeded.product, {"changes": [
            {"field": "price", "price_list": "base", "currency": "RUB", "old": "2500.00",
             "new": "2700.50"}]}),
        (head, "product.edit", seeded.product, {"changes": [
            {"field": "vat", "old": "22", "new": "10"}]}),
        (head, "product.edit", seeded.product, {"changes": [
            {"field": "unit", "old": "шт", "new": "компл"}]}),
        (head, "product.edit", seeded.product, {"changes": [
            {"field": "name", "old": "Стул офисный", "new": "Кресло офисное"}]}),
        (head, "product.archive", seeded.product, {"changes": [
            {"field": "status", "old": "active", "new": "archived"}]}),
        (head, "product.restore", seeded.product, {"changes": [
            {"field": "status", "old": "archived", "new": "active"}]})]


async def test_a_manager_sees_the_card_but_forged_edit_buttons_are_refused(
        bot: Harness) -> None:
    seeded = await seed(bot)
    listing = await bot.say(MANAGER, "/products")
    card = await bot.press(MANAGER, listing, "Стул офисный")
    assert card["text"].startswith("Стул офисный [CH-1]") and buttons(card) == []
    before = await product_state(bot)
    p = seeded.product
    for data in (f"pr:ar:{p}:0:", f"pr:pc:{p}:0:", f"pr:sp:{p}:0:RUBbase",
                 f"pr:nl:{p}:0:", f"pr:f:{p}:0:name"):
        answer = await bot.press_for_answer(MANAGER, card["message_id"], data, forged=True)
        assert answer == "У вас нет доступа.", (data, answer)
    await bot.settled()
    reply = await bot.say(MANAGER, "Кресло")  # no question was asked: nothing to answer
    assert "Сохранено" not in reply["text"]
    assert await product_state(bot) == before


async def test_an_admin_edits_the_organization_validated_as_when_added(bot: Harness) -> None:
    seeded = await seed(bot)
    orgs = await bot.say(ADMIN, "/org")
    assert "Срок оплаты: 5 дн." in orgs["text"]
    assert buttons(orgs) == ["Изменить «Demo LLC»", "Добавить организацию"]
    fields = await bot.press(ADMIN, orgs, "Изменить «Demo LLC»")
    assert fields["text"] == "Что изменить у «Demo LLC»?"
    assert buttons(fields) == [
        "Название (в документах)", "Юридическое название", "ИНН / налоговый номер", "КПП",
        "ОГРН", "Юридический адрес", "Город", "Код региона (жудеца)", "Почтовый индекс",
        "Директор", "Должность руководителя", "Главный бухгалтер",
        "Подписант по доверенности", "Должность подписанта", "Номер доверенности",
        "Дата доверенности", "Валюта", "Префикс номера счёта", "Срок оплаты, дней", "Банк",
        "БИК", "Расчётный счёт", "Корреспондентский счёт"]
    ask = await bot.press(ADMIN, fields, "ИНН / налоговый номер")
    assert ask["text"] == "Новое значение поля «ИНН / налоговый номер»? Сейчас: 7707083893"
    before = await rows(bot, m.Organization.tax_id, m.Organization.payment_terms_days)
    reply = await bot.say(ADMIN, "7707083894")
    assert reply["text"] == ("налоговый номер: не сходится контрольное число.\n"
                             "Попробуйте ещё раз или отправьте /cancel.")
    assert await rows(bot, m.Organization.tax_id, m.Organization.payment_terms_days) == before
    saved = await bot.say(ADMIN, "7736207543")
    assert saved["text"].startswith(
        "Сохранено.\nDemo LLC (Россия)\nИНН: 7736207543, КПП 773601001")
    assert "Банк: БИК 044525225, 40702810938000000001" in saved["text"]
    await bot.press(ADMIN, fields, "Срок оплаты, дней")
    reply = await bot.say(ADMIN, "0")
    assert reply["text"].startswith("Срок оплаты — число дней от 1 до 365.")
    saved = await bot.say(ADMIN, "14")
    assert "Срок оплаты: 14 дн." in saved["text"]
    assert await rows(bot, m.Organization.tax_id, m.Organization.payment_terms_days) == [
        ("7736207543", 14)]
    # The signer's power of attorney: a date typed as the reader writes it, shown so.
    ask = await bot.press(ADMIN, fields, "Дата доверенности")
    assert ask["text"] == ("Новое значение поля «Дата доверенности»? Сейчас: —\n"
                           "Например, 15.01.2026.")
    reply = await bot.say(ADMIN, "31.02.2026")
    assert reply["text"].startswith("Это не дата.")
    saved = await bot.say(ADMIN, "15.01.2026")
    assert "Дата доверенности: 15.01.2026" in saved["text"]
    assert await rows(bot, m.Organization.signer_poa_date) == [(date(2026, 1, 15),)]
    admin = await user_id(bot, ADMIN)
    assert await audit(bot, "organization.edit") == [
        (admin, "organization.edit", seeded.org, {"changes": [
            {"field": "tax_id", "old": "7707083893", "new": "7736207543"}]}),
        (admin, "organization.edit", seeded.org, {"changes": [
            {"field": "payment_terms_days", "old": "5", "new": "14"}]}),
        (admin, "organization.edit", seeded.org, {"changes": [
            {"field": "signer_poa_date", "old": None, "new": "2026-01-15"}]})]
    # A manager has no /org; a forged edit button does nothing.
    own = await bot.say(MANAGER, "/start")
    await bot.press_for_answer(MANAGER, own["message_id"], f"og:f::{seeded.org}.name",
                               forged=True)
    await bot.settled()
    assert len(await audit(bot, "organization.edit")) == 3


async def test_the_new_organization_summary_shows_labels_not_field_keys(bot: Harness) -> None:
    await seed(bot)
    ask = await bot.press(ADMIN, await bot.say(ADMIN, "/org"), "Добавить организацию")
    ask = await bot.say(ADMIN, "Test SRL")
    ask = await bot.press(ADMIN, ask, "RO")
    await bot.say(ADMIN, "RO18547290")
    ask = await bot.say(ADMIN, "Str. Exemplu 1, București")
    await bot.press(ADMIN, ask, "RON")
    for answer in ("TST", "Banca Exemplu", "RO49AAAA1B31007593840000"):
        await bot.say(ADMIN, answer)
    summary = await bot.say(ADMIN, "RZBRROBU")
    lines = summary["text"].splitlines()
    assert lines[1:] == [
        "Название (в документах): Test SRL", "Страна: Румыния",
        "ИНН / налоговый номер: 18547290", "Юридический адрес: Str. Exemplu 1, București",
        "Валюта: RON", "Префикс номера счёта: TST", "Банк: Banca Exemplu",
        "IBAN: RO49AAAA1B31007593840000", "BIC: RZBRROBU", lines[-1]]
    assert not any(x.split(":")[0] in ("name", "tax_id", "invoice_prefix", "bank_name", "bic")
                   for x in lines)
