"""The client card's Edit and Contacts, one handler per action: the fields menu, one field
typed or chosen (language, price list), the contacts, a new contact field by field, a
contact's field, the primary contact, detaching a contact. Services check scope and values;
the router's middleware turns a domain error of a button into an alert."""

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
    contact_keyboard,
    contacts_keyboard,
    edit_menu,
    flow_buttons,
    flow_choices,
    language_choices,
    one_button,
)
from handlers.companies.show import card_of
from handlers.companies.texts import (
    contact_question,
    contact_text,
    contacts_text,
    edit_question,
)
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.texts import error_text
from services.companies import CompanyService
from services.errors import DomainError, InvalidInput
from services.tasks import TaskService
from services.users import User

NEW_CONTACT_STEPS = ("name", "phone", "email", "position")


def finished_text() -> str:
    return _("This button belongs to a finished step.")


async def on_edit(query: CallbackQuery, callback_data: CardCb, actor: User,
                  msg: Message | None, companies: CompanyService) -> None:
    p = await companies.editable(actor, callback_data.id)
    await query.answer()
    if msg:
        await msg.answer(_("What to change in «{name}»?").format(name=html.escape(p.name)),
                         reply_markup=edit_menu(p))


async def on_field(query: CallbackQuery, callback_data: CardCb, actor: User,
                   msg: Message | None, state: FSMContext, companies: CompanyService) -> None:
    field = callback_data.code
    p, lists = await companies.edit_prompt(actor, callback_data.id, field)
    await query.answer()
    if msg is None:
        return
    flow = secrets.token_hex(4)
    await state.set_state(CardFlow.value)
    await state.set_data({"flow": flow, "kind": "company", "id": p.id, "field": field,
                          "seen": p.shown(field)})
    if field == "language":
        markup = language_choices(flow)
    elif field == "price_list":
        markup = flow_choices(flow, [(code, code) for code in lists])
    else:
        markup = flow_buttons(flow)
    await msg.answer(edit_question(p, field), reply_markup=markup)


async def save_value(message: Message, data: dict[str, Any], text: str, actor: User,
                     state: FSMContext, companies: CompanyService, tasks: TaskService,
                     edit: bool = False) -> None:
    """Saves the typed or chosen value; a wrong value is named and asked again, a stale or
    archived client ends the edit."""
    try:
        if data["kind"] == "contact":
            p, contact = await companies.edit_contact(actor, data["id"], data["field"], text,
                                                      data["seen"])
            body, markup = contact_text(p, contact), contact_keyboard(contact)
        else:
            p = await companies.edit_field(actor, data["id"], data["field"], text,
                                           data["seen"])
            body, markup = card_of(p, actor, tasks)
    except InvalidInput as err:
        await message.answer(error_text(err))
        return
    except DomainError as err:
        await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    text_out = _("Saved.") + "\n" + body
    if edit:
        await message.edit_text(text_out, reply_markup=markup)
    else:
        await message.answer(text_out, reply_markup=markup)


async def got_value(message: Message, state: FSMContext, actor: User,
                    companies: CompanyService, tasks: TaskService) -> None:
    data = await state.get_data()
    if data.get("field") in ("language", "price_list"):
        await message.answer(_("Please choose with the buttons."))
        return
    await save_value(message, data, message.text or "", actor, state, companies, tasks)


async def on_choose(query: CallbackQuery, callback_data: CardFlowCb, state: FSMContext,
                    flow_data: dict[str, Any], msg: Message, actor: User,
                    companies: CompanyService, tasks: TaskService) -> None:
    if flow_data.get("field") not in ("language", "price_list"):
        await query.answer(finished_text(), show_alert=True)
        return
    await query.answer()
    await save_value(msg, flow_data, callback_data.value, actor, state, companies, tasks,
                     edit=True)


async def on_cancel(query: CallbackQuery, state: FSMContext, msg: Message) -> None:
    await state.clear()
    await query.answer()
    await msg.edit_text(_("Cancelled. Nothing was saved."))


async def on_finished(query: CallbackQuery) -> None:
    await query.answer(finished_text(), show_alert=True)


# --- contacts -------------------------------------------------------------------------------


async def on_contacts(query: CallbackQuery, callback_data: CardCb, actor: User,
                      msg: Message | None, companies: CompanyService) -> None:
    p = await companies.profile(actor, callback_data.id)
    await query.answer()
    if msg:
        await msg.answer(contacts_text(p), reply_markup=contacts_keyboard(p))


async def on_contact(query: CallbackQuery, callback_data: CardCb, actor: User,
                     msg: Message | None, companies: CompanyService) -> None:
    p, c = await companies.contact(actor, callback_data.id)
    await query.answer()
    if msg:
        await msg.answer(contact_text(p, c), reply_markup=contact_keyboard(c))


async def on_contact_field(query: CallbackQuery, callback_data: CardCb, actor: User,
                           msg: Message | None, state: FSMContext,
                           companies: CompanyService) -> None:
    field = callback_data.code
    _p, c = await companies.contact_for_edit(actor, callback_data.id, field)
    await query.answer()
    if msg is None:
        return
    flow = secrets.token_hex(4)
    value = getattr(c, field)
    await state.set_state(CardFlow.value)
    await state.set_data({"flow": flow, "kind": "contact", "id": c.id, "field": field,
                          "seen": value or None})
    await msg.answer(contact_question(c, field), reply_markup=flow_buttons(flow))


async def on_add_contact(query: CallbackQuery, callback_data: CardCb, actor: User,
                         msg: Message | None, state: FSMContext,
                         companies: CompanyService) -> None:
    p = await companies.editable(actor, callback_data.id)
    await query.answer()
    if msg is None:
        return
    flow = secrets.token_hex(4)
    await state.set_state(CardFlow.contact)
    await state.set_data({"flow": flow, "id": p.id, "step": "name", "values": {}})
    await msg.answer(_("A new contact of «{name}».").format(name=html.escape(p.name)) + "\n"
                     + contact_question(None, "name"), reply_markup=flow_buttons(flow))


async def next_contact_step(message: Message, state: FSMContext, data: dict[str, Any],
                            actor: User, companies: CompanyService) -> None:
    """The next field of the new contact, or the contact saved after the last one."""
    step = data["step"]
    following = NEW_CONTACT_STEPS[NEW_CONTACT_STEPS.index(step) + 1:]
    if following:
        await state.update_data(step=following[0], values=data["values"])
        await message.answer(contact_question(None, following[0]),
                             reply_markup=flow_buttons(data["flow"], _("Skip")))
        return
    try:
        p, _added = await companies.add_contact(actor, data["id"], data["values"])
    except DomainError as err:
        await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    await message.answer(_("Contact added.") + "\n" + contacts_text(p),
                         reply_markup=contacts_keyboard(p))


async def got_contact_value(message: Message, state: FSMContext, actor: User,
                            companies: CompanyService) -> None:
    data = await state.get_data()
    step = data["step"]
    try:
        value = companies.clean_contact_value(step, message.text or "")
    except DomainError as err:
        await message.answer(error_text(err) + "\n" + contact_question(None, step))
        return
    data["values"] = dict(data.get("values") or {}, **{step: value})
    await next_contact_step(message, state, data, actor, companies)


async def on_skip_contact_value(query: CallbackQuery, state: FSMContext,
                                flow_data: dict[str, Any], msg: Message, actor: User,
                                companies: CompanyService) -> None:
    if flow_data.get("step") == "name":
        await query.answer(finished_text(), show_alert=True)
        return
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await next_contact_step(msg, state, dict(flow_data), actor, companies)


async def on_primary(query: CallbackQuery, callback_data: CardCb, actor: User,
                     msg: Message | None, companies: CompanyService) -> None:
    p = await companies.make_primary(actor, callback_data.id)
    await query.answer()
    if msg:
        await msg.answer(_("Primary contact changed.") + "\n" + contacts_text(p),
                         reply_markup=contacts_keyboard(p))


async def on_detach(query: CallbackQuery, callback_data: CardCb, actor: User,
                    msg: Message | None, companies: CompanyService) -> None:
    p, c = await companies.contact_for_edit(actor, callback_data.id)
    await query.answer()
    if msg:
        await msg.answer(
            _("Detach «{contact}» from «{name}»? Their history and a bound Telegram chat "
              "stay.").format(contact=html.escape(c.name), name=html.escape(p.name)),
            reply_markup=one_button(_("Detach"), CardAction.DETACH_YES, c.id))


async def on_detach_yes(query: CallbackQuery, callback_data: CardCb, actor: User,
                        msg: Message | None, companies: CompanyService) -> None:
    p = await companies.detach_contact(actor, callback_data.id)
    await query.answer()
    if msg:
        await msg.edit_text(_("Detached.") + "\n" + contacts_text(p),
                            reply_markup=contacts_keyboard(p))


def create_router() -> Router:
    router = Router(name="client_edit")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())

    def card(action: CardAction) -> Any:
        return CardCb.filter(F.action == action)

    router.callback_query.register(on_edit, card(CardAction.EDIT))
    router.callback_query.register(on_field, card(CardAction.FIELD))
    router.callback_query.register(on_contacts, card(CardAction.CONTACTS))
    router.callback_query.register(on_contact, card(CardAction.CONTACT))
    router.callback_query.register(on_contact_field, card(CardAction.CONTACT_FIELD))
    router.callback_query.register(on_add_contact, card(CardAction.ADD_CONTACT))
    router.callback_query.register(on_primary, card(CardAction.PRIMARY))
    router.callback_query.register(on_detach, card(CardAction.DETACH))
    router.callback_query.register(on_detach_yes, card(CardAction.DETACH_YES))

    router.message.register(got_value, StateFilter(CardFlow.value), HasText())
    router.message.register(got_contact_value, StateFilter(CardFlow.contact), HasText())
    router.callback_query.register(
        on_choose, CardFlowCb.filter(F.action == CardFlowAction.CHOOSE),
        StateFilter(CardFlow.value), SameFlow(CardFlowCb))
    router.callback_query.register(
        on_skip_contact_value, CardFlowCb.filter(F.action == CardFlowAction.SKIP),
        StateFilter(CardFlow.contact), SameFlow(CardFlowCb))
    router.callback_query.register(
        on_cancel, CardFlowCb.filter(F.action == CardFlowAction.CANCEL),
        StateFilter(CardFlow.value, CardFlow.contact, CardFlow.reason, CardFlow.merge_name),
        SameFlow(CardFlowCb))
    return router
