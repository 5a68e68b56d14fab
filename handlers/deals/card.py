"""/deals and the deal card's buttons, one handler per action. The router's middleware turns a
domain error into an alert (handlers.callback.AlertOnDomainError); `msg` is the button's
message or None (the answer still goes to the button)."""

from __future__ import annotations

import secrets

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callback import AlertOnDomainError
from handlers.deals.callbacks import DealAction, DealCb, DealInput
from handlers.deals.keyboards import (
    PAGE,
    choose_stage_keyboard,
    deal_card_keyboard,
    list_keyboard,
    note_keyboard,
)
from handlers.deals.moves import after_move, send_card
from handlers.deals.texts import QUESTIONS, note_prompt
from handlers.filters import IsStaff
from handlers.tasks import start_task_flow
from handlers.texts import error_text
from services.deals import DealService
from services.errors import DomainError
from services.tasks import TaskService
from services.users import User

# What a move button asks the service for (a Choose-stage button carries its stage).
MOVE_TARGETS = {DealAction.NEXT: "next", DealAction.WON: "won"}


async def cmd_deals(message: Message, actor: User, deals: DealService) -> None:
    items, total = await deals.list_deals(actor, "open", 0, PAGE)
    lost = (await deals.list_deals(actor, "lost", 0, 1))[1]  # lost ones behind a button
    if not total:
        await message.answer(_("You have no open deals. Add one with /newdeal."),
                             reply_markup=list_keyboard(items, 0, 0, deals, "open", lost)
                             if lost else None)
        return
    await message.answer(_("Open deals: {total}").format(total=total),
                         reply_markup=list_keyboard(items, total, 0, deals, "open", lost))


async def on_open(query: CallbackQuery, callback_data: DealCb, actor: User,
                  msg: Message | None, deals: DealService, tasks: TaskService) -> None:
    card = await deals.card(actor, callback_data.id)
    await query.answer()
    if msg:
        await send_card(msg, card, deals, tasks, actor)


async def on_choose(query: CallbackQuery, callback_data: DealCb, actor: User,
                    msg: Message | None, deals: DealService) -> None:
    card = await deals.card(actor, callback_data.id)
    await query.answer()
    if msg:
        await msg.edit_reply_markup(reply_markup=choose_stage_keyboard(card, deals))


async def on_back(query: CallbackQuery, callback_data: DealCb, actor: User,
                  msg: Message | None, deals: DealService) -> None:
    card = await deals.card(actor, callback_data.id)
    await query.answer()
    if msg:
        await msg.edit_reply_markup(reply_markup=deal_card_keyboard(card, deals))


async def on_move(query: CallbackQuery, callback_data: DealCb, actor: User,
                  msg: Message | None, deals: DealService, tasks: TaskService,
                  state: FSMContext) -> None:
    action = callback_data.action
    target = MOVE_TARGETS.get(action, callback_data.to)
    # "Next stage" carries the stage it was drawn at: pressed twice, it moves once.
    seen = (callback_data.to or None) if action == DealAction.NEXT else None
    adv = await deals.advance(actor, callback_data.id, target, expected_stage=seen)
    await query.answer()
    if msg:
        await after_move(msg, adv, state, deals, tasks, actor, edit=adv.result.moved)


async def on_amount(query: CallbackQuery, callback_data: DealCb, actor: User,
                    msg: Message | None, deals: DealService, state: FSMContext) -> None:
    card = await deals.card(actor, callback_data.id)
    await query.answer()
    if msg is None:
        return
    await state.set_state(DealInput.amount)
    await state.set_data({"flow": secrets.token_hex(4), "deal_id": card.deal.id})
    await msg.answer(str(QUESTIONS["amount"]))


async def on_note(query: CallbackQuery, callback_data: DealCb, actor: User,
                  msg: Message | None, deals: DealService, state: FSMContext) -> None:
    card = await deals.card(actor, callback_data.id)
    await query.answer()
    if msg is None:
        return
    flow = secrets.token_hex(4)
    await state.set_state(DealInput.note)
    await state.set_data({"flow": flow, "deal_id": card.deal.id, "kind": "note"})
    await msg.answer(note_prompt("note"), reply_markup=note_keyboard(flow))


async def on_task(query: CallbackQuery, callback_data: DealCb, actor: User,
                  msg: Message | None, deals: DealService, state: FSMContext) -> None:
    card = await deals.card(actor, callback_data.id)
    if card.deal.status != "open":
        await query.answer(error_text(DomainError("deal_closed")), show_alert=True)
        return
    await query.answer()
    if msg:
        # The kind is asked: a meeting on a deal reaches the deal's client with its reminders.
        await start_task_flow(msg, state, deal_id=card.deal.id)


def create_router() -> Router:
    router = Router(name="deal_card")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())

    router.message.register(cmd_deals, Command("deals"))
    router.callback_query.register(on_open, DealCb.filter(F.action == DealAction.OPEN))
    router.callback_query.register(on_choose, DealCb.filter(F.action == DealAction.CHOOSE))
    router.callback_query.register(on_back, DealCb.filter(F.action == DealAction.BACK))
    router.callback_query.register(
        on_move, DealCb.filter(F.action.in_(
        {DealAction.NEXT, DealAction.STAGE, DealAction.WON})))

    # Change amount and Add note: the deal is read before asking, so a forged or stale
    # button learns nothing (Lost and the Edit menu: handlers/deals/edit.py).

    router.callback_query.register(on_amount, DealCb.filter(F.action == DealAction.AMOUNT))
    router.callback_query.register(on_note, DealCb.filter(F.action == DealAction.NOTE))
    router.callback_query.register(on_task, DealCb.filter(F.action == DealAction.TASK))

    return router
