"""Payment QR payloads: the text to encode, never the image (drawing belongs outside services).

* Russia: GOST R 56042-2014, UTF-8 variant: ``ST00012|Name=...|PersonalAcc=...|BankName=...|
  BIC=...|CorrespAcc=...`` then, when given, ``|Sum=<kopecks>|Purpose=...|PayeeINN=...|KPP=...``
  in that order. "|" is the field separator, so it is removed from values; line breaks and
  runs of spaces become one space. Name, BankName and Purpose are cut to the standard's
  maximum lengths (160, 45, 210 characters): a cut bank name still pays (the BIC decides).
* SEPA: EPC069-12 "EPC QR" version 002, UTF-8 (character set 1), credit transfer (SCT),
  EUR only. Lines joined by "\\n": BCD, 002, 1, SCT, BIC (may be empty), name (<= 70),
  IBAN, ``EUR12.34``, purpose code, structured reference (RF..., <= 35), unstructured text
  (<= 140); trailing empty lines are left out; the payload is at most 331 bytes.

``payment_qr_for`` picks the standard for an invoice and says why when there is none.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final, Literal, NamedTuple

from stdnum import iban as stdnum_iban

from services.money import check_currency, to_minor

Standard = Literal["gost", "epc"]

GOST_HEADER: Final = "ST00012"
GOST_MAX: Final = {"Name": 160, "BankName": 45, "Purpose": 210}
EPC_MAX_BYTES: Final = 331
EPC_MAX_AMOUNT: Final = Decimal("999999999.99")


class PaymentQrError(ValueError):
    """Requisites a payment QR cannot be built from; ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _clean(value: str, max_len: int | None = None) -> str:
    text = " ".join(value.replace("|", "").split())
    return text[:max_len].rstrip() if max_len is not None else text


def _digits(value: str, lengths: tuple[int, ...], code: str) -> str:
    text = "".join(value.split())
    if not text.isascii() or not text.isdigit() or len(text) not in lengths:
        raise PaymentQrError(code)
    return text


def gost_qr_payload(
    name: str,
    personal_acc: str,
    bank_name: str,
    bic: str,
    corresp_acc: str,
    sum_minor: int | None = None,
    purpose: str | None = None,
    payee_inn: str | None = None,
    kpp: str | None = None,
) -> str:
    """GOST R 56042-2014 payload (UTF-8, "ST00012"); ``sum_minor`` is in kopecks.

    Errors (``PaymentQrError.code``): ``missing_name``, ``missing_bank_name``,
    ``invalid_account`` (20 digits), ``invalid_bic`` (9 digits), ``invalid_corresp_acc``
    (20 digits, or "0" when the bank has none, as the standard allows), ``invalid_sum``
    (a positive int), ``invalid_inn`` (10 or 12 digits), ``invalid_kpp`` (9 characters,
    the 5th and 6th may be Latin capitals).
    """
    payee = _clean(name, GOST_MAX["Name"])
    if not payee:
        raise PaymentQrError("missing_name")
    bank = _clean(bank_name, GOST_MAX["BankName"])
    if not bank:
        raise PaymentQrError("missing_bank_name")
    corresp = "".join(corresp_acc.split())
    fields = [
        GOST_HEADER,
        f"Name={payee}",
        f"PersonalAcc={_digits(personal_acc, (20,), 'invalid_account')}",
        f"BankName={bank}",
        f"BIC={_digits(bic, (9,), 'invalid_bic')}",
        "CorrespAcc="
        + (corresp if corresp == "0" else _digits(corresp, (20,), "invalid_corresp_acc")),
    ]
    if sum_minor is not None:
        if isinstance(sum_minor, bool) or not isinstance(sum_minor, int) or sum_minor <= 0:
            raise PaymentQrError("invalid_sum")
        fields.append(f"Sum={sum_minor}")
    if purpose is not None and _clean(purpose):
        fields.append(f"Purpose={_clean(purpose, GOST_MAX['Purpose'])}")
    if payee_inn is not None:
        fields.append(f"PayeeINN={_digits(payee_inn, (10, 12), 'invalid_inn')}")
    if kpp is not None:
        value = "".join(kpp.split())
        if not re.fullmatch(r"\d{4}[0-9A-Z]{2}\d{3}", value):
            raise PaymentQrError("invalid_kpp")
        fields.append(f"KPP={value}")
    return "|".join(fields)


def epc_qr_payload(
    name: str,
    iban: str,
    bic: str | None,
    amount: Decimal,
    currency: str = "EUR",
    remittance: str | None = None,
    *,
    reference: str | None = None,
    purpose_code: str | None = None,
) -> str:
    """EPC069-12 (version 002, UTF-8, SCT) payload; EUR only.

    ``remittance`` is the unstructured text (cut to 140 characters); ``reference`` a
    structured creditor reference (ISO 11649 "RF..."), exclusive with ``remittance``.
    Errors: ``epc_eur_only``, ``missing_name``, ``invalid_iban``, ``invalid_bic``,
    ``invalid_amount`` (0.01..999999999.99, at most 2 decimals), ``invalid_reference``,
    ``reference_and_remittance``, ``invalid_purpose``, ``payload_too_long``.
    """
    if check_currency(currency) != "EUR":
        raise PaymentQrError("epc_eur_only")
    payee = _clean(name, 70)
    if not payee:
        raise PaymentQrError("missing_name")
    account = stdnum_iban.compact(iban)
    if not stdnum_iban.is_valid(account):
        raise PaymentQrError("invalid_iban")
    bank = "".join((bic or "").split()).upper()
    if bank and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", bank):
        raise PaymentQrError("invalid_bic")
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount != amount.quantize(Decimal("0.01"))
        or not Decimal("0.01") <= amount <= EPC_MAX_AMOUNT
    ):
        raise PaymentQrError("invalid_amount")
    text = _clean(remittance or "", 140)
    ref = "".join((reference or "").split()).upper()
    if ref and text:
        raise PaymentQrError("reference_and_remittance")
    if ref and not re.fullmatch(r"[A-Z0-9]{1,35}", ref):
        raise PaymentQrError("invalid_reference")
    purpose = (purpose_code or "").strip().upper()
    if purpose and not re.fullmatch(r"[A-Z]{4}", purpose):
        raise PaymentQrError("invalid_purpose")
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        bank,
        payee,
        account,
        f"EUR{amount.quantize(Decimal('0.01')):f}",
        purpose,
        ref,
        text,
    ]
    while lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > EPC_MAX_BYTES:
        raise PaymentQrError("payload_too_long")
    return payload


class PaymentQrChoice(NamedTuple):
    """``standard``/``payload`` are None when no QR applies; ``reason`` then says why
    (``no_standard_for_currency``, ``missing_requisites``, ``no_iban``, ``nothing_to_pay``
    or a ``PaymentQrError`` code); ``reason`` is None when a payload was built."""

    standard: Standard | None
    payload: str | None
    reason: str | None


def payment_qr_for(
    *,
    currency: str,
    amount: Decimal | None,
    payee_name: str,
    purpose: str | None = None,
    account: str | None = None,
    bank_name: str | None = None,
    bic: str | None = None,
    corresp_acc: str | None = None,
    payee_inn: str | None = None,
    kpp: str | None = None,
    iban: str | None = None,
) -> PaymentQrChoice:
    """Choose the QR standard for an invoice: GOST for RUB, EPC for EUR with an IBAN, none
    otherwise (BYN, MDL, RON, USD have no payment QR standard we support).

    ``amount`` None means "no sum in the QR" (GOST allows it; EPC does not, so EUR needs one).
    Never raises for bad requisites: the document is still issued, just without a QR.
    """
    currency = check_currency(currency)
    if amount is not None and amount <= 0:
        return PaymentQrChoice(None, None, "nothing_to_pay")
    try:
        if currency == "RUB":
            if not (account and bank_name and bic and corresp_acc):
                return PaymentQrChoice(None, None, "missing_requisites")
            payload = gost_qr_payload(
                payee_name,
                account,
                bank_name,
                bic,
                corresp_acc,
                sum_minor=to_minor(amount, currency) if amount is not None else None,
                purpose=purpose,
                payee_inn=payee_inn,
                kpp=kpp,
            )
            return PaymentQrChoice("gost", payload, None)
        if currency == "EUR":
            if not iban:
                return PaymentQrChoice(None, None, "no_iban")
            if amount is None:
                return PaymentQrChoice(None, None, "invalid_amount")
            payload = epc_qr_payload(payee_name, iban, bic, amount, "EUR", purpose)
            return PaymentQrChoice("epc", payload, None)
    except PaymentQrError as error:
        return PaymentQrChoice(None, None, error.code)
    except ValueError:  # to_minor: an amount with more than 2 decimals
        return PaymentQrChoice(None, None, "invalid_sum")
    return PaymentQrChoice(None, None, "no_standard_for_currency")
