"""Company card extras end to end: the requisites flow and reassignment with notifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons
from tests.e2e.test_search import IVAN, PETR, new_client, team


async def open_card(bot: Harness, user_id: int, name: str) -> dict[str, Any]:
    listing = await bot.say(user_id, "/clients")
    return await bot.press(user_id, listing, name)


async def company_rows(bot: Harness) -> tuple[list[Any], list[Any]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            companies = (await uow.session.execute(
                select(*m.Company.__table__.c).order_by(m.Company.id))).all()
            accounts = (await uow.session.execute(
                select(*m.CompanyAccount.__table__.c))).all()
    finally:
        await db.dispose()
    return list(companies), list(accounts)


async def test_requisites_bad_inn_named_then_saved(bot: Harness) -> None:
    await team(bot)
    await new_client(bot, IVAN, "Сбер")
    card = await open_card(bot, IVAN, "Сбер")
    country = await bot.press(IVAN, card, "Requisites")
    assert "Requisites of «Сбер»" in country["text"] and "None yet." in country["text"]
    assert buttons(country)[:4] == ["RU · Russia", "BY · Belarus", "MD · Moldova",
                                    "RO · Romania"]
    form = await bot.press(IVAN, country, "RU · Russia")
    assert form["text"] == "Legal form?" and "ООО" in buttons(form)
    name = await bot.press(IVAN, form, "ПАО")
    assert "Legal name" in name["text"] and buttons(name) == ["Keep «Сбер»"]
    inn = await bot.say(IVAN, "Сбербанк")
    assert inn["text"].startswith("INN?")
    bad = await bot.say(IVAN, "7707083894")
    assert bad["text"].startswith("INN: the checksum does not match."), bad["text"]
    short = await bot.say(IVAN, "77070838")
    assert "INN: wrong length" in short["text"], short["text"]
    kpp = await bot.say(IVAN, "ИНН 7707 083 893")
    assert kpp["text"].startswith("KPP?")
    ogrn = await bot.say(IVAN, "773601001")
    assert "OGRN" in ogrn["text"] and buttons(ogrn) == ["Skip"]
    address = await bot.say(IVAN, "1027700132195")
    assert address["text"] == "Legal address?"
    bik = await bot.say(IVAN, "Москва, ул. Вавилова, 19")
    assert bik["text"].startswith("Bank BIK?") and buttons(bik) == ["Skip"]
    account = await bot.say(IVAN, "044525225")
    assert account["text"].startswith("Settlement account?")
    wrong_key = await bot.say(IVAN, "40702810038000012345")
    assert wrong_key["text"].startswith(
        "Account: the control key does not match BIK 044525225."), wrong_key["text"]
    corr = await bot.say(IVAN, "40702810938000012345")
    assert corr["text"].startswith("Correspondent account?")
    summary = await bot.say(IVAN, "30101810400000000225")
    assert "ПАО Сбербанк" in summary["text"] and "INN: 7707083893" in summary["text"]
    assert buttons(summary) == ["Save", "Start over", "Cancel"]
    assert (await company_rows(bot))[0][0].tax_id is None  # nothing saved before Save
    await bot.client.press(IVAN, summary["message_id"], text="Save")
    saved = await bot.client.wait_for_edit(IVAN, summary["message_id"])
    assert saved["text"].startswith("Saved."), saved["text"]
    assert "Account: 40702810938000012345" in saved["text"]
    (company,), (acc,) = await company_rows(bot)
    assert (company.name, company.legal_form, company.country, company.tax_id, company.kpp,
            company.ogrn) == ("Сбербанк", "ПАО", "RU", "7707083893", "773601001",
                              "1027700132195")
    assert (acc.company_id, acc.account, acc.bik, acc.corr_account) == (
        company.id, "40702810938000012345", "044525225", "30101810400000000225")
    # The summary's buttons are spent.
    stale = await bot.press_for_answer(IVAN, summary["message_id"],
                                       summary["buttons"][0][0]["callback_data"], forged=True)
    assert "finished step" in stale


async def test_romanian_vat_payer_without_bank(bot: Harness) -> None:
    await team(bot)
    await new_client(bot, IVAN, "Dedeman")
    card = await open_card(bot, IVAN, "Dedeman")
    country = await bot.press(IVAN, card, "Requisites")
    form = await bot.press(IVAN, country, "RO · Romania")
    name = await bot.press(IVAN, form, "SRL")
    cui = await bot.press(IVAN, name, "Keep «Dedeman»")
    assert cui["text"].startswith("CUI?")
    address = await bot.say(IVAN, "RO 18547290")
    assert address["text"] == "Legal address?"
    # Issue 16: the address parts and the register number a factură names, each optional.
    city = await bot.say(IVAN, "Str. Alexei Tolstoi 8")
    assert city["text"] == "City? Example: Cluj-Napoca. Or Skip." and "Skip" in buttons(city)
    county = await bot.say(IVAN, "Bacău")
    assert county["text"].startswith("County code?")
    bad = await bot.say(IVAN, "Bacău county")
    assert bad["text"].startswith("That is not a county code.")
    postal = await bot.say(IVAN, "bc")
    assert postal["text"].startswith("Postal code?")
    register = await bot.press(IVAN, postal, "Skip")
    assert register["text"].startswith("Trade register number (Nr. Reg. Com.)?")
    iban = await bot.say(IVAN, "j04/123/2010")
    assert iban["text"].startswith("IBAN?")
    summary = await bot.press(IVAN, iban, "Skip")
    assert "VAT payer" in summary["text"] and "IBAN" not in summary["text"]
    for line in ("City: Bacău", "County: Bacău (RO-BC)", "Trade register No.: J04/123/2010"):
        assert line in summary["text"], summary["text"]
    assert "Postal code" not in summary["text"]
    await bot.client.press(IVAN, summary["message_id"], text="Save")
    await bot.client.wait_for_edit(IVAN, summary["message_id"])
    (company,), accounts = await company_rows(bot)
    assert (company.country, company.tax_id, company.vat_payer) == ("RO", "18547290", True)
    assert (company.city, company.region, company.postal_code, company.trade_register) == (
        "Bacău", "RO-BC", None, "J04/123/2010")
    assert accounts == []
    # The client card shows them and edits each one.
    card = await open_card(bot, IVAN, "Dedeman")
    assert "County: Bacău (RO-BC)" in card["text"]
    menu = await bot.press(IVAN, card, "Edit")
    assert {"Trade register No.", "City", "County", "Postal code"} <= set(buttons(menu))
    ask = await bot.press(IVAN, menu, "Postal code")
    assert "Postal code? Example: 400114." in ask["text"]
    reply = await bot.say(IVAN, "600#1")
    assert reply["text"].startswith("A postal code has letters, digits")
    done = await bot.say(IVAN, "600001")
    assert "Postal code: 600001" in done["text"]
    (company,), _ = await company_rows(bot)
    assert (company.postal_code, company.region) == ("600001", "RO-BC")


async def test_reassignment_notifies_both_managers(bot: Harness) -> None:
    await team(bot)
    await new_client(bot, IVAN, "Ромашка", "+7 912 345-67-89")
    # Ivan (a manager) has no Reassign button; the admin does.
    assert "Reassign" not in buttons(await open_card(bot, IVAN, "Ромашка"))
    card = await open_card(bot, ADMIN, "Ромашка")
    choose = await bot.press(ADMIN, card, "Reassign")
    assert buttons(choose) == ["Petr"]
    await bot.client.press(ADMIN, choose["message_id"], text="Petr")
    done = await bot.client.wait_for_edit(ADMIN, choose["message_id"])
    assert "«Ромашка» now belongs to Petr" in done["text"], done["text"]
    note = await bot.client.wait_for_text(PETR, "gave you a client")
    assert "Anna gave you a client" in note["text"] and "Ромашка" in note["text"]
    assert buttons(note) == ["Open card"]
    opened = await bot.press(PETR, note, "Open card")
    assert "Ромашка" in opened["text"] and "Requisites" in buttons(opened)
    old = await bot.client.wait_for_text(IVAN, "reassigned your client")
    assert old["text"] == "Anna reassigned your client «Ромашка» to Petr."
    assert "no clients yet" in (await bot.say(IVAN, "/clients"))["text"]
    assert buttons(await bot.say(PETR, "/clients")) == ["Ромашка"]
    found = await bot.say(PETR, "/find 89123456789")
    assert buttons(found) == ["🏢 Ромашка", "🗄 Show archive"]
