"""Invoices in chat: /invoice (choose the client, build the draft line by line with the
shared line editor), the draft card with its buttons, issue / cancel / reissue, and /invoices
(filtered list, totals).

callbacks.py (InvoiceCb, CreditCb, the FSM states), texts.py and keyboards.py (pure functions
of the invoice), card.py and listing.py (one handler per action), cancel.py (cancel with a
reason), credit_notes.py (credit notes and refunds: they show the invoice card, so they live
in this package), router.py (create_router)."""

from handlers.invoices.router import INVOICE, create_router

__all__ = ["INVOICE", "create_router"]
