"""/debts and /export end to end: a manager sees their own client's debt aged into its bucket,
opens the client statement (invoices, payments, balance); a forged button for another
manager's client is "Not found"; the admin sees the team per manager; /export sends the CSV
files and the XLSX of the period with the manager's invoices only."""

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
from sqlalchemy import update

from handlers.receivables import DebtCb
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.deals import DealDraft, DealService
from services.invoices import InvoiceService
from services.organizations import OrganizationService, seed_demo_organization
from services.payments import PaymentService
from services.pipelines import load_pipelines
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, payment_pushes_delivered, running_bot

PIPELINES = load_pipelines(Path(__file__).resolve().parents[2] / "config" / "pipelines.toml")
MANAGER, MANAGER2 = 2101, 2102
NOT_FOUND = "Not found. It may have been removed, or it is not yours."


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url) as harness:
        yield harness


@dataclass
class Seeded:
    invoice_id: int
    number: str
    deal_id: int
    company_id: int
    other_invoice_id: int
    other_number: str
    other_company_id: int


async def seed(bot: Harness, paid: str = "1000", overdue_days: int = 45) -> Seeded:
    """Ivan's invoice of 1,000.00 (no lines beyond one, VAT as the demo organization has) with
    `paid` recorded and due `overdue_days` ago; Petr's invoice of 700.00 for his own client."""
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Ivan", None, "en")
        petr = await access.join(MANAGER2, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Petr", None, "en")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        clients = ClientService(db.uow, bot.clock)
        company = await clients.create_company(ivan, CompanyDraft(name="Ромашка"))
        other = await clients.create_company(petr, CompanyDraft(name="Василёк"))
        deals = DealService(db.uow, bot.clock, PIPELINES)
        deal = await deals.create(ivan, DealDraft(title="Поставка", company_id=company.id))
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        numbers = []
        for who, client, deal_id, price in ((ivan, company.id, deal.id, "1000.00"),
                                            (petr, other.id, None, "700.00")):
            inv = await invoices.create_draft(who, client, deal_id)
            inv = await invoices.add_free_line(who, inv.id, "Работы", Decimal(1),
                                               Decimal(price))
            inv = await invoices.issue(who, inv.id)
            assert inv.number_text is not None
            numbers.append((inv.id, inv.number_text))
        async with db.uow() as uow:
            await uow.session.execute(update(m.Invoice).where(m.Invoice.id == numbers[0][0])
                                      .values(due_date=bot.today()
                                              - timedelta(days=overdue_days)))
            await uow.commit()
        if paid != "0":
            await PaymentService(db.uow, bot.clock, deals, "UTC").record_manual(
                ivan, numbers[0][0], "cash", paid, "ПКО-1")
            await payment_pushes_delivered(db, bot.clock.now())
    finally:
        await db.dispose()
    for uid, name in ((ADMIN, "Anna"), (MANAGER, "Ivan"), (MANAGER2, "Petr")):
        await bot.client.user(uid, first_name=name, language_code="en")
    return Seeded(numbers[0][0], numbers[0][1], deal.id, company.id, numbers[1][0],
                  numbers[1][1], other.id)


async def test_debts_aged_statement_and_scope(bot: Harness) -> None:
    seeded = await seed(bot)
    report = await bot.say(MANAGER, "/debts")
    text = report["text"]
    assert "Receivables on" in text
    assert "Ромашка" in text and "Василёк" not in text
    assert "RUB\xa0220.00: 31–60 days RUB\xa0220.00" in text
    assert "not due" not in text and "over 90 days" not in text
    assert buttons(report) == ["Ромашка"]

    statement = await bot.press(MANAGER, report, "Ромашка")
    st = statement["text"]
    assert "Statement: Ромашка" in st
    assert seeded.number in st and seeded.other_number not in st
    assert "ПКО-1: RUB\xa01,000.00" in st
    assert "RUB\xa01,220.00, paid RUB\xa01,000.00 (partly paid)" in st
    assert "Balance owed: RUB\xa0220.00" in st

    # A forged button for Petr's client: nothing is shown.
    before = len(await bot.client.messages(MANAGER))
    answer = await bot.press_for_answer(MANAGER, report["message_id"], forged=True,
                                        callback_data=DebtCb(
                                            company=seeded.other_company_id).pack())
    assert answer == NOT_FOUND
    assert len(await bot.client.messages(MANAGER)) == before

    team = await bot.say(ADMIN, "/debts")
    assert "Ромашка (Ivan)" in team["text"] and "Василёк (Petr)" in team["text"]
    assert "By manager" in team["text"]
    assert "not due RUB\xa0854.00" in team["text"]  # Petr's invoice is not yet due
    assert sorted(buttons(team)) == ["Василёк", "Ромашка"]


async def test_nobody_owes(bot: Harness) -> None:
    await seed(bot, paid="5000")  # overpaid: nothing of Ivan's is open
    report = await bot.say(MANAGER, "/debts")
    assert report["text"] == "Nobody owes us anything."
    assert buttons(report) == []


async def test_export_sends_csv_and_xlsx(bot: Harness) -> None:
    seeded = await seed(bot)
    menu = await bot.say(MANAGER, "/export")
    assert menu["text"] == "Export invoices and payments for which period?"
    assert buttons(menu) == ["This month", "Last month", "This quarter"]
    after = menu["message_id"]
    await bot.client.press(MANAGER, after, text="This month")
    summary = await bot.client.wait_for_text(MANAGER, "Export for", after=after)
    assert "1 invoices, 1 payments." in summary["text"]
    docs: list[dict[str, Any]] = []
    for _ in range(3):
        doc = await bot.client.wait_for(MANAGER, lambda v: v["document"] is not None,
                                        after=docs[-1]["message_id"] if docs else after)
        docs.append(doc)
    names = [d["document"]["file_name"] for d in docs]
    assert names[0].startswith("invoices_") and names[0].endswith(".csv")
    assert names[1].startswith("payments_") and names[2].endswith(".xlsx")
    invoices_csv = (await bot.client.file_bytes(MANAGER, docs[0]["message_id"])).decode(
        "utf-8-sig")
    assert seeded.number in invoices_csv and seeded.other_number not in invoices_csv
    payments_csv = (await bot.client.file_bytes(MANAGER, docs[1]["message_id"])).decode(
        "utf-8-sig")
    assert "ПКО-1" in payments_csv and "1000.00" in payments_csv
    book = load_workbook(BytesIO(await bot.client.file_bytes(MANAGER, docs[2]["message_id"])))
    assert book.sheetnames == ["Invoices", "Payments"]
    assert book["Invoices"]["A2"].value == seeded.number

    # A forged period: a short answer, no files.
    answer = await bot.press_for_answer(MANAGER, after, forged=True,
                                        callback_data="ex:next_year")
    assert answer == "Unknown period."
