"""Invoices end to end: a manager builds an invoice in chat (catalog product, free line,
discount), issues it and sees its number; bad input gets a short answer and changes nothing;
a forged callback on another manager's invoice finds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from services.access import AccessService
from services.catalog import CatalogService, Price, ProductDraft
from services.clients import ClientService, CompanyDraft
from services.money import format_money
from services.organizations import OrganizationService, seed_demo_organization
from services.pricing import LineInput, compute_totals
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons

MANAGER, MANAGER2 = 2001, 2002
D = Decimal


@dataclass
class Seeded:
    company: int


async def seed(bot: Harness) -> Seeded:
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Ivan", None, "en")
        await access.join(MANAGER2, (await access.create_invite(admin, Role.MANAGER)).token,
                          "Petr", None, "en")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        await CatalogService(db.uow, bot.clock).create(admin, ProductDraft(
            name="Стул офисный", vat_code="22", sku="CH-1", unit="шт",
            prices=(Price("base", "RUB", D("2500.00")),)))
        company = await ClientService(db.uow, bot.clock).create_company(
            ivan, CompanyDraft(name="Ромашка"))
    finally:
        await db.dispose()
    for uid, name in ((MANAGER, "Ivan"), (MANAGER2, "Petr")):
        await bot.client.user(uid, first_name=name, language_code="en")
    return Seeded(company.id)


def rub(amount: str) -> str:
    return format_money(D(amount), "RUB", "en")


async def draft(bot: Harness, user: int = MANAGER) -> dict[str, Any]:
    pick = await bot.say(user, "/invoice")
    assert buttons(pick) == ["Ромашка"]
    card = await bot.press(user, pick, "Ромашка")
    assert "Invoice draft" in card["text"] and "No lines yet" in card["text"]
    return card


async def db_state(bot: Harness) -> tuple[Any, ...]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            inv = (await uow.session.execute(select(
                m.Invoice.status, m.Invoice.currency, m.Invoice.discount_percent,
                m.Invoice.discount_minor, m.Invoice.subtotal_minor, m.Invoice.vat_minor,
                m.Invoice.total_minor, m.Invoice.number_text).order_by(m.Invoice.id))).all()
            lines = (await uow.session.execute(select(
                m.DocumentLine.name, m.DocumentLine.quantity, m.DocumentLine.unit_price_minor,
                m.DocumentLine.discount_percent, m.DocumentLine.discount_minor,
                m.DocumentLine.net_minor, m.DocumentLine.vat_minor,
                m.DocumentLine.total_minor).order_by(m.DocumentLine.id))).all()
            count = await uow.session.scalar(select(func.count()).select_from(m.Invoice))
    finally:
        await db.dispose()
    return tuple(map(tuple, inv)), tuple(map(tuple, lines)), count


async def db_count(bot: Harness, model: Any) -> int:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await db.dispose()


async def test_manager_builds_and_issues_an_invoice(bot: Harness) -> None:
    await seed(bot)
    card = await draft(bot)
    ask = await bot.press(MANAGER, card, "Add product")
    assert "product name or SKU" in ask["text"]
    found = await bot.say(MANAGER, "стул")
    assert buttons(found) == [f"Стул офисный · {rub('2500.00')}"]
    ask_qty = await bot.press(MANAGER, found, buttons(found)[0])
    assert "Quantity" in ask_qty["text"]
    card = await bot.say(MANAGER, "2")
    assert f"1. Стул офисный — 2 × {rub('2500.00')} = {rub('5000.00')} · VAT 22%" in card["text"]
    await bot.press(MANAGER, card, "Add line")
    await bot.say(MANAGER, "Монтаж")
    await bot.say(MANAGER, "1,5")
    card = await bot.say(MANAGER, "1 200,50")
    assert f"2. Монтаж — 1.5 × {rub('1200.50')} = {rub('1800.75')} · VAT 22%" in card["text"]
    await bot.press(MANAGER, card, "Discount")
    card = await bot.say(MANAGER, "10%")
    expected = compute_totals([LineInput("Стул офисный", D(2), D("2500.00"), D(22)),
                               LineInput("Монтаж", D("1.5"), D("1200.50"), D(22))],
                              "RUB", "per_line", total_discount_percent=D(10))
    text = card["text"]
    for label, amount in (("Subtotal", expected.subtotal), ("Discount", expected.discount_total),
                          ("Net", expected.net_total), ("VAT 22%", expected.vat_total),
                          ("Total", expected.grand_total)):
        assert f"{label}: {format_money(amount, 'RUB', 'en')}" in text, (label, text)
    assert expected.grand_total == D("7467.22")
    issued = await bot.press(MANAGER, card, "Issue ✅")
    year = bot.clock.now().year
    assert f"Issued: invoice INV-{year}-00001." in issued["text"]
    assert f"Total: {rub('7467.22')}" in issued["text"]
    assert buttons(issued) == ["Cancel invoice", "Reissue", "Send…", "Ship",
                               "💰 Payment", "Repeat", "Credit note"]
    (inv,), lines, _ = await db_state(bot)
    assert inv == ("issued", "RUB", D(10), None, 680075, 134655, 746722, f"INV-{year}-00001")
    assert [(x[0], x[5], x[6], x[7]) for x in lines] == [
        (r.name, int(r.net * 100), int(r.vat * 100), int(r.gross * 100))
        for r in expected.lines]
    listing = await bot.say(MANAGER, "/invoices")
    assert f"Total in RUB: {rub('7467.22')}" in listing["text"]
    assert buttons(listing)[0].startswith(f"INV-{year}-00001 · Ромашка")


async def test_bad_input_gets_a_short_answer_and_changes_nothing(bot: Harness) -> None:
    await seed(bot)
    card = await draft(bot)
    await bot.press(MANAGER, card, "Add line")
    await bot.say(MANAGER, "Монтаж")
    for bad in ("-2", "0"):
        reply = await bot.say(MANAGER, bad)
        assert "must be more than zero" in reply["text"] and len(reply["text"]) < 120
    ask_price = await bot.say(MANAGER, "2")
    assert "Price" in ask_price["text"]
    reply = await bot.say(MANAGER, "100,505")
    assert "At most two digits after the decimal point" in reply["text"]
    card = await bot.say(MANAGER, "1 200,50")
    assert f"= {rub('2401.00')}" in card["text"]
    before = await db_state(bot)
    await bot.press(MANAGER, card, "Discount")
    reply = await bot.say(MANAGER, "150%")
    assert "cannot be more than 100%" in reply["text"]
    reply = await bot.say(MANAGER, "5000")
    assert "more than the total of the items" in reply["text"]
    await bot.say(MANAGER, "/cancel")
    await bot.press(MANAGER, card, "Currency")
    reply = await bot.say(MANAGER, "XYZ")
    assert "Unknown currency" in reply["text"]
    await bot.say(MANAGER, "/cancel")
    lines = await bot.press(MANAGER, card, "Edit/remove line")
    menu = await bot.press(MANAGER, lines, "1. Монтаж")
    await bot.press(MANAGER, menu, "Discount")
    reply = await bot.say(MANAGER, "3000")
    assert "discount of line 1 is more than the line amount" in reply["text"]
    await bot.say(MANAGER, "/cancel")
    assert await db_state(bot) == before
    # An empty draft cannot be issued.
    empty = await draft(bot)
    answer = await bot.press_for_answer(MANAGER, empty["message_id"], text="Issue ✅")
    assert answer == "Add at least one line first."


async def test_forged_callback_on_another_managers_invoice(bot: Harness) -> None:
    await seed(bot)
    card = await draft(bot)
    data = next(b["callback_data"] for row in card["buttons"] for b in row
                if b["text"] == "Issue ✅")
    own = await bot.say(MANAGER2, "/invoices")
    assert "No invoices yet" in own["text"]
    for forged in (data, data.replace(":is:", ":o:"), data.replace(":is:", ":cx:")):
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], forged, forged=True)
        assert answer.startswith("Not found"), answer
    (inv,), _, _ = await db_state(bot)
    assert inv[0] == "draft" and inv[-1] is None
    assert not any("Ромашка" in (x["text"] or "") for x in await bot.client.messages(MANAGER2))


async def test_admin_imports_products_from_csv_and_searches(bot: Harness) -> None:
    await seed(bot)
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    csv_text = ("sku;name;vat;price;currency\nT-1;Стол;10;1 200,50;RUB\n"
                ";;22;10;RUB\nB-1;Bad;22;12,345;RUB\nB-2;Bad;18;10;RUB\n")
    await bot.client.send_document(ADMIN, "goods.csv", csv_text.encode(), "text/csv",
                                   caption="/import_products")
    report = await bot.client.wait_for(ADMIN)
    assert report["text"].splitlines() == [
        "Import done: 1 created, 0 updated, 3 rejected.", "Line 3: missing name",
        "Line 4: bad price", "Line 5: unknown VAT rate"]
    found = await bot.say(MANAGER, "/products сто")
    assert found["text"] == f"• Стол [T-1] — {rub('1200.50')} / pcs · VAT 10%"
    refused = await bot.say(MANAGER, "/import_products")
    assert "did not understand" in refused["text"]


async def test_admin_adds_an_organization(bot: Harness) -> None:
    await bot.client.user(ADMIN, first_name="Anna", language_code="en")
    orgs = await bot.say(ADMIN, "/org")
    assert "No organizations yet" in orgs["text"]
    ask = await bot.press(ADMIN, orgs, "Add organization")
    country = await bot.say(ADMIN, "Test SRL")
    await bot.press(ADMIN, country, "RO")
    bad = await bot.say(ADMIN, "18547291")
    assert "checksum does not match" in bad["text"], bad["text"]
    await bot.say(ADMIN, "RO18547290")
    currency = await bot.say(ADMIN, "Str. Test 1, Cluj")
    assert buttons(currency) == ["RON"]
    await bot.press(ADMIN, currency, "RON")
    await bot.say(ADMIN, "TST")
    await bot.say(ADMIN, "Banca Transilvania")
    bad_iban = await bot.say(ADMIN, "RO49AAAA1B31007593840001")
    assert "IBAN" in bad_iban["text"]
    await bot.say(ADMIN, "RO49 AAAA 1B31 0075 9384 0000")
    summary = await bot.say(ADMIN, "RZBRROBU")
    assert "Test SRL" in summary["text"] and ask["text"]
    await bot.client.press(ADMIN, summary["message_id"], text="Save")
    saved = await bot.client.wait_for_edit(ADMIN, summary["message_id"])
    assert saved["text"].startswith("Saved.") and "CUI: 18547290" in saved["text"]
    assert "IBAN RO49AAAA1B31007593840000, RZBRROBU" in saved["text"]
    # The finished flow's buttons change nothing: the country, Save again, Cancel.
    answer = await bot.press_for_answer(ADMIN, country["message_id"], text="RO")
    assert answer == "This button belongs to a finished step."
    for row in summary["buttons"]:  # Save and Cancel as they were, pressed again
        for button in row:
            answer = await bot.press_for_answer(ADMIN, summary["message_id"],
                                                button["callback_data"], forged=True)
            assert answer == "This button belongs to a finished step.", (button, answer)
    assert await db_count(bot, m.Organization) == 1
