"""Contracts: `/contract` (title → start date → end date, saved) and `/contracts` (mine, soonest
end first). Their end is announced 30, 7 and 1 days before by the alerts."""

from __future__ import annotations

import html
from datetime import date

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import HasText, IsStaff
from handlers.texts import error_text
from services.contracts import (
    Contract,
    ContractService,
    check_period,
    clean_date,
    clean_title,
)
from services.errors import DomainError
from services.users import User


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


def create_router() -> Router:
    router = Router(name="contracts")
    router.message.filter(IsStaff())

    @router.message(Command("contracts"))
    async def cmd_contracts(message: Message, actor: User, contracts: ContractService) -> None:
        items = await contracts.list(actor)
        if not items:
            await message.answer(_("No contracts yet. Add one with /contract."))
            return
        await message.answer("\n".join([_("Contracts:"), *map(contract_line, items)]))

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
