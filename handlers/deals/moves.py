"""Moving a deal: the card after a move, the required fields asked in place (typed or Yes/No),
the lost reason, a new amount."""

from __future__ import annotations

import secrets
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.deals.callbacks import DealInput, FlowAction, FlowCb
from handlers.deals.keyboards import deal_card_keyboard, question
from handlers.deals.texts import deal_card_text, field_names, target_name
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.texts import error_text
from services.deals import Advance, DealCard, DealService
from services.errors import DomainError
from services.tasks import TaskService
from services.users import User


async def send_card(target: Message, card: DealCard, deals: DealService, tasks: TaskService,
                    actor: User, prefix: str = "", edit: bool = False) -> None:
    text = deal_card_text(card, deals, tasks.zone(actor))
    if prefix:
        text = prefix + "\n\n" + text
    markup = deal_card_keyboard(card, deals)
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


async def after_move(msg: Message, adv: Advance, state: FSMContext, deals: DealService,
                     tasks: TaskService, actor: User, edit: bool) -> None:
    """The deal moved: show the card. Fields missing: ask for them one by one. Lost
    without a reason: ask the reason."""
    result = adv.result
    if result.moved:
        await state.clear()
        moved_to = _("Moved to «{stage}».").format(
            stage=target_name(deals, adv.card.deal.pipeline_code, result.target))
        await send_card(msg, adv.card, deals, tasks, actor, prefix=moved_to, edit=edit)
        return
    flow = secrets.token_hex(4)
    deal_id = adv.card.deal.id
    if result.missing == ("lost_reason",):
        await state.set_state(DealInput.lost_reason)
        await state.set_data({"flow": flow, "deal_id": deal_id})
        await msg.answer(_("Why was the deal lost? Write the reason."))
        return
    field = result.missing[0]
    data = await state.get_data()
    await state.set_state(DealInput.field)
    await state.set_data({"flow": flow, "deal_id": deal_id, "target": result.target,
                          "field": field})
    text, markup = question(field, flow)
    if data.get("target") != result.target or data.get("deal_id") != deal_id:
        stage = target_name(deals, adv.card.deal.pipeline_code, result.target)
        text = _("To move to «{stage}» fill in: {fields}").format(
            stage=stage, fields=field_names(result.missing)) + "\n\n" + text
    await msg.answer(text, reply_markup=markup)


def create_router() -> Router:
    router = Router(name="deal_moves")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.message(StateFilter(DealInput.field), HasText())
    async def got_field(message: Message, state: FSMContext, actor: User,
                        deals: DealService, tasks: TaskService) -> None:
        data = await state.get_data()
        try:
            adv = await deals.fill_and_advance(actor, data["deal_id"], data["field"],
                                               message.text or "", data["target"])
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await after_move(message, adv, state, deals, tasks, actor, edit=False)

    @router.callback_query(FlowCb.filter(F.action.in_({FlowAction.YES, FlowAction.NO})),
                           StateFilter(DealInput.field), SameFlow(FlowCb))
    async def on_yes_no(query: CallbackQuery, callback_data: FlowCb, state: FSMContext,
                        flow_data: dict[str, Any], msg: Message, actor: User,
                        deals: DealService, tasks: TaskService) -> None:
        try:
            adv = await deals.fill_and_advance(
                actor, flow_data["deal_id"], flow_data["field"],
                "yes" if callback_data.action == FlowAction.YES else "no", flow_data["target"])
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        await msg.edit_reply_markup(reply_markup=None)
        await after_move(msg, adv, state, deals, tasks, actor, edit=False)

    @router.message(StateFilter(DealInput.amount), HasText())
    async def got_amount(message: Message, state: FSMContext, actor: User,
                         deals: DealService, tasks: TaskService) -> None:
        data = await state.get_data()
        try:
            card = await deals.edit(actor, data["deal_id"], "amount", message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.clear()
        await send_card(message, card, deals, tasks, actor, prefix=_("Amount saved."))

    return router
