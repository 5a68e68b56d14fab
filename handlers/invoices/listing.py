"""/invoice (choose the client of a new draft), /invoices and its filtered pages."""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import IsStaff
from handlers.invoices.callbacks import Inv, InvoiceCb, invoice_cb
from handlers.invoices.keyboards import list_keyboard
from handlers.invoices.texts import FILTERS, list_text
from handlers.line_editor.keyboards import clients_keyboard
from services.invoices import InvoiceService
from services.users import User

PAGE: Final = 8


def create_router() -> Router:
    router = Router(name="invoice_list")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.message(Command("invoice"))
    async def cmd_invoice(message: Message, actor: User, invoices: InvoiceService,
                          state: FSMContext) -> None:
        await state.clear()
        clients = await invoices.pick_clients(actor)
        if not clients:
            await message.answer(_("You have no clients yet. Add one with /newclient."))
            return
        await message.answer(_("New invoice. Choose the client:"),
                             reply_markup=clients_keyboard(clients, invoice_cb))

    @router.message(Command("invoices"))
    async def cmd_invoices(message: Message, actor: User, invoices: InvoiceService,
                           state: FSMContext) -> None:
        await state.clear()
        page = await invoices.list(actor, None, 0, PAGE)
        if not page.total:
            await message.answer(_("No invoices yet. Create one with /invoice."))
            return
        await message.answer(list_text(page, "all"), reply_markup=list_keyboard(page, "all"))

    @router.callback_query(InvoiceCb.filter(F.action == Inv.LIST))
    async def on_list(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                      msg: Message, invoices: InvoiceService) -> None:
        flt = callback_data.v if callback_data.v in FILTERS else "all"
        page = await invoices.list(actor, FILTERS[flt], callback_data.arg, PAGE)
        await query.answer()
        await msg.edit_text(list_text(page, flt), reply_markup=list_keyboard(page, flt))

    return router
