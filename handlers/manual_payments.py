"""Money recorded by hand, from the invoice card: "💰 Payment" opens what the invoice has
(total, paid, remaining, the client's credit, the payments on it) with Bank transfer / Cash /
Card / Use credit and Reverse under each payment the viewer may undo.

Bank transfer asks the amount, then the payment order's number and date; cash and card ask
only the amount (cash: the cash receipt follows as a PDF). The push with Thank / Ship /
Issue act comes from the outbox like for any other payment."""

from __future__ import annotations

import html
import re
import secrets
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.filters import HasText, IsStaff
from handlers.payments import amount_text
from handlers.printing import PrintCb, PrintKind, send_printed
from handlers.texts import error_text
from services.delivery import DeliveryService
from services.errors import DomainError
from services.invoices import OPEN_STATUSES, Invoice
from services.payments import (
    InvoiceMoneyCard,
    PaymentOutcome,
    PaymentService,
    clean_amount,
)
from services.users import User

#: Payments listed (and offered for reversal) on the menu.
SHOWN: Final = 10
DOC_DATE: Final = re.compile(r"^(?P<number>.*?)\s*(?P<day>\d{1,2}[./-]\d{1,2}[./-]\d{4})?$")

SOURCE_NAMES = {"bank": __("bank transfer"), "cash": __("cash"), "card": __("card"),
                "telegram": __("card in Telegram")}


class MpAction(StrEnum):
    MENU = "m"
    BANK = "b"
    CASH = "c"
    CARD = "k"
    ALL = "a"  # the whole remaining amount
    CREDIT = "r"
    REVERSE = "v"


SOURCE_OF: Final = {MpAction.BANK: "bank", MpAction.CASH: "cash", MpAction.CARD: "card"}


class MpCb(CallbackData, prefix="mp"):
    action: MpAction
    invoice: int
    payment: int = 0


class RecordPayment(StatesGroup):
    amount = State()
    bank_doc = State()
    reverse_reason = State()


def source_name(source: str) -> str:
    name = SOURCE_NAMES.get(source)
    return str(name) if name is not None else _("bank statement")


def menu_text(card: InvoiceMoneyCard) -> str:
    cur = card.currency
    lines = [_("Invoice {number}: total {total}, paid {paid}, remaining {remaining}.").format(
        number=html.escape(card.number_text), total=amount_text(card.total, cur),
        paid=amount_text(card.paid, cur), remaining=amount_text(card.remaining, cur))]
    if card.payable and card.credit > 0:
        lines.append(_("The client has a credit of {amount} from earlier payments.").format(
            amount=amount_text(card.credit, cur)))
    if card.payments:
        lines.append(_("Payments:"))
        for line in card.payments[-SHOWN:]:
            p = line.payment
            doc = f" № {html.escape(p.doc_number)}" if p.doc_number else ""
            lines.append(f"• {p.received_on:%d.%m.%Y} · {source_name(p.source)}{doc} · "
                         f"{amount_text(line.on_invoice, cur)}")
    if not card.payable:
        lines.append(_("Nothing is due on this invoice."))
    else:
        lines.append(_("How was it paid?"))
    return "\n".join(lines)


def menu_keyboard(card: InvoiceMoneyCard) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    rows: list[int] = []
    if card.payable:
        for text, action in ((_("Bank transfer"), MpAction.BANK), (_("Cash"), MpAction.CASH),
                             (_("Card"), MpAction.CARD)):
            kb.button(text=text, callback_data=MpCb(action=action, invoice=card.invoice_id))
        rows.append(3)
        if card.credit > 0:
            kb.button(text=_("Use credit {amount}").format(
                amount=amount_text(min(card.credit, card.remaining), card.currency)),
                callback_data=MpCb(action=MpAction.CREDIT, invoice=card.invoice_id))
            rows.append(1)
    for line in card.payments[-SHOWN:]:
        p = line.payment
        day, amount = f"{p.received_on:%d.%m}", amount_text(line.on_invoice, card.currency)
        if p.source == "cash":
            kb.button(text=_("🧾 Receipt {day} {amount}").format(day=day, amount=amount),
                      callback_data=PrintCb(kind=PrintKind.RECEIPT, invoice=card.invoice_id,
                                            payment=p.id))
            rows.append(1)
        if line.can_reverse:
            kb.button(text=_("Reverse {day} {amount}").format(day=day, amount=amount),
                      callback_data=MpCb(action=MpAction.REVERSE, invoice=card.invoice_id,
                                         payment=p.id))
            rows.append(1)
    kb.adjust(*rows)
    return kb.as_markup()


def invoice_card_buttons(inv: Invoice) -> list[InlineKeyboardButton]:
    """The invoice card's row from manual payments: "💰 Payment" while open or paid."""
    if inv.status in OPEN_STATUSES or inv.status == "paid":
        return [InlineKeyboardButton(text=_("💰 Payment"), callback_data=MpCb(
            action=MpAction.MENU, invoice=inv.id).pack())]
    return []


async def offer_credit(message: Message, actor: User, inv: Invoice,
                       payments: PaymentService | None) -> None:
    """Just issued: the client's credit from earlier overpayments is offered at once (the
    invoice's Issue handler calls it; no payments service, no offer)."""
    if not isinstance(payments, PaymentService):
        return
    card = await payments.money_card(actor, inv.id)
    if not card.payable or card.credit <= 0:
        return
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Use credit {amount}").format(
        amount=amount_text(min(card.credit, card.remaining), card.currency)),
        callback_data=MpCb(action=MpAction.CREDIT, invoice=card.invoice_id))
    await message.answer(_("The client has a credit of {amount} from earlier payments.")
                         .format(amount=amount_text(card.credit, card.currency)),
                         reply_markup=kb.as_markup())


def recorded_text(outcome: PaymentOutcome) -> str:
    p = outcome.payment
    if outcome.duplicate:
        return _("This payment is already recorded.")
    if outcome.from_statement:
        return _("This transfer was already in a bank statement (№ {number} of {day}): that "
                 "payment is now applied here.").format(
            number=html.escape(p.doc_number), day=f"{p.received_on:%d.%m.%Y}")
    text = _("Recorded: {source}, {amount}.").format(source=source_name(p.source),
                                                     amount=amount_text(p.amount, p.currency))
    if p.unallocated_minor > 0:
        text += "\n" + _("Overpayment of {amount} is kept as the client's credit: it will be "
                         "offered on their next invoice.").format(
            amount=amount_text(p.unallocated, p.currency))
    return text


def split_doc(text: str) -> tuple[str, str | None]:
    """"15 20.11.2026" → ("15", "20.11.2026"); "15" → ("15", None)."""
    found = DOC_DATE.match(" ".join(text.split()))
    if found is None:
        return text.strip(), None
    return found.group("number").strip(" ,;"), found.group("day")


async def done(message: Message, actor: User, outcome: PaymentOutcome,
               delivery: DeliveryService | None, invoice_id: int) -> None:
    await message.answer(recorded_text(outcome))
    if outcome.payment.source == "cash" and delivery is not None and not outcome.duplicate:
        await send_printed(message, actor, delivery, invoice_id, "receipt",
                           outcome.payment.id)


async def record(message: Message, actor: User, payments: PaymentService,
                 state: FSMContext, delivery: DeliveryService | None,
                 **extra: Any) -> None:
    data = await state.get_data()
    try:
        # The form's session is the action: the same form submitted twice (a double tap,
        # an update delivered again) records one payment; a new form is a new payment.
        outcome = await payments.record_manual(
            actor, int(data["invoice"]), str(data["source"]), Decimal(data["amount"]),
            action_key=f"form:{data['flow']}", **extra)
    except DomainError as err:
        if err.code in ("bad_date", "payment_in_future", "too_long"):
            await message.answer(error_text(err))  # asked again
            return
        await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    await done(message, actor, outcome, delivery, int(data["invoice"]))


async def take_amount(message: Message, actor: User, payments: PaymentService,
                      state: FSMContext, amount: Decimal,
                      delivery: DeliveryService | None) -> None:
    await state.update_data(amount=str(amount))
    if (await state.get_data())["source"] == "bank":
        await state.set_state(RecordPayment.bank_doc)
        await message.answer(_("The payment order's number and date, e.g. 15 20.11.2026 "
                               "(without a date: today)."))
        return
    await record(message, actor, payments, state, delivery)


async def on_menu(query: CallbackQuery, callback_data: MpCb, actor: User,
                  msg: Message | None, payments: PaymentService) -> None:
    card = await payments.money_card(actor, callback_data.invoice)
    await query.answer()
    if msg:
        await msg.answer(menu_text(card), reply_markup=menu_keyboard(card))


async def on_reverse(query: CallbackQuery, callback_data: MpCb, actor: User,
                     msg: Message | None, payments: PaymentService,
                     state: FSMContext) -> None:
    card = await payments.money_card(actor, callback_data.invoice)
    line = next((x for x in card.payments if x.payment.id == callback_data.payment), None)
    if line is None:
        await query.answer(_("This payment is already done."), show_alert=True)
        return
    if not line.can_reverse:
        await query.answer(_("You do not have access to this."), show_alert=True)
        return
    await state.set_state(RecordPayment.reverse_reason)
    await state.set_data({"flow": secrets.token_hex(4), "invoice": card.invoice_id,
                          "payment": line.payment.id})
    await query.answer()
    if msg:
        await msg.answer(_("Why is the payment of {amount} reversed? The reason "
                           "goes to the audit log. /cancel to keep it.").format(
            amount=amount_text(line.on_invoice, card.currency)))


async def payable_card(query: CallbackQuery, actor: User, payments: PaymentService,
                       invoice_id: int) -> InvoiceMoneyCard | None:
    """The invoice's money card, or None once nothing is due (the button is told)."""
    card = await payments.money_card(actor, invoice_id)
    if not card.payable:
        await query.answer(_("Nothing is due on this invoice."), show_alert=True)
        return None
    return card


async def on_credit(query: CallbackQuery, callback_data: MpCb, actor: User,
                    msg: Message | None, payments: PaymentService) -> None:
    card = await payable_card(query, actor, payments, callback_data.invoice)
    if card is None:
        return
    await payments.apply_credit(actor, card.invoice_id)
    await query.answer(_("Credit applied."))
    if msg:
        await msg.answer(_("Credit applied to {number}.").format(
            number=html.escape(card.number_text)))


async def on_all(query: CallbackQuery, callback_data: MpCb, actor: User,
                 msg: Message | None, payments: PaymentService, state: FSMContext,
                 delivery: DeliveryService | None = None) -> None:
    card = await payable_card(query, actor, payments, callback_data.invoice)
    if card is None:
        return
    data = await state.get_data()
    if await state.get_state() != RecordPayment.amount.state \
            or data.get("invoice") != card.invoice_id:
        await query.answer(_("This button is from an earlier step."), show_alert=True)
        return
    await query.answer()
    if msg:
        await take_amount(msg, actor, payments, state, card.remaining, delivery)


async def on_source(query: CallbackQuery, callback_data: MpCb, actor: User,
                    msg: Message | None, payments: PaymentService,
                    state: FSMContext) -> None:
    card = await payable_card(query, actor, payments, callback_data.invoice)
    if card is None:
        return
    source = SOURCE_OF[callback_data.action]
    await state.set_state(RecordPayment.amount)
    await state.set_data({"flow": secrets.token_hex(8), "invoice": card.invoice_id,
                          "source": source, "currency": card.currency})
    await query.answer()
    if msg:
        kb = InlineKeyboardBuilder()
        kb.button(text=_("All: {amount}").format(
            amount=amount_text(card.remaining, card.currency)),
            callback_data=MpCb(action=MpAction.ALL, invoice=card.invoice_id))
        await msg.answer(_("How much was received ({source})? Remaining on {number}: "
                           "{amount}. /cancel to stop.").format(
            source=source_name(source), number=html.escape(card.number_text),
            amount=amount_text(card.remaining, card.currency)),
            reply_markup=kb.as_markup())


async def got_amount(message: Message, actor: User, payments: PaymentService,
                     state: FSMContext,
                     delivery: DeliveryService | None = None) -> None:
    data = await state.get_data()
    try:
        amount = clean_amount(message.text or "", str(data["currency"]))
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await take_amount(message, actor, payments, state, amount, delivery)


async def got_bank_doc(message: Message, actor: User, payments: PaymentService,
                       state: FSMContext,
                       delivery: DeliveryService | None = None) -> None:
    number, day = split_doc(message.text or "")
    if not number:
        await message.answer(_("Send the payment order's number, e.g. 15 20.11.2026."))
        return
    await record(message, actor, payments, state, delivery, doc_number=number,
                 received_on=day)


async def got_reason(message: Message, actor: User, payments: PaymentService,
                     state: FSMContext) -> None:
    data = await state.get_data()
    try:
        await payments.reverse(actor, int(data["payment"]), message.text or "")
        card = await payments.money_card(actor, int(data["invoice"]))
    except DomainError as err:
        if err.code in ("empty", "too_long"):
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    await message.answer(_("The payment is reversed; the audit log keeps it.") + "\n\n"
                         + menu_text(card), reply_markup=menu_keyboard(card))


def create_router() -> Router:
    router = Router(name="manual_payments")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    # The invoice's payment buttons, one handler per action, on a sub-router whose middleware
    # turns a domain error into an alert (handlers.callback.AlertOnDomainError).
    buttons = Router(name="manual_payment_buttons")
    buttons.callback_query.filter(IsStaff())
    buttons.callback_query.middleware(AlertOnDomainError())
    router.include_router(buttons)

    buttons.callback_query.register(on_menu, MpCb.filter(F.action == MpAction.MENU))
    buttons.callback_query.register(on_reverse, MpCb.filter(F.action == MpAction.REVERSE))
    buttons.callback_query.register(on_credit, MpCb.filter(F.action == MpAction.CREDIT))
    buttons.callback_query.register(on_all, MpCb.filter(F.action == MpAction.ALL))
    buttons.callback_query.register(on_source, MpCb.filter(F.action.in_(SOURCE_OF)))
    router.message.register(got_amount, StateFilter(RecordPayment.amount), HasText())
    router.message.register(got_bank_doc, StateFilter(RecordPayment.bank_doc), HasText())
    router.message.register(got_reason, StateFilter(RecordPayment.reverse_reason), HasText())

    return router
