""""Repeat" on a quote card: a new quote draft like it, its catalog lines at today's prices.
The quotes router's middleware answers a domain error or a gone message."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import IsStaff
from handlers.line_editor.texts import repriced_text
from handlers.quotes.callbacks import Qt, QuoteCb
from handlers.quotes.card import show_quote
from services.quotes import QuoteService
from services.users import User


async def on_repeat(query: CallbackQuery, callback_data: QuoteCb, actor: User, msg: Message,
                    quotes: QuoteService, state: FSMContext) -> None:
    done = await quotes.repeat(actor, callback_data.id)
    await state.clear()
    await query.answer()
    await show_quote(msg, actor, done.doc, _("A new draft like the quote.") + " " +
                     repriced_text(done.price_list, done.changed, done.fallback))


def create_router() -> Router:
    router = Router(name="quote_repeat")
    router.callback_query.filter(IsStaff())
    router.callback_query.register(on_repeat, QuoteCb.filter(F.action == Qt.REPEAT))
    return router
