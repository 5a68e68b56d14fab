"""Issue 16, the Russian (and Belarusian, Moldovan) documents of a shipment, read back from
real PDFs: the act of services (RU; BY in Russian; MD in Russian and Romanian), the UPD with
status 1 and 2, and the Russian invoice's buyer block. Then through DeliveryService on a real
database (SQLite and PostgreSQL): the act and the UPD each numbered in their own gapless
series on the first print, the number and date kept on reprint, and refusals (an act of
goods only, a missing requisite, another manager's invoice) that take no number."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.images import PoolImageTools
from bot.pdf import PdfRenderer, render_sync
from services.credit_notes import CreditNoteService
from services.delivery import DeliveryService, DeliverySettings
from services.documents import (
    DocumentView,
    PartyView,
    as_transfer,
    build_invoice_view,
    contract_basis,
    invoice_basis,
)
from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import Line
from services.pricing import NO_VAT, LineInput
from services.quotes import QuoteService
from services.shipments import ShipmentService
from storage import models as m
from storage.uow import Database
from tests.integration.test_delivery import renderer  # noqa: F401  (the PDF pool fixture)
from tests.integration.test_payments import World, issue, make_world
from tests.integration.test_pdf import SELLER_RU, flat

D = Decimal
NNBSP = "\u202f"  # Russian thousands
NBSP = "\xa0"  # before the currency sign

# --- the parties -----------------------------------------------------------------------------

RU_SELLER = replace(SELLER_RU, director_position="Генеральный директор", vat_payer="yes",
                    reg_number="1027700132195")
RU_SELLER_POA = replace(RU_SELLER, signer_name="Петров П. П.",
                        signer_position="Коммерческий директор", signer_poa_number="12",
                        signer_poa_date="2026-01-15")
RU_BUYER = PartyView(name="Василёк", legal_name="АО «Василёк»", country="RU",
                     tax_id_label="ИНН", tax_id="7728168971", kpp="772801001",
                     address="117648, г. Москва, мкр. Чертаново Северное, д. 1А",
                     director="Сидоров С. С.", director_position="Директор")
BY_SELLER = PartyView(name="Белый аист", legal_name="ООО «Белый аист»", country="BY",
                      tax_id_label="УНП", tax_id="190542052",
                      address="220030, г. Минск, ул. Ленина, д. 5", director="Ковалёв А. А.",
                      director_position="Директор", vat_payer="yes")
BY_BUYER = PartyView(name="Зубр", legal_name="ОАО «Зубр»", country="BY", tax_id_label="УНП",
                     tax_id="100230607", address="г. Брест, ул. Советская, д. 2")
MD_SELLER = PartyView(name="Floare SRL", legal_name="Floare SRL", country="MD",
                      tax_id_label="IDNO", tax_id="1003600000000",
                      address="mun. Chișinău, str. Ștefan cel Mare 1", director="Ion Popescu",
                      director_position="Administrator", vat_payer="yes")
MD_BUYER = PartyView(name="Vinăria Nouă SRL", country="MD", tax_id_label="IDNO",
                     tax_id="1002600000001", address="or. Bălți, str. Independenței 7",
                     director="Ana Cârță")

# An office's order: chairs (goods) and their assembly (a service), prices include VAT.
MIXED_INCLUDED = [LineInput("Кресло офисное", D("2"), D("6100"), D("22")),
                  LineInput("Сборка мебели", D("3"), D("1220"), D("22"))]
MIXED_SUPPLIES = ("good", "service")
INVOICE_DAY = date(2026, 3, 5)
SHIPPED = date(2026, 3, 11)


def ru_invoice(seller: PartyView, lines: list[LineInput], tax_mode: Any = "included",
               units: list[str] | None = None) -> DocumentView:
    return build_invoice_view(seller=seller, buyer=RU_BUYER, lines=lines, currency="RUB",
                              number="INV-2026-00042", issue_date=INVOICE_DAY,
                              tax_mode=tax_mode, units=units)


def act_of(invoice: DocumentView, supplies: tuple[str, ...], number: str = "7",
           basis: str | None = None) -> DocumentView:
    return as_transfer(invoice, "act", number, SHIPPED, supplies=supplies,
                       basis=basis or invoice_basis(invoice.number, invoice.issue_date,
                                                    invoice.language))


def md_invoice(language: Any) -> DocumentView:
    return build_invoice_view(
        seller=MD_SELLER, buyer=MD_BUYER,
        lines=[LineInput("Mentenanță site", D("2"), D("1500"), D("20"))], currency="MDL",
        number="FL-7", issue_date=INVOICE_DAY, language=language, layout="intl",
        tax_mode="per_line", units=["oră"])


# One render per document: the module shares them.
@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    by_invoice = build_invoice_view(
        seller=BY_SELLER, buyer=BY_BUYER,
        lines=[LineInput("Техническое обслуживание", D("1"), D("1000"), D("20"))],
        currency="BYN", number="БА-15", issue_date=INVOICE_DAY, tax_mode="per_line",
        units=["усл."])
    upd_lines = [LineInput("Кресло офисное", D("2"), D("5000"), D("22")),
                 LineInput("Сборка мебели", D("3"), D("1000"), D("22"))]
    no_vat_seller = replace(RU_SELLER, vat_payer="no")
    no_vat_lines = [LineInput("Кресло офисное", D("2"), D("5000"), NO_VAT),
                    LineInput("Доставка", D("1"), D("700"), NO_VAT)]
    views = {
        "ru_act": act_of(ru_invoice(RU_SELLER_POA, MIXED_INCLUDED, units=["шт", "час"]),
                         MIXED_SUPPLIES),
        "ru_act_contract": act_of(
            ru_invoice(RU_SELLER, MIXED_INCLUDED[1:], units=["час"]), ("service",),
            basis=contract_basis("Д-17/2026", date(2026, 1, 20), "ru")),
        "upd_1": as_transfer(
            ru_invoice(RU_SELLER, upd_lines, "per_line", ["шт", "час"]), "upd", "3",
            SHIPPED, supplies=MIXED_SUPPLIES,
            basis=contract_basis("Д-17/2026", date(2026, 1, 20), "ru"),
            payment_documents="7 от 06.03.2026"),
        "upd_2": as_transfer(
            ru_invoice(no_vat_seller, no_vat_lines, "per_line", ["шт", ""]), "upd", "4",
            SHIPPED, supplies=("good", "service"),
            basis=invoice_basis("INV-2026-00042", INVOICE_DAY, "ru")),
        "by_act": act_of(by_invoice, ("service",)),
        "md_act_ru": act_of(md_invoice("ru"), ("service",)),
        "md_act_ro": act_of(md_invoice("ro"), ("service",)),
        "ru_invoice": ru_invoice(RU_SELLER, MIXED_INCLUDED),
    }
    return {name: flat(render_sync(view)) for name, view in views.items()}


RU_SELLER_LINE = ("Исполнитель: ООО «Ромашка», ИНН 7707083893, КПП 773601001, 117997, "
                  "г. Москва, ул. Вавилова, д. 19")
RU_BUYER_LINE = ("Заказчик: АО «Василёк», ИНН 7728168971, КПП 772801001, 117648, г. Москва, "
                 "мкр. Чертаново Северное, д. 1А")

# What each document must print: title, parties' requisites, basis, lines, VAT, words, who
# signs.
GOLDEN: dict[str, tuple[str, ...]] = {
    "ru_act": (
        "Акт выполненных работ (оказанных услуг) № 7 от 11 марта 2026 г.",
        RU_SELLER_LINE, RU_BUYER_LINE,
        "Основание: Счёт на оплату № INV-2026-00042 от 05.03.2026",
        "Наименование работ, услуг",
        f"1 Сборка мебели 3 час 1{NNBSP}220,00{NBSP}₽ 3{NNBSP}660,00{NBSP}₽",
        f"Итого: 3{NNBSP}660,00{NBSP}₽ В том числе НДС 22%: 660,00{NBSP}₽",
        f"Всего оказано услуг 1, на сумму 3{NNBSP}660,00{NBSP}₽",
        "Три тысячи шестьсот шестьдесят рублей 00 копеек",
        "выполнены полностью и в срок",
        "Исполнитель ООО «Ромашка» Коммерческий директор Петров П. П. (подпись) (ф. и. о.) "
        "по доверенности № 12 от 15.01.2026",
        "Заказчик АО «Василёк» Директор Сидоров С. С.",
    ),
    "ru_act_contract": (
        "Основание: Договор № Д-17/2026 от 20.01.2026",
        "Исполнитель ООО «Ромашка» Генеральный директор Иванов И. И.",
    ),
    "upd_1": (
        "Универсальный передаточный документ Статус: 1",
        "Счёт-фактура № 3 от 11 марта 2026 г. (1)",
        "Продавец ООО «Ромашка» (2)",
        "Адрес 117997, г. Москва, ул. Вавилова, д. 19 (2а)",
        "ИНН/КПП продавца 7707083893/773601001 (2б)",
        "Грузоотправитель и его адрес он же (3)",
        "Грузополучатель и его адрес АО «Василёк», 117648, г. Москва, мкр. Чертаново "
        "Северное, д. 1А (4)",
        "К платёжно-расчётному документу № 7 от 06.03.2026 (5)",
        "Документ об отгрузке: № п/п 1–2 № 3 от 11.03.2026 (5а)",
        "Покупатель АО «Василёк» (6)",
        "ИНН/КПП покупателя 7728168971/772801001 (6б)",
        "Валюта: наименование, код Российский рубль, 643 (7)",
        "Единица измерения", "Количество (объём)", "Цена (тариф) за единицу измерения",
        "без налога — всего", "В том числе сумма акциза", "Налоговая ставка",
        "Сумма налога, предъявляемая покупателю", "с налогом — всего",
        "Страна происхождения товара",
        "А 1 1а 2 2а 3 4 5 6 7 8 9 10 10а 11",
        # code, No., name, OKEI code and unit, quantity, price and cost without VAT, excise,
        # rate, VAT, cost with VAT, country of origin
        f"— 1 Кресло офисное 796 шт 2 5{NNBSP}000,00 10{NNBSP}000,00 без акциза 22% "
        f"2{NNBSP}200,00 12{NNBSP}200,00 — — —",
        f"— 2 Сборка мебели 356 час 3 1{NNBSP}000,00 3{NNBSP}000,00 без акциза 22% 660,00 "
        f"3{NNBSP}660,00 — — —",
        f"Всего к оплате 13{NNBSP}000,00 X 2{NNBSP}860,00 15{NNBSP}860,00",
        "Пятнадцать тысяч восемьсот шестьдесят рублей 00 копеек",
        "Руководитель организации или иное уполномоченное лицо",
        "Главный бухгалтер или иное уполномоченное лицо",
        "Иванов И. И.", "Петрова А. А.",
        "Основание передачи (сдачи) / получения (приёмки) Договор № Д-17/2026 от 20.01.2026",
        "Товар (груз) передал / услуги, результаты работ, права сдал Генеральный директор "
        "Иванов И. И. [10]",
        "Дата отгрузки, передачи (сдачи): 11 марта 2026 г. [11]",
        "Товар (груз) получил / услуги, результаты работ, права принял",
        "Дата получения (приёмки)",
        "Ответственный за правильность оформления факта хозяйственной жизни",
    ),
    "upd_2": (
        "Универсальный передаточный документ Статус: 2",
        "Счёт-фактура № 4 от 11 марта 2026 г.",
        f"— 1 Кресло офисное 796 шт 2 5{NNBSP}000,00 10{NNBSP}000,00 без акциза без НДС "
        f"без НДС 10{NNBSP}000,00",
        # a typed line without a unit: «шт.», OKEI 796
        "— 2 Доставка 796 шт. 1 700,00 700,00 без акциза без НДС без НДС 700,00",
        f"Всего к оплате 10{NNBSP}700,00 X без НДС 10{NNBSP}700,00",
        "Основание передачи (сдачи) / получения (приёмки) Счёт на оплату № INV-2026-00042 "
        "от 05.03.2026",
    ),
    "by_act": (
        "Акт выполненных работ (оказанных услуг) № 7 от 11 марта 2026 г.",
        "Исполнитель: ООО «Белый аист», УНП 190542052, 220030, г. Минск, ул. Ленина, д. 5",
        "Заказчик: ОАО «Зубр», УНП 100230607, г. Брест, ул. Советская, д. 2",
        "Основание: Счёт на оплату № БА-15 от 05.03.2026",
        f"1 Техническое обслуживание 1 усл. 1{NNBSP}000,00{NBSP}Br 1{NNBSP}000,00{NBSP}Br",
        f"НДС 20%: 200,00{NBSP}Br", f"Всего с учётом НДС: 1{NNBSP}200,00{NBSP}Br",
        "Одна тысяча двести белорусских рублей 00 копеек",
        "Исполнитель ООО «Белый аист» Директор Ковалёв А. А.",
    ),
    "md_act_ru": (
        "Акт выполненных работ (оказанных услуг) № 7 от 11 марта 2026 г.",
        "Исполнитель: Floare SRL, IDNO 1003600000000, mun. Chișinău, str. Ștefan cel Mare 1",
        "Заказчик: Vinăria Nouă SRL, IDNO 1002600000001, or. Bălți, str. Independenței 7",
        "Основание: Счёт на оплату № FL-7 от 05.03.2026",
        f"НДС 20%: 600,00{NBSP}MDL", f"Всего с учётом НДС: 3{NNBSP}600,00{NBSP}MDL",
        "Три тысячи шестьсот леев 00 бань",
        "Исполнитель Floare SRL Administrator Ion Popescu",
        "Заказчик Vinăria Nouă SRL",
    ),
    "md_act_ro": (
        "Act de prestare a serviciilor nr. 7 din 11 martie 2026",
        "Prestator: Floare SRL, IDNO 1003600000000, mun. Chișinău, str. Ștefan cel Mare 1",
        "Beneficiar: Vinăria Nouă SRL, IDNO 1002600000001, or. Bălți, str. Independenței 7",
        "Factura nr. FL-7 din 05.03.2026",  # after «Temei:» (pypdf reads "T emei")
        "Denumirea lucrărilor, serviciilor",
        "1 Mentenanță site 2 oră 1.500,00\xa0MDL 3.000,00\xa0MDL",
        "TVA 20%: 600,00\xa0MDL", "Total cu TVA: 3.600,00\xa0MDL",
        "Trei mii șase sute de lei",
        "Prestator Floare SRL Administrator Ion Popescu",
        "Beneficiar Vinăria Nouă SRL",
    ),
    "ru_invoice": (
        "Покупатель: АО «Василёк», ИНН 7728168971, КПП 772801001, 117648, г. Москва, "
        "мкр. Чертаново Северное, д. 1А",
    ),
}


@pytest.mark.parametrize("name", list(GOLDEN))
def test_each_document_prints_its_required_mentions(texts: dict[str, str], name: str) -> None:
    text = texts[name]
    for piece in GOLDEN[name]:
        assert piece in text, (name, piece, text)


def test_an_act_leaves_out_goods_and_what_an_invoice_says_of_payment(
        texts: dict[str, str]) -> None:
    act = texts["ru_act"]
    assert "Кресло" not in act  # a good: the UPD's, not the act's
    for invoice_words in ("Всего к оплате", "Оплачено", "Остаток к оплате", "QR",
                          "Срок оплаты"):
        assert invoice_words not in act, invoice_words
    assert "Покупатель: АО «Василёк»" not in act  # the act's parties are performer/customer
    # The invoice itself still shows both goods and services, and what is to be paid.
    assert "Кресло офисное" in texts["ru_invoice"] and "Всего к оплате" in texts["ru_invoice"]


# --- through the service, on a real database -------------------------------------------------


@dataclass
class Docs:
    w: World
    delivery: DeliveryService
    shipments: ShipmentService


@pytest.fixture
async def d(db: Database, renderer: PdfRenderer) -> Docs:  # noqa: F811  (the fixture)
    w = await make_world(db)
    quotes = QuoteService(db.uow, w.clock, w.invoices, "UTC")
    delivery = DeliveryService(db.uow, w.clock, w.invoices, quotes, renderer,
                               PoolImageTools(renderer), None,
                               DeliverySettings(30, "https://crm.example.com"))
    async with db.uow() as uow:  # the client's requisites, as its card holds them
        await uow.session.execute(update(m.Company).where(m.Company.id == w.c1).values(
            legal_form="АО", tax_id="7728168971", kpp="772801001",
            legal_address="117648, г. Москва, мкр. Чертаново Северное, д. 1А"))
        await uow.commit()
    return Docs(w, delivery, ShipmentService(db.uow, w.clock, w.deals))


async def mixed_invoice(w: World) -> tuple[int, str, Decimal]:
    """Chairs (a good) and their assembly (a service), VAT 22% on top (the organization's
    tax mode): id, number, total."""
    draft = await w.invoices.create_draft(w.m1, w.c1)
    await w.invoices.add_line(w.m1, draft.id, Line("Кресло офисное", D(2), D("6100"), D(22),
                                                   unit="шт", supply="good"))
    await w.invoices.add_line(w.m1, draft.id, Line("Сборка мебели", D(3), D("1220"), D(22),
                                                   unit="час", supply="service"))
    issued = await w.invoices.issue(w.m1, draft.id)
    assert issued.number_text is not None
    return issued.id, issued.number_text, issued.grand_total


async def issued_rows(w: World) -> list[tuple[Any, ...]]:
    async with w.db.uow(readonly=True) as uow:
        return [tuple(r) for r in (await uow.session.execute(
            select(m.IssuedDocument.subject_id, m.IssuedDocument.kind,
                   m.IssuedDocument.number_text, m.IssuedDocument.issue_date)
            .order_by(m.IssuedDocument.id))).all()]


async def counters(w: World) -> dict[str, int]:
    async with w.db.uow(readonly=True) as uow:
        return {str(k): int(n) for k, n in (await uow.session.execute(
            select(m.NumberSeries.kind, m.NumberSeries.last_number)
            .where(m.NumberSeries.kind.in_(["act", "upd"])))).all()}


async def test_act_and_upd_have_their_own_gapless_series_kept_on_reprint(d: Docs) -> None:
    w = d.w
    first, first_number, total = await mixed_invoice(w)
    second, _ = await issue(w, w.m1, w.c1, "500.00")  # one typed line: a service
    await w.payments.record_manual(w.m1, first, "bank", str(total), "п/п 7")
    await d.shipments.ship(w.m1, first)  # 10.03.2026
    w.clock.advance(timedelta(days=2))

    act = await d.delivery.print_pdf(w.m1, first, "act")
    text = flat(act.content)
    assert "Акт выполненных работ (оказанных услуг) № 1 от 10 марта 2026 г." in text
    assert f"Основание: Счёт на оплату № {first_number} от 10.03.2026" in text
    assert "Сборка мебели" in text and "Кресло" not in text
    assert "Заказчик: АО Ромашка, ИНН 7728168971, КПП 772801001, 117648, г. Москва" in text
    assert "Исполнитель ООО «Демо» Генеральный директор Иванов И. И." in text
    assert act.filename == "Act_1.pdf"
    upd = await d.delivery.print_pdf(w.m1, first, "upd")
    text = flat(upd.content)
    assert "Универсальный передаточный документ Статус: 1" in text
    assert "Счёт-фактура № 1 от 10 марта 2026 г." in text  # its own series: 1 as well
    assert "Кресло офисное 796 шт" in text and "Сборка мебели 356 час" in text
    assert "К платёжно-расчётному документу № п/п 7 от 10.03.2026 (5)" in text
    assert upd.filename == "UPD_1.pdf"
    # The invoice itself names the buyer's INN, KPP and address.
    invoice = flat((await d.delivery.pdf(w.m1, "invoice", first)).content)
    assert ("Покупатель: АО Ромашка, ИНН 7728168971, КПП 772801001, 117648, г. Москва, "
            "мкр. Чертаново Северное, д. 1А") in invoice
    second_act = await d.delivery.print_pdf(w.m1, second, "act")  # not shipped: today
    assert ("Акт выполненных работ (оказанных услуг) № 2 от 12 марта 2026 г."
            in flat(second_act.content))

    # Reprinted later (and by the head of sales): the same numbers, dates and bytes.
    w.clock.advance(timedelta(days=30))
    again = await d.delivery.print_pdf(w.admin, first, "act")
    assert (again.document_id, again.rendered, again.content) == (
        act.document_id, False, act.content)
    assert (await d.delivery.print_pdf(w.m1, first, "upd")).document_id == upd.document_id
    assert await issued_rows(w) == [(first, "act", "1", date(2026, 3, 10)),
                                    (first, "upd", "1", date(2026, 3, 10)),
                                    (second, "act", "2", date(2026, 3, 12))]
    assert await counters(w) == {"act": 2, "upd": 1}

    # The client's contract in force becomes the basis of the next act.
    async with w.db.uow() as uow:
        uow.session.add(m.Contract(owner_id=w.m1.id, company_id=w.c1, title="Поставка",
                                   number="Д-17", starts_on=date(2026, 1, 20),
                                   ends_on=date(2026, 12, 31), created_at=w.clock.now()))
        await uow.commit()
    third, _ = await issue(w, w.m1, w.c1, "100.00")
    text = flat((await d.delivery.print_pdf(w.m1, third, "act")).content)
    assert "№ 3 от 11 апреля 2026 г." in text
    assert "Основание: Договор № Д-17 от 20.01.2026" in text


async def test_the_ukd_corrects_the_upd_the_goods_went_with(d: Docs) -> None:
    """A credit note on an invoice shipped with a UPD names that UPD (number, date) and the
    invoice; on an invoice without one, the invoice alone."""
    w = d.w
    notes = CreditNoteService(w.db.uow, w.clock, "UTC")  # type: ignore[arg-type]
    shipped, shipped_number, total = await mixed_invoice(w)
    await w.payments.record_manual(w.m1, shipped, "bank", str(total), "п/п 7")
    await d.shipments.ship(w.m1, shipped)
    await d.delivery.print_pdf(w.m1, shipped, "upd")
    chairs = (await notes.state(w.m1, shipped)).lines[0]
    note = await notes.issue(w.m1, shipped, {chairs.id: D(1)}, "Возврат кресла")
    text = flat((await d.delivery.pdf(w.m1, "credit_note", note.id)).content)
    assert (f"к УПД № 1 от 10.03.2026 (к счёту № {shipped_number} от 10.03.2026)"
            in text), text
    plain, plain_number = await issue(w, w.m1, w.c1, "500.00")
    (line,) = (await notes.state(w.m1, plain)).lines
    other = await notes.issue(w.m1, plain, {line.id: D(1)}, "Скидка")
    text = flat((await d.delivery.pdf(w.m1, "credit_note", other.id)).content)
    assert f"к счёту № {plain_number} от" in text and "УПД №" not in text


async def test_refusals_take_no_number(d: Docs) -> None:
    w = d.w
    goods = await w.invoices.create_draft(w.m1, w.c1)
    await w.invoices.add_line(w.m1, goods.id, Line("Кресло офисное", D(1), D("6100"), D(22),
                                                   unit="шт", supply="good"))
    goods_id = (await w.invoices.issue(w.m1, goods.id)).id
    with pytest.raises(Conflict) as refused:
        await d.delivery.print_pdf(w.m1, goods_id, "act")
    assert refused.value.code == "act_without_services"

    async with w.db.uow() as uow:  # a client whose KPP nobody typed in
        await uow.session.execute(update(m.Company).where(m.Company.id == w.c1)
                                  .values(kpp=None))
        await uow.commit()
    mixed, _, _ = await mixed_invoice(w)
    # Another manager's invoice (a forged button): not found, whichever document.
    for kind in ("act", "upd"):
        with pytest.raises(NotFound):
            await d.delivery.print_pdf(w.m2, mixed, kind)

    # Requisites the document cannot be issued without, named.
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Organization).values(director=""))
        await uow.commit()
    with pytest.raises(InvalidInput) as missing:
        await d.delivery.print_pdf(w.m1, mixed, "act")
    assert (missing.value.code, missing.value.params) == (
        "missing_seller_requisite", {"field": "director"})
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Organization).values(
            director="Иванов И. И.", signer_name="Петров П. П.", signer_poa_number="12"))
        await uow.commit()
    with pytest.raises(InvalidInput) as missing:
        await d.delivery.print_pdf(w.m1, mixed, "act")
    assert missing.value.params == {"field": "signer_poa_date"}
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Organization).values(
            signer_poa_date=date(2026, 1, 15)))
        await uow.commit()
    with pytest.raises(InvalidInput) as missing:  # the act prints without it; the UPD not
        await d.delivery.print_pdf(w.m1, mixed, "upd")
    assert (missing.value.code, missing.value.params) == (
        "missing_buyer_requisite", {"field": "kpp"})
    assert await issued_rows(w) == [] and await counters(w) == {}

    # Then the act is issued, number 1, signed under the power of attorney.
    text = flat((await d.delivery.print_pdf(w.m1, mixed, "act")).content)
    assert "№ 1 от 10 марта 2026 г." in text
    assert "Петров П. П. (подпись) (ф. и. о.) по доверенности № 12 от 15.01.2026" in text
    assert await counters(w) == {"act": 1}


async def test_upd_is_russian_only_and_without_vat_status_2(d: Docs) -> None:
    w = d.w
    inv, _ = await issue(w, w.m1, w.c1, "700.00")
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Organization).values(vat_payer=False))
        await uow.commit()
    text = flat((await d.delivery.print_pdf(w.m1, inv, "upd")).content)
    assert "Статус: 2" in text and "без акциза без НДС без НДС 700,00" in text
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Organization).values(country="MD"))
        await uow.commit()
    other, _ = await issue(w, w.m1, w.c1, "10.00")
    with pytest.raises(Conflict) as refused:
        await d.delivery.print_pdf(w.m1, other, "upd")
    assert refused.value.code == "upd_russia_only"
    assert await counters(w) == {"upd": 1}


async def test_concurrent_first_prints_share_the_series_without_gap_or_repeat(d: Docs) -> None:
    w = d.w
    invoices = [(await issue(w, w.m1, w.c1, f"{100 + i}.00"))[0] for i in range(3)]
    # Three acts at once, and the first one twice: each print renders with the number it
    # expects; whoever finds it taken meanwhile renders again with the next one.
    pdfs = await asyncio.gather(*(d.delivery.print_pdf(w.m1, inv, "act")
                                  for inv in [*invoices, invoices[0]]))
    rows = await issued_rows(w)
    assert sorted(number for _, _, number, _ in rows) == ["1", "2", "3"]
    assert sorted(inv for inv, _, _, _ in rows) == sorted(invoices)
    assert await counters(w) == {"act": 3}
    numbers = {inv: number for inv, _, number, _ in rows}
    for inv, pdf in zip([*invoices, invoices[0]], pdfs, strict=True):
        assert f"№ {numbers[inv]} от 10 марта 2026 г." in flat(pdf.content)
    assert pdfs[0].content == pdfs[3].content
