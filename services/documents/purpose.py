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
    if kind != "invoice":
        labels = labels_for(language)
        return f"{labels.title(kind)} {labels.number_sign} {number} {labels.dated} {day}"
    if language == "ru":
        head = f"Оплата по счёту № {number} от {day}"
        if totals is None:
            return head
        rated = [
            f"НДС {format_quantity(b.rate, 'ru')}% {_plain_amount(b.vat, 'ru')}"
            for b in totals.vat_breakdown
            if not isinstance(b.rate, str)
        ]
        return f"{head}, в т.ч. {', '.join(rated)}" if rated else f"{head}, без НДС"
    if language == "ro":
        return f"Plata facturii nr. {number} din {day}"
    return f"Payment of invoice {number} of {day}"
