"""/plan: a head or an admin sets a manager's monthly plan: the manager, this or next month,
the amount (typed, read like any amount in the bot), what counts (paid or invoiced, the
configured one first), then a one-line confirmation. A manager gets a short refusal; 0, a
negative or unreadable amount gets a short answer and nothing is saved."""

from __future__ import annotations

import secrets
from datetime import date

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.reports.callbacks import PlanCb, PlanInput
from handlers.reports.views import basis_name, esc, money
from handlers.texts import error_text
from services.errors import DomainError, Forbidden, NotFound
from services.reports.model import BASES
from services.reports.service import ReportService
from services.users import User

MONTHS = (__("January"), __("February"), __("March"), __("April"), __("May"), __("June"),
          __("July"), __("August"), __("September"), __("October"), __("November"),
          __("December"))


def month_name(month: date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_of(code: int) -> date:
    year, month = divmod(code, 100)
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise NotFound()
    return date(year, month, 1)


def basis_keyboard(flow: str, default: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for basis in sorted(BASES, key=lambda b: b != default):
        label = _("Paid") if basis == "paid" else _("Invoiced")
        kb.button(text=("• " if basis == default else "") + label,
                  callback_data=PlanCb(a="b", v=basis, flow=flow))
    kb.adjust(2)
    return kb.as_markup()


def create_router() -> Router:
    router = Router(name="plans")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))

    @router.message(Command("plan"))
    async def cmd_plan(message: Message, actor: User, reports: ReportService,
                       state: FSMContext) -> None:
        if not actor.sees_everything:
            await message.answer(_("Only a head of sales or an admin sets plans."))
            return
        await state.clear()
        kb = InlineKeyboardBuilder()
        for m in await reports.managers(actor):
            if m.id is not None:
                kb.button(text=m.name, callback_data=PlanCb(a="u", u=m.id))
        kb.adjust(2)
        await message.answer(_("Whose plan?"), reply_markup=kb.as_markup())

    @router.callback_query(PlanCb.filter(F.a == "u"))
    async def on_manager(query: CallbackQuery, callback_data: PlanCb, msg: Message,
                         actor: User, reports: ReportService) -> None:
        if not actor.sees_everything:
            raise Forbidden()
        today = reports.today(actor)
        this = today.replace(day=1)
        kb = InlineKeyboardBuilder()
        for month in (this, next_month(this)):
            kb.button(text=month_name(month), callback_data=PlanCb(
                a="m", u=callback_data.u, m=month.year * 100 + month.month))
        kb.adjust(2)
        await query.answer()
        await msg.answer(_("For which month?"), reply_markup=kb.as_markup())

    @router.callback_query(PlanCb.filter(F.a == "m"))
    async def on_month(query: CallbackQuery, callback_data: PlanCb, msg: Message,
                       actor: User, reports: ReportService, state: FSMContext) -> None:
        if not actor.sees_everything:
            raise Forbidden()
        month = month_of(callback_data.m)
        found = [m for m in await reports.managers(actor) if m.id == callback_data.u]
        if not found:
            raise NotFound()
        currency = (await reports.currencies(actor))[0]
        await query.answer()
        await state.set_state(PlanInput.amount)
        await state.set_data({"flow": secrets.token_hex(4), "user": callback_data.u,
                              "name": found[0].name, "month": month.isoformat(),
                              "currency": currency})
        await msg.answer(_("Plan for {name}, {month}: type the amount in {currency}.").format(
            name=esc(found[0].name), month=month_name(month), currency=currency))

    @router.message(PlanInput.amount, HasText())
    async def on_amount(message: Message, reports: ReportService, state: FSMContext) -> None:
        assert message.text is not None
        data = await state.get_data()
        try:
            minor = reports.plan_amount(message.text, str(data["currency"]))
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.update_data(amount=minor)
        await state.set_state(PlanInput.basis)
        await message.answer(_("What counts towards the plan?"),
                             reply_markup=basis_keyboard(str(data["flow"]),
                                                         reports.plan_basis))

    @router.callback_query(PlanCb.filter(F.a == "b"), SameFlow(PlanCb))
    async def on_basis(query: CallbackQuery, callback_data: PlanCb, msg: Message,
                       flow_data: dict[str, object], actor: User, reports: ReportService,
                       state: FSMContext) -> None:
        if "amount" not in flow_data:
            await query.answer(_("Type the amount first."), show_alert=True)
            return
        month = date.fromisoformat(str(flow_data["month"]))
        currency = str(flow_data["currency"])
        amount = int(str(flow_data["amount"]))
        await reports.set_plan(actor, int(str(flow_data["user"])), month, currency, amount,
                               callback_data.v)
        await state.clear()
        await query.answer()
        await msg.answer(_("Plan for {name}, {month}: {amount} ({basis}).").format(
            name=esc(str(flow_data["name"])), month=month_name(month),
            amount=money(amount, currency), basis=basis_name(callback_data.v)))

    @router.callback_query(PlanCb.filter())
    async def on_stale(query: CallbackQuery) -> None:
        await query.answer(_("This step is finished. Send /plan to start again."),
                           show_alert=True)

    return router
