"""e-Invoices: EN 16931 from our priced documents, written as UBL 2.1 for Romania's
e-Factura (CIUS-RO) and as UN/CEFACT CII D16B for Factur-X (EN 16931 profile).

Pure: builds the model (``build_einvoice``) and writes bytes (``ubl.write_ubl``,
``cii.write_cii``); validating them against the official artefacts is ``bot.einvoice``'s.
"""

from services.einvoice.build import build_einvoice, unit_code
from services.einvoice.model import EInvoice

__all__ = ["EInvoice", "build_einvoice", "unit_code"]
