"""/lead: one question per field (Skip where a field is optional, buttons for the source), a
summary to save, edit a field of, or cancel. The shortcuts (shortcuts.py) open the same
summary."""

from __future__ import annotations

import secrets
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import HasText, IsStaff, SameFlow
from handlers.leads.callbacks import STATE_OF, TEXT_STEPS, LeadFlow, LeadFlowAction, LeadFlowCb
from handlers.leads.keyboards import draft_keyboard, lead_keyboard, step_keyboard
from handlers.leads.texts import QUESTIONS, draft_card, lead_card
from handlers.texts import error_text
from services.errors import DomainError
from services.leads import LEAD_FIELDS, LeadDraft, LeadService
from services.users import User


def stale_text() -> str:
    return _("This button belongs to a finished step.")


def draft_of(data: dict[str, Any]) -> LeadDraft:
    return LeadDraft(**data.get("draft", {}))


async def show_draft(
    message: Message, state: FSMContext, leads: LeadService, header: str | None = None
) -> None:
    data = await state.get_data()
    draft = draft_of(data)
    missing = leads.missing_required(draft)
    await state.set_state(LeadFlow.confirm)
    await message.answer(
        draft_card(draft, missing, header or data.get("header")),
        reply_markup=draft_keyboard(data["flow"], missing),
    )


async def ask(message: Message, state: FSMContext, leads: LeadService, name: str) -> None:
    data = await state.get_data()
    await state.update_data(step=name)
    await state.set_state(STATE_OF[name])
    required = leads.is_required(name)
    question = QUESTIONS[name]()
    if not required:
        question += " " + _("(or Skip)")
    await message.answer(
        question, reply_markup=step_keyboard(data["flow"], name, required, leads.sources)
    )


async def after_field(message: Message, state: FSMContext, leads: LeadService) -> None:
    """After a field: back to the summary when editing, else the next question."""
    data = await state.get_data()
    if data.get("editing"):
        await state.update_data(editing=False)
        await show_draft(message, state, leads)
        return
    index = LEAD_FIELDS.index(data.get("step", "contact_name"))
    if index + 1 >= len(LEAD_FIELDS):
        await show_draft(message, state, leads)
        return
    await ask(message, state, leads, LEAD_FIELDS[index + 1])


async def set_value(state: FSMContext, name: str, value: str | None) -> None:
    data = await state.get_data()
    await state.update_data(draft={**data.get("draft", {}), name: value})


async def start_shortcut(
    message: Message, state: FSMContext, leads: LeadService, draft: LeadDraft, header: str
) -> None:
    await state.set_state(LeadFlow.confirm)
    await state.set_data(
        {"flow": secrets.token_hex(4), "draft": draft.as_dict(), "header": header}
    )
    await show_draft(message, state, leads)


async def cmd_lead(message: Message, state: FSMContext, leads: LeadService) -> None:
    await state.set_state(LeadFlow.contact_name)
    await state.set_data({"flow": secrets.token_hex(4), "draft": {}})
    await ask(message, state, leads, "contact_name")


async def got_field(message: Message, state: FSMContext, leads: LeadService) -> None:
    name = (await state.get_data()).get("step", "contact_name")
    try:
        value = leads.clean_field(name, message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await set_value(state, name, value)
    await after_field(message, state, leads)


async def got_source(message: Message, state: FSMContext, leads: LeadService) -> None:
    try:
        value = leads.clean_field("source", message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await set_value(state, "source", value)
    await after_field(message, state, leads)


async def at_step(state: FSMContext, flow_data: dict[str, Any]) -> str | None:
    """The question the button answers, if it is the one asked now."""
    step = flow_data.get("step")
    if step is None or await state.get_state() != STATE_OF[step].state:
        return None
    return str(step)


async def on_skip(query: CallbackQuery, state: FSMContext, flow_data: dict[str, Any],
                  msg: Message, leads: LeadService) -> None:
    step = await at_step(state, flow_data)
    if step is None or leads.is_required(step):
        await query.answer(stale_text(), show_alert=True)
        return
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await set_value(state, step, None)
    await after_field(msg, state, leads)


async def on_source(query: CallbackQuery, callback_data: LeadFlowCb, state: FSMContext,
                    flow_data: dict[str, Any], msg: Message, leads: LeadService) -> None:
    step = await at_step(state, flow_data)
    if step is None:
        await query.answer(stale_text(), show_alert=True)
        return
    try:
        value = leads.clean_field("source", callback_data.arg)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await set_value(state, step, value)
    await after_field(msg, state, leads)


async def on_cancel(query: CallbackQuery, state: FSMContext, msg: Message) -> None:
    await state.clear()
    await query.answer()
    await msg.edit_text(_("Cancelled. Nothing was saved."))


async def on_edit(query: CallbackQuery, callback_data: LeadFlowCb, state: FSMContext,
                  msg: Message, leads: LeadService) -> None:
    if callback_data.arg not in LEAD_FIELDS:
        await query.answer(stale_text(), show_alert=True)
        return
    await state.update_data(editing=True)
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await ask(msg, state, leads, callback_data.arg)


async def on_save(query: CallbackQuery, callback_data: LeadFlowCb, state: FSMContext,
                  flow_data: dict[str, Any], msg: Message, actor: User,
                  leads: LeadService) -> None:
    draft = draft_of(flow_data)
    allow = (leads.missing_required(draft)
             if callback_data.action == LeadFlowAction.SAVE_MISSING else ())
    try:
        lead = await leads.create(actor, draft, allow_missing=allow)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await state.clear()
    await query.answer()
    await msg.edit_text(
        _("Lead saved.") + "\n\n" + lead_card(lead),
        reply_markup=lead_keyboard(lead, leads.allowed_statuses(lead)),
    )


def create_router() -> Router:
    router = Router(name="new_lead")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    router.message.register(cmd_lead, Command("lead"))
    router.message.register(got_field, StateFilter(*TEXT_STEPS), HasText())
    router.message.register(got_source, StateFilter(LeadFlow.source), HasText())
    router.callback_query.register(
        on_skip, LeadFlowCb.filter(F.action == LeadFlowAction.SKIP),
        StateFilter(*STATE_OF.values()), SameFlow(LeadFlowCb))
    router.callback_query.register(
        on_source, LeadFlowCb.filter(F.action == LeadFlowAction.SOURCE),
        StateFilter(*STATE_OF.values()), SameFlow(LeadFlowCb))
    router.callback_query.register(
        on_cancel, LeadFlowCb.filter(F.action == LeadFlowAction.CANCEL),
        StateFilter(LeadFlow.confirm), SameFlow(LeadFlowCb))
    router.callback_query.register(
        on_edit, LeadFlowCb.filter(F.action == LeadFlowAction.EDIT), StateFilter(LeadFlow.confirm),
        SameFlow(LeadFlowCb))
    router.callback_query.register(
        on_save,
        LeadFlowCb.filter(F.action.in_({LeadFlowAction.SAVE, LeadFlowAction.SAVE_MISSING})),
        StateFilter(LeadFlow.confirm), SameFlow(LeadFlowCb))

    return router
