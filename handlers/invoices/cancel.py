"""Cancelling an issued invoice: "Cancel invoice" → a reason (a common one, or typed) →
confirm. A draft is discarded at once (handlers/invoices/card.py); an invoice with money on it
is refused with the amount and what to do first."""

from __future__ import annotations

import html
from typing import Final

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.filters import HasText, IsStaff
from handlers.invoices.callbacks import Inv, InvoiceCb, InvoiceInput, cb
from handlers.invoices.card import show_invoice
from handlers.invoices.texts import invoice_object, invoice_title
from handlers.line_editor.texts import money
from handlers.texts import error_text
from services.credit_notes import clean_reason
from services.errors import Conflict, DomainError
from services.invoices import Invoice, InvoiceService
from services.users import User

CANCEL_REASONS: Final = {
    "err": __("Mistake in the invoice"),
    "ref": __("The client declined"),
    "dup": __("Duplicate invoice"),
    "new": __("Replaced by a new invoice"),
}


async def refuse_if_paid(msg: Message, invoices: InvoiceService, inv: Invoice) -> bool:
    """Answers why an invoice with money (or credit notes) on it is not cancelled; True if so.
    Nothing destructive is offered: the payments are reversed or moved from 💰 Payment."""
    try:
        invoices.check_cancel(inv)
    except Conflict as err:
        if err.code == "has_payments":
            await msg.answer(_(
                "{title} has payments of {amount}. It can be cancelled only after they are "
                "reversed or moved to another invoice (💰 Payment). A credit note corrects "
                "it without cancelling.").format(
                title=invoice_title(inv), amount=money(inv.paid, inv.currency)))
            return True
        if err.code == "has_credit_notes":
            await msg.answer(_("{title} has credit notes; it is not cancelled. Issue a "
                               "credit note for what is left instead.").format(
                title=invoice_title(inv)))
            return True
        raise
    return False


def reasons_keyboard(inv_id: int) -> InlineKeyboardBuilder:
    kb = InlineKeyboardBuilder()
    for code, label in CANCEL_REASONS.items():
        kb.button(text=str(label), callback_data=cb(Inv.CANCEL_REASON, inv_id, v=code))
    kb.adjust(1)
    return kb


async def confirm(msg: Message, inv: Invoice, reason: str, code: str) -> None:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Yes, cancel it"), callback_data=cb(Inv.CANCEL_OK, inv.id, v=code))
    kb.button(text=_("No, keep it"), callback_data=cb(Inv.OPEN, inv.id))
    kb.adjust(2)
    await msg.answer(_("Cancel {title}? Reason: {reason}.\nIts number is kept; reminders "
                       "stop; the deal stays where it is.").format(
        title=invoice_object(inv), reason=html.escape(reason)), reply_markup=kb.as_markup())


async def on_cancel(query: CallbackQuery, callback_data: InvoiceCb, actor: User, msg: Message,
                    invoices: InvoiceService, state: FSMContext) -> None:
    inv = await invoices.get(actor, callback_data.id)
    await query.answer()
    if inv.status == "draft":
        await invoices.cancel(actor, inv.id)
        await msg.answer(_("Draft cancelled."))
        return
    if await refuse_if_paid(msg, invoices, inv):
        return
    invoices.check_cancel(inv)
    await state.set_state(InvoiceInput.cancel_reason)
    await state.set_data({"inv": inv.id})
    await msg.answer(_("Why is {title} cancelled? Choose a reason or write your own.").format(
        title=invoice_object(inv)), reply_markup=reasons_keyboard(inv.id).as_markup())


async def on_reason(query: CallbackQuery, callback_data: InvoiceCb, actor: User, msg: Message,
                    invoices: InvoiceService) -> None:
    label = CANCEL_REASONS.get(callback_data.v)
    inv = await invoices.get(actor, callback_data.id)
    await query.answer()
    if label is None:
        return
    await confirm(msg, inv, str(label), callback_data.v)


async def got_reason(message: Message, actor: User, state: FSMContext,
                     invoices: InvoiceService) -> None:
    data = await state.get_data()
    try:
        reason = clean_reason(message.text or "")
        inv = await invoices.get(actor, int(data["inv"]))
    except DomainError as err:
        await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))
        return
    await state.update_data(reason=reason)
    await confirm(message, inv, reason, "")


async def on_confirm(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                     msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
    label = CANCEL_REASONS.get(callback_data.v)
    if label is not None:
        reason = str(label)
    else:
        data = await state.get_data()
        if data.get("inv") != callback_data.id or not data.get("reason"):
            await query.answer(_("This button is no longer active."), show_alert=True)
            return
        reason = str(data["reason"])
    inv = await invoices.get(actor, callback_data.id)
    if await refuse_if_paid(msg, invoices, inv):
        await query.answer()
        return
    inv = await invoices.cancel(actor, inv.id, reason)
    await state.clear()
    await query.answer()
    await show_invoice(msg, inv, _("{title} is cancelled; its number is kept.").format(
        title=invoice_title(inv)))


def create_router() -> Router:
    router = Router(name="invoice_cancel")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.register(on_cancel, InvoiceCb.filter(F.action == Inv.CANCEL))
    router.callback_query.register(on_reason, InvoiceCb.filter(F.action == Inv.CANCEL_REASON))
    router.callback_query.register(on_confirm, InvoiceCb.filter(F.action == Inv.CANCEL_OK))
    router.message.register(got_reason, StateFilter(InvoiceInput.cancel_reason), HasText())
    return router
