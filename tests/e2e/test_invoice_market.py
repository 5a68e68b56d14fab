"""The invoice's market fields end to end (issue 16), for a Romanian organization (a VAT payer
with «TVA la încasare»): a EUR draft is refused without an exchange rate, then without the
exemption reason of its 0 % line, nothing issued either time; once set (with a delivery
date) it is issued, and its PDF is the factură with each mention and the same totals as the
chat and the database. Reverse charge puts every line at 0 % and back. Another manager's
forged buttons find nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from services.access import AccessService
from services.catalog import CatalogService, Price, ProductDraft
from services.clients import ClientService, CompanyDraft
from services.documents.market import local_rows
from services.documents.views import VatLine
from services.money import format_money
from services.organizations import OrganizationService, seed_demo_organization
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons
from tests.integration.test_pdf import flat

MANAGER, MANAGER2 = 2101, 2102
D = Decimal
REASON = "art. 292 alin. (2) lit. a) din Codul fiscal"
PRODUCTS = (("Servicii IT", "21", "100.00"), ("Carte tehnică", "11", "50.00"),
            ("Curs autorizat", "0", "30.00"))


@dataclass
class Seeded:
    company: int


async def seed(bot: Harness) -> Seeded:
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ana = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                .token, "Ana", None, "en")
        await access.join(MANAGER2, (await access.create_invite(admin, Role.MANAGER)).token,
                          "Dan", None, "en")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock), "RO",
                                     vat_on_collection=True)
        catalog = CatalogService(db.uow, bot.clock)
        for i, (name, vat, price) in enumerate(PRODUCTS):
            await catalog.create(admin, ProductDraft(
                name=name, vat_code=vat, sku=f"RO-{i}", unit="buc",
                prices=(Price("base", "EUR", D(price)), Price("base", "RON", D(price) * 5))))
        company = await ClientService(db.uow, bot.clock).create_company(
            ana, CompanyDraft(name="Client SRL"))
        async with db.uow() as uow:  # the client's requisites as the requisites flow stores them
            await uow.session.execute(update(m.Company).where(m.Company.id == company.id).values(
                country="RO", legal_form="SRL", tax_id="14399840", vat_payer=True,
                legal_address="Str. Memorandumului 2", trade_register="J12/55/2019",
                city="Cluj-Napoca", region="RO-CJ", postal_code="400114"))
            await uow.commit()
    finally:
        await db.dispose()
    for uid, name in ((MANAGER, "Ana"), (MANAGER2, "Dan")):
        await bot.client.user(uid, first_name=name, language_code="en")
    return Seeded(company.id)


async def draft(bot: Harness) -> dict[str, Any]:
    pick = await bot.say(MANAGER, "/invoice")
    card = await bot.press(MANAGER, pick, "Client SRL")
    assert "Invoice draft" in card["text"]
    assert {"Delivery date", "Exchange rate", "Reverse charge: off",
            "VAT exemption reason"} <= set(buttons(card))
    return card


async def add_product(bot: Harness, card: dict[str, Any], query: str, qty: str
                      ) -> dict[str, Any]:
    await bot.press(MANAGER, card, "Add product")
    found = await bot.say(MANAGER, query)
    await bot.press(MANAGER, found, buttons(found)[0])
    return await bot.say(MANAGER, qty)


async def invoices(bot: Harness) -> list[tuple[Any, ...]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            rows = (await uow.session.execute(select(
                m.Invoice.status, m.Invoice.number_text, m.Invoice.currency,
                m.Invoice.exchange_rate, m.Invoice.delivery_date, m.Invoice.reverse_charge,
                m.Invoice.vat_exemption_reason, m.Invoice.total_minor, m.Invoice.vat_minor,
                m.Invoice.id).order_by(m.Invoice.id))).all()
            return [tuple(r) for r in rows]
    finally:
        await db.dispose()


async def line_vats(bot: Harness, invoice_id: int) -> list[tuple[str, int]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            rows = (await uow.session.execute(select(
                m.DocumentLine.vat_rate, m.DocumentLine.vat_minor)
                .where(m.DocumentLine.invoice_id == invoice_id)
                .order_by(m.DocumentLine.position))).all()
            return [(str(r[0]), int(r[1])) for r in rows]
    finally:
        await db.dispose()


async def line_nets(bot: Harness, invoice_id: int) -> list[int]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            return [int(x) for x in (await uow.session.scalars(select(
                m.DocumentLine.net_minor).where(m.DocumentLine.invoice_id == invoice_id)
                .order_by(m.DocumentLine.position))).all()]
    finally:
        await db.dispose()


async def test_eur_factura_needs_a_rate_and_a_reason_then_prints_every_mention(
        bot: Harness) -> None:
    await seed(bot)
    card = await draft(bot)
    await bot.press(MANAGER, card, "Currency")
    card = await bot.say(MANAGER, "EUR")
    card = await add_product(bot, card, "servicii", "2")
    card = await add_product(bot, card, "carte", "1")
    card = await add_product(bot, card, "curs", "1")
    (before,) = await invoices(bot)
    assert before[:4] == ("draft", None, "EUR", None)

    # No rate: refused, naming the field; nothing issued.
    answer = await bot.press_for_answer(MANAGER, card["message_id"], text="Issue ✅")
    assert answer == ("The invoice is in EUR and the organization keeps its books in RON: set "
                      "the exchange rate first (Exchange rate). Nothing was issued.")
    assert await invoices(bot) == [before]

    await bot.press(MANAGER, card, "Exchange rate")
    reply = await bot.say(MANAGER, "four")
    assert reply["text"].startswith("That is not an exchange rate. Example: 4.9750.")
    assert await invoices(bot) == [before]
    card = await bot.say(MANAGER, "4,9750")
    assert "Exchange rate: 1 EUR = 4.9750" in card["text"]

    # The 0 % line of a Romanian VAT payer needs its legal reason: refused, nothing issued.
    answer = await bot.press_for_answer(MANAGER, card["message_id"], text="Issue ✅")
    assert answer.startswith("Some lines have no VAT: set the VAT exemption reason")
    (row,) = await invoices(bot)
    assert row[:4] == ("draft", None, "EUR", D("4.9750"))

    await bot.press(MANAGER, card, "VAT exemption reason")
    card = await bot.say(MANAGER, REASON)
    assert f"VAT exemption reason: {REASON}" in card["text"]
    delivered = bot.today() - timedelta(days=2)
    await bot.press(MANAGER, card, "Delivery date")
    reply = await bot.say(MANAGER, "yesterday")
    assert "That is not a date" in reply["text"]
    card = await bot.say(MANAGER, delivered.strftime("%d.%m.%Y"))
    assert f"Delivery date: {delivered:%d.%m.%Y}" in card["text"]

    issued = await bot.press(MANAGER, card, "Issue ✅")
    year = bot.clock.now().year
    number = f"DMO-{year}-00001"
    assert f"Issued: invoice {number}." in issued["text"]
    (row,) = await invoices(bot)
    status, text, currency, rate, day, reverse, reason, total, vat, inv_id = row
    assert (status, text, currency, rate, day, reverse, reason) == (
        "issued", number, "EUR", D("4.9750"), delivered, False, REASON)
    grand = D(total) / 100
    assert f"Total: {format_money(grand, 'EUR', 'en')}" in issued["text"]

    # The PDF: the factură in Romanian with the mentions of art. 319.
    listing = await bot.say(MANAGER, "/invoices")
    card = await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith(number)))
    menu = await bot.press(MANAGER, card, "Send…")
    await bot.client.press(MANAGER, menu["message_id"], text="PDF")
    doc = await bot.client.wait_for(MANAGER, lambda x: x.get("document") is not None,
                                    after=menu["message_id"])
    pdf = flat(await bot.client.file_bytes(MANAGER, doc["message_id"]))
    for mention in (
        "Factură", f"Seria DMO-{year} nr. 00001",
        f"Data emiterii: {bot.today():%d.%m.%Y}", f"Data livrării: {delivered:%d.%m.%Y}",
        "Demo SRL", "CUI RO18547290", "Nr. Reg. Com. J40/1234/2020",
        "Str. Exemplu 1, Sector 1", "Județ: București", "Cod poștal: 010011",
        "IBAN: RO49AAAA1B31007593840000", "Banca: Banca Exemplu",
        "Client SRL", "CUI RO14399840", "Nr. Reg. Com. J12/55/2019",
        "Str. Memorandumului 2, Cluj-Napoca", "Județ: Cluj", "Cod poștal: 400114",
        "21%", "11%", "Scutit", f"Scutit de TVA: {REASON}", "TVA la încasare",
        "Curs de schimb: 1 EUR = 4,9750 RON",
        f"Total de plată: {format_money(grand, 'EUR', 'ro')}",
    ):
        assert mention in pdf, (mention, pdf)
    # The VAT in lei: each rate's VAT at the rate, as the chat's VAT per rate says.
    vats = await line_vats(bot, inv_id)
    assert [r for r, _ in vats] == ["21", "11", "0"]
    nets = await line_nets(bot, inv_id)
    rows = tuple(VatLine(r, D(n) / 100, D(v) / 100)
                 for (r, v), n in zip(vats, nets, strict=True))
    converted, vat_ron, grand_ron = local_rows(rows, D("4.9750"), "RON")
    assert D(vat) / 100 == sum((r.vat for r in rows), D(0))  # the database's VAT total
    assert grand == sum((r.base + r.vat for r in rows), D(0))  # and its grand total
    assert f"TVA 21% în RON: {format_money(converted[0].vat, 'RON', 'ro')}" in pdf
    assert f"Total TVA în RON: {format_money(vat_ron, 'RON', 'ro')}" in pdf
    assert f"Total de plată în RON: {format_money(grand_ron, 'RON', 'ro')}" in pdf


async def test_reverse_charge_puts_every_line_at_zero_and_back(bot: Harness) -> None:
    await seed(bot)
    card = await draft(bot)
    card = await add_product(bot, card, "servicii", "1")
    card = await add_product(bot, card, "carte", "1")
    (row,) = await invoices(bot)
    inv_id = row[-1]
    assert await line_vats(bot, inv_id) == [("21", 10500), ("11", 2750)]

    card = await bot.press(MANAGER, card, "Reverse charge: off")
    assert card["text"].startswith("Reverse charge is on: every line is at 0 % VAT.")
    assert "Reverse charge (taxare inversă)" in card["text"]
    assert "Reverse charge: on" in buttons(card)
    assert await line_vats(bot, inv_id) == [("0", 0), ("0", 0)]
    card = await add_product(bot, card, "servicii", "1")  # added later: at 0 % too
    assert await line_vats(bot, inv_id) == [("0", 0), ("0", 0), ("0", 0)]

    card = await bot.press(MANAGER, card, "Reverse charge: on")
    assert card["text"].startswith("Reverse charge is off")
    assert await line_vats(bot, inv_id) == [("21", 10500), ("11", 2750), ("21", 10500)]

    card = await bot.press(MANAGER, card, "Reverse charge: off")
    issued = await bot.press(MANAGER, card, "Issue ✅")  # RON, reverse charge: no reason asked
    assert "Issued: invoice DMO-" in issued["text"]
    (row,) = await invoices(bot)
    assert (row[0], row[5], row[8]) == ("issued", True, 0)
    assert row[7] == 125000  # 500 + 250 + 500 lei, no VAT


async def test_forged_market_buttons_on_another_managers_draft_find_nothing(
        bot: Harness) -> None:
    await seed(bot)
    card = await draft(bot)
    card = await add_product(bot, card, "servicii", "1")
    datas = [b["callback_data"] for row in card["buttons"] for b in row
             if b["text"] in ("Delivery date", "Exchange rate", "Reverse charge: off",
                              "VAT exemption reason")]
    assert len(datas) == 4 and all(len(d.encode()) <= 64 for d in datas)
    before = await invoices(bot)
    own = await bot.say(MANAGER2, "/invoices")
    for forged in datas:
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], forged, forged=True)
        assert answer.startswith("Not found"), answer
    assert await invoices(bot) == before
    assert before[0][5] is False and before[0][3] is None
