"""An issued invoice printed as its delivery note or the cash receipt of a payment (its act
and its UPD, numbered in their own series: `services.documents.transfer`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from services.documents.model import PRINT_KINDS, TRANSFER_KINDS, DocumentKind
from services.documents.purpose import default_purpose
from services.documents.views import DocumentView, VatLine
from services.money import round_money
from services.words import amount_in_words

# --- the same invoice printed as another document --------------------------------------------


def receipt_basis(number: str, issue_date: date, language: str) -> str:
    """«Оплата по счёту № 42 от 05.03.2026» (no VAT figures: a receipt may be partial)."""
    return default_purpose("invoice", number, issue_date, language)


def as_printed(view: DocumentView, kind: DocumentKind, number: str, issue_date: date,
               received: Decimal | None = None) -> DocumentView:
    """The invoice's view printed as its delivery note, or the cash receipt of `received`
    (numbered and dated on their own). A receipt's VAT rows are the share of the invoice's
    VAT in the amount received; its amount in words is that amount. The act and the UPD are
    `as_transfer`'s."""
    if view.kind != "invoice" or kind not in PRINT_KINDS or kind in TRANSFER_KINDS:
        raise ValueError(f"an invoice cannot be printed as {kind!r}")
    printed = replace(view, kind=kind, number=number, issue_date=issue_date, due_date=None,
                      qr_standard=None, qr_payload=None, qr_reason="not_an_invoice",
                      qr_note="")
    if kind != "receipt":
        return replace(printed, purpose=default_purpose(kind, number, issue_date,
                                                        view.language))
    if received is None or received <= 0:
        raise ValueError("a receipt needs the amount received")
    cur = view.currency
    share = received / view.grand_total if view.grand_total else Decimal(0)
    rows = tuple(VatLine(r.label, round_money(r.base * share, cur),
                         round_money(r.vat * share, cur), r.exempt)
                 for r in view.vat_breakdown)
    return replace(printed, vat_breakdown=rows, paid_amount=received,
                   remaining=view.grand_total - received,
                   amount_in_words=amount_in_words(received, cur, view.language),
                   purpose=receipt_basis(view.number, view.issue_date, view.language))
