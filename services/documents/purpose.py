"""What a document says it is for: the payment purpose line of an invoice, the title line of
the other kinds."""

from __future__ import annotations

from datetime import date

from services.documents.formatting import _plain_amount, format_quantity
from services.documents.labels import format_date, labels_for
from services.pricing import Totals


def default_purpose(
    kind: str, number: str, issue_date: date, language: str, totals: Totals | None = None
) -> str:
    """«Оплата по счёту № 42 от 05.03.2026, в т.ч. НДС 22% 1833,33» / «…, без НДС»; for
    other kinds the document's own title and number."""
    day = format_date(issue_date, language)
    labels = labels_for(language)
    if kind != "invoice":
        return f"{labels.title(kind)} {labels.number_sign} {number} {labels.dated} {day}"
    head = labels.invoice_payment.format(number=number, day=day)
    # Russian payment orders state the VAT in the purpose (the Bank of Russia's rules for the
    # «Назначение платежа» field); other languages print the invoice alone.
    if language != "ru" or totals is None:
        return head
    rated = [
        labels.purpose_vat.format(rate=format_quantity(b.rate, language),
                                  amount=_plain_amount(b.vat, language))
        for b in totals.vat_breakdown
        if not isinstance(b.rate, str)
    ]
    if not rated:
        return labels.purpose_without_vat.format(purpose=head)
    return labels.purpose_with_vat.format(purpose=head, vat=", ".join(rated))
