"""/reports and /plan end to end, in Russian and English: each report's text, its chart sent
as a photo and its XLSX whose cells parse back to the same totals; a manager's forged buttons
for the team or another manager are refused and show none of their figures; typed ranges that
end before they start, run over 5 years or name a date that does not exist are answered
shortly; a period with no sales says so and sends no chart; /plan refuses 0 and -5 and saves
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from handlers.reports.callbacks import RepCb
from services.access import AccessService
from services.catalog import CatalogService, Price, ProductDraft
from services.clients import ClientService, CompanyDraft
from services.deals import DealDraft, DealService
from services.invoices import InvoiceService
from services.money import format_money
from services.organizations import OrganizationService, seed_demo_organization
from services.payments import PaymentService
from services.pipelines import load_pipelines
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, payment_pushes_delivered, running_bot

PIPELINES = load_pipelines(Path(__file__).resolve().parents[2] / "config" / "pipelines.toml")
MANAGER, MANAGER2 = 2201, 2202

REPORTS = {  # button text per language, and the XLSX's first sheet
    "sales": ({"en": "Sales", "ru": "Продажи"}),
    "funnel": ({"en": "Funnel by manager", "ru": "Воронка по менеджерам"}),
    "abc_clients": ({"en": "ABC/XYZ of clients", "ru": "ABC/XYZ клиентов"}),
    "abc_products": ({"en": "ABC/XYZ of products", "ru": "ABC/XYZ товаров"}),
    "calendar": ({"en": "Payment calendar", "ru": "Платёжный календарь"}),
    "plan": ({"en": "Plan vs fact", "ru": "План и факт"}),
    "activity": ({"en": "Manager activity", "ru": "Активность менеджеров"}),
}
WORDS = {
    "en": {"this_month": "This month", "team": "Team", "total": "Total",
           "type": "Type a range…"},
    "ru": {"this_month": "Этот месяц", "team": "Команда", "total": "Итого",
           "type": "Ввести даты…"},
}


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url) as harness:
        yield harness


@dataclass
class Seeded:
    ivan: int
    petr: int
    invoice_total: Decimal  # Ivan's and Petr's invoices together


async def seed(bot: Harness, lang: str) -> Seeded:
    """Ivan's client with a deal and an invoice of 1,000.00 (+ VAT, a free line) paid 500.00
    and due ten days ago; Petr's client with an invoice of a 700.00 chair (+ VAT) without a
    deal."""
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Ivan", None, lang)
        petr = await access.join(MANAGER2, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Petr", None, lang)
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        chair = await CatalogService(db.uow, bot.clock).create(admin, ProductDraft(
            name="Стул офисный", vat_code="22", sku="CH-1", unit="шт",
            prices=(Price("base", "RUB", Decimal("700.00")),)))
        clients = ClientService(db.uow, bot.clock)
        company = await clients.create_company(ivan, CompanyDraft(name="Ромашка"))
        other = await clients.create_company(petr, CompanyDraft(name="Василёк"))
        deals = DealService(db.uow, bot.clock, PIPELINES)
        deal = await deals.create(ivan, DealDraft(title="Поставка", company_id=company.id))
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        ids, total = [], Decimal(0)
        for who, client, deal_id, price in ((ivan, company.id, deal.id, "1000.00"),
                                            (petr, other.id, None, "")):
            inv = await invoices.create_draft(who, client, deal_id)
            if deal_id is None:
                inv = await invoices.add_product(who, inv.id, chair.id, Decimal(1))
            else:
                inv = await invoices.add_free_line(who, inv.id, "Работы", Decimal(1),
                                                   Decimal(price))
            inv = await invoices.issue(who, inv.id)
            ids.append(inv.id)
        async with db.uow() as uow:
            await uow.session.execute(update(m.Invoice).where(m.Invoice.id == ids[0])
                                      .values(due_date=bot.today() - timedelta(days=10)))
            total = Decimal((await uow.session.execute(
                select(func.sum(m.Invoice.total_minor)))).scalar_one()) / 100
            await uow.commit()
        await PaymentService(db.uow, bot.clock, deals, "UTC").record_manual(
            ivan, ids[0], "cash", "500", "ПКО-7")
        await payment_pushes_delivered(db, bot.clock.now())
    finally:
        await db.dispose()
    for uid, name in ((ADMIN, "Anna"), (MANAGER, "Ivan"), (MANAGER2, "Petr")):
        await bot.client.user(uid, first_name=name, language_code=lang)
    return Seeded(ivan.id, petr.id, total)


async def choose(bot: Harness, uid: int, msg: dict[str, Any], *texts: str) -> dict[str, Any]:
    for text in texts:
        msg = await bot.press(uid, msg, text)
    return msg


async def files_after(bot: Harness, uid: int, result: dict[str, Any]
                      ) -> tuple[dict[str, Any], Any]:
    photo = await bot.client.wait_for(uid, lambda v: bool(v["photo"]),
                                      after=result["message_id"])
    doc = await bot.client.wait_for(uid, lambda v: v["document"] is not None,
                                    after=photo["message_id"])
    book = load_workbook(BytesIO(await bot.client.file_bytes(uid, doc["message_id"])))
    return doc, book


def totals_are_sums(book: Any, total_word: str) -> list[list[Any]]:
    """Every sheet's total row equals the sum of the rows above it; the first sheet's rows."""
    first: list[list[Any]] = []
    for ws in book.worksheets:
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
        if not first:
            first = rows
        if not rows or rows[-1][0] != total_word:
            continue
        *body, total = rows
        for col, value in enumerate(total):
            if col and isinstance(value, int | float):
                column = [Decimal(str(r[col] or 0)) for r in body]
                assert Decimal(str(value)) == sum(column), (ws.title, col)
    return first


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_every_report_text_chart_and_xlsx(bot: Harness, lang: str) -> None:
    seeded = await seed(bot, lang)
    w = WORDS[lang]
    invoiced = format_money(seeded.invoice_total, "RUB", lang)  # type: ignore[arg-type]
    for kind, names in REPORTS.items():
        start = await bot.say(ADMIN, "/reports")
        assert buttons(start)[0] == REPORTS["sales"][lang]
        steps = [names[lang]] + ([] if kind == "calendar" else [w["this_month"]]) + [w["team"]]
        result = await choose(bot, ADMIN, start, *steps)
        text = result["text"]
        assert "UTC" not in text and "_minor" not in text, text
        _doc, book = await files_after(bot, ADMIN, result)
        rows = totals_are_sums(book, w["total"])
        if kind == "sales":
            assert invoiced in text, text
            by_manager = {r[0]: r for r in rows}
            assert set(by_manager) == {"Ivan", "Petr", w["total"]}
            assert Decimal(str(by_manager[w["total"]][2])) == seeded.invoice_total
            assert Decimal(str(by_manager["Ivan"][3])) == Decimal("500")
            assert "👤 Ivan" in buttons(result) and "🏢 Ромашка" in buttons(result)
            drill = await bot.press(ADMIN, result, "👤 Ivan")
            assert "Поставка" in drill["text"] and "Василёк" not in drill["text"]
            invoice_button = next(b for b in buttons(drill) if b.startswith("🧾 "))
            card = await bot.press(ADMIN, drill, invoice_button)
            assert invoice_button[2:] in card["text"]
            client = await bot.press(ADMIN, result, "🏢 Ромашка")
            assert "Ромашка" in client["text"]
        elif kind == "abc_clients":
            assert "Ромашка" in text and rows[0][0] == "Ромашка"
            assert Decimal(str(rows[-1][1])) == seeded.invoice_total
        elif kind == "calendar":
            assert format_money(seeded.invoice_total - 500, "RUB", lang) in text  # type: ignore
            assert Decimal(str(rows[-1][1])) == seeded.invoice_total - 500
        elif kind == "activity":
            assert {r[0] for r in rows} >= {"Ivan", "Petr"}
            assert rows[-1][5] == 2  # invoices issued
        elif kind == "abc_products":
            assert "Стул офисный" in text and rows[0][0] == "Стул офисный"
        elif kind == "funnel":
            assert ("New" if lang == "en" else "Новая") in text
        elif kind == "plan":
            assert "Ivan" in text and "Petr" in text


async def test_a_manager_cannot_forge_team_or_another_manager(bot: Harness) -> None:
    seeded = await seed(bot, "en")
    await bot.client.user(3999, first_name="Stranger", language_code="en")
    refused = await bot.say(3999, "/reports")
    assert refused["text"].startswith("Sorry, this is a private bot")
    mine = await bot.say(MANAGER, "/reports")
    # A manager is not asked whose figures: "me" only.
    result = await choose(bot, MANAGER, mine, "Sales", "This month")
    assert "Ivan" not in buttons(result) and "Petr" not in result["text"]
    assert "Change scope" not in buttons(result)
    _doc, book = await files_after(bot, MANAGER, result)
    assert {r[0] for r in book["By manager"].iter_rows(min_row=2, values_only=True)} == {
        "Ivan", "Total"}
    before = len(await bot.client.messages(MANAGER))
    for forged in (RepCb(k="s", p="tm", s="t", o=0, c="RUB"),
                   RepCb(k="s", p="tm", s=str(seeded.petr), o=0, c="RUB"),
                   RepCb(a="d", k="s", p="tm", s=str(seeded.petr), o=0, c="RUB")):
        answer = await bot.press_for_answer(MANAGER, mine["message_id"], forged=True,
                                            callback_data=forged.pack())
        assert answer == "You do not have access to this.", forged
    await bot.settled()
    assert len(await bot.client.messages(MANAGER)) == before
    # Drilling into oneself works and lists one's own invoice only.
    own = await bot.press_for_answer(MANAGER, mine["message_id"], forged=True,
                                     callback_data=RepCb(a="d", k="s", p="tm",
                                                         s=str(seeded.ivan), o=0,
                                                         c="RUB").pack())
    assert own == ""
    drill = await bot.client.wait_for_text(MANAGER, "Invoices: 1")
    assert "Ромашка" in drill["text"] and "Василёк" not in drill["text"]


@pytest.mark.parametrize(("lang", "typed", "answer"), [
    ("en", "31.10–01.10", "The period ends before it starts."),
    ("ru", "31.10–01.10", "Период заканчивается раньше, чем начинается."),
    ("en", "01.01.2020–01.01.2026", "A period can be at most 5 years long."),
    ("ru", "01.01.2020–01.01.2026", "Период может быть не длиннее 5 лет."),
    ("en", "31.02–01.03", "There is no date 31.02. Example: 25.11.2026."),
    ("ru", "31.02–01.03", "Даты 31.02 не существует. Пример: 25.11.2026."),
])
async def test_typed_ranges_refused(bot: Harness, lang: str, typed: str, answer: str) -> None:
    await seed(bot, lang)
    start = await bot.say(MANAGER, "/reports")
    prompt = await choose(bot, MANAGER, start, REPORTS["sales"][lang], WORDS[lang]["type"])
    assert "01.10–31.10" in prompt["text"]
    reply = await bot.say(MANAGER, typed)
    assert reply["text"] == answer
    await bot.settled()
    assert not any(v["photo"] or v["document"] for v in await bot.client.messages(MANAGER))


async def test_a_period_without_sales(bot: Harness) -> None:
    await seed(bot, "en")
    start = await bot.say(MANAGER, "/reports")
    await choose(bot, MANAGER, start, "Sales", "Type a range…")
    reply = await bot.say(MANAGER, "01.01.2021–31.01.2021")
    assert reply["text"].endswith("No sales in this period.")
    assert "01.01.2021–31.01.2021" in reply["text"]
    await bot.settled()
    assert not any(v["photo"] or v["document"] for v in await bot.client.messages(MANAGER))


async def plans(bot: Harness) -> int:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow() as uow:
            return int((await uow.session.execute(
                select(func.count()).select_from(m.SalesPlan))).scalar_one())
    finally:
        await db.dispose()


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_plan_refuses_zero_and_negative_then_saves(bot: Harness, lang: str) -> None:
    await seed(bot, lang)
    refused = await bot.say(MANAGER, "/plan")
    assert refused["text"] == {"en": "Only a head of sales or an admin sets plans.",
                               "ru": "Планы задаёт только руководитель отдела продаж или "
                                     "администратор."}[lang]
    start = await bot.say(ADMIN, "/plan")
    months = await bot.press(ADMIN, start, "Ivan")
    prompt = await bot.press(ADMIN, months, buttons(months)[0])
    assert "RUB" in prompt["text"]
    not_positive = {"en": "A plan must be more than zero. Nothing was saved.",
                    "ru": "План должен быть больше нуля. Ничего не сохранено."}[lang]
    for typed in ("0", "-5"):
        assert (await bot.say(ADMIN, typed))["text"] == not_positive
    assert (await bot.say(ADMIN, "много"))["text"] != not_positive
    assert await plans(bot) == 0
    basis = await bot.say(ADMIN, "500000")
    done = await bot.press(ADMIN, basis, buttons(basis)[0])
    amount = format_money(Decimal(500000), "RUB", lang)  # type: ignore[arg-type]
    assert amount in done["text"] and "Ivan" in done["text"]
    assert await plans(bot) == 1
