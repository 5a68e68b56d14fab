"""/invoice (choose the client of a new draft), /invoices and its filtered pages (the filters:
handlers.invoices.filters)."""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import HasText, IsStaff
from handlers.invoices import filters
from handlers.invoices.callbacks import Inv, InvoiceCb, invoice_cb
from handlers.invoices.filters import FilterAction, InvoiceFilterCb, InvoiceFilterInput
from handlers.line_editor.keyboards import clients_keyboard
from services.invoices import InvoiceService
from services.invoices.filters import InvoiceFilter
from services.users import User

PAGE: Final = filters.PAGE


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
        view = await invoices.filtered(actor, InvoiceFilter(), 0, PAGE)
        if not view.page.total:
            await message.answer(_("No invoices yet. Create one with /invoice."))
            return
        await message.answer(filters.list_text(view), reply_markup=filters.list_keyboard(view))

    router.callback_query.register(filters.on_list, InvoiceCb.filter(F.action == Inv.LIST))
    router.callback_query.register(
        filters.on_clients, InvoiceFilterCb.filter(F.action == FilterAction.CLIENTS))
    router.callback_query.register(
        filters.on_periods, InvoiceFilterCb.filter(F.action == FilterAction.PERIODS))
    router.callback_query.register(
        filters.on_custom, InvoiceFilterCb.filter(F.action == FilterAction.CUSTOM))
    router.message.register(filters.got_client, StateFilter(InvoiceFilterInput.client),
                            HasText())
    router.message.register(filters.got_period, StateFilter(InvoiceFilterInput.period),
                            HasText())
    return router
