"""Printable documents (invoice, quote, receipt, act, delivery note, client statement): the
view models and the renderer port.

Invariants:

* A ``DocumentView`` is built from ONE ``compute_totals`` call (``build_invoice_view``): the
  totals the chat shows, the PDF prints and the database stores are the same numbers. Templates
  never do arithmetic on money; they only format what the view holds.
* Every amount in a view is a ``Decimal`` at the currency's minor unit; never a float.
* The document's text is in the document's language (``ru``/``en``/``ro``), chosen per
  document and independent of the UI language of whoever issues it (``DocumentLabels``, from
  the ``documents`` gettext catalogs; dates and numbers by Babel).
* ``qr_standard``/``qr_payload`` come from ``payment_qr_for``; when there is no QR,
  ``qr_reason`` holds the machine code and ``qr_note`` the sentence the document prints.
* Views are frozen and picklable: the renderer ships them to worker processes.

No framework here: templates, WeasyPrint and QR images live behind ``DocumentRenderer``
(``bot/pdf.py``).

The package, one module per part (submodules import `model`, never this `__init__`):
`model` (kinds, layouts, languages, ``DocumentLabels``), `catalog` (the ``documents`` gettext
catalogs), `formatting` (quantities, plain amounts), `labels` (``labels_for``,
``format_date``), `views` (the view models), `purpose` (the payment purpose line), `invoice`
(building an invoice or a quote), `printed` (the invoice as its delivery note or
receipt), `transfer` (the invoice as its act or UPD, in their own series), `statement` (the
client statement), `contract` (a contract drawn from a deal, issue 19), `credit_note` (the
credit note in its market's form: storno, credit note, УКД), `market` (what a market's
invoice prints beyond the common layout: the Romanian factură's mentions), `ports`
(``DocumentRenderer``).
"""

from services.documents.contract import as_contract, contract_form
from services.documents.credit_note import (
    Amounts,
    CreditLineInput,
    CreditLineView,
    CreditNoteView,
    build_credit_note_view,
    fiscal_code,
)
from services.documents.formatting import _plain_amount as _plain_amount
from services.documents.formatting import format_amount, format_quantity
from services.documents.invoice import _line_view as _line_view
from services.documents.invoice import build_invoice_view, money_text
from services.documents.labels import format_date, labels_for
from services.documents.market import county_name, split_series
from services.documents.model import (
    DOCUMENT_KINDS,
    LANGUAGES,
    LAYOUTS,
    PRINT_KINDS,
    SERVICES_ACT_COUNTRIES,
    TRANSFER_KINDS,
    DocumentKind,
    DocumentLabels,
    Lang,
    Layout,
)
from services.documents.ports import DocumentRenderer
from services.documents.printed import as_printed, receipt_basis
from services.documents.purpose import default_purpose
from services.documents.statement import (
    StatementEntry,
    StatementRow,
    StatementView,
    build_statement_view,
)
from services.documents.transfer import (
    RequisiteKind,
    TransferKind,
    as_transfer,
    contract_basis,
    currency_label,
    invoice_basis,
    missing_requisite,
    okei_code,
)
from services.documents.views import DocumentView, LineView, PartyView, Signatory, VatLine

__all__ = [
    "DOCUMENT_KINDS",
    "LANGUAGES",
    "LAYOUTS",
    "PRINT_KINDS",
    "SERVICES_ACT_COUNTRIES",
    "TRANSFER_KINDS",
    "Amounts",
    "CreditLineInput",
    "CreditLineView",
    "CreditNoteView",
    "DocumentKind",
    "DocumentLabels",
    "DocumentRenderer",
    "DocumentView",
    "Lang",
    "Layout",
    "LineView",
    "PartyView",
    "RequisiteKind",
    "Signatory",
    "StatementEntry",
    "StatementRow",
    "StatementView",
    "TransferKind",
    "VatLine",
    "as_contract",
    "as_printed",
    "as_transfer",
    "build_credit_note_view",
    "build_invoice_view",
    "build_statement_view",
    "contract_basis",
    "contract_form",
    "county_name",
    "currency_label",
    "default_purpose",
    "fiscal_code",
    "format_amount",
    "format_date",
    "format_quantity",
    "invoice_basis",
    "labels_for",
    "missing_requisite",
    "money_text",
    "okei_code",
    "receipt_basis",
    "split_series",
]
