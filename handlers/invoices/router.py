"""create_router: the invoices feature. It owns the "in" callback prefix: the card, the list
and the shared line editor are its sub-routers; a button none of them knows is refused last."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from handlers import line_editor
from handlers.callback import AlertOnDomainError
from handlers.filters import IsStaff
from handlers.invoices import cancel, card, credit_notes, listing, market, repeat
from handlers.invoices.callbacks import InvoiceCb, InvoiceInput, invoice_cb
from handlers.invoices.card import show_invoice
from handlers.line_editor import DocumentKind, LineStates
from services.invoices import Invoice
from services.users import User


async def load(invoices: Any, actor: User, inv_id: int) -> Invoice:
    inv: Invoice = await invoices.get(actor, inv_id)
    return inv


async def show(message: Any, actor: User, inv: Invoice, prefix: str) -> None:
    await show_invoice(message, inv, prefix)


INVOICE = DocumentKind(
    name="invoice", callback=InvoiceCb, make=invoice_cb, key="inv", service_key="invoices",
    states=LineStates(
        product_query=InvoiceInput.product_query, product_qty=InvoiceInput.product_qty,
        line_name=InvoiceInput.line_name, line_qty=InvoiceInput.line_qty,
        line_price=InvoiceInput.line_price, line_value=InvoiceInput.line_value,
        discount=InvoiceInput.discount, currency=InvoiceInput.currency),
    load=load, show=show)


def create_router() -> Router:
    router = Router(name="invoices")
    # Inner: it runs for the handler the filters chose, in every sub-router.
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))
    router.include_routers(listing.create_router(), card.create_router(),
                           market.create_router(),
                           repeat.create_router(), cancel.create_router(),
                           credit_notes.create_router(), line_editor.create_router(INVOICE),
                           create_stale_router())
    return router


def create_stale_router() -> Router:
    router = Router(name="invoice_stale")
    router.callback_query.filter(IsStaff())

    @router.callback_query(InvoiceCb.filter())
    async def on_stale(query: CallbackQuery) -> None:
        await query.answer(_("This button is no longer active."), show_alert=True)

    return router
