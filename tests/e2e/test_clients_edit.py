"""The client card end to end, in Russian: editing the company (validated as at creation,
audited old → new, shown in the timeline, a stale card refused), several contacts with a
primary one, archive and restore, merging two clients, and forged buttons of another manager's
client."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update

from handlers.companies.callbacks import CardAction, CardCb
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

IVAN, PETR = 2101, 2102
NOT_FOUND = "Не найдено. Возможно, запись удалена или недоступна вам."


async def ru_team(bot: Harness) -> None:
    """Admin Анна, managers Иван and Пётр, all speaking Russian."""
    await bot.client.user(ADMIN, first_name="Анна", language_code="ru")
    await bot.say(ADMIN, "/start")
    for user_id, name in ((IVAN, "Иван"), (PETR, "Пётр")):
        menu = await bot.say(ADMIN, "/invite")
        await bot.client.press(ADMIN, menu["message_id"], text="Менеджер")
        link = await bot.client.wait_for_edit(ADMIN, menu["message_id"])
        match = re.search(r"start=(join_[\w-]+)", link["text"])
        assert match, link["text"]
        await bot.client.user(user_id, first_name=name, language_code="ru")
        await bot.say(user_id, f"/start {match.group(1)}")


async def new_client(bot: Harness, user_id: int, name: str, phone: str | None = None) -> None:
    await bot.say(user_id, "/newclient")
    ask_phone = await bot.say(user_id, name)
    ask_email = await bot.say(user_id, phone) if phone else await bot.press(
        user_id, ask_phone, "Пропустить")
    summary = await bot.press(user_id, ask_email, "Пропустить")
    await bot.client.press(user_id, summary["message_id"], text="Сохранить")
    saved = await bot.client.wait_for_edit(user_id, summary["message_id"])
    assert saved["text"].startswith("Сохранено."), saved["text"]


async def open_card(bot: Harness, user_id: int, name: str) -> dict[str, Any]:
    listing = await bot.say(user_id, "/clients")
    return await bot.press(user_id, listing, name)


async def query(bot: Harness, model: Any, **where: Any) -> list[Any]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            q = select(*model.__table__.c)
            for key, value in where.items():
                q = q.where(getattr(model, key) == value)
            return list((await uow.session.execute(q.order_by(model.id))).all())
    finally:
        await db.dispose()


async def write(bot: Harness, *statements: Any, add: list[Any] | None = None) -> list[int]:
    """Test setup straight in the database (a colleague's change, a deal, an invoice)."""
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            for statement in statements:
                await uow.session.execute(statement)
            for row in add or []:
                uow.session.add(row)
                await uow.session.flush()
            ids = [int(row.id) for row in add or []]
            await uow.commit()
    finally:
        await db.dispose()
    return ids


async def company(bot: Harness, name: str) -> Any:
    (row,) = await query(bot, m.Company, name=name)
    return row


async def audit(bot: Harness, action: str) -> list[Any]:
    return await query(bot, m.AuditEntry, action=action)


async def deal_and_invoice(bot: Harness, owner: int, company_id: int) -> tuple[int, int]:
    (user,) = await query(bot, m.User, telegram_id=owner)
    pipeline, org = await write(bot, add=[
        m.Pipeline(code=f"t{company_id}", name="Продажи", kind="manual"),
        m.Organization(name="Мы", country="RU", currency="RUB")])
    (deal,) = await write(bot, add=[m.Deal(owner_id=user.id, pipeline_id=pipeline,
                                            title="Поставка", title_norm="поставка",
                                            company_id=company_id, status="open")])
    (invoice,) = await write(bot, add=[m.Invoice(owner_id=user.id, organization_id=org,
                                                 company_id=company_id, deal_id=deal,
                                                 currency="RUB", status="issued")])
    return deal, invoice


async def test_edit_company_fields_audited_and_in_the_timeline(bot: Harness) -> None:
    await ru_team(bot)
    await new_client(bot, IVAN, "Ромашка", "+7 912 345-67-89")
    product, = await write(bot, add=[m.Product(name="Мыло", name_norm="мыло", vat_rate="22")])
    await write(bot, add=[m.ProductPrice(product_id=product, price_list="base", currency="RUB",
                                         price_minor=100),
                          m.ProductPrice(product_id=product, price_list="vip", currency="RUB",
                                         price_minor=90)])
    card = await open_card(bot, IVAN, "Ромашка")
    assert card["text"] == "🏢 Ромашка\nТелефон: +79123456789", card["text"]
    assert buttons(card) == ["Лента событий", "Добавить заметку", "Реквизиты", "Изменить",
                             "Контакты", "Объединить с…", "В архив", "Счёт как в прошлый раз",
                             "📎 Файлы", "Прикрепить файл"]
    menu = await bot.press(IVAN, card, "Изменить")
    assert menu["text"] == "Что изменить у «Ромашка»?"
    assert buttons(menu) == ["Название", "Юридический адрес", "Телефон", "E-mail",
                             "Часовой пояс", "Язык", "Прайс-лист", "Отсрочка оплаты"]

    ask = await bot.press(IVAN, menu, "Телефон")
    assert ask["text"] == "«Ромашка» · Телефон\nСейчас: +79123456789\nНовый номер телефона?"
    assert buttons(ask) == ["Отмена"]
    bad = await bot.say(IVAN, "12")
    assert bad["text"] == "Некорректный номер телефона. Укажите код страны, например +373..."
    assert (await company(bot, "Ромашка")).phone == "+79123456789"
    saved = await bot.say(IVAN, "8 (912) 000-11-22")
    assert saved["text"].startswith("Сохранено.\n🏢"), saved["text"]
    assert "Телефон: +79120001122" in saved["text"]
    assert "Восстановить" not in buttons(saved) and "Изменить" in buttons(saved)
    (edit,) = await audit(bot, "company.edit")
    assert edit.company_id == (await company(bot, "Ромашка")).id
    assert edit.data == {"changes": [{"field": "phone", "old": "+79123456789",
                                      "new": "+79120001122"}]}

    ask = await bot.press(IVAN, menu, "E-mail")
    assert "Новый e-mail?" in ask["text"]
    bad = await bot.say(IVAN, "info@romashka")
    assert bad["text"] == "Некорректный адрес e-mail. Пример: name@company.ru."
    await bot.say(IVAN, "Info@Romashka.ru")

    ask = await bot.press(IVAN, menu, "Язык")
    assert buttons(ask) == ["Русский", "English", "Română", "Отмена"]
    await bot.client.press(IVAN, ask["message_id"], text="Română")
    chosen = await bot.client.wait_for_edit(IVAN, ask["message_id"])
    assert chosen["text"].startswith("Сохранено.") and "Язык: Română" in chosen["text"]

    ask = await bot.press(IVAN, menu, "Прайс-лист")
    assert buttons(ask) == ["base", "vip", "Отмена"]
    await bot.client.press(IVAN, ask["message_id"], text="vip")
    chosen = await bot.client.wait_for_edit(IVAN, ask["message_id"])
    assert "Прайс-лист: vip" in chosen["text"]

    await bot.press(IVAN, menu, "Отсрочка оплаты")
    bad = await bot.say(IVAN, "полгода")
    assert bad["text"] == "Отсрочка оплаты — целое число дней от 0 до 365."
    saved = await bot.say(IVAN, "14")
    assert "Отсрочка оплаты: 14 дн." in saved["text"]

    await bot.press(IVAN, menu, "Часовой пояс")
    bad = await bot.say(IVAN, "Марс")
    assert bad["text"] == ("Неизвестный часовой пояс. Укажите название вида Europe/Chisinau, "
                           "Europe/Moscow или Europe/Bucharest."), bad["text"]
    saved = await bot.say(IVAN, "Europe/Chisinau")
    assert "Часовой пояс: Europe/Chisinau" in saved["text"]

    row = await company(bot, "Ромашка")
    assert (row.phone, row.email, row.language, row.price_list, row.payment_terms_days,
            row.timezone) == ("+79120001122", "info@romashka.ru", "ro", "vip", 14,
                              "Europe/Chisinau")
    fields = [e.data["changes"][0]["field"] for e in await audit(bot, "company.edit")]
    assert fields == ["phone", "email", "language", "price_list", "payment_terms_days",
                      "timezone"]

    # The timeline shows the edits: when (in the user's time zone), who, what, old → new.
    timeline = await bot.press(IVAN, card, "Лента событий")
    assert timeline["text"].startswith("Лента событий: Ромашка")
    assert re.search(r"📝 \d\d\.\d\d \d\d:\d\d · Иван · Клиент изменён: телефон "
                     r"\+79123456789 → \+79120001122", timeline["text"]), timeline["text"]
    assert "Клиент изменён: отсрочка оплаты, дн. — → 14" in timeline["text"]
    assert timeline["text"].rstrip().endswith("· Иван · Клиент создан")
    assert "payment_terms_days" not in timeline["text"] and "UTC" not in timeline["text"]


async def test_requisites_edit_refused_like_at_creation_and_stale_card(bot: Harness) -> None:
    await ru_team(bot)
    await new_client(bot, IVAN, "Сбер", "+7 912 345-67-89")
    await write(bot, update(m.Company).where(m.Company.name == "Сбер").values(
        country="RU", tax_id="7707083893", kpp="773601001"))
    card = await open_card(bot, IVAN, "Сбер")
    menu = await bot.press(IVAN, card, "Изменить")
    assert buttons(menu)[:4] == ["Название", "ИНН", "КПП", "ОГРН"]
    ask = await bot.press(IVAN, menu, "ИНН")
    assert ask["text"] == ("«Сбер» · ИНН\nСейчас: 7707083893\n"
                           "ИНН? 10 цифр для организации, 12 — для ИП."), ask["text"]
    bad = await bot.say(IVAN, "7707083894")
    assert bad["text"] == "ИНН: не сходится контрольное число."
    assert (await company(bot, "Сбер")).tax_id == "7707083893"
    saved = await bot.say(IVAN, "7736207543")
    assert "ИНН: 7736207543\nКПП: 773601001" in saved["text"], saved["text"]
    assert (await company(bot, "Сбер")).tax_id == "7736207543"

    # A stale card: a colleague changed the phone after the question was asked.
    await bot.press(IVAN, menu, "Телефон")
    await write(bot, update(m.Company).where(m.Company.name == "Сбер").values(
        phone="+79125550000"))
    stale = await bot.say(IVAN, "+7 912 111-11-11")
    assert stale["text"] == ("Клиента уже изменил кто-то другой после того, как карточка была "
                             "показана. Откройте карточку заново; ничего не изменено.")
    assert (await company(bot, "Сбер")).phone == "+79125550000"
    assert [e.data["changes"][0]["field"] for e in await audit(bot, "company.edit")] == [
        "tax_id"]


async def test_contacts_add_edit_primary_detach(bot: Harness) -> None:
    await ru_team(bot)
    await new_client(bot, IVAN, "Ромашка")
    card = await open_card(bot, IVAN, "Ромашка")
    contacts = await bot.press(IVAN, card, "Контакты")
    assert contacts["text"] == "Контакты «Ромашка»:\nКонтактов пока нет."
    assert buttons(contacts) == ["Добавить контакт"]
    ask = await bot.press(IVAN, contacts, "Добавить контакт")
    assert ask["text"] == "Новый контакт «Ромашка».\nИмя контакта?"
    ask = await bot.say(IVAN, "Анна Петрова")
    assert ask["text"] == "Телефон контакта?" and buttons(ask) == ["Пропустить", "Отмена"]
    bad = await bot.say(IVAN, "12")
    assert bad["text"].startswith("Некорректный номер телефона.")
    ask = await bot.say(IVAN, "+7 912 111-22-33")
    assert ask["text"] == "E-mail контакта?"
    bad = await bot.say(IVAN, "anna@")
    assert bad["text"].startswith("Некорректный адрес e-mail.")
    ask = await bot.say(IVAN, "anna@romashka.ru")
    assert ask["text"] == "Должность контакта?"
    added = await bot.press(IVAN, ask, "Пропустить")
    assert added["text"] == ("Контакт добавлен.\nКонтакты «Ромашка»:\n"
                             "⭐ Анна Петрова · +79121112233 · anna@romashka.ru")
    ask = await bot.press(IVAN, added, "Добавить контакт")
    ask = await bot.say(IVAN, "Борис")
    ask = await bot.press(IVAN, ask, "Пропустить")
    ask = await bot.press(IVAN, ask, "Пропустить")
    added = await bot.say(IVAN, "Бухгалтер")
    assert added["text"].endswith("⭐ Анна Петрова · +79121112233 · anna@romashka.ru\n"
                                  "👤 Борис · Бухгалтер")
    assert buttons(added) == ["⭐ Анна Петрова", "Борис", "Добавить контакт"]
    cid = (await company(bot, "Ромашка")).id
    anna, boris = await query(bot, m.Contact, company_id=cid)
    assert (anna.is_primary, boris.is_primary) == (True, False)
    # Анна's customer chat is bound (she opened a document link once).
    await write(bot, update(m.Contact).where(m.Contact.id == anna.id).values(
        telegram_user_id=777001))

    boris_card = await bot.press(IVAN, added, "Борис")
    assert boris_card["text"].startswith("👤 Борис · «Ромашка»\nДолжность: Бухгалтер")
    assert buttons(boris_card) == ["Имя", "Телефон", "E-mail", "Должность",
                                   "Сделать основным", "Отвязать от клиента"]
    primary = await bot.press(IVAN, boris_card, "Сделать основным")
    assert primary["text"].startswith("Основной контакт изменён.\nКонтакты «Ромашка»:\n"
                                      "⭐ Борис · Бухгалтер")
    assert [(r.name, r.is_primary) for r in await query(bot, m.Contact, company_id=cid)] == [
        ("Анна Петрова", False), ("Борис", True)]

    anna_card = await bot.press(IVAN, primary, "Анна Петрова")
    ask = await bot.press(IVAN, anna_card, "Телефон")
    assert "Сейчас: +79121112233" in ask["text"]
    bad = await bot.say(IVAN, "abc")
    assert bad["text"].startswith("Это не похоже на номер телефона.")
    saved = await bot.say(IVAN, "+7 912 999-88-77")
    assert saved["text"].startswith("Сохранено.\n👤 Анна Петрова")
    assert "Телефон: +79129998877" in saved["text"]

    confirm = await bot.press(IVAN, saved, "Отвязать от клиента")
    assert confirm["text"] == ("Отвязать «Анна Петрова» от «Ромашка»? История и привязанный "
                               "чат Telegram сохранятся.")
    await bot.client.press(IVAN, confirm["message_id"], text="Отвязать")
    done = await bot.client.wait_for_edit(IVAN, confirm["message_id"])
    assert done["text"] == "Отвязан.\nКонтакты «Ромашка»:\n⭐ Борис · Бухгалтер"
    (row,) = await query(bot, m.Contact, id=anna.id)
    assert row.company_id is None and row.telegram_user_id == 777001

    actions = [(e.action, e.company_id) for e in await query(bot, m.AuditEntry)
               if e.entity == "contact"]
    assert actions == [("contact.add", cid), ("contact.add", cid), ("contact.primary", cid),
                       ("contact.edit", cid), ("contact.detach", cid)]
    (edit,) = await audit(bot, "contact.edit")
    assert edit.data["changes"] == [{"field": "phone", "old": "+79121112233",
                                     "new": "+79129998877"}]
    timeline = await bot.press(IVAN, card, "Лента событий")
    assert "Контакт изменён «Анна Петрова»: телефон +79121112233 → +79129998877" in \
        timeline["text"], timeline["text"]
    assert "Основной контакт изменён: основной контакт Анна Петрова → Борис" in \
        timeline["text"]
    assert ("Контакт добавлен «Анна Петрова»: телефон — → +79121112233; e-mail — → "
            "anna@romashka.ru") in timeline["text"]
    assert "Контакт отвязан «Анна Петрова»" in timeline["text"]


async def test_archive_refused_with_open_work_then_archived_and_restored(bot: Harness) -> None:
    await ru_team(bot)
    await new_client(bot, IVAN, "Ромашка")
    await new_client(bot, IVAN, "Василёк")
    cid = (await company(bot, "Ромашка")).id
    deal, invoice = await deal_and_invoice(bot, IVAN, cid)
    card = await open_card(bot, IVAN, "Ромашка")
    refused = await bot.press_for_answer(IVAN, card["message_id"], text="В архив")
    assert refused == ("У клиента есть открытые сделки: 1 и неоплаченные счета: 1. Сначала "
                       "закройте их; клиент не отправлен в архив.")
    assert (await company(bot, "Ромашка")).archived_at is None
    await write(bot, update(m.Deal).where(m.Deal.id == deal).values(status="won"),
                update(m.Invoice).where(m.Invoice.id == invoice).values(status="paid"))

    ask = await bot.press(IVAN, card, "В архив")
    assert ask["text"].startswith("Отправить «Ромашка» в архив?")
    assert buttons(ask) == ["Без причины", "Отмена"]
    archived = await bot.say(IVAN, "Закрылись")
    assert archived["text"].startswith("«Ромашка» в архиве.\n🏢 Ромашка · в архиве\n"), \
        archived["text"]
    assert re.search(r"В архиве с \d\d\.\d\d\.\d{4}: Закрылись", archived["text"])
    assert buttons(archived) == ["Лента событий", "Добавить заметку", "Восстановить",
                                 "📎 Файлы", "Прикрепить файл"]
    row = await company(bot, "Ромашка")
    assert row.archived_at is not None and row.archive_reason == "Закрылись"
    (entry,) = await audit(bot, "company.archive")
    assert (entry.company_id, entry.data) == (cid, {"reason": "Закрылись"})

    # Edits of an archived client are refused; the list leaves it out, a filter shows it.
    answer = await bot.press_for_answer(IVAN, card["message_id"], text="Изменить")
    assert answer == "Клиент в архиве: сначала восстановите его. Ничего не изменено."
    listing = await bot.say(IVAN, "/clients")
    assert listing["text"] == "Клиенты: 1"
    assert buttons(listing) == ["Василёк", "Клиенты в архиве: 1"]
    shelf = await bot.press(IVAN, listing, "Клиенты в архиве: 1")
    assert shelf["text"] == "Клиенты в архиве: 1" and buttons(shelf) == ["Ромашка"]
    archived_card = await bot.press(IVAN, shelf, "Ромашка")
    restored = await bot.press(IVAN, archived_card, "Восстановить")
    assert restored["text"].startswith("«Ромашка» восстановлен.\n🏢")
    assert "В архив" in buttons(restored)
    assert (await company(bot, "Ромашка")).archived_at is None
    assert len(await audit(bot, "company.restore")) == 1
    timeline = await bot.press(IVAN, restored, "Лента событий")
    assert "Клиент в архиве: причина: Закрылись" in timeline["text"]
    assert "Клиент восстановлен" in timeline["text"]


async def test_merge_two_clients(bot: Harness) -> None:
    await ru_team(bot)
    await new_client(bot, IVAN, "Ромашка")
    await new_client(bot, IVAN, "Ромашка ООО", "+7 912 345-67-89")
    keep, other = (await company(bot, "Ромашка")).id, (await company(bot, "Ромашка ООО")).id
    deal, invoice = await deal_and_invoice(bot, IVAN, other)
    (user,) = await query(bot, m.User, telegram_id=IVAN)
    (contact,) = await write(bot, add=[m.Contact(
        owner_id=user.id, company_id=other, name="Борис", name_norm="борис",
        telegram_user_id=777002, is_primary=True)])
    card = await open_card(bot, IVAN, "Ромашка")
    # Merging a client with itself: refused, nothing changes.
    self_merge = await bot.press_for_answer(
        IVAN, card["message_id"], CardCb(action=CardAction.MERGE_PICK, id=keep, to=keep).pack(),
        forged=True)
    assert self_merge == "Нельзя объединить клиента с самим собой."

    ask = await bot.press(IVAN, card, "Объединить с…")
    assert ask["text"] == "С каким клиентом объединить «Ромашка»? Напишите начало его названия."
    none = await bot.say(IVAN, "Лютик")
    assert none["text"].startswith("Среди ваших других клиентов нет такого названия.")
    found = await bot.say(IVAN, "ром")
    assert found["text"] == "Выберите клиента для объединения:"
    assert buttons(found) == ["Ромашка ООО"]
    await bot.client.press(IVAN, found["message_id"], text="Ромашка ООО")
    survivor = await bot.client.wait_for_edit(IVAN, found["message_id"])
    assert survivor["text"].startswith("Какой клиент остаётся?")
    assert buttons(survivor) == ["Оставить «Ромашка»", "Оставить «Ромашка ООО»"]
    await bot.client.press(IVAN, found["message_id"], text="Оставить «Ромашка»")
    confirm = await bot.client.wait_for_edit(
        IVAN, found["message_id"], lambda v: "Объединить?" in (v.get("text") or ""))
    assert confirm["text"] == ("«Ромашка ООО» будет объединён с «Ромашка» и отправлен в "
                               "архив; ничего не удаляется. Объединить?")
    assert (await company(bot, "Ромашка ООО")).merged_into_id is None  # not before confirm
    await bot.client.press(IVAN, found["message_id"], text="Объединить")
    new_card = await bot.client.wait_for(IVAN)
    done = (await bot.client.messages(IVAN))
    merged_msg = next(v for v in done if v["message_id"] == found["message_id"])
    assert merged_msg["text"].startswith("«Ромашка ООО» объединён с «Ромашка». Перенесено: "
                                         "сделок — 1, счетов — 1,"), merged_msg["text"]
    assert "Телефон: +79123456789" in new_card["text"]  # filled from the other
    assert "Контакты: 1; основной: Борис" in new_card["text"]

    gone = await company(bot, "Ромашка ООО")
    assert gone.merged_into_id == keep and gone.archived_at is not None
    assert (await query(bot, m.Deal, id=deal))[0].company_id == keep
    assert (await query(bot, m.Invoice, id=invoice))[0].company_id == keep
    (moved,) = await query(bot, m.Contact, id=contact)
    assert (moved.company_id, moved.telegram_user_id) == (keep, 777002)
    merges = await audit(bot, "company.merge")
    assert [(e.entity_id, e.company_id) for e in merges] == [(keep, keep), (other, other)]
    assert merges[0].data["merged"] == other and merges[1].data["into"] == keep
    listing = await bot.say(IVAN, "/clients")
    assert buttons(listing) == ["Ромашка", "Клиенты в архиве: 1"]
    shelf = await bot.press(IVAN, listing, "Клиенты в архиве: 1")
    merged_card = await bot.press(IVAN, shelf, "Ромашка ООО")
    assert merged_card["text"].startswith("🏢 Ромашка ООО · объединён с другим клиентом")
    assert buttons(merged_card) == ["Лента событий", "Добавить заметку"]
    timeline = await bot.press(IVAN, new_card, "Лента событий")
    assert "Клиенты объединены с «Ромашка ООО»: телефон — → +79123456789" in timeline["text"]


async def test_another_managers_client_refused_with_forged_buttons(bot: Harness) -> None:
    await ru_team(bot)
    await new_client(bot, IVAN, "Ромашка", "+7 912 345-67-89")
    await new_client(bot, IVAN, "Лютик")
    await new_client(bot, PETR, "Василёк")
    ivans, other = (await company(bot, "Ромашка")).id, (await company(bot, "Лютик")).id
    petrs = (await company(bot, "Василёк")).id
    (user,) = await query(bot, m.User, telegram_id=IVAN)
    (contact,) = await write(bot, add=[m.Contact(owner_id=user.id, company_id=ivans,
                                                 name="Анна", name_norm="анна",
                                                 is_primary=True)])
    petr_msg = await bot.say(PETR, "/clients")
    forged = [
        CardCb(action=CardAction.EDIT, id=ivans),
        CardCb(action=CardAction.FIELD, id=ivans, code="phone"),
        CardCb(action=CardAction.CONTACTS, id=ivans),
        CardCb(action=CardAction.ADD_CONTACT, id=ivans),
        CardCb(action=CardAction.CONTACT, id=contact),
        CardCb(action=CardAction.CONTACT_FIELD, id=contact, code="phone"),
        CardCb(action=CardAction.PRIMARY, id=contact),
        CardCb(action=CardAction.DETACH_YES, id=contact),
        CardCb(action=CardAction.ARCHIVE, id=ivans),
        CardCb(action=CardAction.RESTORE, id=ivans),
        CardCb(action=CardAction.MERGE, id=ivans),
        CardCb(action=CardAction.MERGE_PICK, id=petrs, to=ivans),
        CardCb(action=CardAction.MERGE_KEEP, id=ivans, to=other),
        CardCb(action=CardAction.MERGE_DO, id=petrs, to=ivans),
        CardCb(action=CardAction.MERGE_DO, id=ivans, to=other),
    ]
    for data in forged:
        answer = await bot.press_for_answer(PETR, petr_msg["message_id"], data.pack(),
                                            forged=True)
        assert answer == NOT_FOUND, (data, answer)
    await bot.settled()
    for name in ("Ромашка", "Лютик", "Василёк"):
        row = await company(bot, name)
        assert row.archived_at is None and row.merged_into_id is None
    (row,) = await query(bot, m.Contact, id=contact)
    assert (row.company_id, row.is_primary) == (ivans, True)
    assert [e.action for e in await query(bot, m.AuditEntry)
            if e.action.startswith(("company.", "contact.")) and e.action != "company.create"
            ] == []
    # Petr typed nothing into Ivan's client: no edit flow was started for him.
    reply = await bot.say(PETR, "+7 912 000-00-00")
    assert "Сохранено" not in reply["text"]
    assert (await company(bot, "Ромашка")).phone == "+79123456789"
