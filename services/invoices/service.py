"""The invoice service: its use cases composed (drafts, issuing, copying, reading) over the
shared line editing of `DocumentEditor`."""

from __future__ import annotations

from services.invoices.copying import InvoiceCopying
from services.invoices.filters import InvoiceFiltering
from services.invoices.market import InvoiceMarketFields
from services.invoices.repeating import InvoiceRepeating


class InvoiceService(InvoiceMarketFields, InvoiceCopying, InvoiceFiltering, InvoiceRepeating):
    """Invoices: drafts and their lines, issue with a gapless number, status changes, reissue
    and copies from quotes, lists and rendering, the market fields (`market`). Method names
    are the use cases'."""
