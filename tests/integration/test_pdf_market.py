"""Golden PDFs of the markets' invoices (issue 16): the Romanian factură (art. 319 Codul
fiscal) in EUR with 21 %, 11 % and an exempt line, and under reverse charge; the Moldovan
invoice in Russian and in Romanian; the Belarusian one. Rendered once per module by
WeasyPrint with the shipped templates; the extracted text holds each required mention."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import pytest

from bot.pdf import render_sync
from services.documents import DocumentView, PartyView, build_invoice_view
from services.money import format_money
from services.pricing import LineInput
from tests.integration.test_pdf import flat

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")

D = Decimal
DAY = date(2026, 3, 5)
REASON = "art. 294 alin. (1) lit. a) din Codul fiscal"

RO_SELLER = PartyView(
    name="Demo SRL", legal_name="Demo SRL", country="RO", tax_id_label="CUI",
    tax_id="18547290", reg_number="J40/1234/2020", address="Str. Exemplu 1", city="Sector 1",
    region="RO-B", postal_code="010011", bank_name="Banca Exemplu",
    iban="RO49AAAA1B31007593840000", bik_or_bic="RZBRROBU", vat_payer="yes",
    vat_on_collection="yes", director="Popescu Ion")
RO_BUYER = PartyView(
    name="Client SRL", legal_name="Client SRL", country="RO", tax_id_label="CUI",
    tax_id="14399840", reg_number="J12/55/2019", address="Str. Memorandumului 2",
    city="Cluj-Napoca", region="RO-CJ", postal_code="400114", bank_name="Banca Transilvania",
    iban="RO09BTRLRONCRT0000000001", vat_payer="yes")
EU_BUYER = PartyView(name="Blume GmbH", country="DE", tax_id_label="VAT ID",
                     tax_id="DE123456789", address="Hauptstraße 1", city="Berlin",
                     postal_code="10115")
MD_SELLER = PartyView(
    name="Floare SRL", legal_name="Floare SRL", country="MD", tax_id_label="IDNO",
    tax_id="1003600000000", address="mun. Chișinău, str. Ștefan cel Mare 1",
    bank_name="Moldindconbank", iban="MD24AG000225100013104168", bik_or_bic="MOLDMD2X",
    vat_payer="yes", director="Popescu Ion")
MD_BUYER = PartyView(name="Client SRL", legal_name="Client SRL", country="MD",
                     tax_id_label="IDNO", tax_id="1002600000002", address="mun. Bălți")
BY_SELLER = PartyView(
    name="Василёк", legal_name="ООО «Василёк»", country="BY", tax_id_label="УНП",
    tax_id="192345678", address="220030, г. Минск, ул. Ленина, 1", bank_name="ОАО «Приорбанк»",
    bik_or_bic="PJCBBY2X", iban="BY13NBRB3600900000002Z00AB00", vat_payer="yes",
    director="Иванов И. И.", accountant="Петрова А. А.")
BY_BUYER = PartyView(name="Ромашка", legal_name="ОАО «Ромашка»", country="BY",
                     tax_id_label="УНП", tax_id="100582333", address="г. Гомель, ул. Советская, 5")


def views() -> dict[str, DocumentView]:
    ro_lines = [LineInput("Servicii IT", D(2), D("100.00"), D(21)),
                LineInput("Carte tehnică", D(1), D("50.00"), D(11)),
                LineInput("Curs autorizat", D(1), D("30.00"), D(0))]
    md_lines = [LineInput("Consultanță", D(3), D("400.00"), D(20))]
    return {
        "ro_eur": build_invoice_view(
            seller=RO_SELLER, buyer=RO_BUYER, lines=ro_lines, currency="EUR",
            number="DMO-2026-00007", issue_date=DAY, delivery_date=date(2026, 3, 2),
            due_date=date(2026, 3, 20), language="ro", layout="intl", tax_mode="on_total",
            exchange_rate=D("4.9750"), accounting_currency="RON",
            vat_exemption_reason=REASON),
        "ro_reverse": build_invoice_view(
            seller=RO_SELLER, buyer=EU_BUYER, currency="RON", number="DMO-2026-00008",
            lines=[LineInput("Servicii IT", D(1), D("1000.00"), D(0))], issue_date=DAY,
            language="ro", layout="intl", tax_mode="on_total", reverse_charge=True,
            accounting_currency="RON"),
        "md_ru": build_invoice_view(
            seller=MD_SELLER, buyer=MD_BUYER, lines=md_lines, currency="MDL",
            number="FL-2026-00001", issue_date=DAY, language="ru", layout="intl",
            tax_mode="per_line"),
        "md_ro": build_invoice_view(
            seller=MD_SELLER, buyer=MD_BUYER, lines=md_lines, currency="MDL",
            number="FL-2026-00001", issue_date=DAY, language="ro", layout="intl",
            tax_mode="per_line"),
        "by": build_invoice_view(
            seller=BY_SELLER, buyer=BY_BUYER, currency="BYN", number="BY-2026-00001",
            lines=[LineInput("Услуги по монтажу", D(1), D("120.00"), D(20))], issue_date=DAY,
            language="ru", layout="ru", tax_mode="per_line"),
    }


@pytest.fixture(scope="module")
def rendered() -> Mapping[str, tuple[DocumentView, str]]:
    """Each view and its PDF's text (the no-break space before a currency read as a space;
    the narrow one grouping Russian thousands kept)."""
    return {key: (view, flat(render_sync(view)).replace("\xa0", " "))
            for key, view in views().items()}


def ron(amount: Decimal) -> str:
    return format_money(amount, "RON", "ro").replace("\xa0", " ")


def test_ro_factura_in_eur_holds_every_mention_of_art_319(
        rendered: Mapping[str, tuple[DocumentView, str]]) -> None:
    view, text = rendered["ro_eur"]
    for mention in (
        "Factură", "Seria DMO-2026 nr. 00007", "Data emiterii: 05.03.2026",
        "Data livrării: 02.03.2026", "ermen de plată: 20.03.2026",  # pypdf: «T ermen»
        # the seller: name, CIF with RO (a VAT payer), register, address, bank, IBAN
        "Demo SRL", "CUI RO18547290", "Nr. Reg. Com. J40/1234/2020",
        "Str. Exemplu 1, Sector 1", "Județ: București, Cod poștal: 010011",
        "Banca: Banca Exemplu", "IBAN: RO49AAAA1B31007593840000",
        # the buyer, the same
        "Client SRL", "CUI RO14399840", "Nr. Reg. Com. J12/55/2019",
        "Str. Memorandumului 2, Cluj-Napoca", "Județ: Cluj, Cod poștal: 400114",
        "Banca: Banca Transilvania", "IBAN: RO09BTRLRONCRT0000000001",
        # the rate on each line, the exempt one with its legal reason
        "Servicii IT 2 buc. 100,00 EUR 21% 42,00 EUR 200,00 EUR",
        "Carte tehnică 1 buc. 50,00 EUR 11% 5,50 EUR 50,00 EUR",
        "Curs autorizat 1 buc. 30,00 EUR Scutit 0,00 EUR 30,00 EUR",
        f"Scutit de TVA: {REASON}",
        # VAT per rate, totals, and in lei at the rate
        "TVA 21%: 42,00 EUR", "TVA 11%: 5,50 EUR", "Total de plată: 327,50 EUR",
        "Curs de schimb: 1 EUR = 4,9750 RON",
        f"TVA 21% în RON: {ron(D('208.95'))}", f"TVA 11% în RON: {ron(D('27.36'))}",
        f"Total TVA în RON: {ron(D('236.31'))}",
        f"Total de plată în RON: {ron(D('1629.31'))}",
        "TVA la încasare",
    ):
        assert mention in text, (mention, text)
    assert "Taxare inversă" not in text and "proformă" not in text
    # The lei figures are the view's own: the PDF prints what the view holds.
    assert view.local_vat_total == D("236.31") and view.local_grand_total == D("1629.31")
    assert view.local_grand_total == sum((r.base + r.vat for r in view.local_vat_breakdown),
                                         D(0))


def test_ro_factura_under_reverse_charge(
        rendered: Mapping[str, tuple[DocumentView, str]]) -> None:
    _, text = rendered["ro_reverse"]
    # The line's VAT rate is the mention (pypdf reads the kerned «T» apart: «T axare»).
    assert re.search(r"Servicii IT 1 buc\. 1\.000,00 lei T ?axare inversă ?0,00 lei "
                     r"1\.000,00 lei", text), text
    for mention in ("Factură", "Seria DMO-2026 nr. 00008",
                    "Taxare inversă: 0,00 lei", f"Total de plată: {ron(D('1000.00'))}",
                    "Taxare inversă TVA la încasare",
                    "Blume GmbH", "VAT ID DE123456789", "Hauptstraße 1, Berlin",
                    "Cod poștal: 10115", "TVA la încasare"):
        assert mention in text, (mention, text)
    # Its own currency: no rate, no second set of totals; no delivery date when not set.
    assert "Curs de schimb" not in text and "în RON" not in text
    assert "Data livrării" not in text and "Scutit" not in text


def test_md_invoice_in_russian_and_romanian(
        rendered: Mapping[str, tuple[DocumentView, str]]) -> None:
    _, ru = rendered["md_ru"]
    for mention in ("Счёт на оплату", "Серия FL-2026 № 00001", "Дата выставления: 05.03.2026",
                    "Поставщик", "Floare SRL", "IDNO 1003600000000",
                    "mun. Chișinău, str. Ștefan cel Mare 1", "Банк: Moldindconbank",
                    "IBAN: MD24AG000225100013104168", "BIC: MOLDMD2X",
                    "Покупатель", "IDNO 1002600000002", "Ставка НДС", "20%",
                    "НДС 20%: 240,00 MDL", "Всего к оплате: 1\u202f440,00 MDL",
                    "Одна тысяча четыреста сорок леев 00 бань"):
        assert mention in ru, (mention, ru)
    _, ro = rendered["md_ro"]
    for mention in ("Factură proformă", "Seria FL-2026 nr. 00001", "Data emiterii: 05.03.2026",
                    "Furnizor", "IDNO 1003600000000", "Cumpărător", "IDNO 1002600000002",
                    "IBAN: MD24AG000225100013104168", "Cota TVA", "TVA 20%: 240,00 MDL",
                    "Total de plată: 1.440,00 MDL", "Una mie patru sute patruzeci de lei"):
        assert mention in ro, (mention, ro)
    # A Moldovan invoice is not the Romanian fiscal factură, and has no RO prefix or county.
    assert "Factură Seria" not in ro and "Județ" not in ro and "RO1003600000000" not in ro


def test_by_invoice_prints_unp_its_iban_account_and_20_percent_vat(
        rendered: Mapping[str, tuple[DocumentView, str]]) -> None:
    _, text = rendered["by"]
    for mention in ("Счёт на оплату № BY-2026-00001 от 5 марта 2026 г.",
                    "ОАО «Приорбанк»", "БИК PJCBBY2X", "УНП 192345678",
                    "Сч. № BY13NBRB3600900000002Z00AB00",
                    "Поставщик: ООО «Василёк», УНП 192345678, 220030, г. Минск, ул. Ленина, 1",
                    "Покупатель: ОАО «Ромашка», УНП 100582333, г. Гомель, ул. Советская, 5",
                    "НДС 20%: 24,00 Br", "Всего к оплате: 144,00 Br",
                    "Сто сорок четыре белорусских рубля 00 копеек",
                    "Руководитель Иванов И. И.", "Бухгалтер Петрова А. А."):
        assert mention in text, (mention, text)
    assert "КПП" not in text  # a Russian requisite: no empty «КПП» on a Belarusian invoice
