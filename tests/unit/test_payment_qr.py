"""Payment QR payloads: exact strings, and a real QR image round trip (drawn by the bot's
``bot.qr``, not in services: the service only builds the text)."""

import ast
import io
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar

from bot.qr import qr_png
from services.payment_qr import (
    PaymentQrChoice,
    PaymentQrError,
    epc_qr_payload,
    gost_qr_payload,
    payment_qr_for,
)

ACC = "40702810900000000001"
BIC = "044525225"
CORR = "30101810400000000225"
IBAN = "DE89370400440532013000"

GOST_FULL = (
    "ST00012|Name=ООО «Ромашка»|PersonalAcc=40702810900000000001|BankName=ПАО СБЕРБАНК"
    "|BIC=044525225|CorrespAcc=30101810400000000225|Sum=123456"
    "|Purpose=Оплата по счёту № 15 от 01.03.2026, НДС 22%|PayeeINN=7707083893|KPP=773601001"
)


def gost_full() -> str:
    return gost_qr_payload(
        "ООО «Ромашка»",
        ACC,
        "ПАО СБЕРБАНК",
        BIC,
        CORR,
        sum_minor=123456,
        purpose="Оплата по счёту № 15 от 01.03.2026, НДС 22%",
        payee_inn="7707083893",
        kpp="773601001",
    )


def test_gost_payload_exact() -> None:
    assert gost_full() == GOST_FULL


def test_gost_payload_minimal_omits_optional_fields() -> None:
    assert gost_qr_payload("ИП Иванов И.И.", ACC, "АО «ТБанк»", BIC, CORR) == (
        "ST00012|Name=ИП Иванов И.И.|PersonalAcc=40702810900000000001|BankName=АО «ТБанк»"
        "|BIC=044525225|CorrespAcc=30101810400000000225"
    )


def test_gost_payload_strips_separators_and_line_breaks() -> None:
    payload = gost_qr_payload(
        "ООО «Ро|машка»",
        ACC,
        "ПАО |СБЕРБАНК",
        BIC,
        "0",
        sum_minor=1,
        purpose="Счёт 1|\nдоплата  ",
    )
    assert payload == (
        "ST00012|Name=ООО «Ромашка»|PersonalAcc=40702810900000000001|BankName=ПАО СБЕРБАНК"
        "|BIC=044525225|CorrespAcc=0|Sum=1|Purpose=Счёт 1 доплата"
    )
    assert payload.count("|") == 7


def test_gost_long_values_are_cut_to_the_standard_maximum() -> None:
    payload = gost_qr_payload("Я" * 200, ACC, "Б" * 60, BIC, CORR, purpose="П" * 300)
    fields = dict(f.split("=", 1) for f in payload.split("|")[1:])
    assert (len(fields["Name"]), len(fields["BankName"]), len(fields["Purpose"])) == (
        160,
        45,
        210,
    )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": " | "}, "missing_name"),
        ({"bank_name": ""}, "missing_bank_name"),
        ({"personal_acc": "4070281090000000000"}, "invalid_account"),
        ({"personal_acc": "4070281090000000000X"}, "invalid_account"),
        ({"bic": "04452522"}, "invalid_bic"),
        ({"corresp_acc": "301"}, "invalid_corresp_acc"),
        ({"sum_minor": 0}, "invalid_sum"),
        ({"sum_minor": -100}, "invalid_sum"),
        ({"payee_inn": "77070838"}, "invalid_inn"),
        ({"kpp": "77360100"}, "invalid_kpp"),
    ],
)
def test_gost_refuses_bad_requisites(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {
        "name": "ООО Ромашка",
        "personal_acc": ACC,
        "bank_name": "ПАО СБЕРБАНК",
        "bic": BIC,
        "corresp_acc": CORR,
        **kwargs,
    }
    with pytest.raises(PaymentQrError) as error:
        gost_qr_payload(**args)  # type: ignore[arg-type]
    assert error.value.code == code


def test_gost_kpp_with_letters_and_12_digit_inn() -> None:
    payload = gost_qr_payload(
        "ИП", ACC, "Банк", BIC, CORR, payee_inn="500100732259", kpp="7736AB001"
    )
    assert payload.endswith("|PayeeINN=500100732259|KPP=7736AB001")


def test_epc_payload_exact() -> None:
    payload = epc_qr_payload(
        "Dealchat SRL", "DE89 3704 0044 0532 0130 00", "COBADEFFXXX", Decimal("12.34"),
        remittance="Factura 15",
    )  # fmt: skip
    assert payload == (
        "BCD\n002\n1\nSCT\nCOBADEFFXXX\nDealchat SRL\nDE89370400440532013000\nEUR12.34"
        "\n\n\nFactura 15"
    )


def test_epc_payload_without_bic_and_text_and_with_reference() -> None:
    assert epc_qr_payload("Ștefan Ăîâ", IBAN, None, Decimal("1")) == (
        "BCD\n002\n1\nSCT\n\nȘtefan Ăîâ\nDE89370400440532013000\nEUR1.00"
    )
    assert epc_qr_payload(
        "X",
        IBAN,
        "cobadeff",
        Decimal("0.01"),
        reference="RF18 5390 0754 7034",
        purpose_code="gdds",
    ) == ("BCD\n002\n1\nSCT\nCOBADEFF\nX\nDE89370400440532013000\nEUR0.01\nGDDS\nRF18539007547034")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"currency": "RUB"}, "epc_eur_only"),
        ({"currency": "USD"}, "epc_eur_only"),
        ({"iban": "DE89370400440532013001"}, "invalid_iban"),
        ({"bic": "12"}, "invalid_bic"),
        ({"amount": Decimal("0")}, "invalid_amount"),
        ({"amount": Decimal("1.005")}, "invalid_amount"),
        ({"amount": Decimal("1000000000")}, "invalid_amount"),
        ({"name": "\n"}, "missing_name"),
        ({"remittance": "x", "reference": "RF18539007547034"}, "reference_and_remittance"),
        ({"purpose_code": "GOODS"}, "invalid_purpose"),
    ],
)
def test_epc_refuses(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {
        "name": "Dealchat SRL",
        "iban": IBAN,
        "bic": "COBADEFFXXX",
        "amount": Decimal("10"),
        **kwargs,
    }
    with pytest.raises(PaymentQrError) as error:
        epc_qr_payload(**args)  # type: ignore[arg-type]
    assert error.value.code == code


def test_epc_long_name_and_text_are_cut() -> None:
    payload = epc_qr_payload("N" * 100, IBAN, None, Decimal("1"), remittance="T" * 200)
    lines = payload.split("\n")
    assert (len(lines[5]), len(lines[10])) == (70, 140)
    assert len(payload.encode()) <= 331


def test_payment_qr_for_chooses_the_standard() -> None:
    rub = payment_qr_for(
        currency="RUB",
        amount=Decimal("1234.56"),
        payee_name="ООО «Ромашка»",
        purpose="Оплата по счёту № 15 от 01.03.2026, НДС 22%",
        account=ACC,
        bank_name="ПАО СБЕРБАНК",
        bic=BIC,
        corresp_acc=CORR,
        payee_inn="7707083893",
        kpp="773601001",
    )
    assert rub == PaymentQrChoice("gost", GOST_FULL, None)
    standard, payload, reason = payment_qr_for(
        currency="EUR", amount=Decimal("12.34"), payee_name="Dealchat SRL", iban=IBAN,
        purpose="Factura 15",
    )  # fmt: skip
    assert (standard, reason) == ("epc", None)
    assert (
        payload
        == "BCD\n002\n1\nSCT\n\nDealchat SRL\nDE89370400440532013000\nEUR12.34\n\n\nFactura 15"
    )


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"currency": "MDL"}, "no_standard_for_currency"),
        ({"currency": "RON", "iban": IBAN}, "no_standard_for_currency"),
        ({"currency": "BYN"}, "no_standard_for_currency"),
        ({"currency": "USD", "iban": IBAN}, "no_standard_for_currency"),
        ({"currency": "EUR"}, "no_iban"),
        ({"currency": "RUB", "account": ACC}, "missing_requisites"),
        ({"currency": "RUB", "amount": Decimal("0")}, "nothing_to_pay"),
        (
            {"currency": "RUB", "account": ACC, "bank_name": "Б", "bic": "1", "corresp_acc": CORR},
            "invalid_bic",
        ),
        ({"currency": "EUR", "iban": "DE00123"}, "invalid_iban"),
    ],
)
def test_payment_qr_for_says_why_not(kwargs: dict[str, object], reason: str) -> None:
    args: dict[str, object] = {"amount": Decimal("10"), "payee_name": "Org", **kwargs}
    assert payment_qr_for(**args) == PaymentQrChoice(None, None, reason)  # type: ignore[arg-type]


def test_gost_without_amount() -> None:
    choice = payment_qr_for(
        currency="RUB", amount=None, payee_name="Org", account=ACC, bank_name="Банк", bic=BIC,
        corresp_acc=CORR,
    )  # fmt: skip
    assert choice.standard == "gost"
    assert choice.payload is not None and "Sum=" not in choice.payload


# --- the payload survives a real QR code ----------------------------------------------------


def _zbar_text(data: bytes) -> str:
    """zbar returns the symbol's bytes converted to UTF-8 from the encoding it guessed. Our
    payloads are UTF-8 (no ECI header), which zbar 0.23 recognises and passes through; if a
    zbar build guesses ISO-8859-1 instead, the text arrives double-encoded and is undone."""
    text = data.decode("utf-8")
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _round_trip(payload: str) -> str:
    with Image.open(io.BytesIO(qr_png(payload, scale=4))) as png:
        assert png.format == "PNG"
        symbols = pyzbar.decode(png)
    assert len(symbols) == 1
    assert symbols[0].type == "QRCODE"
    return _zbar_text(symbols[0].data)


@pytest.mark.parametrize(
    "payload",
    [
        GOST_FULL,
        epc_qr_payload("Ștefan Ăîâ SRL", IBAN, "COBADEFFXXX", Decimal("12.34"), remittance="Ț"),
    ],
)
def test_payload_survives_a_real_qr_code(payload: str) -> None:
    assert _round_trip(payload) == payload


def test_payment_qr_module_builds_text_only() -> None:
    source = Path(__file__).resolve().parents[2] / "services" / "payment_qr.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    drawing = {"qrcode", "segno", "PIL"}
    assert not imported & (drawing | {"aiogram", "sqlalchemy", "weasyprint", "apscheduler"})
