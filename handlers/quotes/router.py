"""create_router: the quotes feature. It owns the "qt" callback prefix: the card, the list and
the shared line editor are its sub-routers; a button none of them knows is refused last."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from handlers import line_editor
from handlers.callback import AlertOnDomainError
from handlers.filters import IsStaff
from handlers.line_editor import DocumentKind, LineStates
from handlers.quotes import card, listing, repeat
from handlers.quotes.callbacks import QuoteCb, QuoteInput, quote_cb
from handlers.quotes.card import show_quote
from services.quotes import Quote
from services.users import User


async def load(quotes: Any, actor: User, quote_id: int) -> Quote:
    """The buttons act on the quote as its card reads it."""
    quote: Quote = (await quotes.card(actor, quote_id)).quote
    return quote


async def show(message: Any, actor: User, quote: Quote, prefix: str) -> None:
    await show_quote(message, actor, quote, prefix)


QUOTE = DocumentKind(
    name="quote", callback=QuoteCb, make=quote_cb, key="q", service_key="quotes",
    states=LineStates(
        product_query=QuoteInput.product_query, product_qty=QuoteInput.product_qty,
        line_name=QuoteInput.line_name, line_qty=QuoteInput.line_qty,
        line_price=QuoteInput.line_price, line_value=QuoteInput.line_value,
        discount=QuoteInput.discount, currency=QuoteInput.currency),
    load=load, show=show)


def create_router() -> Router:
    router = Router(name="quotes")
    # Inner: it runs for the handler the filters chose, in every sub-router.
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))
    router.include_routers(listing.create_router(), card.create_router(),
                           repeat.create_router(), line_editor.create_router(QUOTE),
                           create_stale_router())
    return router


def create_stale_router() -> Router:
    router = Router(name="quote_stale")
    router.callback_query.filter(IsStaff())

    @router.callback_query(QuoteCb.filter())
    async def on_stale(query: CallbackQuery) -> None:
        await query.answer(_("This button is no longer active."), show_alert=True)

    return router
