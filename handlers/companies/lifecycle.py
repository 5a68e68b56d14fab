"""The client card's Archive (with an optional reason), Restore and Merge with… (the other
client by name, the survivor, the confirmation), one handler per action. Services check scope
and the rules; a domain error of a button becomes an alert (the router's middleware)."""

from __future__ import annotations

import html
import secrets
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callback import AlertOnDomainError
from handlers.companies.callbacks import (
    CardAction,
    CardCb,
    CardFlow,
    CardFlowAction,
    CardFlowCb,
)
from handlers.companies.keyboards import (
    flow_buttons,
    merge_candidates,
    one_button,
    survivor_keyboard,
)
from handlers.companies.show import card_of, send_card
from handlers.companies.texts import merged_text
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.texts import error_text
from services.companies import CompanyService
from services.errors import DomainError, InvalidInput
from services.tasks import TaskService
from services.users import User


async def on_archive(query: CallbackQuery, callback_data: CardCb, actor: User,
                     msg: Message | None, state: FSMContext,
                     companies: CompanyService) -> None:
    p = await companies.archive_check(actor, callback_data.id)
    await query.answer()
    if msg is None:
        return
    flow = secrets.token_hex(4)
    await state.set_state(CardFlow.reason)
    await state.set_data({"flow": flow, "id": p.id})
    await msg.answer(_("Archive «{name}»? It leaves the client list; nothing is deleted and "
                       "it can be restored. Type the reason, or press Without reason.").format(
        name=html.escape(p.name)), reply_markup=flow_buttons(flow, _("Without reason")))


async def archive(message: Message, state: FSMContext, data: dict[str, Any],
                  reason: str | None, actor: User, companies: CompanyService,
                  tasks: TaskService) -> None:
    try:
        p = await companies.archive(actor, data["id"], reason)
    except InvalidInput as err:
        await message.answer(error_text(err))
        return
    except DomainError as err:
        await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    await send_card(message, p, actor, tasks,
                    _("«{name}» is archived.").format(name=html.escape(p.name)))


async def got_reason(message: Message, state: FSMContext, actor: User,
                     companies: CompanyService, tasks: TaskService) -> None:
    await archive(message, state, await state.get_data(), message.text or "", actor,
                  companies, tasks)


async def on_no_reason(query: CallbackQuery, state: FSMContext, flow_data: dict[str, Any],
                       msg: Message, actor: User, companies: CompanyService,
                       tasks: TaskService) -> None:
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await archive(msg, state, flow_data, None, actor, companies, tasks)


async def on_restore(query: CallbackQuery, callback_data: CardCb, actor: User,
                     msg: Message | None, companies: CompanyService,
                     tasks: TaskService) -> None:
    p = await companies.restore(actor, callback_data.id)
    await query.answer()
    if msg:
        await send_card(msg, p, actor, tasks,
                        _("«{name}» is restored.").format(name=html.escape(p.name)))


async def on_merge(query: CallbackQuery, callback_data: CardCb, actor: User,
                   msg: Message | None, state: FSMContext, companies: CompanyService) -> None:
    p = await companies.editable(actor, callback_data.id)
    await query.answer()
    if msg is None:
        return
    flow = secrets.token_hex(4)
    await state.set_state(CardFlow.merge_name)
    await state.set_data({"flow": flow, "id": p.id})
    await msg.answer(_("Merge «{name}» with which client? Type the start of its name.").format(
        name=html.escape(p.name)), reply_markup=flow_buttons(flow))


async def got_merge_name(message: Message, state: FSMContext, actor: User,
                         companies: CompanyService) -> None:
    data = await state.get_data()
    try:
        found = await companies.merge_candidates(actor, data["id"], message.text or "")
    except InvalidInput as err:
        await message.answer(error_text(err))
        return
    except DomainError as err:
        await state.clear()
        await message.answer(error_text(err))
        return
    if not found:
        await message.answer(_("None of your other clients has a name starting like that. "
                               "Type another name."))
        return
    await state.clear()
    await message.answer(_("Choose the client to merge with:"),
                         reply_markup=merge_candidates(data["id"], found))


async def on_merge_pick(query: CallbackQuery, callback_data: CardCb, actor: User,
                        msg: Message | None, companies: CompanyService) -> None:
    first, second = await companies.merge_pair(actor, callback_data.id, callback_data.to)
    await query.answer()
    if msg:
        await msg.edit_text(
            _("Which client stays? The other one's deals, invoices, payments, contacts and "
              "history move to it, and its empty fields are filled from the other."),
            reply_markup=survivor_keyboard(first, second))


async def on_merge_keep(query: CallbackQuery, callback_data: CardCb, actor: User,
                        msg: Message | None, companies: CompanyService) -> None:
    keep, other = await companies.merge_pair(actor, callback_data.id, callback_data.to)
    await query.answer()
    if msg:
        await msg.edit_text(
            _("«{other}» will be merged into «{name}» and archived; nothing is deleted. "
              "Merge?").format(other=html.escape(other.name), name=html.escape(keep.name)),
            reply_markup=one_button(_("Merge"), CardAction.MERGE_DO, keep.id, other.id))


async def on_merge_do(query: CallbackQuery, callback_data: CardCb, actor: User,
                      msg: Message | None, companies: CompanyService,
                      tasks: TaskService) -> None:
    survivor, other, moved = await companies.merge(actor, callback_data.id, callback_data.to)
    await query.answer()
    if msg:
        await msg.edit_text(merged_text(survivor, other.name, moved), reply_markup=None)
        text, markup = card_of(survivor, actor, tasks)
        await msg.answer(text, reply_markup=markup)


def create_router() -> Router:
    router = Router(name="client_lifecycle")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())

    def card(action: CardAction) -> Any:
        return CardCb.filter(F.action == action)

    router.callback_query.register(on_archive, card(CardAction.ARCHIVE))
    router.callback_query.register(on_restore, card(CardAction.RESTORE))
    router.callback_query.register(on_merge, card(CardAction.MERGE))
    router.callback_query.register(on_merge_pick, card(CardAction.MERGE_PICK))
    router.callback_query.register(on_merge_keep, card(CardAction.MERGE_KEEP))
    router.callback_query.register(on_merge_do, card(CardAction.MERGE_DO))
    router.message.register(got_reason, StateFilter(CardFlow.reason), HasText())
    router.message.register(got_merge_name, StateFilter(CardFlow.merge_name), HasText())
    router.callback_query.register(
        on_no_reason, CardFlowCb.filter(F.action == CardFlowAction.SKIP),
        StateFilter(CardFlow.reason), SameFlow(CardFlowCb))
    return router
