"""The line editor of drafts, shared by invoices and quotes: add a product or a free line,
shipping or another charge, change a line's quantity, price, discount or VAT rate, remove it,
and the draft's discount, tax mode and currency. One implementation, parametrised by the
document kind (its callback data, conversation states, service and card)."""

from handlers.line_editor.kind import DocumentKind, DraftEditing, LineStates, MakeCb
from handlers.line_editor.router import create_router

__all__ = ["DocumentKind", "DraftEditing", "LineStates", "MakeCb", "create_router"]
