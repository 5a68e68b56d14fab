"""Contracts: `/contract` (title → start date → end date, saved), `/contracts` (mine, soonest
end first, each opening its card) and the contract card (title, number, dates, client) with
"Create a renewal deal". Their end is announced 30, 7 and 1 days before by the alerts, whose
buttons open this card and make the same renewal deal (once per contract end)."""

from __future__ import annotations

import html
from datetime import date
from enum import StrEnum

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.deals.callbacks import DealAction, DealCb
from handlers.filters import HasText, IsStaff
from handlers.texts import error_text
from services.contracts import (
    Contract,
    ContractService,
    check_period,
    clean_date,
    clean_title,
)
from services.deals import Deal
from services.errors import DomainError
from services.users import User


class ContractAction(StrEnum):
    OPEN = "o"
    RENEW = "n"  # a renewal deal


class ContractCb(CallbackData, prefix="ct"):
    action: ContractAction
    id: int


class NewContract(StatesGroup):
    title = State()
    starts = State()
    ends = State()


def contract_line(c: Contract) -> str:
    number = f" № {html.escape(c.number)}" if c.number else ""
    return _("«{title}»{number}: {start} – {end}").format(
        title=html.escape(c.title),
        number=number,
        start=c.starts_on.strftime("%d.%m.%Y"),
        end=c.ends_on.strftime("%d.%m.%Y"),
    )


def contract_card(c: Contract) -> str:
    lines = [_("Contract «{title}»").format(title=html.escape(c.title))]
    if c.number:
        lines.append(_("Number: {number}").format(number=html.escape(c.number)))
    lines.append(_("In force: {start} – {end}").format(start=c.starts_on.strftime("%d.%m.%Y"),
                                                       end=c.ends_on.strftime("%d.%m.%Y")))
    lines.append(_("Client: {name}").format(name=html.escape(c.company_name or "—")))
    return "\n".join(lines)


def card_keyboard(c: Contract) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Create a renewal deal"),
              callback_data=ContractCb(action=ContractAction.RENEW, id=c.id))
    return kb.as_markup()


def list_keyboard(items: list[Contract]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for c in items:
        kb.button(text=c.title[:60], callback_data=ContractCb(action=ContractAction.OPEN, id=c.id))
    kb.adjust(1)
    return kb.as_markup()


def renewal_text(deal: Deal) -> tuple[str, InlineKeyboardMarkup]:
    """The renewal deal made (from the card or a contract alert), with its card's button."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open deal"), callback_data=DealCb(action=DealAction.OPEN, id=deal.id))
    return _("Renewal deal created: «{title}».").format(title=html.escape(deal.title)), \
        kb.as_markup()


async def renewed(query: CallbackQuery, msg: Message | None, deal: Deal) -> None:
    """Answers a renewal button (the card's, an alert's) with the deal made."""
    await query.answer()
    if msg is not None:
        text, markup = renewal_text(deal)
        await msg.answer(text, reply_markup=markup)


async def on_open(query: CallbackQuery, callback_data: ContractCb, msg: Message | None,
                  actor: User, contracts: ContractService) -> None:
    contract = await contracts.get(actor, callback_data.id)
    await query.answer()
    if msg is not None:
        await msg.answer(contract_card(contract), reply_markup=card_keyboard(contract))


async def on_renew(query: CallbackQuery, callback_data: ContractCb, msg: Message | None,
                   actor: User, contracts: ContractService) -> None:
    await renewed(query, msg, await contracts.renewal_deal(actor, callback_data.id,
                                                           _("Renewal: {title}")))


def create_router() -> Router:
    router = Router(name="contracts")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())
    router.callback_query.register(on_open, ContractCb.filter(F.action == ContractAction.OPEN))
    router.callback_query.register(on_renew,
                                   ContractCb.filter(F.action == ContractAction.RENEW))

    @router.message(Command("contracts"))
    async def cmd_contracts(message: Message, actor: User, contracts: ContractService) -> None:
        items = await contracts.list(actor)
        if not items:
            await message.answer(_("No contracts yet. Add one with /contract."))
            return
        await message.answer("\n".join([_("Contracts:"), *map(contract_line, items)]),
                             reply_markup=list_keyboard(items))

    @router.message(Command("contract"))
    async def cmd_contract(message: Message, state: FSMContext) -> None:
        await state.set_state(NewContract.title)
        await state.set_data({})
        await message.answer(_("Contract title?"))

    @router.message(StateFilter(NewContract.title), HasText())
    async def got_title(message: Message, state: FSMContext) -> None:
        try:
            title = clean_title(message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.update_data(title=title)
        await state.set_state(NewContract.starts)
        await message.answer(_("Start date? For example 01.02.2026."))

    @router.message(StateFilter(NewContract.starts), HasText())
    async def got_start(message: Message, state: FSMContext) -> None:
        try:
            day = clean_date(message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.update_data(starts=day.isoformat())
        await state.set_state(NewContract.ends)
        await message.answer(_("End date? For example 31.12.2026."))

    @router.message(StateFilter(NewContract.ends), HasText())
    async def got_end(
        message: Message, state: FSMContext, actor: User, contracts: ContractService
    ) -> None:
        data = await state.get_data()
        try:
            ends = clean_date(message.text or "")
            starts = date.fromisoformat(data["starts"])
            check_period(starts, ends)
            contract = await contracts.create(actor, data["title"], starts, ends)
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(
            _("Saved. I will remind you 30, 7 and 1 days before the end.")
            + "\n"
            + contract_line(contract)
        )

    return router
