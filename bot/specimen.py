"""The specimen document the PDF renderer works on when it has no real one: an uploaded
template is test-rendered with it before it is stored (``PdfRenderer.check_template``), and
each pool worker renders it once at start so the first real invoice is not the slow one.

It is part of the renderer, not test data (tests and benchmarks have their own documents in
``tests/fixtures``). It fills what templates mostly print (both parties, the bank details, two
lines, a payment QR, a due date, a validity date for a quote), so a misspelt field in those
parts fails the check instead of a customer's invoice; notes, images and a part payment are
left empty. The bank and tax details are public reference ones whose check digits pass (the
QR is only made for valid details).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.documents import (
    TRANSFER_KINDS,
    DocumentKind,
    DocumentView,
    PartyView,
    as_contract,
    as_transfer,
    build_invoice_view,
    invoice_basis,
)
from services.pricing import LineInput

_SELLER = PartyView(
    name="Пример",
    legal_name="ООО «Пример»",
    country="RU",
    tax_id_label="ИНН",
    tax_id="7707083893",
    kpp="773601001",
    address="117997, г. Москва, ул. Вавилова, д. 19",
    bank_name="ПАО Сбербанк",
    bik_or_bic="044525225",
    account="40702810938000000001",
    corr_account="30101810400000000225",
    iban="DE89370400440532013000",
    phone="+7 495 000-00-00",
    email="billing@example.com",
    director="Иванов И. И.",
    accountant="Петрова А. А.",
    director_position="Генеральный директор",
    vat_payer="yes",
)
_BUYER = PartyView(
    name="Покупатель",
    legal_name="ИП Сидоров С. С.",
    country="RU",
    tax_id_label="ИНН",
    tax_id="500100732259",
    address="г. Тверь, ул. Советская, д. 1",
)


def specimen_view(kind: DocumentKind = "invoice") -> DocumentView:
    """A two-line Russian document of ``kind`` (ru layout) with every part filled; the act
    and the UPD as `as_transfer` prints them (a service and a good), the contract as
    `as_contract` does (a year's term)."""
    if kind == "contract":
        invoice = specimen_view("invoice")
        return as_contract(invoice, "1/2026", invoice.issue_date,
                           starts_on=invoice.issue_date, ends_on=date(2026, 12, 31),
                           supplies=("service", "good"), payment_days=5, place="Москва")
    if kind in TRANSFER_KINDS:
        invoice = specimen_view("invoice")
        return as_transfer(invoice, kind,
                           "1", invoice.issue_date, supplies=("service", "good"),
                           basis=invoice_basis("1", invoice.issue_date, "ru"))
    return build_invoice_view(
        seller=_SELLER,
        buyer=_BUYER,
        lines=[
            LineInput("Консультация", Decimal("2"), Decimal("1500.00"), Decimal("22")),
            LineInput("Доставка", Decimal("1"), Decimal("300.00"), Decimal("22")),
        ],
        currency="RUB",
        number="1",
        issue_date=date(2026, 1, 15),
        due_date=date(2026, 1, 25),
        valid_until=date(2026, 2, 15) if kind == "quote" else None,
        tax_mode="included",
        kind=kind,
        units=["ч", "усл."],
    )
