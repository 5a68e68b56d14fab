"""Invoices (and the line editing quotes share): drafts, issue with a gapless number, status.

Invariants:
- every change to a draft prices ALL its lines again with `compute_totals` and stores the
  result (lines and totals, in minor units) in the same transaction: the draft card, the
  database and the PDF show the same numbers;
- bad input changes nothing: it raises InvalidInput before anything is written;
- only drafts are edited; an issued invoice is corrected by cancelling it with a reason and
  reissuing (a new draft with the same lines), or by a credit note (`services.credit_notes`);
  an invoice with money or credit notes on it is not cancelled (Conflict "has_payments" with
  the amount paid, "has_credit_notes");
- what the client owes is `services.money.open_minor(total, paid, credited)` (`remaining`);
- a number is assigned only when the invoice is issued, in the issuing transaction
  (`services.numbering`); a cancelled invoice keeps its number;
- status changes follow `INVOICE_TRANSITIONS`; any other is a Conflict;
- every read and write is scoped by the actor: another manager's invoice is NotFound.

The package: `model` (statuses, transitions, lines, parties, documents), `parsing` (what people
type), `lines` (pricing a document, storage rows), `editor` (DocumentEditor, shared with quotes),
and the invoice use cases `drafts`, `issuing`, `copying`, `reading`, composed in `service`;
`cancelling` is what follows a cancellation (reminders withdrawn, the customer told).
"""

from __future__ import annotations

from services.invoices.editor import LINE_FIELDS, D, DocumentEditor, Repriced
from services.invoices.lines import line_from_row, line_to_row, price_document, product_line
from services.invoices.market import (
    check_market,
    clean_exemption_reason,
    parse_delivery_date,
    parse_exchange_rate,
)
from services.invoices.model import (
    DUE_MAX_DAYS,
    INVOICE_TRANSITIONS,
    LINE_NAME_MAX,
    OPEN_STATUSES,
    REISSUABLE,
    UNIT_MAX,
    BuyerRequisites,
    CommercialDoc,
    CreditRef,
    Invoice,
    InvoiceForRender,
    InvoicePage,
    InvoiceStatus,
    Line,
    Party,
    S,
    VatGroup,
    check_transition,
    seller_party,
)
from services.invoices.parsing import (
    clean_currency,
    clean_line_name,
    clean_price,
    clean_quantity,
    parse_discount,
    parse_due_date,
)
from services.invoices.service import InvoiceService

__all__ = [
    "DUE_MAX_DAYS",
    "INVOICE_TRANSITIONS",
    "LINE_FIELDS",
    "LINE_NAME_MAX",
    "OPEN_STATUSES",
    "REISSUABLE",
    "UNIT_MAX",
    "BuyerRequisites",
    "CommercialDoc",
    "CreditRef",
    "D",
    "DocumentEditor",
    "Invoice",
    "InvoiceForRender",
    "InvoicePage",
    "InvoiceService",
    "InvoiceStatus",
    "Line",
    "Party",
    "Repriced",
    "S",
    "VatGroup",
    "check_market",
    "check_transition",
    "clean_currency",
    "clean_exemption_reason",
    "clean_line_name",
    "clean_price",
    "clean_quantity",
    "line_from_row",
    "line_to_row",
    "parse_delivery_date",
    "parse_discount",
    "parse_due_date",
    "parse_exchange_rate",
    "price_document",
    "product_line",
    "seller_party",
]
