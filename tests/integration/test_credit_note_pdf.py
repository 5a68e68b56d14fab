"""Golden tests of the credit note documents (issue 16, item 4): real PDFs rendered with the
shipped templates and read back with pypdf's text extraction, one per market — the Romanian
«Factură de stornare» (art. 319 mentions), the EU credit note in English, the Russian УКД
(before / after / decrease per line, status 1). Three renders for the module."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from bot.pdf import render_sync
from services.documents import (
    CreditLineInput,
    CreditNoteView,
    PartyView,
    build_credit_note_view,
    fiscal_code,
)
from services.money import format_money
from services.pricing import NO_VAT

D = Decimal


def text_of(pdf: bytes) -> str:
    """The extracted text with runs of spaces (column gaps, thin spaces) made one space."""
    raw = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \u00a0\u202f]+", " ", raw)


def flat(text: str) -> str:
    return " ".join(text.split())


def rub(amount: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", format_money(D(amount), "RUB", "ru"))


RU_SELLER = PartyView(
    name="Ромашка", legal_name="ООО «Ромашка»", country="RU", tax_id_label="ИНН",
    tax_id="7707083893", kpp="773601001", address="117997, г. Москва, ул. Вавилова, д. 19",
    director="Иванов И. И.", accountant="Петрова А. А.", reg_number="1027700132195",
    vat_payer="yes", director_position="Генеральный директор",
    signer_name="Сидоров С. С.", signer_position="Коммерческий директор",
    signer_poa_number="12", signer_poa_date="2026-01-15")
RU_BUYER = PartyView(
    name="Василёк", legal_name="АО «Василёк»", country="RU", tax_id_label="ИНН",
    tax_id="500100732259", kpp="500101001", address="141400, г. Химки, ул. Ленина, д. 1")
RO_SELLER = PartyView(
    name="Demo SRL", legal_name="Demo SRL", country="RO", tax_id_label="CUI",
    tax_id="18547290", address="Str. Exemplu 1", city="Sector 1", region="RO-B",
    bank_name="Banca Exemplu", bik_or_bic="RZBRROBU", iban="RO49AAAA1B31007593840000",
    reg_number="J40/1234/2020", vat_payer="yes", director="Ion Popescu")
RO_BUYER = PartyView(
    name="Client SRL", legal_name="Client SRL", country="RO", tax_id_label="CUI",
    tax_id="14399840", address="Bd. Unirii 10", city="Cluj-Napoca", region="RO-CJ",
    reg_number="J12/345/2015", vat_payer="no")
EU_SELLER = PartyView(
    name="Demo GmbH", legal_name="Demo GmbH", country="DE", tax_id_label="VAT ID",
    tax_id="DE136695976", address="Musterstraße 1, 10115 Berlin", iban="DE89370400440532013000",
    bik_or_bic="COBADEFFXXX", bank_name="Commerzbank", vat_payer="yes")
EU_BUYER = PartyView(name="Client BV", legal_name="Client BV", country="NL",
                     tax_id_label="VAT ID", tax_id="NL004495445B01",
                     address="Damrak 1, Amsterdam")


def ukd(lines: list[CreditLineInput] | None = None,
        seller: PartyView = RU_SELLER) -> CreditNoteView:
    return build_credit_note_view(
        seller=seller, buyer=RU_BUYER, currency="RUB", number="КН-2026-00001",
        issue_date=date(2026, 3, 10), invoice_number="INV-2026-00042",
        invoice_date=date(2026, 3, 5), reason="Возврат товара", language="ru", layout="ru",
        lines=lines or [
            # 4 chairs (6 000,00 + НДС 22% 1 320,00), one returned.
            CreditLineInput(1, "Стул офисный", "шт", D(22), D("1500.00"), D(4),
                            D("6000.00"), D("1320.00"), D(1), D("1500.00"), D("330.00")),
            # Installation: a second credit note takes the rest of what an earlier one left.
            CreditLineInput(2, "Монтаж", "усл", D(22), D("2000.00"), D("0.5"),
                            D("1000.00"), D("220.00"), D("0.5"), D("1000.00"),
                            D("220.00"))])


def storno() -> CreditNoteView:
    return build_credit_note_view(
        seller=RO_SELLER, buyer=RO_BUYER, currency="RON", number="NC-2026-00003",
        issue_date=date(2026, 3, 10), invoice_number="DMO-2026-00007",
        invoice_date=date(2026, 3, 5), reason="Retur marfă", language="ro", layout="intl",
        lines=[
            CreditLineInput(1, "Scaun birou", "buc.", D(21), D("100.00"), D(5), D("500.00"),
                            D("105.00"), D(2), D("200.00"), D("42.00")),
            CreditLineInput(2, "Carte tehnică", "buc.", D(11), D("50.00"), D(2),
                            D("100.00"), D("11.00"), D(1), D("50.00"), D("5.50"))])


def eu_credit_note() -> CreditNoteView:
    return build_credit_note_view(
        seller=EU_SELLER, buyer=EU_BUYER, currency="EUR", number="CN-2026-00001",
        issue_date=date(2026, 3, 10), invoice_number="INV-2026-00011",
        invoice_date=date(2026, 3, 5), reason="Discount after invoicing", language="en",
        layout="intl", reverse_charge=True,
        lines=[CreditLineInput(1, "Consulting", "h", NO_VAT, D("100.00"), D(10),
                               D("1000.00"), D("0.00"), D(3), D("300.00"), D("0.00"))])


@pytest.fixture(scope="module")
def ukd_text() -> str:
    return text_of(render_sync(ukd()))


@pytest.fixture(scope="module")
def storno_text() -> str:
    return text_of(render_sync(storno()))


@pytest.fixture(scope="module")
def eu_text() -> str:
    return text_of(render_sync(eu_credit_note()))


def test_ru_ukd_shows_before_after_and_the_decrease_per_line(ukd_text: str) -> None:
    text = flat(ukd_text)
    for mention in (
        "Универсальный корректировочный документ",
        "Статус: 1",
        "Корректировочный счёт-фактура № КН-2026-00001 от 10 марта 2026 г.",
        "к счёту № INV-2026-00042 от 05.03.2026",
        "Поставщик: ООО «Ромашка»",
        "Адрес: 117997, г. Москва, ул. Вавилова, д. 19",
        "ИНН/КПП продавца: 7707083893/773601001; ОГРН 1027700132195",
        "Покупатель: АО «Василёк»",
        "ИНН/КПП покупателя: 500100732259/500101001",
        "Валюта: наименование, код: российский рубль, 643",
        # Line 1: before, after, no increase, the decrease — quantity, price, net, rate,
        # VAT, gross.
        f"А — до изменения 4 {rub('1500.00')} {rub('6000.00')} 22% {rub('1320.00')} "
        f"{rub('7320.00')}",
        f"Б — после изменения 3 {rub('1500.00')} {rub('4500.00')} 22% {rub('990.00')} "
        f"{rub('5490.00')}",
        "В — увеличение — — — — — —",
        f"Г — уменьшение 1 — {rub('1500.00')} 22% {rub('330.00')} {rub('1830.00')}",
        # Line 2: a fractional rest, taken whole.
        f"А — до изменения 0,5 {rub('2000.00')} {rub('1000.00')} 22% {rub('220.00')} "
        f"{rub('1220.00')}",
        f"Б — после изменения 0 {rub('2000.00')} {rub('0.00')} 22% {rub('0.00')} "
        f"{rub('0.00')}",
        "Всего увеличение (сумма строк В) — X — —",
        f"Всего уменьшение (сумма строк Г) {rub('2500.00')} X {rub('550.00')} "
        f"{rub('3050.00')}",
        "Три тысячи пятьдесят рублей 00 копеек",
        "Основание для корректировки: Возврат товара; к счёту № INV-2026-00042 от "
        "05.03.2026",
        "Коммерческий директор: ____________ Сидоров С. С., по доверенности № 12 от "
        "15.01.2026",
        "Главный бухгалтер: ____________ Петрова А. А.",
    ):
        assert mention in text, mention


def test_ru_ukd_status_2_without_vat() -> None:
    view = ukd([CreditLineInput(1, "Консультация", "ч", NO_VAT, D("1000.00"), D(3),
                                D("3000.00"), D("0.00"), D(1), D("1000.00"), D("0.00"))],
               seller=PartyView(name="ИП Петров", country="RU", tax_id="500100732259",
                                vat_payer="no"))
    assert view.ukd_status == 2 and view.without_vat
    assert [(r.label, r.base, r.vat, r.exempt) for r in view.vat_breakdown] == [
        ("Без НДС", D("-1000.00"), D("0.00"), True)]  # never "-0,00"
    assert view.lines[0].after == (D(2), D("2000.00"), D("0.00"), D("2000.00"))
    assert ukd().ukd_status == 1


def test_ro_storno_has_the_art_319_mentions_and_negative_lines(storno_text: str) -> None:
    text = flat(storno_text)
    for mention in (
        "Factură de stornare",
        "nr. NC-2026-00003",
        "Stornează factura nr. DMO-2026-00007 din 05.03.2026",
        # Seller: a VAT payer, so "RO" before the CUI; Nr. Reg. Com., address, bank.
        "Demo SRL CUI: RO18547290 Nr. Reg. Com.: J40/1234/2020",
        "Sediul: Str. Exemplu 1, Sector 1, Județ București",
        "IBAN: RO49AAAA1B31007593840000",
        "Banca Exemplu, BIC RZBRROBU",
        # Buyer: not a VAT payer, the bare CUI.
        "Client SRL CUI: 14399840 Nr. Reg. Com.: J12/345/2015",
        "Sediul: Bd. Unirii 10, Cluj-Napoca, Județ Cluj",
        # Negative quantities and amounts per line, the rate on each.
        "1 Scaun birou buc. -2 100,00 lei -200,00 lei 21% -42,00 lei",
        "2 Carte tehnică buc. -1 50,00 lei -50,00 lei 11% -5,50 lei",
        # VAT per rate, totals.
        "Total fără TVA: -250,00 lei",
        "TVA 21%: -42,00 lei",
        "TVA 11%: -5,50 lei",
        "Total stornat: -297,50 lei",
        "Motivul stornării: Retur marfă",
        "Valorile negative reprezintă stornarea",
    ):
        assert mention in text, mention


def test_ro_storno_of_a_eur_invoice_gives_its_vat_and_total_in_lei() -> None:
    """Art. 319: an invoice in another currency gives its VAT in lei; its storno too, at the
    invoice's rate (each rate's VAT converted and rounded on its own)."""
    eur = build_credit_note_view(
        seller=RO_SELLER, buyer=RO_BUYER, currency="EUR", number="NC-2026-00004",
        issue_date=date(2026, 3, 10), invoice_number="DMO-2026-00008",
        invoice_date=date(2026, 3, 5), reason="Retur marfă", language="ro", layout="intl",
        lines=[CreditLineInput(1, "Scaun birou", "buc.", D(21), D("100.00"), D(5),
                               D("500.00"), D("105.00"), D(2), D("200.00"), D("42.00"))],
        exchange_rate=D("4.9771"), accounting_currency="RON")
    text = flat(text_of(render_sync(eur)))
    for mention in ("Curs de schimb: 1 EUR = 4,9771 RON",
                    "TVA 21% în RON: -209,04 lei",  # -42.00 × 4.9771
                    "Total TVA în RON: -209,04 lei",
                    "Total de plată în RON: -1.204,46 lei"):  # (-200 - 42) × 4.9771
        assert mention in text, mention
    # In the organization's own currency nothing is converted.
    assert "Curs de schimb" not in flat(text_of(render_sync(storno())))


def test_eu_credit_note_credits_the_invoice(eu_text: str) -> None:
    text = flat(eu_text)
    for mention in (
        "Credit note",
        "No. CN-2026-00001",
        "Credits invoice No. INV-2026-00011 of 2026-03-05",
        "Demo GmbH VAT ID: DE136695976",
        "Client BV VAT ID: NL004495445B01",
        "1 Consulting h -3",
        "Total credited: -EUR 300.00",
        "Reason for the credit note: Discount after invoicing",
        "Reverse charge",
        "Negative amounts are credited to the buyer.",
    ):
        assert mention in text, mention


def test_the_amounts_are_the_stored_ones_never_priced_again() -> None:
    # A part of a line rounded HALF_UP when it was issued (33,33 of 99,99 with 7,33 VAT)
    # prints exactly those figures, and "after" is the difference of the stored integers.
    view = ukd([CreditLineInput(1, "Стул", "шт", D(22), D("33.33"), D(3), D("99.99"),
                                D("22.00"), D(1), D("33.33"), D("7.33"))])
    line = view.lines[0]
    assert line.decrease == (D(1), D("33.33"), D("7.33"), D("40.66"))
    assert line.after == (D(2), D("66.66"), D("14.67"), D("81.33"))
    assert line.change == (D(-1), D("-33.33"), D("-7.33"), D("-40.66"))
    assert view.decrease_total.gross == D("40.66")
    with pytest.raises(ValueError):  # more than the line had before
        ukd([CreditLineInput(1, "Стул", "шт", D(22), D("33.33"), D(1), D("33.33"),
                             D("7.33"), D(2), D("66.66"), D("14.67"))])


def test_romanian_fiscal_code_prefix() -> None:
    assert fiscal_code(RO_SELLER) == "RO18547290"
    assert fiscal_code(PartyView(name="X", country="RO", tax_id="RO14399840",
                                 vat_payer="no")) == "14399840"
    assert fiscal_code(PartyView(name="X", country="RO", tax_id="RO14399840")) \
        == "RO14399840"  # unknown: as stored
    assert fiscal_code(RU_SELLER) == "7707083893"
