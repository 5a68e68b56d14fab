"""Corrections of money documents end to end, in Russian: an issued invoice cancelled with a
reason (its reminders withdrawn, the customer who had it told), a paid one refused with the
amount; credit notes for chosen lines and for the whole rest, numbered КН-…-00001, 00002 with
no gap, reducing the card's "left to pay" and /debts; a refund recorded as an outgoing
payment; every bad input answered with nothing changed; forged buttons of another manager's
invoice and credit note find nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from handlers.invoices.callbacks import Cn, CreditCb, Inv, InvoiceCb
from services.access import AccessService
from services.alerts import AlertConfig, AlertService
from services.clients import ClientService, CompanyDraft
from services.credit_notes import CreditNoteService
from services.deals import DealDraft, DealService
from services.invoices import InvoiceService, Line
from services.money import format_money
from services.organizations import OrganizationService, seed_demo_organization
from services.payments import PaymentService
from services.pipelines import load_pipelines
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons, payment_pushes_delivered
from tests.unit.services.conftest import ROOT

MANAGER, MANAGER2, CUSTOMER = 2101, 2102, 7101
NOT_FOUND = "Не найдено. Возможно, запись удалена или недоступна вам."
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")
D = Decimal


def rub(amount: str) -> str:
    return format_money(D(amount), "RUB", "ru")


@dataclass
class Seeded:
    invoice_id: int
    number: str
    company_id: int
    deal_id: int
    other_invoice_id: int


async def seed(bot: Harness, paid: str = "0") -> Seeded:
    """Ivan's client «Ромашка» (a contact bound to the customer's chat, in Russian) with a
    deal and an invoice sent to the customer: 4 chairs × 1 500,00 and installation 2 000,00,
    without VAT (8 000,00), `paid` recorded, its reminders planned; Petr's own invoice."""
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ivan = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Иван", None, "ru")
        petr = await access.join(MANAGER2, (await access.create_invite(admin, Role.MANAGER))
                                 .token, "Пётр", None, "ru")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock))
        clients = ClientService(db.uow, bot.clock)
        company = await clients.create_company(ivan, CompanyDraft(name="Ромашка"))
        other = await clients.create_company(petr, CompanyDraft(name="Василёк"))
        deals = DealService(db.uow, bot.clock, PIPELINES)
        deal = await deals.create(ivan, DealDraft(title="Поставка стульев",
                                                  company_id=company.id))
        async with db.uow() as uow:
            uow.session.add(m.Contact(owner_id=ivan.id, company_id=company.id, name="Ольга",
                                      name_norm="ольга", telegram_user_id=CUSTOMER,
                                      language="ru"))
            await uow.commit()
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        inv = await invoices.create_draft(ivan, company.id, deal.id)
        await invoices.add_line(ivan, inv.id, Line("Стул офисный", D(4), D("1500.00"), "none",
                                                   unit="шт"))
        await invoices.add_line(ivan, inv.id, Line("Монтаж", D(1), D("2000.00"), "none",
                                                   unit="усл"))
        inv = await invoices.issue(ivan, inv.id)
        inv = await invoices.transition(ivan, inv.id, "sent")
        assert inv.number_text is not None
        async with db.uow() as uow:
            await uow.session.execute(update(m.Invoice).where(m.Invoice.id == inv.id)
                                      .values(sent_at=bot.clock.now()))
            await uow.commit()
        mine = await invoices.create_draft(petr, other.id, None)
        await invoices.add_line(petr, mine.id, Line("Работы", D(1), D("700.00"), "none"))
        mine = await invoices.issue(petr, mine.id)
        if paid != "0":
            await PaymentService(db.uow, bot.clock, deals, "UTC").record_manual(
                ivan, inv.id, "cash", paid, "ПКО-1")
            await payment_pushes_delivered(db, bot.clock.now())
        await AlertService(db.uow, bot.clock, AlertConfig()).replan(inv.id)  # type: ignore[arg-type]
    finally:
        await db.dispose()
    for uid, name in ((ADMIN, "Анна"), (MANAGER, "Иван"), (MANAGER2, "Пётр"),
                      (CUSTOMER, "Ольга")):
        await bot.client.user(uid, first_name=name, language_code="ru")
    await bot.say(CUSTOMER, "/start")  # the customer's chat with the bot exists
    return Seeded(inv.id, inv.number_text, company.id, deal.id, mine.id)


async def rows(bot: Harness, *columns: Any, where: Any = None) -> list[tuple[Any, ...]]:
    db = Database(create_engine(bot.database_url))
    try:
        async with db.uow(readonly=True) as uow:
            q = select(*columns)
            if where is not None:
                q = q.where(where)
            return [tuple(r) for r in (await uow.session.execute(q)).all()]
    finally:
        await db.dispose()


async def open_card(bot: Harness, number: str, user: int = MANAGER) -> dict[str, Any]:
    listing = await bot.say(user, "/invoices")
    return await bot.press(user, listing, next(b for b in buttons(listing)
                                               if b.startswith(number)))


async def test_cancel_with_a_reason_stops_reminders_and_tells_the_customer(
        bot: Harness) -> None:
    seeded = await seed(bot)
    pending = await rows(bot, m.OutboxMessage.status,
                         where=m.OutboxMessage.invoice_id == seeded.invoice_id)
    assert pending and {s for (s,) in pending} == {"pending"}
    deal_before = await rows(bot, m.Deal.status, m.Deal.stage_id,
                             where=m.Deal.id == seeded.deal_id)
    card = await open_card(bot, seeded.number)
    assert "Аннулировать" in buttons(card)
    why = await bot.press(MANAGER, card, "Аннулировать")
    assert why["text"] == (f"Почему аннулируется счёт {seeded.number}? Выберите причину или "
                           "напишите свою.")
    assert buttons(why) == ["Ошибка в счёте", "Клиент отказался", "Дубликат счёта",
                            "Заменён новым счётом"]
    sure = await bot.press(MANAGER, why, "Клиент отказался")
    assert sure["text"] == (f"Аннулировать счёт {seeded.number}? Причина: Клиент отказался.\n"
                            "Номер сохранится, напоминания прекратятся, сделка останется на "
                            "своей стадии.")
    assert buttons(sure) == ["Да, аннулировать", "Нет, оставить"]
    # "No" only shows the card again: nothing changes.
    kept = await bot.press(MANAGER, sure, "Нет, оставить")
    assert "Статус: " in kept["text"]
    assert await rows(bot, m.Invoice.status, where=m.Invoice.id == seeded.invoice_id) == [
        ("sent",)]
    done = await bot.press(MANAGER, sure, "Да, аннулировать")
    assert done["text"].startswith(f"Счёт {seeded.number} аннулирован, номер сохранён.")
    assert "Причина аннулирования: Клиент отказался" in done["text"]
    assert "Аннулировать" not in buttons(done) and "Кредит-нота" not in buttons(done)

    [(status, reason, cancelled_at)] = await rows(
        bot, m.Invoice.status, m.Invoice.cancel_reason, m.Invoice.cancelled_at,
        where=m.Invoice.id == seeded.invoice_id)
    assert (status, reason) == ("cancelled", "Клиент отказался") and cancelled_at is not None
    audit = await rows(bot, m.AuditEntry.action, m.AuditEntry.entity_id, m.AuditEntry.data,
                       m.AuditEntry.company_id, m.AuditEntry.deal_id,
                       where=m.AuditEntry.action == "invoice.cancel")
    assert audit == [("invoice.cancel", seeded.invoice_id, {"reason": "Клиент отказался"},
                      seeded.company_id, seeded.deal_id)]
    # Its reminders are withdrawn: none is left to send.
    after = await rows(bot, m.OutboxMessage.status,
                       where=m.OutboxMessage.invoice_id == seeded.invoice_id)
    assert {s for (s,) in after} == {"cancelled"}
    # The customer who had received it is told, in Russian, through the outbox.
    told = await bot.client.wait_for_text(CUSTOMER, "аннулирован")
    assert told["text"] == (f"Счёт {seeded.number} аннулирован: оплачивать его не нужно. "
                            "Напоминаний о нём больше не будет.")
    # Nothing else reached the customer: the answer to /start and this notice, no reminder.
    texts = [x["text"] for x in await bot.client.messages(CUSTOMER)]
    assert len(texts) == 2 and texts[-1] == told["text"]
    # The deal stays where it was.
    assert await rows(bot, m.Deal.status, m.Deal.stage_id,
                      where=m.Deal.id == seeded.deal_id) == deal_before
    # The old confirmation changes nothing more.
    again = await bot.press_for_answer(MANAGER, sure["message_id"], text="Да, аннулировать")
    assert again == "В текущем статусе документа это действие недоступно."
    assert len(await rows(bot, m.AuditEntry.id,
                          where=m.AuditEntry.action == "invoice.cancel")) == 1


async def test_cancel_with_a_typed_reason(bot: Harness) -> None:
    seeded = await seed(bot)
    card = await open_card(bot, seeded.number)
    await bot.press(MANAGER, card, "Аннулировать")
    too_long = await bot.say(MANAGER, "я" * 301)
    assert too_long["text"].endswith("Попробуйте ещё раз или отправьте /cancel.")
    sure = await bot.say(MANAGER, "Неверные реквизиты покупателя")
    assert "Причина: Неверные реквизиты покупателя." in sure["text"]
    done = await bot.press(MANAGER, sure, "Да, аннулировать")
    assert "Причина аннулирования: Неверные реквизиты покупателя" in done["text"]
    assert await rows(bot, m.Invoice.cancel_reason, where=m.Invoice.id == seeded.invoice_id) \
        == [("Неверные реквизиты покупателя",)]


async def test_a_paid_invoice_is_not_cancelled(bot: Harness) -> None:
    seeded = await seed(bot, paid="3000")
    card = await open_card(bot, seeded.number)
    answer = await bot.press(MANAGER, card, "Аннулировать")
    assert answer["text"] == (
        f"Счёт {seeded.number} оплачен на {rub('3000.00')}. Аннулировать его можно только "
        "после того, как платежи будут отменены или перенесены на другой счёт (💰 Платёж). "
        "Исправить счёт без аннулирования можно кредит-нотой.")
    assert buttons(answer) == []
    # A forged confirmation does not cancel it either.
    forged = await bot.press_for_answer(MANAGER, card["message_id"], forged=True,
                                        callback_data=InvoiceCb(action=Inv.CANCEL_OK,
                                                                id=seeded.invoice_id,
                                                                v="ref").pack())
    assert forged == ""
    await bot.client.wait_for_text(MANAGER, "оплачен на")
    assert await rows(bot, m.Invoice.status, m.Invoice.paid_minor,
                      where=m.Invoice.id == seeded.invoice_id) == [("partially_paid", 300000)]
    assert await rows(bot, m.AuditEntry.id, where=m.AuditEntry.action == "invoice.cancel") \
        == []


async def test_credit_notes_partial_then_whole_with_gapless_numbers(bot: Harness) -> None:
    seeded = await seed(bot)
    year = bot.today().year
    card = await open_card(bot, seeded.number)
    pick = await bot.press(MANAGER, card, "Кредит-нота")
    assert pick["text"] == (
        f"Кредит-нота к счёту {seeded.number}. Можно списать не больше {rub('8000.00')}.\n"
        "Весь счёт — или выберите строки и введите количество, затем «Готово».\n"
        "1. Стул офисный: осталось 4 из 4\n"
        "2. Монтаж: осталось 1 из 1")
    assert buttons(pick) == [f"Весь счёт ({rub('8000.00')})", "1. Стул офисный",
                             "2. Монтаж"]
    ask = await bot.press(MANAGER, pick, "1. Стул офисный")
    assert ask["text"] == "Сколько списать по строке «Стул офисный»? Не больше 4 шт."
    too_many = await bot.say(MANAGER, "5")
    assert too_many["text"] == ("По строке 1 для списания осталось только 4. Ничего не "
                                "изменено.\nПопробуйте ещё раз или отправьте /cancel.")
    assert (await bot.say(MANAGER, "много"))["text"].endswith(
        "Попробуйте ещё раз или отправьте /cancel.")
    assert await rows(bot, m.CreditNote.id) == []
    pick = await bot.say(MANAGER, "1")
    assert "1. Стул офисный: осталось 4 из 4 · списать 1" in pick["text"]
    assert buttons(pick)[-1] == "Готово"
    why = await bot.press(MANAGER, pick, "Готово")
    assert why["text"] == "Причина кредит-ноты? Выберите или напишите свою."
    assert buttons(why) == ["Возврат товара", "Скидка после выставления счёта",
                            "Ошибка в счёте", "Услуга не оказана"]
    done = await bot.press(MANAGER, why, "Возврат товара")
    first = f"КН-{year}-00001"
    assert done["text"].startswith(f"Кредит-нота {first} на {rub('1500.00')} к счёту "
                                   f"{seeded.number} оформлена.")
    assert f"Кредит-нота {first} на {rub('1500.00')}" in done["text"]
    assert f"Осталось оплатить: {rub('6500.00')}" in done["text"]
    assert "Аннулировать" not in buttons(done) and "Кредит-нота" in buttons(done)

    [(note_id, number, total, reason, status)] = await rows(
        bot, m.CreditNote.id, m.CreditNote.number_text, m.CreditNote.total_minor,
        m.CreditNote.reason, m.CreditNote.status)
    assert (number, total, reason, status) == (first, 150000, "Возврат товара", "issued")
    lines = await rows(bot, m.DocumentLine.name, m.DocumentLine.quantity,
                       m.DocumentLine.total_minor, m.DocumentLine.source_line_id,
                       where=m.DocumentLine.credit_note_id == note_id)
    [(chair_id,)] = await rows(bot, m.DocumentLine.id, where=(
        m.DocumentLine.invoice_id == seeded.invoice_id) & (m.DocumentLine.position == 1))
    assert lines == [("Стул офисный", D(1), 150000, chair_id)]
    assert await rows(bot, m.Invoice.status, m.Invoice.credited_minor,
                      where=m.Invoice.id == seeded.invoice_id) == [("sent", 150000)]
    audit = await rows(bot, m.AuditEntry.entity_id, m.AuditEntry.data, m.AuditEntry.company_id,
                       m.AuditEntry.deal_id, where=m.AuditEntry.action == "credit_note.issue")
    assert audit == [(note_id, {"number": first, "invoice_id": seeded.invoice_id,
                                "invoice": seeded.number, "amount": "1500.00",
                                "currency": "RUB", "reason": "Возврат товара",
                                "lines": [{"line_id": chair_id, "quantity": "1"}]},
                      seeded.company_id, seeded.deal_id)]
    debts = await bot.say(MANAGER, "/debts")
    assert rub("6500.00") in debts["text"] and rub("8000.00") not in debts["text"]

    # 3 chairs are left: 4 more is more than the invoice has left.
    pick = await bot.press(MANAGER, done, "Кредит-нота")
    assert "1. Стул офисный: осталось 3 из 4" in pick["text"]
    await bot.press(MANAGER, pick, "1. Стул офисный")
    refused = await bot.say(MANAGER, "4")
    assert refused["text"].startswith("По строке 1 для списания осталось только 3.")
    assert len(await rows(bot, m.CreditNote.id)) == 1

    # The whole rest, with a reason typed: the next number, no gap; nothing is owed any more.
    await bot.press(MANAGER, pick, f"Весь счёт ({rub('6500.00')})")
    done = await bot.say(MANAGER, "Клиент отказался от заказа")
    second = f"КН-{year}-00002"
    assert done["text"].startswith(f"Кредит-нота {second} на {rub('6500.00')} к счёту "
                                   f"{seeded.number} оформлена.")
    assert "Кредит-нота" not in buttons(done)
    assert await rows(bot, m.CreditNote.number_text, m.CreditNote.total_minor) == [
        (first, 150000), (second, 650000)]
    assert await rows(bot, m.Invoice.status, m.Invoice.credited_minor,
                      where=m.Invoice.id == seeded.invoice_id) == [("paid", 800000)]
    credited = await rows(bot, m.DocumentLine.name, m.DocumentLine.quantity,
                          where=m.DocumentLine.credit_note_id.is_not(None))
    assert credited == [("Стул офисный", D(1)), ("Стул офисный", D(3)), ("Монтаж", D(1))]
    debts = await bot.say(MANAGER, "/debts")
    assert seeded.number not in debts["text"] and rub("6500.00") not in debts["text"]
    reminders = await rows(bot, m.OutboxMessage.status,
                           where=m.OutboxMessage.invoice_id == seeded.invoice_id)
    assert {s for (s,) in reminders} == {"cancelled"}
    # A fully credited invoice takes no more credit notes.
    stale = await bot.press_for_answer(MANAGER, pick["message_id"],
                                       text=f"Весь счёт ({rub('6500.00')})")
    assert stale == "Эта кнопка больше не работает."


async def test_refund_is_an_outgoing_payment(bot: Harness) -> None:
    seeded = await seed(bot, paid="8000")
    card = await open_card(bot, seeded.number)
    assert "Аннулировать" in buttons(card)
    pick = await bot.press(MANAGER, card, "Кредит-нота")
    await bot.press(MANAGER, pick, "1. Стул офисный")
    pick = await bot.say(MANAGER, "1")
    why = await bot.press(MANAGER, pick, "Готово")
    done = await bot.press(MANAGER, why, "Возврат товара")
    number = f"КН-{bot.today().year}-00001"
    assert f"Возврат по {number}" in buttons(done)
    [(note_id,)] = await rows(bot, m.CreditNote.id)

    ask = await bot.press(MANAGER, done, f"Возврат по {number}")
    assert ask["text"] == (f"Возврат клиенту по кредит-ноте {number}: не больше "
                           f"{rub('1500.00')}. Нажмите кнопку или введите сумму.")
    assert buttons(ask) == [f"Вернуть {rub('1500.00')}"]
    over = await bot.say(MANAGER, "2 000")
    assert over["text"] == (f"Вернуть можно не больше {rub('1500.00')}. Ничего не записано.\n"
                            "Попробуйте ещё раз или отправьте /cancel.")
    assert await rows(bot, m.Payment.id, where=m.Payment.direction == "out") == []
    ok = await bot.say(MANAGER, "1 000")
    assert ok["text"] == (f"Возврат {rub('1000.00')} по кредит-ноте {number} записан как "
                          f"исходящий платёж. Всего возвращено: {rub('1000.00')}.")
    # The rest with the button of a new prompt; a second tap records nothing more.
    card = await open_card(bot, seeded.number)
    assert f"Кредит-нота {number} на {rub('1500.00')} · возвращено {rub('1000.00')}" \
        in card["text"]
    ask = await bot.press(MANAGER, card, f"Возврат по {number}")
    rest = await bot.press(MANAGER, ask, f"Вернуть {rub('500.00')}")
    assert rest["text"].endswith(f"Всего возвращено: {rub('1500.00')}.")
    await bot.client.press(MANAGER, ask["message_id"], text=f"Вернуть {rub('500.00')}")
    await bot.settled()

    out = await rows(bot, m.Payment.source, m.Payment.direction, m.Payment.credit_note_id,
                     m.Payment.amount_minor, m.Payment.status,
                     where=m.Payment.direction == "out")
    assert out == [("refund", "out", note_id, 100000, "refund"),
                   ("refund", "out", note_id, 50000, "refund")]
    assert await rows(bot, m.CreditNote.refunded_minor, m.CreditNote.status) == [
        (150000, "refunded")]
    audit = await rows(bot, m.AuditEntry.data, m.AuditEntry.company_id,
                       where=m.AuditEntry.action == "payment.refund")
    assert [(d["amount"], d["credit_note"], c) for d, c in audit] == [
        ("1000.00", number, seeded.company_id), ("500.00", number, seeded.company_id)]
    # Money out is no receipt: the statement lists the cash received only.
    debts = await bot.say(MANAGER, "/debts")
    assert "Ромашка" not in debts["text"]
    card = await open_card(bot, seeded.number)
    assert not any(b.startswith("Возврат по") for b in buttons(card))


async def test_forged_buttons_of_another_managers_invoice_change_nothing(bot: Harness) -> None:
    seeded = await seed(bot, paid="8000")
    db = Database(create_engine(bot.database_url))
    try:
        ivan = await AccessService(db.uow, bot.clock, "UTC").identify(MANAGER)
        assert ivan is not None
        note = await CreditNoteService(db.uow, bot.clock, "UTC").issue(  # type: ignore[arg-type]
            ivan, seeded.invoice_id, None, "Возврат товара")
    finally:
        await db.dispose()
    own = await bot.say(MANAGER2, "/invoices")
    before = await rows(bot, m.Invoice.status, m.Invoice.credited_minor, m.Invoice.cancel_reason)
    for data in (InvoiceCb(action=Inv.CANCEL, id=seeded.invoice_id).pack(),
                 InvoiceCb(action=Inv.CANCEL_OK, id=seeded.invoice_id, v="ref").pack(),
                 CreditCb(action=Cn.NEW, id=seeded.invoice_id).pack(),
                 CreditCb(action=Cn.REFUND, id=note.id).pack(),
                 CreditCb(action=Cn.REFUND_ALL, id=note.id).pack()):
        answer = await bot.press_for_answer(MANAGER2, own["message_id"], forged=True,
                                            callback_data=data)
        assert answer == NOT_FOUND, data
    assert await rows(bot, m.Invoice.status, m.Invoice.credited_minor,
                      m.Invoice.cancel_reason) == before
    assert await rows(bot, m.Payment.id, where=m.Payment.direction == "out") == []
    assert len(await rows(bot, m.CreditNote.id)) == 1
    assert await rows(bot, m.AuditEntry.id, where=m.AuditEntry.action.in_(
        ["invoice.cancel", "payment.refund"])) == []
