"""Ship: from the payment push ("Ship") or the invoice card. Paid in full → shipped (and the deal
won); not paid in full → the credit terms: 50/50 in 30 days, three equal monthly, a typed
schedule, or a guarantee letter with a promised date."""

from __future__ import annotations

import html
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import HasText, IsStaff
from handlers.printing import shipping_documents_keyboard
from handlers.texts import error_text
from services.errors import DomainError
from services.invoices import OPEN_STATUSES, Invoice
from services.money import format_money
from services.shipments import (
    Schedule,
    ShipmentService,
    Shipped,
    parse_schedule,
    preset_schedule,
)
from services.users import User


class ShipAction(StrEnum):
    SHIP = "s"
    HALF = "a"  # 50 % now, 50 % in 30 days
    MONTHLY = "m"  # three equal monthly
    LETTER = "g"  # guarantee letter: asks the date
    TYPED = "t"  # a typed schedule
    SCHEDULE = "sc"  # the payment schedule (an installment alert opens it)


PRESET_CODES = {ShipAction.HALF: "50_30", ShipAction.MONTHLY: "3m"}


class ShipCb(CallbackData, prefix="sh"):
    action: ShipAction
    invoice: int


class ShipTerms(StatesGroup):
    letter_date = State()
    schedule = State()


def lang() -> Any:
    code = get_i18n().current_locale
    return code if code in ("ru", "en", "ro") else "en"


def shipped_text(s: Shipped) -> str:
    number = html.escape(s.number_text)
    if not s.on_credit:
        text = _("Invoice {number} is shipped.").format(number=number)
        if s.deal_won:
            text += "\n" + _("The deal is won.")
        return text
    if s.guarantee_until is not None:
        return _("Invoice {number} is shipped on credit against a guarantee letter: payment "
                 "promised by {date}.").format(number=number,
                                               date=f"{s.guarantee_until:%d.%m.%Y}")
    lines = [_("Invoice {number} is shipped on credit. Payment schedule:").format(number=number)]
    lines += [f"{due:%d.%m.%Y} — {format_money(amount, s.currency, lang())}"
              for due, amount in s.installments]
    return "\n".join(lines)


def schedule_text(s: Schedule) -> str:
    number = html.escape(s.number_text)
    if not s.lines:
        return _("Invoice {number} has no payment schedule.").format(number=number)
    lines = [_("Payment schedule of invoice {number}:").format(number=number)]
    for line in s.lines:
        if line.status == "paid":
            state = _("paid")
        elif line.status == "cancelled":
            state = _("cancelled")
        elif line.late:
            state = _("overdue, paid {paid}").format(paid=format_money(line.paid, s.currency,
                                                                       lang()))
        else:
            state = _("paid {paid}").format(paid=format_money(line.paid, s.currency, lang()))
        lines.append(f"{line.due:%d.%m.%Y} — {format_money(line.amount, s.currency, lang())}"
                     f" · {state}")
    return "\n".join(lines)


def terms_keyboard(invoice_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("50% now, 50% in 30 days"),
              callback_data=ShipCb(action=ShipAction.HALF, invoice=invoice_id))
    kb.button(text=_("3 equal monthly"),
              callback_data=ShipCb(action=ShipAction.MONTHLY, invoice=invoice_id))
    kb.button(text=_("Guarantee letter"),
              callback_data=ShipCb(action=ShipAction.LETTER, invoice=invoice_id))
    kb.button(text=_("Another schedule"),
              callback_data=ShipCb(action=ShipAction.TYPED, invoice=invoice_id))
    kb.adjust(1)
    return kb.as_markup()


def invoice_card_buttons(inv: Invoice) -> list[InlineKeyboardButton]:
    """The invoice card's row from shipments: "Ship" while it is open or paid."""
    if inv.status in OPEN_STATUSES or inv.status == "paid":
        return [InlineKeyboardButton(
            text=_("Ship"), callback_data=ShipCb(action=ShipAction.SHIP, invoice=inv.id).pack())]
    return []


def parse_day(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        return None


async def ship_now(query: CallbackQuery, actor: User, shipments: ShipmentService,
                   invoice_id: int) -> None:
    """Ship the invoice a button names (the card's Ship, the payment push's Ship: the
    payments router owns that button and calls this)."""
    msg = message_of(query)
    try:
        done = await shipments.ship(actor, invoice_id)
    except DomainError as err:
        if err.code == "already_shipped":
            await query.answer(_("This invoice is already shipped."))
            if msg:
                await msg.answer(_("This invoice is already shipped.") + " "
                                 + _("Its documents:"),
                                 reply_markup=shipping_documents_keyboard(invoice_id))
            return
        if err.code != "ship_needs_terms":
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if msg:
            await msg.answer(_("The invoice is not paid in full. On what terms do we ship "
                               "it?"), reply_markup=terms_keyboard(invoice_id))
        return
    await query.answer(_("Shipped."))
    if msg:
        await msg.answer(shipped_text(done),
                         reply_markup=shipping_documents_keyboard(done.invoice_id))


def create_router() -> Router:
    router = Router(name="shipments")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.callback_query(ShipCb.filter(F.action == ShipAction.SCHEDULE))
    async def on_schedule(query: CallbackQuery, callback_data: ShipCb, actor: User,
                          shipments: ShipmentService) -> None:
        msg = message_of(query)
        try:
            schedule = await shipments.schedule(actor, callback_data.invoice)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if msg:
            await msg.answer(schedule_text(schedule))

    @router.callback_query(ShipCb.filter())
    async def on_ship(query: CallbackQuery, callback_data: ShipCb, actor: User,
                      shipments: ShipmentService, state: FSMContext) -> None:
        msg = message_of(query)
        action = callback_data.action
        if action == ShipAction.SHIP:
            await ship_now(query, actor, shipments, callback_data.invoice)
            return
        if action in (ShipAction.LETTER, ShipAction.TYPED):
            # Checked now so a forged or stale button gets its answer before any question.
            try:
                info = await shipments.info(actor, callback_data.invoice)
            except DomainError as err:
                await query.answer(error_text(err), show_alert=True)
                return
            if info.shipped:
                await query.answer(_("This invoice is already shipped."), show_alert=True)
                return
            letter = action == ShipAction.LETTER
            await state.set_state(ShipTerms.letter_date if letter else ShipTerms.schedule)
            await state.set_data({"invoice": info.invoice_id})
            await query.answer()
            if msg:
                await msg.answer(
                    _("Send the date the client promises to pay by, as DD.MM.YYYY.") if letter
                    else _("Send the schedule like: 30%: today; 70%: 20.12.2026. The shares "
                           "must add up to 100%."))
            return
        try:
            done = await shipments.ship(
                actor, callback_data.invoice,
                schedule=preset_schedule(PRESET_CODES[action], shipments.today()))
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer(_("Shipped."))
        if msg:
            await msg.answer(shipped_text(done),
                             reply_markup=shipping_documents_keyboard(done.invoice_id))

    @router.message(StateFilter(ShipTerms.letter_date), HasText())
    async def got_letter_date(message: Message, actor: User, shipments: ShipmentService,
                              state: FSMContext) -> None:
        day = parse_day(message.text or "")
        if day is None:
            await message.answer(_("Send the date as DD.MM.YYYY, for example 20.12.2026."))
            return
        data = await state.get_data()
        try:
            done = await shipments.ship(actor, int(data["invoice"]), guarantee_until=day)
        except DomainError as err:
            if err.code == "schedule_past":
                await message.answer(error_text(err))
                return
            await state.clear()
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(shipped_text(done),
                             reply_markup=shipping_documents_keyboard(done.invoice_id))

    @router.message(StateFilter(ShipTerms.schedule), HasText())
    async def got_schedule(message: Message, actor: User, shipments: ShipmentService,
                           state: FSMContext) -> None:
        data = await state.get_data()
        try:
            shares = parse_schedule(message.text or "", shipments.today())
            done = await shipments.ship(actor, int(data["invoice"]), schedule=shares)
        except DomainError as err:
            if err.code not in ("schedule_bad", "schedule_past"):
                await state.clear()
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(shipped_text(done),
                             reply_markup=shipping_documents_keyboard(done.invoice_id))

    return router
