"""Repeat for a repeat customer: "Repeat" on an invoice card, "Invoice like the last one" on a
client or deal card (the client's latest issued invoice again), and "Issue and send to the
client" on a draft (issued, then its PDF queued for the customer's bound chat). One handler
per button; the invoices router's middleware answers a domain error or a gone message."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import IsStaff
from handlers.invoices.callbacks import Inv, InvoiceCb
from handlers.invoices.card import show_invoice
from handlers.line_editor.texts import repriced_text
from handlers.texts import error_text
from services.delivery import DeliveryService
from services.errors import Conflict
from services.invoices import Invoice, InvoiceService, Repriced
from services.users import User


def repeated_text(done: Repriced[Invoice]) -> str:
    return _("A new draft like the last invoice.") + " " + repriced_text(
        done.price_list, done.changed, done.fallback)


async def on_repeat(query: CallbackQuery, callback_data: InvoiceCb, actor: User, msg: Message,
                    invoices: InvoiceService, state: FSMContext) -> None:
    done = await invoices.repeat(actor, callback_data.id)
    await state.clear()
    await query.answer()
    await show_invoice(msg, done.doc, repeated_text(done))


async def on_last(query: CallbackQuery, callback_data: InvoiceCb, actor: User, msg: Message,
                  invoices: InvoiceService, state: FSMContext) -> None:
    done = await invoices.repeat_last(actor, company_id=callback_data.id)
    await state.clear()
    await query.answer()
    await show_invoice(msg, done.doc, repeated_text(done))


async def on_deal_last(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                       msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
    done = await invoices.repeat_last(actor, deal_id=callback_data.id)
    await state.clear()
    await query.answer()
    await show_invoice(msg, done.doc, repeated_text(done))


async def on_issue_send(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                        msg: Message, invoices: InvoiceService,
                        delivery: DeliveryService) -> None:
    """Nothing is issued when the customer has no chat with the bot yet."""
    inv = await invoices.get(actor, callback_data.id)
    if inv.company_id is None or await delivery.customer_chat(actor, inv.company_id) is None:
        await query.answer(error_text(Conflict("customer_not_bound")), show_alert=True)
        return
    inv = await invoices.issue(actor, inv.id)
    copy = await delivery.to_customer_chat(actor, "invoice", inv.id, query.id)
    name = copy.contact.name[:60]
    await query.answer(_("Sending to {name}'s chat…").format(name=name))
    await show_invoice(msg, inv, _("Issued: invoice {number}. Sending it to {name}'s chat…")
                       .format(number=html.escape(inv.number_text or ""),
                               name=html.escape(name)))


def create_router() -> Router:
    router = Router(name="invoice_repeat")
    router.callback_query.filter(IsStaff())
    router.callback_query.register(on_repeat, InvoiceCb.filter(F.action == Inv.REPEAT))
    router.callback_query.register(on_last, InvoiceCb.filter(F.action == Inv.LAST))
    router.callback_query.register(on_deal_last, InvoiceCb.filter(F.action == Inv.DEAL_LAST))
    router.callback_query.register(on_issue_send, InvoiceCb.filter(F.action == Inv.ISSUE_SEND))
    return router
