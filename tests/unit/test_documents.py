"""The printable document's view model: one computation of the totals, labels per language,
the payment QR choice and why there is none."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.documents import (
    DocumentView,
    Lang,
    PartyView,
    Signatory,
    build_invoice_view,
    format_date,
    format_quantity,
    labels_for,
)
from services.money import format_money
from services.pricing import NO_VAT, LineInput, TaxMode, compute_totals
from services.words import amount_in_words
from tests.fixtures.documents import sample_view

SELLER_RU = PartyView(
    name="Ромашка",
    legal_name="ООО «Ромашка»",
    country="RU",
    tax_id_label="ИНН",
    tax_id="7707083893",
    kpp="773601001",
    bank_name="ПАО Сбербанк",
    bik_or_bic="044525225",
    account="40702810938000000001",
    corr_account="30101810400000000225",
)
BUYER = PartyView(name="АО «Василёк»", tax_id_label="ИНН", tax_id="500100732259")
SELLER_MD = PartyView(name="Floare SRL", country="MD", tax_id_label="IDNO", tax_id="1003600000000")
SELLER_EU = PartyView(
    name="Blume GmbH", country="DE", iban="DE89370400440532013000", bik_or_bic="COBADEFFXXX"
)

LINES = [
    LineInput("Консультация", Decimal("3"), Decimal("1200.00"), Decimal("22")),
    LineInput("Лицензия", Decimal("1"), Decimal("499.99"), Decimal("10"), Decimal("5")),
    LineInput("Доставка", Decimal("1.5"), Decimal("333.33"), NO_VAT, kind="shipping"),
]


def view_of(tax_mode: TaxMode = "per_line", **kwargs: object) -> DocumentView:
    params: dict[str, object] = {
        "seller": SELLER_RU,
        "buyer": BUYER,
        "lines": LINES,
        "currency": "RUB",
        "number": "42",
        "issue_date": date(2026, 3, 5),
        "tax_mode": tax_mode,
    }
    params.update(kwargs)
    return build_invoice_view(**params)  # type: ignore[arg-type]


@pytest.mark.parametrize("tax_mode", ["per_line", "on_total", "included"])
def test_view_totals_are_compute_totals(tax_mode: TaxMode) -> None:
    totals = compute_totals(LINES, "RUB", tax_mode, total_discount_percent=Decimal("3"))
    view = view_of(tax_mode, total_discount_percent=Decimal("3"))

    assert (view.subtotal, view.discount_total, view.net_total, view.vat_total) == (
        totals.subtotal,
        totals.discount_total,
        totals.net_total,
        totals.vat_total,
    )
    assert view.grand_total == totals.grand_total
    assert [line.vat for line in view.lines] == [line.vat for line in totals.lines]
    assert [(row.base, row.vat) for row in view.vat_breakdown] == [
        (b.net, b.vat) for b in totals.vat_breakdown
    ]
    # «Итого» is the sum of the printed line totals, in every mode.
    assert sum(line.total for line in view.lines) == view.lines_total
    expected_lines_total = totals.grand_total if tax_mode == "included" else totals.net_total
    assert view.lines_total == expected_lines_total
    assert view.amount_in_words == amount_in_words(totals.grand_total, "RUB", "ru")
    assert view.remaining == view.grand_total


def test_vat_rows_follow_the_tax_mode() -> None:
    assert [row.label for row in view_of("included").vat_breakdown] == [
        "В том числе НДС 22%",
        "В том числе НДС 10%",
        "Без НДС",
    ]
    assert [row.label for row in view_of("per_line").vat_breakdown] == [
        "НДС 22%",
        "НДС 10%",
        "Без НДС",
    ]
    assert [row.exempt for row in view_of().vat_breakdown] == [False, False, True]
    assert [line.vat_rate_label for line in view_of().lines] == ["22%", "10%", "Без НДС"]


def test_lines_carry_position_unit_and_discount() -> None:
    view = view_of(units=["ч", "шт.", "усл."])
    assert [(line.position, line.unit) for line in view.lines] == [
        (1, "ч"),
        (2, "шт."),
        (3, "усл."),
    ]
    assert view.lines[1].discount == Decimal("25.00")  # 5 % of 499.99, HALF_UP
    assert view_of(language="ro").lines[0].unit == "buc."


def test_russian_labels() -> None:
    labels = labels_for("ru")
    assert labels.title("invoice") == "Счёт на оплату"
    assert (labels.seller, labels.buyer) == ("Поставщик", "Покупатель")
    assert (labels.total, labels.grand_total) == ("Итого", "Всего к оплате")
    assert (labels.vat_included, labels.without_vat) == ("В том числе НДС", "Без НДС")
    assert (labels.director, labels.accountant) == ("Руководитель", "Бухгалтер")
    assert labels.items_summary(3, "1 200,00 ₽") == "Всего наименований 3, на сумму 1 200,00 ₽"
    assert view_of().title == "Счёт на оплату № 42 от 5 марта 2026 г."


def test_romanian_and_english_labels() -> None:
    ro = labels_for("ro")
    assert [ro.title(k) for k in ("invoice", "quote", "receipt")] == [
        "Factură proformă",
        "Ofertă",
        "Chitanță",
    ]
    assert (ro.seller, ro.buyer, ro.total, ro.vat, ro.grand_total) == (
        "Furnizor",
        "Cumpărător",
        "Total",
        "TVA",
        "Total de plată",
    )
    en = labels_for("en")
    assert (en.invoice, en.seller, en.buyer, en.grand_total) == (
        "Invoice",
        "Seller",
        "Buyer",
        "Total due",
    )
    view = view_of(language="en", layout="intl")
    assert view.title == "Invoice No. 42 of 5 March 2026"
    assert view.amount_in_words == amount_in_words(view.grand_total, "RUB", "en")
    with pytest.raises(ValueError):
        labels_for("de")


def test_rub_invoice_gets_a_gost_qr_with_the_sum_in_kopecks() -> None:
    view = view_of("included", lines=LINES[:1])
    assert view.qr_standard == "gost"
    assert view.qr_reason is None
    assert view.qr_payload is not None
    fields = view.qr_payload.split("|")
    assert fields[0] == "ST00012"
    assert "Sum=360000" in fields
    assert "Purpose=Оплата по счёту № 42 от 05.03.2026, в т.ч. НДС 22% 649,18" in fields
    assert view.purpose == "Оплата по счёту № 42 от 05.03.2026, в т.ч. НДС 22% 649,18"
    assert view.qr_note == "QR-код для оплаты: ГОСТ Р 56042-2014 (ST00012)"


def test_qr_sum_is_what_remains_to_pay() -> None:
    view = view_of("included", lines=LINES[:1], paid_amount=Decimal("1000"))
    assert view.remaining == Decimal("2600.00")
    assert view.qr_payload is not None and "|Sum=260000|" in view.qr_payload


def test_mdl_invoice_has_no_qr_and_says_why() -> None:
    view = view_of(seller=SELLER_MD, currency="MDL", language="ro", layout="intl")
    assert (view.qr_standard, view.qr_payload) == (None, None)
    assert view.qr_reason == "no_standard_for_currency"
    assert view.qr_note == (
        "Fără cod QR de plată: nu există un standard de cod QR de plată pentru MDL"
    )
    ru_note = view_of(seller=SELLER_MD, currency="MDL").qr_note
    assert ru_note == (
        "QR-код для оплаты не сформирован: для валюты MDL нет стандарта платёжного QR-кода"
    )


def test_eur_invoice_gets_an_epc_qr() -> None:
    view = view_of(seller=SELLER_EU, currency="EUR", language="en", layout="intl")
    assert view.qr_standard == "epc"
    assert view.qr_payload is not None
    assert view.qr_payload.split("\n")[:8] == [
        "BCD",
        "002",
        "1",
        "SCT",
        "COBADEFFXXX",
        "Blume GmbH",
        "DE89370400440532013000",
        f"EUR{view.grand_total}",
    ]


def test_rub_invoice_without_bank_details_says_so() -> None:
    view = view_of(seller=PartyView(name="ИП Иванов"))
    assert view.qr_payload is None
    assert view.qr_reason == "missing_requisites"
    assert "не указаны банковские реквизиты" in view.qr_note


def test_only_invoices_carry_a_qr() -> None:
    for kind in ("quote", "receipt", "act"):
        view = view_of(kind=kind)
        assert view.qr_payload is None
        assert view.qr_reason == "not_an_invoice"
        assert view.qr_note == ""


def test_receipt_words_are_the_amount_received() -> None:
    view = view_of(kind="receipt", paid_amount=Decimal("100"))
    assert view.amount_in_words == "Сто рублей 00 копеек"


def test_unknown_kind_layout_language_are_refused() -> None:
    with pytest.raises(ValueError):
        view_of(kind="letter")
    with pytest.raises(ValueError):
        view_of(layout="us")
    with pytest.raises(ValueError):
        view_of(language="de")
    with pytest.raises(ValueError):
        view_of(units=["шт."])


def test_money_stays_decimal_and_views_pickle() -> None:
    view = view_of("on_total", logo=b"\x89PNG...")
    assert all(isinstance(line.total, Decimal) for line in view.lines)
    assert pickle.loads(pickle.dumps(view)) == view
    assert pickle.loads(pickle.dumps(sample_view("quote"))).kind == "quote"


def test_format_quantity_and_date() -> None:
    assert format_quantity(Decimal("2.000"), "ru") == "2"
    assert format_quantity(Decimal("1.50"), "ru") == "1,5"
    assert format_quantity(Decimal("1.5"), "en") == "1.5"
    assert format_quantity(Decimal("12500"), "ro") == "12.500"
    assert format_quantity(Decimal("1E+3"), "ru") == "1\u202f000"
    assert format_date(date(2026, 3, 5), "ru") == "05.03.2026"
    assert format_date(date(2026, 3, 5), "en") == "2026-03-05"
    assert format_date(date(2026, 3, 5), "ro", long=True) == "5 martie 2026"


def test_grand_total_formats_as_in_chat() -> None:
    view = view_of("included", lines=LINES[:1])
    assert format_money(view.grand_total, view.currency, view.language) == "3\u202f600,00\u00a0₽"


def test_an_invoice_printed_as_its_act_delivery_note_and_receipt() -> None:
    from services.documents import as_printed, as_transfer

    inv = view_of("included")
    act = as_transfer(inv, "act", "7", date(2026, 3, 20), supplies=["service"] * len(LINES),
                      basis="Счёт на оплату № 42 от 05.03.2026")
    assert (act.kind, act.number, act.issue_date, act.due_date, act.qr_payload) == (
        "act", "7", date(2026, 3, 20), None, None)
    assert act.title == "Акт выполненных работ (оказанных услуг) № 7 от 20 марта 2026 г."
    assert (act.grand_total, act.vat_breakdown) == (inv.grand_total, inv.vat_breakdown)
    note = as_printed(inv, "delivery_note", "42", date(2026, 3, 20))
    assert note.title == "Товарная накладная № 42 от 20 марта 2026 г."
    # A partial cash receipt: its own number and date, the amount received in words, the
    # VAT share of that amount, the invoice as the basis (no invoice-wide VAT figures).
    part = (inv.grand_total / 4).quantize(Decimal("0.01"))
    receipt = as_printed(inv, "receipt", "ПКО-7", date(2026, 3, 9), part)
    assert (receipt.number, receipt.paid_amount, receipt.remaining) == (
        "ПКО-7", part, inv.grand_total - part)
    assert receipt.amount_in_words == amount_in_words(part, "RUB", "ru")
    assert receipt.purpose == "Оплата по счёту № 42 от 05.03.2026"
    share = sum(r.vat for r in receipt.vat_breakdown)
    assert abs(share - inv.vat_total / 4) <= Decimal("0.02")
    with pytest.raises(ValueError):
        as_printed(inv, "receipt", "1", date(2026, 3, 9))
    for kind in ("act", "upd"):  # numbered in their own series: `as_transfer`
        with pytest.raises(ValueError):
            as_printed(inv, kind, "1", date(2026, 3, 9))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        as_transfer(act, "act", "1", date(2026, 3, 9), supplies=["service"] * len(act.lines),
                    basis="")  # only an invoice is printed again
    pickle.loads(pickle.dumps(receipt))  # goes to the worker processes
    pickle.loads(pickle.dumps(act))


def test_an_act_sums_only_the_service_lines_and_a_goods_invoice_has_none() -> None:
    from services.documents import as_transfer

    for mode in ("included", "per_line", "on_total"):
        inv = view_of(mode)
        supplies = ["good"] + ["service"] * (len(inv.lines) - 1)
        act = as_transfer(inv, "act", "1", date(2026, 3, 20), supplies=supplies, basis="")
        services = inv.lines[1:]
        assert [x.name for x in act.lines] == [x.name for x in services]
        assert [x.position for x in act.lines] == list(range(1, len(services) + 1))
        assert act.grand_total == sum(x.gross for x in services)
        assert act.vat_total == sum(x.vat for x in services)
        assert act.net_total + act.vat_total == act.grand_total
        assert sum(r.vat for r in act.vat_breakdown) == act.vat_total
        assert act.lines_total == sum(x.total for x in services)
        assert act.amount_in_words == amount_in_words(act.grand_total, "RUB", "ru")
        upd = as_transfer(inv, "upd", "1", date(2026, 3, 20), supplies=supplies, basis="")
        assert (upd.grand_total, len(upd.lines)) == (inv.grand_total, len(inv.lines))
        assert all(x.net_price * x.quantity - x.net <= Decimal("0.01") * x.quantity
                   for x in upd.lines)
    with pytest.raises(ValueError):
        as_transfer(inv, "act", "1", date(2026, 3, 20), supplies=["good"] * len(inv.lines),
                    basis="")
    with pytest.raises(ValueError):
        as_transfer(inv, "act", "1", date(2026, 3, 20), supplies=["service"], basis="")


def test_who_signs_and_what_a_document_needs() -> None:
    from services.documents import missing_requisite, okei_code
    from services.documents.transfer import signatory_of

    seller = replace(SELLER_RU, director="Иванов И. И.", address="г. Москва",
                     director_position="Генеральный директор")
    buyer = PartyView(name="Б", country="RU", tax_id="7728168971", kpp="772801001",
                      address="г. Москва")
    view = view_of(seller=seller)
    assert signatory_of(view) == Signatory("Генеральный директор", "Иванов И. И.")
    poa = view_of(seller=replace(seller, signer_name="Петров П. П.", signer_poa_number="12",
                                 signer_poa_date="2026-01-15"))
    assert signatory_of(poa) == Signatory("Уполномоченное лицо", "Петров П. П.",
                                          "по доверенности № 12 от 15.01.2026")
    assert missing_requisite("act", seller, PartyView(name="Б")) is None
    assert missing_requisite("upd", seller, buyer) is None
    assert missing_requisite("upd", seller, replace(buyer, kpp="")) == ("buyer", "kpp")
    assert missing_requisite("upd", seller, replace(buyer, tax_id="500100732259", kpp="")
                             ) is None  # a sole trader has no KPP
    assert missing_requisite("act", replace(seller, address=""), buyer) == (
        "seller", "address")
    assert missing_requisite("act", replace(seller, director=""), buyer) == (
        "seller", "director")
    assert missing_requisite("act", replace(seller, signer_name="П"), buyer) == (
        "seller", "signer_poa_number")
    assert (okei_code("шт."), okei_code("Час"), okei_code("pcs"), okei_code("ящик")) == (
        "796", "356", "796", "")


def test_client_statement_running_balance_and_who_owes_whom() -> None:
    from services.documents import StatementEntry, StatementView, build_statement_view

    def view(*entries: StatementEntry, language: Lang = "ru") -> StatementView:
        return build_statement_view(seller=SELLER_RU, buyer=BUYER, currency="RUB",
                                    issue_date=date(2026, 4, 1), entries=entries,
                                    language=language)

    d = date
    st = view(StatementEntry(d(2026, 3, 9), "payment", "15", Decimal("500")),
              StatementEntry(d(2026, 3, 5), "invoice", "INV-1", Decimal("1200")),
              StatementEntry(d(2026, 3, 9), "invoice", "INV-2", Decimal("300")))
    assert [(r.document, r.debit, r.credit, r.balance) for r in st.rows] == [
        ("Счёт на оплату № INV-1", Decimal("1200.00"), Decimal("0.00"), Decimal("1200.00")),
        ("Счёт на оплату № INV-2", Decimal("300.00"), Decimal("0.00"), Decimal("1500.00")),
        ("Оплата № 15", Decimal("0.00"), Decimal("500.00"), Decimal("1000.00"))]
    assert st.closing_text == (
        "Задолженность АО «Василёк» перед ООО «Ромашка»: "
        + format_money(Decimal("1000"), "RUB", "ru"))
    over = view(StatementEntry(d(2026, 3, 5), "invoice", "INV-1", Decimal("100")),
                StatementEntry(d(2026, 3, 6), "payment", "", Decimal("150")), language="en")
    assert over.closing == Decimal("-50.00")
    assert over.closing_text.startswith("ООО «Ромашка» owes АО «Василёк» (prepayment)")
    assert over.rows[1].document == "Payment"
    assert view().closing_text == "Задолженности нет: расчёты сверены."
