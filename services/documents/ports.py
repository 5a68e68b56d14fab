"""The renderer port: templates, WeasyPrint and QR images live behind it (``bot/pdf.py``)."""

from __future__ import annotations

from typing import Protocol

from services.documents.credit_note import CreditNoteView
from services.documents.statement import StatementView
from services.documents.views import DocumentView

# --- the port ------------------------------------------------------------------------------


class DocumentRenderer(Protocol):
    """Turns a view into a PDF. Implementations must not block the event loop (rendering is
    CPU-bound: it runs in worker processes) and must treat ``template_source`` as untrusted
    (a manager may upload it): sandboxed, no file or network access beyond the shipped
    templates and ``data:`` URIs."""

    async def render(self, view: DocumentView | StatementView | CreditNoteView,
                     template_source: str | None = None) -> bytes:
        """PDF bytes of ``view``, with the shipped template for its kind and layout, or with
        ``template_source`` (a Jinja2 HTML template) when given."""
        ...

    async def check_template(self, kind: str, source: str) -> str | None:
        """None when ``source`` compiles and renders a sample document of ``kind``; else the
        error to show the user (a syntax error with its line, an undefined variable ...)."""
        ...
