"""Repeat for a repeat customer, in Russian: "Повторить" on an invoice and on a quote makes a
draft with the same client, deal, lines and terms at today's prices (and says so); the client
card offers "Счёт как в прошлый раз"; from the deal card to the invoice in the customer's
chat takes two presses. Another manager's forged buttons are refused and create nothing; a
customer without a chat with the bot gets nothing issued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.access import AccessService
from services.catalog import CatalogService
from services.clients import ClientService
from services.deals import DealDraft, DealService
from services.invoices import InvoiceService
from services.pipelines import load_pipelines
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot
from tests.e2e.test_catalog_edit import MANAGER, MANAGER2, audit, rows, rub, seed, user_id
from tests.unit.services.conftest import ROOT

CUSTOMER = 5001
D = Decimal


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url, pdf_workers=1) as harness:
        yield harness


@dataclass
class Issued:
    company: int
    deal: int
    invoice: int
    number: str


async def issued_invoice(bot: Harness) -> Issued:
    """Иван's client Ромашка with a deal and an issued invoice for it (2 chairs at 2 500 ₽, a
    typed line, 10% discount, the default 5 days to pay); then the chair costs 2 600 ₽."""
    seeded = await seed(bot)
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        ivan = await access.identify(MANAGER)
        admin = await access.identify(ADMIN)
        assert ivan is not None and admin is not None
        deals = DealService(db.uow, bot.clock, load_pipelines(ROOT / "config" /
                                                              "pipelines.toml"))
        deal = await deals.create(ivan, DealDraft(title="Поставка стульев",
                                                  company_id=seeded.company))
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        inv = await invoices.create_for_deal(ivan, deal.id)
        inv = await invoices.add_product(ivan, inv.id, seeded.product, D(2))
        inv = await invoices.add_free_line(ivan, inv.id, "Доставка", D(1), D("700.00"))
        inv = await invoices.set_discount(ivan, inv.id, D(10), None)
        inv = await invoices.issue(ivan, inv.id)
        await CatalogService(db.uow, bot.clock).set_price(admin, seeded.product, "base", "RUB",
                                                          "2600")
        assert await ClientService(db.uow, bot.clock).get_company(ivan, seeded.company)
    finally:
        await db.dispose()
    assert inv.number_text is not None
    return Issued(seeded.company, deal.id, inv.id, inv.number_text)


async def bind_customer(bot: Harness, company_id: int) -> None:
    """The client's contact Ольга has a chat with the bot (she opened a link before)."""
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            owner = await uow.session.scalar(select(m.Company.owner_id)
                                             .where(m.Company.id == company_id))
            uow.session.add(m.Contact(owner_id=owner, company_id=company_id, name="Ольга",
                                      name_norm="ольга", telegram_user_id=CUSTOMER,
                                      language="ru"))
            await uow.commit()
    finally:
        await db.dispose()
    await bot.client.user(CUSTOMER, first_name="Ольга", language_code="ru")
    await bot.client.send_text(CUSTOMER, "/start")
    await bot.client.wait_for(CUSTOMER)


async def counts(bot: Harness) -> tuple[int, int, int]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            values = [int(await uow.session.scalar(select(func.count()).select_from(t)) or 0)
                      for t in (m.Invoice, m.Quote, m.DocumentLine)]
    finally:
        await db.dispose()
    return values[0], values[1], values[2]


def lines_of(text: str) -> list[str]:
    return [x for x in text.splitlines() if x[:2] in ("1.", "2.")]


async def test_repeat_an_invoice_and_a_quote_at_todays_prices(bot: Harness) -> None:
    issued = await issued_invoice(bot)
    listing = await bot.say(MANAGER, "/invoices")
    card = await bot.press(MANAGER, listing, buttons(listing)[0])
    assert buttons(card) == ["Аннулировать", "Перевыставить", "Отправить…", "Отгрузить",
                             "💰 Оплата", "Повторить", "Кредит-нота"]
    draft = await bot.press(MANAGER, card, "Повторить")
    text = draft["text"]
    assert text.startswith("Новый черновик как в прошлом счёте. Цены обновлены по "
                           "прайс-листу «Базовый» на сегодня; изменилось строк: 1.")
    due = (bot.today() + timedelta(days=5)).strftime("%d.%m.%Y")  # the same 5 days to pay
    assert "Черновик счёта #2 · Ромашка" in text and "Прайс-лист: Базовый" in text
    assert f"Оплатить до {due}" in text
    assert lines_of(text) == [
        f"1. Стул офисный — 2 × {rub('2600.00')} = {rub('4680.00')} · НДС 22%",
        f"2. Доставка — 1 × {rub('700.00')} = {rub('630.00')} · НДС 22%"]
    assert "Выставить и отправить клиенту" in buttons(draft)
    ((new_id, company, deal, status, percent, price_list),) = await rows(
        bot, m.Invoice.id, m.Invoice.company_id, m.Invoice.deal_id, m.Invoice.status,
        m.Invoice.discount_percent, m.Invoice.price_list, where=m.Invoice.status == "draft")
    assert (company, deal, status, percent, price_list) == (
        issued.company, issued.deal, "draft", D(10), "base")
    ivan = await user_id(bot, MANAGER)
    (repeat,) = [r for r in await rows(bot, m.AuditEntry.id, m.AuditEntry.actor_id,
                                       m.AuditEntry.action, m.AuditEntry.entity_id,
                                       m.AuditEntry.company_id, m.AuditEntry.deal_id,
                                       m.AuditEntry.data,
                                       where=m.AuditEntry.action == "invoice.repeat")]
    assert repeat[1:] == (ivan, "invoice.repeat", new_id, issued.company, issued.deal,
                          {"from": issued.invoice, "price_list": "base", "changed": 1})

    # A quote, once sent, is repeated the same way.
    quote = await bot.press(MANAGER, await bot.say(MANAGER, "/quote"), "Ромашка")
    await bot.press(MANAGER, quote, "Добавить товар")
    found = await bot.say(MANAGER, "стул")
    await bot.press(MANAGER, found, buttons(found)[0])
    quote = await bot.say(MANAGER, "3")
    assert "Повторить" not in buttons(quote)  # a draft is edited, not repeated
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:  # sent (the delivery's numbering is not what is tested)
            await uow.session.execute(m.Quote.__table__.update().values(status="sent"))
            await uow.commit()
    finally:
        await db.dispose()
    ((quote_id,),) = await rows(bot, m.Quote.id)
    listing = await bot.say(MANAGER, "/quotes")
    card = await bot.press(MANAGER, listing, buttons(listing)[0])
    assert "Повторить" in buttons(card)
    again = await bot.press(MANAGER, card, "Повторить")
    assert again["text"].startswith("Новый черновик как в этом КП. Цены обновлены по "
                                    "прайс-листу «Базовый» на сегодня; изменилось строк: 0.")
    assert f"1. Стул офисный — 3 × {rub('2600.00')}" in again["text"]
    assert [a[:3] for a in await audit(bot, "quote.repeat")] == [
        (ivan, "quote.repeat", quote_id + 1)]


async def test_from_the_deal_card_to_the_customers_chat_in_two_presses(bot: Harness) -> None:
    issued = await issued_invoice(bot)
    await bind_customer(bot, issued.company)
    listing = await bot.say(MANAGER, "/deals")
    deal_card = await bot.press(MANAGER, listing, buttons(listing)[0])
    presses = 0
    assert "Счёт как в прошлый раз" in buttons(deal_card)
    draft = await bot.press(MANAGER, deal_card, "Счёт как в прошлый раз")
    presses += 1
    assert draft["text"].startswith("Новый черновик как в прошлом счёте.")
    answer = await bot.press_for_answer(MANAGER, draft["message_id"],
                                        text="Выставить и отправить клиенту")
    presses += 1
    assert answer == "Отправляю в чат Ольга…"
    issued_card = await bot.client.wait_for_text(MANAGER, "Выставлен счёт")
    year = bot.clock.now().year
    number = f"INV-{year}-00002"
    assert issued_card["text"].startswith(
        f"Выставлен счёт {number}. Отправляю в чат клиента Ольга…")
    doc = await bot.client.wait_for(CUSTOMER, lambda v: v["document"] is not None, timeout=60)
    assert doc["document"]["file_name"] == f"Invoice_{number}.pdf"
    await bot.client.wait_for_text(MANAGER, "Отправлено в чат: Ольга.", timeout=60)
    assert presses <= 3
    ((status, deal),) = await rows(bot, m.Invoice.status, m.Invoice.deal_id,
                                   where=m.Invoice.number_text == number)
    assert (status, deal) == ("sent", issued.deal)
    ivan = await user_id(bot, MANAGER)
    repeats = await rows(bot, m.AuditEntry.id, m.AuditEntry.actor_id, m.AuditEntry.action,
                         m.AuditEntry.company_id, m.AuditEntry.deal_id,
                         where=m.AuditEntry.action == "invoice.repeat")
    assert [r[1:] for r in repeats] == [(ivan, "invoice.repeat", issued.company, issued.deal)]


async def test_forged_repeat_buttons_of_another_manager_create_nothing(bot: Harness) -> None:
    issued = await issued_invoice(bot)
    card = await bot.press(MANAGER, await bot.say(MANAGER, "/clients"), "Ромашка")
    assert "Счёт как в прошлый раз" in buttons(card)
    before = await counts(bot)
    own = await bot.say(MANAGER2, "/start")
    for data in (f"in:rp:{issued.invoice}:0:", f"in:la:{issued.company}:0:",
                 f"in:dl:{issued.deal}:0:", f"in:ss:{issued.invoice}:0:"):
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], data, forged=True)
        assert answer == "Не найдено. Возможно, запись удалена или недоступна вам.", data
    assert await counts(bot) == before
    assert await audit(bot, "invoice.repeat") == []

    # The owner's client card repeats the last invoice; the customer has no chat with the
    # bot, so "issue and send" issues nothing.
    draft = await bot.press(MANAGER, card, "Счёт как в прошлый раз")
    assert draft["text"].startswith("Новый черновик как в прошлом счёте.")
    assert await counts(bot) == (before[0] + 1, before[1], before[2] + 2)
    answer = await bot.press_for_answer(MANAGER, draft["message_id"],
                                        text="Выставить и отправить клиенту")
    assert answer == "Клиент ещё не открывал ссылку в Telegram: сначала отправьте её."
    assert [s for _i, s in await rows(bot, m.Invoice.id, m.Invoice.status)] == [
        "issued", "draft"]
