"""The documents of shipment and money, read back from real PDFs: an invoice printed as its act,
its delivery note and the cash receipt of one payment, and the client statement (акт сверки),
in Russian, English and Romanian; then through DeliveryService on a real database (SQLite and
PostgreSQL): stored like invoice PDFs, dated by the shipment, the receipt of exactly what one
payment brought, and another manager's invoice or client refused as not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.images import PoolImageTools
from bot.pdf import PdfRenderer, render_sync
from services.delivery import DeliveryService, DeliverySettings
from services.documents import (
    DocumentView,
    Lang,
    PartyView,
    StatementEntry,
    as_printed,
    as_transfer,
    build_invoice_view,
    build_statement_view,
    invoice_basis,
)
from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import Line
from services.pricing import NO_VAT, LineInput
from services.quotes import QuoteService
from services.receivables import ReceivableService
from services.shipments import ShipmentService
from storage import models as m
from storage.uow import Database
from tests.integration.test_delivery import renderer  # noqa: F401  (the PDF pool fixture)
from tests.integration.test_payments import World, issue, make_world
from tests.integration.test_pdf import BUYER_RU, SELLER_RU, flat, ru_invoice

D = Decimal
CUSTOMER_TG = 777_501

# --- the PDFs' text, three languages ---------------------------------------------------------

SELLER_MD = PartyView(name="Floare SRL", legal_name="Floare SRL", country="MD",
                      tax_id_label="IDNO", tax_id="1003600000000", director="Ion Popescu")
BUYER_MD = PartyView(name="Cârță și fiii SRL", address="Strada Câmpului 3, Brașov",
                     director="Ana Cârță")


def invoice(language: Lang) -> DocumentView:
    if language == "ru":
        return ru_invoice()  # 4 099,99 ₽ with VAT 22% included, № 42 of 05.03.2026
    return build_invoice_view(
        seller=SELLER_MD, buyer=BUYER_MD,
        lines=[LineInput("Întreținere", D("2"), D("150"), D("20"))], currency="MDL",
        number="FL-7", issue_date=date(2026, 3, 5), language=language, layout="intl")


# What each language prints: titles, parties, signatures, the receipt's basis and words.
EXPECTED: dict[str, dict[str, tuple[str, ...]]] = {
    "ru": {
        "act": ("Акт выполненных работ (оказанных услуг) № 42 от 20 марта 2026 г.",
                "Основание: Счёт на оплату № 42 от 05.03.2026",
                "Исполнитель: ООО «Ромашка», ИНН 7707083893", "Заказчик: АО «Василёк»",
                "Консультация юриста 3 шт. 1\u202f200,00\xa0₽",
                "Четыре тысячи девяносто девять рублей 99 копеек",
                "выполнены полностью и в срок"),
        "delivery_note": ("Товарная накладная № 42 от 20 марта 2026 г.",
                          "Поставщик (грузоотправитель): ООО «Ромашка»",
                          "Покупатель (грузополучатель): АО «Василёк»",
                          "В том числе НДС 22%: 739,34\xa0₽",
                          "Всего к оплате: 4\u202f099,99\xa0₽",
                          "Четыре тысячи девяносто девять рублей 99 копеек",
                          "Отпуск груза произвёл", "Груз получил", "М.П."),
        "receipt": ("Квитанция к приходному кассовому ордеру № ПКО-3 от 9 марта 2026 г.",
                    "Принято от АО «Василёк»", "Основание Оплата по счёту № 42 от 05.03.2026",
                    "Сумма 1\u202f000,00\xa0₽", "Одна тысяча рублей 00 копеек",
                    # the VAT share of the amount received, said once
                    "копеек В том числе НДС 22%: 180,33\xa0₽"),
    },
    "en": {
        "act": ("Certificate of services rendered No. FL-7 of 20 March 2026",
                "Contractor: Floare SRL, IDNO 1003600000000", "Customer: Cârță și fiii SRL",
                "Basis: Invoice No. FL-7 of 2026-03-05",
                "Three hundred and sixty lei and 00 bani",
                "Contractor Floare SRL Director Ion Popescu"),
        "delivery_note": ("Delivery note No. FL-7 of 20 March 2026",
                          "Supplier (shipper): Floare SRL", "Buyer (consignee): Cârță și fiii SRL",
                          "Întreținere 2 pcs MDL\xa0150.00 MDL\xa0300.00",
                          "VAT 20%: MDL\xa060.00", "Total due: MDL\xa0360.00",
                          "Three hundred and sixty lei and 00 bani",
                          "Released by Ion Popescu", "Received by Ana Cârță", "Stamp"),
        "receipt": ("Receipt No. 12 of 9 March 2026", "Received from Cârță și fiii SRL",
                    "For Payment of invoice FL-7 of 2026-03-05", "Amount MDL\xa0100.00",
                    "One hundred lei and 00 bani", "including VAT 20%: MDL\xa016.67"),
    },
    "ro": {
        "act": ("Act de prestare a serviciilor nr. FL-7 din 20 martie 2026",
                "Prestator: Floare SRL", "Beneficiar: Cârță și fiii SRL",
                "Trei sute șaizeci de lei"),
        "delivery_note": ("Aviz de însoțire a mărfii nr. FL-7 din 20 martie 2026",
                          "Furnizor (expeditor): Floare SRL",
                          "Cumpărător (destinatar): Cârță și fiii SRL",
                          "Total de plată: 360,00\xa0MDL", "Trei sute șaizeci de lei",
                          "Am predat Ion Popescu", "Am primit Ana Cârță", "L.Ș."),
        "receipt": ("Chitanță nr. 12 din 9 martie 2026", "Am primit de la Cârță și fiii SRL",
                    "Plata facturii nr. FL-7 din 05.03.2026", "Suma de 100,00\xa0MDL",
                    "Una sută de lei", "din care TVA 20%: 16,67\xa0MDL"),
    },
}


@pytest.mark.parametrize("language", ["ru", "en", "ro"])
def test_an_invoice_prints_as_its_act_delivery_note_and_receipt(language: Lang) -> None:
    inv = invoice(language)
    number = inv.number
    texts = {
        "act": flat(render_sync(as_transfer(
            inv, "act", number, date(2026, 3, 20), supplies=["service"] * len(inv.lines),
            basis=invoice_basis(number, inv.issue_date, language)))),
        "delivery_note": flat(render_sync(as_printed(inv, "delivery_note", number,
                                                     date(2026, 3, 20)))),
        "receipt": flat(render_sync(as_printed(
            inv, "receipt", "ПКО-3" if language == "ru" else "12", date(2026, 3, 9),
            D("1000") if language == "ru" else D("100")))),
    }
    for kind, expected in EXPECTED[language].items():
        for piece in expected:
            assert piece in texts[kind], (kind, piece, texts[kind])
    # A receipt is not an invoice: no QR, no due date, nothing of the invoice's own total.
    assert "QR" not in texts["receipt"]
    assert ("4\u202f099,99" if language == "ru" else "360.00" if language == "en"
            else "360,00") not in texts["receipt"]
    for twice in ("including including", "din care din care", "в том числе В том числе"):
        assert twice not in texts["receipt"]


STATEMENT: dict[str, tuple[str, ...]] = {
    "ru": ("Акт сверки взаимных расчётов по состоянию на 01.04.2026",
           "Поставщик: ООО «Ромашка»", "Покупатель: АО «Василёк»",
           "Дата Документ Дебет Кредит Сальдо",
           "05.03.2026 Счёт на оплату № 42 4\u202f099,99\xa0₽ 4\u202f099,99\xa0₽",
           "09.03.2026 Оплата № ПКО-3 1\u202f000,00\xa0₽ 3\u202f099,99\xa0₽",
           "12.03.2026 Оплата 3\u202f500,00\xa0₽ -400,01\xa0₽",
           "Итого 4\u202f099,99\xa0₽ 4\u202f500,00\xa0₽ -400,01\xa0₽",
           "Задолженность ООО «Ромашка» перед АО «Василёк» (аванс): 400,01\xa0₽"),
    "en": ("Statement of account as of 2026-04-01", "Seller: Floare SRL",
           "Buyer: Cârță și fiii SRL", "Date Document Debit Credit Balance",
           "2026-03-05 Invoice No. FL-7 MDL\xa0360.00 MDL\xa0360.00",
           "2026-03-09 Payment No. 12 MDL\xa0100.00 MDL\xa0260.00",
           "Total MDL\xa0360.00 MDL\xa0100.00 MDL\xa0260.00",
           "Cârță și fiii SRL owes Floare SRL: MDL\xa0260.00"),
    "ro": ("Fișă de cont client la data de 01.04.2026", "Furnizor: Floare SRL",
           "Cumpărător: Cârță și fiii SRL", "Data Document Debit Credit Sold",
           "05.03.2026 Factură proformă nr. FL-7 360,00\xa0MDL 360,00\xa0MDL",
           "09.03.2026 Plată nr. 12 100,00\xa0MDL 260,00\xa0MDL",
           "Total 360,00\xa0MDL 100,00\xa0MDL 260,00\xa0MDL",
           "Cârță și fiii SRL datorează către Floare SRL: 260,00\xa0MDL"),
}


@pytest.mark.parametrize("language", ["ru", "en", "ro"])
def test_client_statement_prints_rows_running_balance_and_who_owes_whom(
        language: Lang) -> None:
    if language == "ru":  # paid more than invoiced: we owe the client (an advance)
        view = build_statement_view(
            seller=SELLER_RU, buyer=BUYER_RU, currency="RUB", issue_date=date(2026, 4, 1),
            entries=[StatementEntry(date(2026, 3, 12), "payment", "", D("3500")),
                     StatementEntry(date(2026, 3, 9), "payment", "ПКО-3", D("1000")),
                     StatementEntry(date(2026, 3, 5), "invoice", "42", D("4099.99"))])
    else:
        view = build_statement_view(
            seller=SELLER_MD, buyer=BUYER_MD, currency="MDL", issue_date=date(2026, 4, 1),
            entries=[StatementEntry(date(2026, 3, 5), "invoice", "FL-7", D("360")),
                     StatementEntry(date(2026, 3, 9), "payment", "12", D("100"))],
            language=language)
    text = flat(render_sync(view))
    for piece in STATEMENT[language]:
        assert piece in text, (piece, text)


# --- through the service, on a real database -------------------------------------------------


@dataclass
class Docs:
    w: World
    delivery: DeliveryService
    receivables: ReceivableService
    shipments: ShipmentService


@pytest.fixture
async def d(db: Database, renderer: PdfRenderer) -> Docs:  # noqa: F811  (the fixture)
    w = await make_world(db)
    quotes = QuoteService(db.uow, w.clock, w.invoices, "UTC")
    delivery = DeliveryService(db.uow, w.clock, w.invoices, quotes, renderer,
                               PoolImageTools(renderer), None,
                               DeliverySettings(30, "https://crm.example.com"))
    return Docs(w, delivery,
                ReceivableService(db.uow, w.clock, "UTC"),
                ShipmentService(db.uow, w.clock, w.deals))


async def stored(d: Docs) -> list[tuple[Any, ...]]:
    async with d.w.db.uow(readonly=True) as uow:
        return [tuple(r) for r in (await uow.session.execute(
            select(m.Document.kind, m.Document.subject_type, m.Document.subject_id,
                   m.Document.filename).order_by(m.Document.id))).all()]


async def test_act_and_delivery_note_are_dated_by_the_shipment_and_stored(d: Docs) -> None:
    w = d.w
    inv, number = await issue(w, w.m1, w.c1, "1220.00")
    await w.payments.record_manual(w.m1, inv, "bank", "1220", "п/п 7")
    w.clock.advance(timedelta(days=1))
    await d.shipments.ship(w.m1, inv)  # 11.03.2026
    w.clock.advance(timedelta(days=5))

    act = await d.delivery.print_pdf(w.m1, inv, "act")
    text = flat(act.content)
    # The act has its own series: number 1, not the invoice's.
    assert "Акт выполненных работ (оказанных услуг) № 1 от 11 марта 2026 г." in text
    assert f"Основание: Счёт на оплату № {number} от 10.03.2026" in text
    assert "Заказчик: Ромашка" in text and "Работы" in text
    assert "Одна тысяча двести двадцать рублей 00 копеек" in text
    note = await d.delivery.print_pdf(w.m1, inv, "delivery_note")
    text = flat(note.content)
    assert f"Товарная накладная № {number} от 11 марта 2026 г." in text
    assert "Покупатель (грузополучатель): Ромашка" in text and "Груз получил" in text
    assert (act.filename, note.filename) == ("Act_1.pdf", f"Delivery_note_{number}.pdf")
    assert await stored(d) == [("act_pdf", "invoice", inv, act.filename),
                               ("delivery_note_pdf", "invoice", inv, note.filename)]
    # Nothing printed changed: the same stored bytes, nothing rendered or stored again.
    again = await d.delivery.print_pdf(w.m1, inv, "act")
    assert (again.document_id, again.rendered, again.content) == (
        act.document_id, False, act.content)
    assert len(await stored(d)) == 2
    # The invoice's own PDF is still the invoice.
    own = await d.delivery.pdf(w.m1, "invoice", inv)
    assert f"Счёт на оплату № {number}" in flat(own.content)


async def test_an_act_before_shipping_is_dated_today(d: Docs) -> None:
    w = d.w
    inv, _ = await issue(w, w.m1, w.c1, "500.00")
    act = await d.delivery.print_pdf(w.m1, inv, "act")
    assert ("Акт выполненных работ (оказанных услуг) № 1 от 10 марта 2026 г."
            in flat(act.content))


async def test_receipt_prints_what_one_payment_brought_to_the_invoice(d: Docs) -> None:
    w = d.w
    inv, number = await issue(w, w.m1, w.c1, "1000.00")
    first = await w.payments.record_manual(w.m1, inv, "cash", "300", "ПКО-5")
    w.clock.advance(timedelta(days=2))
    # 900 in cash: 700 closes the invoice, 200 stays the client's credit.
    second = await w.payments.record_manual(w.m1, inv, "cash", "900")

    one = await d.delivery.print_pdf(w.m1, inv, "receipt", first.payment.id)
    text = flat(one.content)
    assert "Квитанция к приходному кассовому ордеру № ПКО-5 от 10 марта 2026 г." in text
    assert f"Основание Оплата по счёту № {number} от 10.03.2026" in text
    assert "Сумма 300,00\xa0₽ Триста рублей 00 копеек" in text
    assert "Принято от Ромашка" in text
    two = await d.delivery.print_pdf(w.m1, inv, "receipt", second.payment.id)
    text = flat(two.content)
    assert (f"Квитанция к приходному кассовому ордеру № {second.payment.id} "
            "от 12 марта 2026 г.") in text
    assert "Сумма 700,00\xa0₽ Семьсот рублей 00 копеек" in text
    assert "900" not in text
    assert [r[0] for r in await stored(d)] == ["receipt_pdf", "receipt_pdf"]
    assert two.filename == f"Receipt_{second.payment.id}.pdf"

    # A payment on another invoice, none, or one that does not exist: not found.
    other, _ = await issue(w, w.m1, w.c1, "50.00")
    elsewhere = await w.payments.record_manual(w.m1, other, "cash", "50")
    for payment in (elsewhere.payment.id, None, 999_999):
        with pytest.raises(NotFound):
            await d.delivery.print_pdf(w.m1, inv, "receipt", payment)
    # A reversed payment has no receipt any more.
    await w.payments.reverse(w.m1, first.payment.id, "typo")
    with pytest.raises(NotFound):
        await d.delivery.print_pdf(w.m1, inv, "receipt", first.payment.id)
    assert len(await stored(d)) == 2


async def test_another_managers_invoice_and_bad_requests_change_nothing(d: Docs) -> None:
    w = d.w
    inv, _ = await issue(w, w.m1, w.c1, "100.00")
    paid = await w.payments.record_manual(w.m1, inv, "cash", "100")
    for kind, payment in (("act", None), ("upd", None), ("delivery_note", None),
                          ("receipt", paid.payment.id)):
        with pytest.raises(NotFound):
            await d.delivery.print_pdf(w.m2, inv, kind, payment)
    for kind in ("invoice", "quote", "statement", ""):
        with pytest.raises(InvalidInput):
            await d.delivery.print_pdf(w.m1, inv, kind)
    draft = await w.invoices.create_draft(w.m1, w.c1)
    await w.invoices.add_line(w.m1, draft.id, Line("Работы", D(1), D("10"), NO_VAT))
    with pytest.raises(Conflict):
        await d.delivery.print_pdf(w.m1, draft.id, "act")
    with pytest.raises(NotFound):
        await d.delivery.print_pdf(w.m1, 999_999, "act")
    assert await stored(d) == []
    # The head of sales (admin) sees every invoice.
    assert (await d.delivery.print_pdf(w.admin, inv, "act")).rendered


async def test_client_statement_pdf_in_the_clients_language_and_the_customers_chat(
        d: Docs) -> None:
    w = d.w
    first, n1 = await issue(w, w.m1, w.c1, "1220.00")
    await w.payments.record_manual(w.m1, first, "cash", "1000", "ПКО-1")
    w.clock.advance(timedelta(days=1))
    second, n2 = await issue(w, w.m1, w.c1, "80.00")
    await w.invoices.create_draft(w.m1, w.c1)  # a draft is nobody's debt

    st = await d.receivables.statement(w.m1, w.c1)
    (pdf,) = await d.delivery.statement_pdfs(w.m1, st)
    text = flat(pdf.content)
    assert "Акт сверки взаимных расчётов по состоянию на 11.03.2026" in text
    assert f"10.03.2026 Счёт на оплату № {n1} 1\u202f220,00\xa0₽ 1\u202f220,00\xa0₽" in text
    assert "10.03.2026 Оплата № ПКО-1 1\u202f000,00\xa0₽ 220,00\xa0₽" in text
    assert f"11.03.2026 Счёт на оплату № {n2} 80,00\xa0₽ 300,00\xa0₽" in text
    assert "Покупатель: Ромашка" in text
    assert "Задолженность Ромашка перед ООО «Демо»: 300,00\xa0₽" in text
    assert pdf.filename == f"Statement_{w.c1}-20260311.pdf" and pdf.currency == "RUB"
    assert await stored(d) == []  # a statement changes daily: sent, not kept

    # The client's latest invoice is in English: so is the statement.
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Invoice).where(m.Invoice.id == second)
                                  .values(language="en"))
        await uow.commit()
    (pdf,) = await d.delivery.statement_pdfs(w.m1, st)
    text = flat(pdf.content)
    assert "Statement of account as of 2026-03-11" in text
    assert "Ромашка owes ООО «Демо»: RUB\xa0300.00" in text

    # Another manager: neither the statement nor the customer's chat.
    with pytest.raises(NotFound):
        await d.receivables.statement(w.m2, w.c1)
    with pytest.raises(NotFound):
        await d.delivery.customer_chat(w.m2, w.c1)
    # Nobody of the client opened the bot yet; then someone did.
    assert await d.delivery.customer_chat(w.m1, w.c1) is None
    async with w.db.uow() as uow:
        uow.session.add(m.Contact(owner_id=w.m1.id, company_id=w.c1, name="Anna",
                                  name_norm="anna", telegram_user_id=CUSTOMER_TG,
                                  language="ro"))
        await uow.commit()
    chat = await d.delivery.customer_chat(w.m1, w.c1)
    assert chat is not None and (chat.telegram_user_id, chat.language) == (CUSTOMER_TG, "ro")
    assert await d.delivery.customer_chat(w.m2, w.c2) is None  # Petr's own client: unbound


async def test_statement_in_two_currencies_is_two_pdfs(d: Docs) -> None:
    w = d.w
    await issue(w, w.m1, w.c1, "100.00")
    draft = await w.invoices.create_draft(w.m1, w.c1)
    await w.invoices.set_currency(w.m1, draft.id, "EUR")
    await w.invoices.add_line(w.m1, draft.id, Line("Design", D(1), D("40"), NO_VAT))
    await w.invoices.set_exchange_rate(w.m1, draft.id, D("90.5"))
    await w.invoices.issue(w.m1, draft.id)
    st = await d.receivables.statement(w.m1, w.c1)
    pdfs = await d.delivery.statement_pdfs(w.m1, st)
    assert [p.currency for p in pdfs] == ["EUR", "RUB"]
    assert [p.filename for p in pdfs] == [f"Statement_{w.c1}-20260310-EUR.pdf",
                                          f"Statement_{w.c1}-20260310-RUB.pdf"]
    assert "40,00\xa0€" in flat(pdfs[0].content) and "100,00\xa0₽" in flat(pdfs[1].content)


async def test_a_client_without_invoices_gets_a_settled_statement(d: Docs) -> None:
    st = await d.receivables.statement(d.w.m1, d.w.c1)
    (pdf,) = await d.delivery.statement_pdfs(d.w.m1, st)
    assert "Задолженности нет: расчёты сверены." in flat(pdf.content)
    async with d.w.db.uow(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(m.Document)) == 0
