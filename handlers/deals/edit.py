"""The deal card's Edit menu (name, amount, currency, expected close date, pipeline, owner),
lost with a reason (buttons of the configured reasons, or typed), restore, the list of lost
deals. Every button carries the version of the card it was drawn on: pressed after a colleague
closed or changed the deal, it is refused by the service and nothing changes."""

from __future__ import annotations

import secrets

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callback import AlertOnDomainError
from handlers.deals.callbacks import DealAction, DealCb, DealInput, split_arg
from handlers.deals.keyboards import (
    PAGE,
    currency_keyboard,
    edit_keyboard,
    list_keyboard,
    lost_reasons_keyboard,
    owners_keyboard,
    pipeline_stages_keyboard,
    pipelines_keyboard,
)
from handlers.deals.moves import after_move, send_card
from handlers.deals.texts import EDIT_QUESTIONS
from handlers.filters import HasText, IsStaff
from handlers.texts import error_text
from services.deals import DealService
from services.errors import DomainError
from services.pipelines import OTHER_REASON, PipelineKind
from services.tasks import TaskService
from services.users import User


async def on_edit(query: CallbackQuery, callback_data: DealCb, actor: User,
                  msg: Message | None, deals: DealService) -> None:
    deal = await deals.check_open(actor, callback_data.id, callback_data.to or None)
    await query.answer()
    if msg:
        await msg.edit_reply_markup(reply_markup=edit_keyboard(deal, actor))


async def on_field(query: CallbackQuery, callback_data: DealCb, actor: User,
                   msg: Message | None, deals: DealService, state: FSMContext) -> None:
    field, version = split_arg(callback_data.to)
    if field == "owner":
        staff = await deals.owner_choices(actor, callback_data.id, version or None)
        deal = await deals.check_open(actor, callback_data.id, version or None)
        await query.answer()
        if msg:
            await msg.edit_reply_markup(reply_markup=owners_keyboard(deal, staff))
        return
    deal = await deals.check_open(actor, callback_data.id, version or None)
    await query.answer()
    if msg is None:
        return
    if field == "currency":
        await msg.edit_reply_markup(reply_markup=currency_keyboard(deal))
    elif field == "pipeline":
        await msg.edit_reply_markup(reply_markup=pipelines_keyboard(deal, deals))
    elif field in EDIT_QUESTIONS:
        await state.set_state(DealInput.edit)
        await state.set_data({"flow": secrets.token_hex(4), "deal_id": deal.id,
                              "field": field, "version": deal.version})
        await msg.answer(str(EDIT_QUESTIONS[field]) + " " + _("(or /cancel)"))


async def got_edit(message: Message, state: FSMContext, actor: User, deals: DealService,
                   tasks: TaskService) -> None:
    data = await state.get_data()
    try:
        card = await deals.edit(actor, int(data["deal_id"]), str(data["field"]),
                                message.text or "", data.get("version") or None)
    except DomainError as err:
        if err.code in ("deal_closed", "deal_changed", "not_found"):
            await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    await send_card(message, card, deals, tasks, actor, prefix=_("Saved."))


async def on_currency(query: CallbackQuery, callback_data: DealCb, actor: User,
                      msg: Message | None, deals: DealService, tasks: TaskService) -> None:
    code, version = split_arg(callback_data.to)
    card = await deals.edit(actor, callback_data.id, "currency", code, version or None)
    await query.answer()
    if msg:
        await send_card(msg, card, deals, tasks, actor, prefix=_("Saved."), edit=True)


async def on_pipeline(query: CallbackQuery, callback_data: DealCb, actor: User,
                      msg: Message | None, deals: DealService, tasks: TaskService,
                      state: FSMContext) -> None:
    code, version = split_arg(callback_data.to)
    deal = await deals.check_open(actor, callback_data.id, version or None)
    pipeline = deals.pipelines.get(code)
    if pipeline is None or pipeline.kind == PipelineKind.NONE:
        adv = await deals.relocate(actor, deal.id, code, None, version or None)
        await query.answer()
        if msg:
            await after_move(msg, adv, state, deals, tasks, actor, edit=adv.result.moved)
        return
    await query.answer()
    if msg:
        await msg.edit_reply_markup(reply_markup=pipeline_stages_keyboard(deal, deals, code))


async def on_relocate(query: CallbackQuery, callback_data: DealCb, actor: User,
                      msg: Message | None, deals: DealService, tasks: TaskService,
                      state: FSMContext) -> None:
    target, version = split_arg(callback_data.to)
    pipeline, _sep, stage = target.partition("/")
    adv = await deals.relocate(actor, callback_data.id, pipeline, stage or None, version or None)
    await query.answer()
    if msg:
        await after_move(msg, adv, state, deals, tasks, actor, edit=adv.result.moved)


async def on_owner(query: CallbackQuery, callback_data: DealCb, actor: User,
                   msg: Message | None, deals: DealService, tasks: TaskService) -> None:
    user, version = split_arg(callback_data.to)
    if not user.isdigit():
        await query.answer(_("This button belongs to a finished step."), show_alert=True)
        return
    card = await deals.change_owner(actor, callback_data.id, int(user), version or None)
    await query.answer()
    if msg:
        await send_card(msg, card, deals, tasks, actor, prefix=_("Saved."), edit=True)


async def on_lost(query: CallbackQuery, callback_data: DealCb, actor: User,
                  msg: Message | None, deals: DealService) -> None:
    deal = await deals.check_open(actor, callback_data.id, callback_data.to or None)
    await query.answer()
    if msg:
        await msg.answer(_("Why was the deal lost? Choose the reason."),
                         reply_markup=lost_reasons_keyboard(deal, deals))


async def on_reason(query: CallbackQuery, callback_data: DealCb, actor: User,
                    msg: Message | None, deals: DealService, tasks: TaskService,
                    state: FSMContext) -> None:
    code, version = split_arg(callback_data.to)
    if code == OTHER_REASON:
        deal = await deals.check_open(actor, callback_data.id, version or None)
        await query.answer()
        if msg:
            await state.set_state(DealInput.lost_reason)
            await state.set_data({"flow": secrets.token_hex(4), "deal_id": deal.id,
                                  "version": deal.version})
            await msg.edit_text(_("Why was the deal lost? Write the reason."))
        return
    card = await deals.lose(actor, callback_data.id, code, None, version or None)
    await query.answer()
    if msg:
        await send_card(msg, card, deals, tasks, actor, prefix=_("The deal is lost."),
                        edit=True)


async def got_lost_reason(message: Message, state: FSMContext, actor: User,
                          deals: DealService, tasks: TaskService) -> None:
    data = await state.get_data()
    try:
        card = await deals.lose(actor, int(data["deal_id"]), OTHER_REASON, message.text or "",
                                data.get("version") or None)
    except DomainError as err:
        if err.code != "empty" and err.code != "too_long":
            await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    await send_card(message, card, deals, tasks, actor, prefix=_("The deal is lost."))


async def on_restore(query: CallbackQuery, callback_data: DealCb, actor: User,
                     msg: Message | None, deals: DealService, tasks: TaskService) -> None:
    card = await deals.restore(actor, callback_data.id, callback_data.to or None)
    await query.answer()
    if msg:
        await send_card(msg, card, deals, tasks, actor, prefix=_("The deal is open again."),
                        edit=True)


async def on_page(query: CallbackQuery, callback_data: DealCb, actor: User,
                  msg: Message | None, deals: DealService) -> None:
    """A page of open deals, or (`to` "lost") of lost ones."""
    status = "lost" if callback_data.to == "lost" else "open"
    offset = callback_data.id
    items, total = await deals.list_deals(actor, status, offset, PAGE)
    lost = 0
    if status == "open":
        lost = (await deals.list_deals(actor, "lost", 0, 1))[1]
    await query.answer()
    if msg is None:
        return
    if status == "lost":
        text = _("Lost deals: {total}").format(total=total)
    elif total:
        text = _("Open deals: {total}").format(total=total)
    else:
        text = _("You have no open deals. Add one with /newdeal.")
    await msg.edit_text(text, reply_markup=list_keyboard(items, total, offset, deals, status,
                                                         lost))


def create_router() -> Router:
    router = Router(name="deal_edit")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())

    router.callback_query.register(on_page, DealCb.filter(F.action == DealAction.PAGE))
    router.callback_query.register(on_edit, DealCb.filter(F.action == DealAction.EDIT))
    router.callback_query.register(on_field, DealCb.filter(F.action == DealAction.FIELD))
    router.callback_query.register(on_currency, DealCb.filter(F.action == DealAction.CURRENCY))
    router.callback_query.register(on_pipeline, DealCb.filter(F.action == DealAction.PIPELINE))
    router.callback_query.register(on_relocate, DealCb.filter(F.action == DealAction.RELOCATE))
    router.callback_query.register(on_owner, DealCb.filter(F.action == DealAction.OWNER))
    router.callback_query.register(on_lost, DealCb.filter(F.action == DealAction.LOST))
    router.callback_query.register(on_reason, DealCb.filter(F.action == DealAction.REASON))
    router.callback_query.register(on_restore, DealCb.filter(F.action == DealAction.RESTORE))
    router.message.register(got_edit, StateFilter(DealInput.edit), HasText())
    router.message.register(got_lost_reason, StateFilter(DealInput.lost_reason), HasText())
    return router
