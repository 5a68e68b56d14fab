"""The requisites flow: country → legal form → legal name → tax ids → legal address → bank
account → summary → save. Buttons matched by action, state and an async SameFlow filter; a
button of a finished step is refused by the router's last handler."""

from __future__ import annotations

import html
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.companies.callbacks import ReqAction, ReqCb, RequisitesFlow
from handlers.companies.keyboards import (
    choice_keyboard,
    countries_keyboard,
    step_keyboard,
    summary_keyboard,
)
from handlers.companies.texts import question, requisites_lines
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.texts import error_text
from services.companies import LEGAL_FORMS, OPTIONAL_STEPS, CompanyService
from services.errors import DomainError
from services.users import User


def finished_text() -> str:
    return _("This button belongs to a finished step.")


async def ask(message: Message, state: FSMContext, companies: CompanyService,
              after: str) -> None:
    """The step after `after` (or the summary when none is left)."""
    data = await state.get_data()
    flow, country = data["flow"], data["country"]
    steps = companies.steps(country, data)
    following = steps[steps.index(after) + 1:] if after in steps else steps
    if not following:
        await state.set_state(RequisitesFlow.confirm)
        text = "\n".join([_("Requisites of «{name}»:").format(
            name=html.escape(data["current_name"])), *requisites_lines(data), _("Save?")])
        await message.answer(text, reply_markup=summary_keyboard(flow))
        return
    step = following[0]
    await state.update_data(step=step)
    if step == "legal_form":
        await state.set_state(RequisitesFlow.choosing)
        await message.answer(_("Legal form?"), reply_markup=choice_keyboard(
            flow, ReqAction.FORM, [(f, f) for f in LEGAL_FORMS[country]]))
        return
    await state.set_state(RequisitesFlow.typing)
    await message.answer(question(step, country),
                         reply_markup=step_keyboard(flow, step, data))


async def next_step(query: CallbackQuery, msg: Message, state: FSMContext,
                    companies: CompanyService, after: str) -> None:
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await ask(msg, state, companies, after)


def create_router() -> Router:
    router = Router(name="requisites")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    def on(action: ReqAction, *states: Any) -> Any:
        return router.callback_query(ReqCb.filter(F.action == action), StateFilter(*states),
                                     SameFlow(ReqCb))

    @on(ReqAction.CANCEL, "*")
    async def on_cancel(query: CallbackQuery, state: FSMContext, msg: Message) -> None:
        await state.clear()
        await query.answer()
        await msg.edit_text(_("Cancelled. Nothing was saved."))

    @on(ReqAction.SAVE, RequisitesFlow.confirm)
    async def on_save(query: CallbackQuery, state: FSMContext, flow_data: dict[str, Any],
                      msg: Message, actor: User, companies: CompanyService) -> None:
        try:
            saved = await companies.save_requisites(actor, flow_data["company_id"], flow_data)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await state.clear()
        await query.answer()
        await msg.edit_text("\n".join([_("Saved.") + " " + _(
            "Requisites of «{name}»:").format(name=html.escape(saved.name)),
            *requisites_lines(saved)]))

    @on(ReqAction.RESTART, RequisitesFlow.confirm)
    async def on_restart(query: CallbackQuery, state: FSMContext, flow_data: dict[str, Any],
                         msg: Message) -> None:
        await state.set_state(RequisitesFlow.choosing)
        await state.set_data({k: flow_data[k] for k in ("flow", "company_id", "current_name")}
                             | {"step": "country"})
        await query.answer()
        await msg.edit_text(_("Country?"), reply_markup=countries_keyboard(flow_data["flow"]))

    @on(ReqAction.COUNTRY, RequisitesFlow.choosing)
    async def on_country(query: CallbackQuery, callback_data: ReqCb, state: FSMContext,
                         flow_data: dict[str, Any], msg: Message,
                         companies: CompanyService) -> None:
        if flow_data.get("step") != "country":
            await query.answer(finished_text(), show_alert=True)
            return
        try:
            country = companies.country(callback_data.value)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await state.update_data(country=country)
        await next_step(query, msg, state, companies, "country")

    @on(ReqAction.FORM, RequisitesFlow.choosing)
    async def on_form(query: CallbackQuery, callback_data: ReqCb, state: FSMContext,
                      flow_data: dict[str, Any], msg: Message,
                      companies: CompanyService) -> None:
        if flow_data.get("step") != "legal_form":
            await query.answer(finished_text(), show_alert=True)
            return
        try:
            values = companies.clean_step(flow_data["country"], "legal_form",
                                          callback_data.value, flow_data)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await state.update_data(values)
        await next_step(query, msg, state, companies, "legal_form")

    @on(ReqAction.KEEP, RequisitesFlow.typing)
    async def on_keep(query: CallbackQuery, state: FSMContext, flow_data: dict[str, Any],
                      msg: Message, companies: CompanyService) -> None:
        if flow_data.get("step") != "legal_name":
            await query.answer(finished_text(), show_alert=True)
            return
        try:
            values = companies.clean_step(flow_data["country"], "legal_name",
                                          flow_data["current_name"], flow_data)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await state.update_data(values)
        await next_step(query, msg, state, companies, "legal_name")

    @on(ReqAction.SKIP, RequisitesFlow.typing)
    async def on_skip(query: CallbackQuery, state: FSMContext, flow_data: dict[str, Any],
                      msg: Message, companies: CompanyService) -> None:
        step = flow_data.get("step")
        if step not in OPTIONAL_STEPS:
            await query.answer(finished_text(), show_alert=True)
            return
        await state.update_data({step: None})
        await next_step(query, msg, state, companies, str(step))

    @router.callback_query(ReqCb.filter())
    async def on_finished_step(query: CallbackQuery) -> None:
        await query.answer(finished_text(), show_alert=True)

    @router.message(StateFilter(RequisitesFlow.typing), HasText())
    async def got_requisite(message: Message, state: FSMContext,
                            companies: CompanyService) -> None:
        data = await state.get_data()
        step = str(data["step"])
        try:
            values = companies.clean_step(data["country"], step, message.text or "", data)
        except DomainError as err:
            await message.answer(error_text(err) + "\n" + question(step, data["country"]))
            return
        await state.update_data(values)
        await ask(message, state, companies, step)

    return router
