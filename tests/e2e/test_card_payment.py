"""Card payment inside Telegram end to end: the customer presses Pay, a Telegram invoice
arrives for what is due, pre-checkout is answered, the successful payment is recorded once
(manager's push, customer's receipt, deal moved to "paid"); a repeat records nothing; a paid
invoice is refused at pre-checkout; money beyond what is due is the client's credit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sandbox.client import eventually
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.deals import DealDraft, DealService
from services.invoices import InvoiceService
from services.organizations import OrganizationService, seed_demo_organization
from services.pipelines import load_pipelines
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, running_bot
from tests.e2e.test_delivery import CUSTOMER, LINK_RE, MANAGER, db_rows, send_menu

PIPELINES = load_pipelines(Path(__file__).resolve().parents[2] / "config" / "pipelines.toml")


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(database_url, pdf_workers=1,
                           payment_provider_token="284685063:TEST:card") as harness:
        yield harness


@dataclass
class Seeded:
    invoice_id: int
    number: str
    deal_id: int


async def seed(bot: Harness) -> Seeded:
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Ivan", None, "en")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        company = await ClientService(db.uow, bot.clock).create_company(
            ivan, CompanyDraft(name="Ромашка"))
        deal = await DealService(db.uow, bot.clock, PIPELINES).create(
            ivan, DealDraft(title="Консультации", company_id=company.id))
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        inv = await invoices.create_draft(ivan, company.id, deal.id)
        inv = await invoices.add_free_line(ivan, inv.id, "Консультация", Decimal(2),
                                           Decimal("1500.00"))
        inv = await invoices.issue(ivan, inv.id)
    finally:
        await db.dispose()
    for uid, name in ((ADMIN, "Anna"), (MANAGER, "Ivan")):
        await bot.client.user(uid, first_name=name, language_code="en")
    await bot.client.user(CUSTOMER, first_name="Olga", language_code="en")
    assert inv.number_text is not None
    return Seeded(inv.id, inv.number_text, deal.id)


async def customer_document(bot: Harness, seeded: Seeded) -> dict[str, Any]:
    menu = await send_menu(bot, seeded.number)
    found = LINK_RE.search((await bot.press(MANAGER, menu, "Telegram link"))["text"])
    assert found is not None
    await bot.client.send_text(CUSTOMER, f"/start {found.group(1)}")
    doc = await bot.client.wait_for(CUSTOMER, lambda v: v["document"] is not None)
    await bot.client.wait_for(CUSTOMER, lambda v: bool(v["photo"]))
    return doc


async def telegram_invoice(bot: Harness, doc: dict[str, Any]) -> dict[str, Any]:
    await bot.client.press(CUSTOMER, doc["message_id"], text="Pay")
    return await bot.client.wait_for(CUSTOMER, lambda v: v.get("invoice") is not None)


async def pre_checkout(bot: Harness, invoice_message_id: int) -> dict[str, Any]:
    qid = await bot.client.pre_checkout(CUSTOMER, invoice_message_id)
    return await eventually(lambda: bot.client.pre_checkout_answer(qid),
                            "pre_checkout_query was not answered")


async def telegram_payments(bot: Harness) -> list[tuple[Any, ...]]:
    return await db_rows(bot, m.Payment.source, m.Payment.external_id, m.Payment.amount_minor,
                         m.Payment.status)


async def test_customer_pays_by_card_once(bot: Harness) -> None:
    seeded = await seed(bot)
    doc = await customer_document(bot, seeded)
    invoice = await telegram_invoice(bot, doc)
    assert invoice["invoice"]["currency"] == "RUB"
    assert invoice["invoice"]["total_amount"] == 366000
    assert invoice["invoice"]["title"] == f"Invoice {seeded.number}"
    answer = await pre_checkout(bot, invoice["message_id"])
    assert answer["ok"] is True

    await bot.client.successful_payment(CUSTOMER, invoice["message_id"],
                                        telegram_payment_charge_id="tg-charge-1")
    push = await bot.client.wait_for_text(MANAGER, "Payment")
    assert seeded.number in push["text"]
    assert "The invoice is paid in full." in push["text"]
    assert "The deal moved to the stage «Paid»." in push["text"]
    assert "Ship" in buttons(push)
    receipt = await bot.client.wait_for_text(CUSTOMER, "We received your payment")
    assert seeded.number in receipt["text"]
    assert await telegram_payments(bot) == [("telegram", "tg-charge-1", 366000, "allocated")]
    assert await db_rows(bot, m.Invoice.status, m.Invoice.paid_minor) == [("paid", 366000)]

    async def deal_stage_code() -> str:
        db = Database(create_engine(bot.database_url))
        try:
            async with db.uow(readonly=True) as uow:
                return str(await uow.session.scalar(
                    select(m.Stage.code).join(m.Deal, m.Deal.stage_id == m.Stage.id)
                    .where(m.Deal.id == seeded.deal_id)))
        finally:
            await db.dispose()

    assert await deal_stage_code() == "paid"

    # Telegram delivers the same update again, twice (three in all): nothing more is
    # recorded, nobody is told again.
    before = len(await bot.client.messages(MANAGER))
    for _ in range(2):
        await bot.client.successful_payment(CUSTOMER, invoice["message_id"],
                                            telegram_payment_charge_id="tg-charge-1")
    await bot.client.send_text(CUSTOMER, "/documents")  # a marker: handled after the repeats
    await bot.client.wait_for_text(CUSTOMER, "Your documents:")
    assert len(await bot.client.messages(MANAGER)) == before
    kinds = [k for (k,) in await db_rows(bot, m.OutboxMessage.kind)]
    assert sorted(k for k in kinds if k.startswith("payment")) == [
        "payment_applied", "payment_receipt"]  # queued once
    assert await telegram_payments(bot) == [("telegram", "tg-charge-1", 366000, "allocated")]
    assert await db_rows(bot, func.count(m.PaymentAllocation.id)) == [(1,)]

    # The old Telegram invoice again, now that the invoice is paid: refused at pre-checkout.
    refused = await pre_checkout(bot, invoice["message_id"])
    assert refused["ok"] is False
    assert refused["error_message"] == "This invoice is already paid."


async def test_pre_checkout_refused_when_the_amount_changed_and_overpayment_is_credit(
        bot: Harness) -> None:
    seeded = await seed(bot)
    doc = await customer_document(bot, seeded)
    invoice = await telegram_invoice(bot, doc)
    # Part of it is paid in cash meanwhile: what is due no longer matches the Telegram invoice.
    db = Database(create_engine(bot.database_url))
    try:
        from services.payments import PaymentService

        access = AccessService(db.uow, bot.clock, "UTC")
        ivan = await access.identify(MANAGER)
        assert ivan is not None
        await PaymentService(db.uow, bot.clock, DealService(db.uow, bot.clock,
                                                                PIPELINES)).record_manual(
            ivan, seeded.invoice_id, "cash", "1000")
    finally:
        await db.dispose()
    # The cash payment's receipt reaches the customer first; the card's must be a new message.
    cash_receipt = await bot.client.wait_for_text(CUSTOMER, "We received your payment")
    refused = await pre_checkout(bot, invoice["message_id"])
    assert refused == {**refused, "ok": False,
                       "error_message": "The amount due has changed. Press Pay again for the "
                                        "new amount."}
    # Telegram charged anyway (a race): the invoice takes what is due, the rest is credit.
    await bot.client.successful_payment(CUSTOMER, invoice["message_id"],
                                        telegram_payment_charge_id="tg-race")
    await bot.client.wait_for_text(CUSTOMER, "We received your payment",
                                   after=cash_receipt["message_id"])
    rows = await db_rows(bot, m.Payment.source, m.Payment.amount_minor, m.Payment.status)
    assert ("telegram", 366000, "credit") in rows
    assert await db_rows(bot, m.Invoice.status, m.Invoice.paid_minor) == [("paid", 366000)]
