"""The invoice card: a new draft (for a client or a deal), open, due date, issue, cancel,
reissue. One handler per button; the router's middleware answers a domain error or a gone
message (handlers.callback.AlertOnDomainError)."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import HasText, IsStaff
from handlers.invoices.callbacks import Inv, InvoiceCb, InvoiceInput
from handlers.invoices.keyboards import card_keyboard
from handlers.invoices.texts import card_text
from handlers.manual_payments import offer_credit
from handlers.texts import error_text
from services.errors import DomainError
from services.invoices import Invoice, InvoiceService, parse_due_date
from services.payments import PaymentService
from services.users import User


async def show_invoice(message: Message, inv: Invoice, prefix: str = "") -> None:
    text = card_text(inv)
    await message.answer(f"{prefix}\n\n{text}" if prefix else text,
                         reply_markup=card_keyboard(inv))


def create_router() -> Router:
    router = Router(name="invoice_card")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.callback_query(InvoiceCb.filter(F.action == Inv.NEW))
    async def on_new(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                     msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
        inv = await invoices.create_draft(actor, callback_data.id)
        await state.clear()
        await query.answer()
        await show_invoice(msg, inv)

    @router.callback_query(InvoiceCb.filter(F.action == Inv.DEAL))
    async def on_deal(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                      msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
        inv = await invoices.create_for_deal(actor, callback_data.id)
        await state.clear()
        await query.answer()
        await show_invoice(msg, inv)

    @router.callback_query(InvoiceCb.filter(F.action == Inv.OPEN))
    async def on_open(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                      msg: Message, invoices: InvoiceService) -> None:
        inv = await invoices.get(actor, callback_data.id)
        await query.answer()
        await show_invoice(msg, inv)

    @router.callback_query(InvoiceCb.filter(F.action == Inv.DUE))
    async def on_due(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                     msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
        inv = await invoices.get(actor, callback_data.id)
        await state.set_state(InvoiceInput.due_date)
        await state.set_data({"inv": inv.id})
        await query.answer()
        await msg.answer(_("Due date? A date (25.12.2026) or a number of days (10)."))

    @router.callback_query(InvoiceCb.filter(F.action == Inv.ISSUE))
    async def on_issue(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                       msg: Message, invoices: InvoiceService,
                       payments: PaymentService | None = None) -> None:
        inv = await invoices.get(actor, callback_data.id)
        inv = await invoices.issue(actor, inv.id)
        await query.answer()
        await show_invoice(msg, inv, _("Issued: invoice {number}.").format(
            number=html.escape(inv.number_text or "")))
        await offer_credit(msg, actor, inv, payments)

    @router.callback_query(InvoiceCb.filter(F.action == Inv.REISSUE))
    async def on_reissue(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                         msg: Message, invoices: InvoiceService) -> None:
        inv = await invoices.get(actor, callback_data.id)
        inv = await invoices.reissue(actor, inv.id)
        await query.answer()
        await show_invoice(msg, inv, _("A new draft with the same lines. Correct it and issue "
                                       "it."))

    @router.message(StateFilter(InvoiceInput.due_date), HasText())
    async def got_due_date(message: Message, actor: User, state: FSMContext,
                           invoices: InvoiceService) -> None:
        data = await state.get_data()
        try:
            due = parse_due_date(message.text or "", invoices.today())
            inv = await invoices.set_due_date(actor, int(data["inv"]), due)
        except DomainError as err:
            await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))
            return
        await state.clear()
        await show_invoice(message, inv)

    return router
