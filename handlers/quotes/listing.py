"""/quote (choose the client of a new draft), /quotes and its filtered pages."""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import IsStaff
from handlers.line_editor.keyboards import clients_keyboard
from handlers.quotes.callbacks import Qt, QuoteCb, quote_cb
from handlers.quotes.keyboards import list_keyboard
from handlers.quotes.texts import FILTERS, list_text
from services.invoices import InvoiceService
from services.quotes import QuoteService
from services.users import User

PAGE: Final = 8


def create_router() -> Router:
    router = Router(name="quote_list")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.message(Command("quote"))
    async def cmd_quote(message: Message, actor: User, invoices: InvoiceService,
                        state: FSMContext) -> None:
        await state.clear()
        clients = await invoices.pick_clients(actor)
        if not clients:
            await message.answer(_("You have no clients yet. Add one with /newclient."))
            return
        await message.answer(_("New quote. Choose the client:"),
                             reply_markup=clients_keyboard(clients, quote_cb))

    @router.message(Command("quotes"))
    async def cmd_quotes(message: Message, actor: User, quotes: QuoteService,
                         state: FSMContext) -> None:
        await state.clear()
        page = await quotes.list(actor, None, 0, PAGE)
        if not page.total:
            await message.answer(_("No quotes yet. Create one with /quote."))
            return
        await message.answer(list_text(page, "all"), reply_markup=list_keyboard(page, "all"))

    @router.callback_query(QuoteCb.filter(F.action == Qt.LIST))
    async def on_list(query: CallbackQuery, callback_data: QuoteCb, actor: User,
                      msg: Message, quotes: QuoteService) -> None:
        flt = callback_data.v if callback_data.v in FILTERS else "all"
        page = await quotes.list(actor, FILTERS[flt], callback_data.arg, PAGE)
        await query.answer()
        await msg.edit_text(list_text(page, flt), reply_markup=list_keyboard(page, flt))

    return router
