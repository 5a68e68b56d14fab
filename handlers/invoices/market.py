"""The draft's market fields (issue 16): delivery date, exchange rate, reverse charge and the
VAT exemption reason. One handler per button and one per typed answer; «-» clears a value.
Another manager's invoice is NotFound from the service (the router's middleware answers)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import HasText, IsStaff
from handlers.invoices.callbacks import Inv, InvoiceCb, InvoiceInput
from handlers.invoices.card import show_invoice
from handlers.texts import error_text
from services.errors import DomainError
from services.invoices import (
    InvoiceService,
    parse_delivery_date,
    parse_exchange_rate,
)
from services.users import User

CLEAR = "-"


def create_router() -> Router:
    router = Router(name="invoice_market")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    async def ask(query: CallbackQuery, callback_data: InvoiceCb, actor: User, msg: Message,
                  invoices: InvoiceService, state: FSMContext, step: State,
                  question: str) -> None:
        inv = await invoices.get(actor, callback_data.id)  # NotFound: not theirs
        await state.set_state(step)
        await state.set_data({"inv": inv.id})
        await query.answer()
        await msg.answer(question)

    @router.callback_query(InvoiceCb.filter(F.action == Inv.DELIVERY))
    async def on_delivery(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                          msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
        await ask(query, callback_data, actor, msg, invoices, state, InvoiceInput.delivery_date,
                  _("Delivery date, when the goods or services were supplied on another day "
                    "than the invoice is issued? Example: 02.03.2026. «-» clears it."))

    @router.callback_query(InvoiceCb.filter(F.action == Inv.RATE))
    async def on_rate(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                      msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
        await ask(query, callback_data, actor, msg, invoices, state, InvoiceInput.exchange_rate,
                  _("Exchange rate: how much of the organization's currency is 1 unit of the "
                    "invoice's? Example: 4.9750. «-» clears it."))

    @router.callback_query(InvoiceCb.filter(F.action == Inv.EXEMPT))
    async def on_exempt(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                        msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
        await ask(query, callback_data, actor, msg, invoices, state,
                  InvoiceInput.exemption_reason,
                  _("The legal reason printed for the lines without VAT? Example: "
                    "art. 292 alin. (2) lit. a) din Codul fiscal. «-» clears it."))

    @router.callback_query(InvoiceCb.filter(F.action == Inv.REVERSE))
    async def on_reverse(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                         msg: Message, invoices: InvoiceService) -> None:
        inv = await invoices.get(actor, callback_data.id)
        inv = await invoices.set_reverse_charge(actor, inv.id, bool(callback_data.arg))
        await query.answer()
        await show_invoice(msg, inv, _("Reverse charge is on: every line is at 0 % VAT.")
                           if inv.reverse_charge else
                           _("Reverse charge is off: the lines have their VAT rates back."))

    async def typed(message: Message, state: FSMContext) -> tuple[int, str | None]:
        data = await state.get_data()
        text = (message.text or "").strip()
        return int(data["inv"]), (None if text == CLEAR else text)

    async def retry(message: Message, err: DomainError) -> None:
        await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))

    @router.message(StateFilter(InvoiceInput.delivery_date), HasText())
    async def got_delivery_date(message: Message, actor: User, state: FSMContext,
                                invoices: InvoiceService) -> None:
        inv_id, text = await typed(message, state)
        try:
            day = parse_delivery_date(text) if text is not None else None
            inv = await invoices.set_delivery_date(actor, inv_id, day)
        except DomainError as err:
            await retry(message, err)
            return
        await state.clear()
        await show_invoice(message, inv)

    @router.message(StateFilter(InvoiceInput.exchange_rate), HasText())
    async def got_exchange_rate(message: Message, actor: User, state: FSMContext,
                                invoices: InvoiceService) -> None:
        inv_id, text = await typed(message, state)
        try:
            rate = parse_exchange_rate(text) if text is not None else None
            inv = await invoices.set_exchange_rate(actor, inv_id, rate)
        except DomainError as err:
            await retry(message, err)
            return
        await state.clear()
        await show_invoice(message, inv)

    @router.message(StateFilter(InvoiceInput.exemption_reason), HasText())
    async def got_exemption_reason(message: Message, actor: User, state: FSMContext,
                                   invoices: InvoiceService) -> None:
        inv_id, text = await typed(message, state)
        try:
            inv = await invoices.set_exemption_reason(actor, inv_id, text)
        except DomainError as err:
            await retry(message, err)
            return
        await state.clear()
        await show_invoice(message, inv)

    return router
