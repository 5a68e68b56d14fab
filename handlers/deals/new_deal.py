"""/newdeal: title, client (typed first letters, then a button, or Skip), amount (or Skip),
pipeline when there are several; then the card."""

from __future__ import annotations

import html
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.deals.callbacks import FlowAction, FlowCb, NewDeal
from handlers.deals.keyboards import flow_keyboard, skip_keyboard
from handlers.deals.moves import send_card
from handlers.deals.texts import lang
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.texts import error_text
from services.clients import Company
from services.deals import DealDraft, DealService
from services.errors import DomainError
from services.tasks import TaskService
from services.users import User


async def ask_pipeline_or_save(msg: Message, state: FSMContext, actor: User,
                               deals: DealService, tasks: TaskService) -> None:
    data = await state.get_data()
    if len(deals.pipelines) > 1 and not data.get("pipeline"):
        await state.set_state(NewDeal.pipeline)
        buttons = [(p.name(lang()), FlowAction.PIPELINE, 0, p.code)
                   for p in deals.pipelines.values()]
        await msg.answer(_("Pipeline?"), reply_markup=flow_keyboard(data["flow"], *buttons))
        return
    await save_deal(msg, state, actor, deals, tasks)


async def save_deal(msg: Message, state: FSMContext, actor: User, deals: DealService,
                    tasks: TaskService) -> None:
    data = await state.get_data()
    amount = data.get("amount")
    draft = DealDraft(title=data["title"], company_id=data.get("company_id"),
                      amount=Decimal(amount) if amount else None,
                      pipeline_code=data.get("pipeline"))
    try:
        card = await deals.create_card(actor, draft)
    except DomainError as err:
        await state.clear()
        await msg.answer(error_text(err))
        return
    await state.clear()
    await send_card(msg, card, deals, tasks, actor, prefix=_("Deal created."))


def create_router() -> Router:
    router = Router(name="new_deal")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.message(Command("newdeal"))
    async def cmd_newdeal(message: Message, state: FSMContext) -> None:
        await state.set_state(NewDeal.title)
        await state.set_data({"flow": secrets.token_hex(4)})
        await message.answer(_("Deal title? For example: Office chairs, 40 pcs"))

    @router.message(StateFilter(NewDeal.title), HasText())
    async def got_title(message: Message, state: FSMContext, deals: DealService) -> None:
        try:
            title = deals.clean_title(message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        data = await state.update_data(title=title)
        await state.set_state(NewDeal.client)
        await message.answer(_("Client? Type the first letters of the company name, or Skip."),
                             reply_markup=skip_keyboard(data["flow"]))

    @router.message(StateFilter(NewDeal.client), HasText())
    async def got_client(message: Message, state: FSMContext, actor: User,
                         deals: DealService) -> None:
        data = await state.get_data()
        try:
            found: Sequence[Company] = await deals.find_companies(actor, message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        flow = data["flow"]
        if not found:
            await message.answer(
                _("No client's name starts with «{text}». Type again, or Skip.").format(
                    text=html.escape(message.text or "")),
                reply_markup=skip_keyboard(flow))
            return
        buttons = [(c.name[:60], FlowAction.COMPANY, c.id, "") for c in found]
        await message.answer(_("Choose the client:"), reply_markup=flow_keyboard(
            flow, *buttons, (_("Skip"), FlowAction.SKIP, 0, "")))

    @router.callback_query(FlowCb.filter(F.action.in_({FlowAction.SKIP, FlowAction.COMPANY})),
                           StateFilter(NewDeal.client), SameFlow(FlowCb))
    async def on_client(query: CallbackQuery, callback_data: FlowCb, state: FSMContext,
                        flow_data: dict[str, Any], msg: Message) -> None:
        await query.answer()
        await msg.edit_reply_markup(reply_markup=None)
        await state.update_data(company_id=callback_data.id or None)
        await state.set_state(NewDeal.amount)
        await msg.answer(_("Amount? (or Skip)"), reply_markup=skip_keyboard(flow_data["flow"]))

    @router.message(StateFilter(NewDeal.amount), HasText())
    async def got_new_amount(message: Message, state: FSMContext, actor: User,
                             deals: DealService, tasks: TaskService) -> None:
        try:
            amount = deals.clean_amount(message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.update_data(amount=str(amount))
        await ask_pipeline_or_save(message, state, actor, deals, tasks)

    @router.callback_query(FlowCb.filter(F.action == FlowAction.SKIP),
                           StateFilter(NewDeal.amount), SameFlow(FlowCb))
    async def on_skip_amount(query: CallbackQuery, state: FSMContext, msg: Message,
                             actor: User, deals: DealService, tasks: TaskService) -> None:
        await query.answer()
        await msg.edit_reply_markup(reply_markup=None)
        await ask_pipeline_or_save(msg, state, actor, deals, tasks)

    @router.callback_query(FlowCb.filter(F.action == FlowAction.PIPELINE),
                           StateFilter(NewDeal.pipeline), SameFlow(FlowCb))
    async def on_pipeline(query: CallbackQuery, callback_data: FlowCb, state: FSMContext,
                          msg: Message, actor: User, deals: DealService,
                          tasks: TaskService) -> None:
        if callback_data.code not in deals.pipelines:
            await query.answer(_("This button belongs to a finished step."), show_alert=True)
            return
        await query.answer()
        await msg.edit_reply_markup(reply_markup=None)
        await state.update_data(pipeline=callback_data.code)
        await save_deal(msg, state, actor, deals, tasks)

    return router
