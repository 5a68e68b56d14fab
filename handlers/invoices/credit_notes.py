"""Credit notes from the invoice card: "Credit note" → the whole invoice, or lines and
quantities typed → a reason → issued, and the invoice card again. "Refund …" on the card
records money paid back against a credit note (an outgoing payment)."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any, Final

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.filters import HasText, IsStaff
from handlers.invoices.callbacks import Cn, CreditCb, CreditInput
from handlers.invoices.card import show_invoice
from handlers.line_editor.texts import money, qty_text
from handlers.texts import error_text
from services.credit_notes import CreditNote, CreditNoteService, CreditState, clean_reason
from services.errors import DomainError, InvalidInput
from services.invoices import InvoiceService, clean_quantity
from services.money import from_minor
from services.payments import PaymentService
from services.users import User

CREDIT_REASONS: Final = {
    "ret": __("Goods returned"),
    "dis": __("Discount after invoicing"),
    "err": __("Mistake in the invoice"),
    "svc": __("Service not provided"),
}


def picks_of(data: dict[str, Any]) -> dict[int, Decimal]:
    return {int(k): Decimal(v) for k, v in (data.get("picks") or {}).items()}


def picker_text(st: CreditState, picks: dict[int, Decimal]) -> str:
    out = [_("Credit note to invoice {number}. At most {amount} can be credited.").format(
        number=html.escape(st.number_text), amount=money(st.creditable, st.currency)),
        _("The whole invoice, or choose lines and type quantities; then «That's all».")]
    for line in st.lines:
        if line.quantity_left <= 0:
            continue
        picked = picks.get(line.id)
        text = _("{position}. {name}: {left} of {quantity} left").format(
            position=line.position, name=html.escape(line.name),
            left=qty_text(line.quantity_left), quantity=qty_text(line.quantity))
        if picked:
            text += " · " + _("credit {quantity}").format(quantity=qty_text(picked))
        out.append(text)
    return "\n".join(out)


def picker_keyboard(st: CreditState, picks: dict[int, Decimal]) -> Any:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Whole invoice ({amount})").format(
        amount=money(st.creditable, st.currency)), callback_data=CreditCb(
        action=Cn.WHOLE, id=st.invoice_id))
    for line in st.lines:
        if line.quantity_left > 0:
            kb.button(text=f"{line.position}. {line.name}"[:60], callback_data=CreditCb(
                action=Cn.LINE, id=st.invoice_id, arg=line.id))
    if picks:
        kb.button(text=_("That's all"), callback_data=CreditCb(action=Cn.DONE,
                                                              id=st.invoice_id))
    kb.adjust(1)
    return kb.as_markup()


async def show_picker(message: Message, st: CreditState, picks: dict[int, Decimal]) -> None:
    await message.answer(picker_text(st, picks), reply_markup=picker_keyboard(st, picks))


async def ask_reason(message: Message, inv_id: int) -> None:
    kb = InlineKeyboardBuilder()
    for code, label in CREDIT_REASONS.items():
        kb.button(text=str(label), callback_data=CreditCb(action=Cn.REASON, id=inv_id, v=code))
    kb.adjust(1)
    await message.answer(_("The reason for the credit note? Choose one or write your own."),
                         reply_markup=kb.as_markup())


async def on_new(query: CallbackQuery, callback_data: CreditCb, actor: User, msg: Message,
                 credit_notes: CreditNoteService, state: FSMContext) -> None:
    st = await credit_notes.state(actor, callback_data.id)
    await state.set_state(CreditInput.reason)
    await state.set_data({"cn_inv": st.invoice_id, "picks": {}, "whole": False})
    await query.answer()
    await show_picker(msg, st, {})


async def _flow(query: CallbackQuery, callback_data: CreditCb,
                state: FSMContext) -> dict[str, Any] | None:
    """The run's data when the button belongs to the credit note being made, else None
    (answered)."""
    data = await state.get_data()
    if data.get("cn_inv") != callback_data.id:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return None
    return data


async def on_whole(query: CallbackQuery, callback_data: CreditCb, actor: User, msg: Message,
                   credit_notes: CreditNoteService, state: FSMContext) -> None:
    if await _flow(query, callback_data, state) is None:
        return
    await credit_notes.state(actor, callback_data.id)
    await state.set_state(CreditInput.reason)
    await state.update_data(whole=True, picks={})
    await query.answer()
    await ask_reason(msg, callback_data.id)


async def on_line(query: CallbackQuery, callback_data: CreditCb, actor: User, msg: Message,
                  credit_notes: CreditNoteService, state: FSMContext) -> None:
    if await _flow(query, callback_data, state) is None:
        return
    st = await credit_notes.state(actor, callback_data.id)
    line = st.line(callback_data.arg)
    if line is None or line.quantity_left <= 0:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await state.set_state(CreditInput.quantity)
    await state.update_data(line=line.id)
    await query.answer()
    await msg.answer(_("How much of «{name}» to credit? At most {left} {unit}.").format(
        name=html.escape(line.name), left=qty_text(line.quantity_left),
        unit=html.escape(line.unit)))


async def got_quantity(message: Message, actor: User, state: FSMContext,
                       credit_notes: CreditNoteService) -> None:
    data = await state.get_data()
    try:
        quantity = clean_quantity(message.text or "")
        st = await credit_notes.state(actor, int(data["cn_inv"]))
        line = st.line(int(data["line"]))
        if line is None:
            raise InvalidInput("credit_empty", field="quantity")
        if quantity > line.quantity_left:
            raise InvalidInput("credit_quantity_over", field="quantity", line=line.position,
                               left=line.quantity_left)
    except DomainError as err:
        await message.answer(_credit_error(err) + "\n" + _("Try again, or send /cancel."))
        return
    picks = picks_of(data)
    picks[line.id] = quantity
    await state.set_state(CreditInput.reason)
    await state.update_data(picks={str(k): str(v) for k, v in picks.items()}, whole=False)
    await show_picker(message, st, picks)


async def on_done(query: CallbackQuery, callback_data: CreditCb, msg: Message,
                  state: FSMContext) -> None:
    data = await _flow(query, callback_data, state)
    if data is None:
        return
    if not picks_of(data):
        await query.answer(_("Choose a line first."), show_alert=True)
        return
    await query.answer()
    await ask_reason(msg, callback_data.id)


async def _issue(message: Message, actor: User, state: FSMContext, data: dict[str, Any],
                 reason: str, credit_notes: CreditNoteService,
                 invoices: InvoiceService) -> None:
    picks = None if data.get("whole") else picks_of(data)
    note = await credit_notes.issue(actor, int(data["cn_inv"]), picks, reason)
    await state.clear()
    inv = await invoices.get(actor, note.invoice_id)
    await show_invoice(message, inv, issued_text(note))


def issued_text(note: CreditNote) -> str:
    return _("Credit note {number} for {amount} to invoice {invoice} is issued.").format(
        number=html.escape(note.number_text), amount=money(note.total, note.currency),
        invoice=html.escape(note.invoice_number))


async def on_reason(query: CallbackQuery, callback_data: CreditCb, actor: User, msg: Message,
                    credit_notes: CreditNoteService, invoices: InvoiceService,
                    state: FSMContext) -> None:
    data = await _flow(query, callback_data, state)
    label = CREDIT_REASONS.get(callback_data.v)
    if data is None or label is None:
        return
    if not data.get("whole") and not picks_of(data):
        await query.answer(_("Choose a line first."), show_alert=True)
        return
    await query.answer()
    try:
        await _issue(msg, actor, state, data, str(label), credit_notes, invoices)
    except DomainError as err:
        await msg.answer(_credit_error(err))


async def got_reason(message: Message, actor: User, state: FSMContext,
                     credit_notes: CreditNoteService, invoices: InvoiceService) -> None:
    data = await state.get_data()
    if not data.get("whole") and not picks_of(data):
        await message.answer(_("Choose the whole invoice or a line first, or send /cancel."))
        return
    try:
        reason = clean_reason(message.text or "")
        await _issue(message, actor, state, data, reason, credit_notes, invoices)
    except DomainError as err:
        await message.answer(_credit_error(err) + "\n" + _("Try again, or send /cancel."))


def _credit_error(err: DomainError) -> str:
    """The answers with amounts and quantities (formatted here, in the reader's language)."""
    p = err.params
    if err.code == "credit_over_invoice":
        return _("The credit note is larger than what the invoice has left: at most {amount}. "
                 "Nothing was issued.").format(amount=money(p["left"], p["currency"]))
    if err.code == "credit_quantity_over":
        return _("Line {line} has only {left} left to credit. Nothing was changed.").format(
            line=p["line"], left=qty_text(p["left"]))
    if err.code == "refund_over":
        return _("At most {amount} can be refunded. Nothing was recorded.").format(
            amount=money(p["most"], p["currency"]))
    return error_text(err)


# --- refunds -------------------------------------------------------------------------------


async def on_refund(query: CallbackQuery, callback_data: CreditCb, actor: User, msg: Message,
                    payments: PaymentService, state: FSMContext) -> None:
    note, left = await payments.refundable(actor, callback_data.id)
    await query.answer()
    if left <= 0:
        await msg.answer(_("Nothing to refund on credit note {number}: the client has not "
                           "paid more than they owe.").format(
            number=html.escape(note.number_text)))
        return
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Refund {amount}").format(amount=money(left, note.currency)),
              callback_data=CreditCb(action=Cn.REFUND_ALL, id=note.id))
    prompt = await msg.answer(_("Refund to the client against credit note {number}: at most "
                                "{amount}. Press the button or type the amount.").format(
        number=html.escape(note.number_text), amount=money(left, note.currency)),
        reply_markup=kb.as_markup())
    await state.set_state(CreditInput.refund_amount)
    await state.set_data({"refund_cn": note.id, "key": prompt.message_id})


async def on_refund_all(query: CallbackQuery, callback_data: CreditCb, actor: User,
                        msg: Message, payments: PaymentService, state: FSMContext) -> None:
    # The action: this prompt's button (a second tap on it records nothing more).
    payment, note, again = await payments.refund(actor, callback_data.id, None,
                                                 f"msg{msg.message_id}")
    await query.answer()
    await state.clear()
    if not again:
        await msg.answer(refunded_text(payment.amount, note))


async def got_refund_amount(message: Message, actor: User, state: FSMContext,
                            payments: PaymentService) -> None:
    data = await state.get_data()
    try:
        payment, note, again = await payments.refund(actor, int(data["refund_cn"]),
                                                     message.text or "",
                                                     f"msg{data['key']}")
    except DomainError as err:
        await message.answer(_credit_error(err) + "\n" + _("Try again, or send /cancel."))
        return
    await state.clear()
    if not again:
        await message.answer(refunded_text(payment.amount, note))


def refunded_text(amount: Decimal, note: CreditNote) -> str:
    return _("Refund of {amount} against credit note {number} is recorded as an outgoing "
             "payment. Refunded in all: {total}.").format(
        amount=money(amount, note.currency), number=html.escape(note.number_text),
        total=money(from_minor(note.refunded_minor, note.currency), note.currency))


async def on_stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


def create_router() -> Router:
    router = Router(name="credit_notes")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    cq = router.callback_query
    cq.register(on_new, CreditCb.filter(F.action == Cn.NEW))
    cq.register(on_whole, CreditCb.filter(F.action == Cn.WHOLE))
    cq.register(on_line, CreditCb.filter(F.action == Cn.LINE))
    cq.register(on_done, CreditCb.filter(F.action == Cn.DONE))
    cq.register(on_reason, CreditCb.filter(F.action == Cn.REASON))
    cq.register(on_refund, CreditCb.filter(F.action == Cn.REFUND))
    cq.register(on_refund_all, CreditCb.filter(F.action == Cn.REFUND_ALL))
    cq.register(on_stale, CreditCb.filter())
    router.message.register(got_quantity, StateFilter(CreditInput.quantity), HasText())
    router.message.register(got_reason, StateFilter(CreditInput.reason), HasText())
    router.message.register(got_refund_amount, StateFilter(CreditInput.refund_amount),
                            HasText())
    return router
