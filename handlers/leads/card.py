"""/leads and the lead card's buttons, one handler per action: the list's filters and pages,
open, status, junk (asks the reason), edit a field, the source, conversion (with the
duplicates' Use / Merge / Create new). The router's middleware turns a domain error into an
alert (handlers.callback.AlertOnDomainError); `msg` is the button's message or None."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callback import AlertOnDomainError
from handlers.filters import HasText, IsStaff
from handlers.leads.callbacks import LeadAction, LeadCb, LeadInput
from handlers.leads.keyboards import (
    conversion_keyboard,
    duplicates_keyboard,
    edit_keyboard,
    junk_keyboard,
    lead_keyboard,
    list_keyboard,
    sources_keyboard,
)
from handlers.leads.texts import (
    QUESTIONS,
    conversion_text,
    duplicates_text,
    lead_card,
    list_text,
)
from handlers.texts import error_text
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.leads import (
    EDIT_FIELDS,
    JUNK_REASONS,
    OTHER_JUNK,
    ConvertChoice,
    Lead,
    LeadService,
    LeadStatus,
)
from services.users import User

PAGE = 8
CHOICES = {
    LeadAction.CONVERT: ConvertChoice.CHECK,
    LeadAction.USE: ConvertChoice.USE,
    LeadAction.MERGE: ConvertChoice.MERGE,
    LeadAction.NEW: ConvertChoice.NEW,
}


async def redraw(msg: Message, lead: Lead, leads: LeadService) -> None:
    await msg.edit_text(lead_card(lead),
                        reply_markup=lead_keyboard(lead, leads.allowed_statuses(lead)))


async def finish_input(message: Message, state: FSMContext, leads: LeadService,
                       call: Callable[[], Awaitable[Lead]]) -> None:
    try:
        lead = await call()
    except InvalidInput as err:
        await message.answer(error_text(err))
        return
    except (NotFound, DomainError) as err:
        await state.clear()
        await message.answer(error_text(err))
        return
    await state.clear()
    await message.answer(
        lead_card(lead), reply_markup=lead_keyboard(lead, leads.allowed_statuses(lead))
    )


async def cmd_leads(message: Message, actor: User, leads: LeadService) -> None:
    page = await leads.list_leads(actor, None, 0, PAGE)
    # Junk leaves the list but not the filters: only junk left still shows them.
    if not page.total and not (await leads.list_leads(actor, "junk", 0, 1)).total:
        await message.answer(_("You have no leads yet. Add one with /lead."))
        return
    await message.answer(list_text(page), reply_markup=list_keyboard(page))


async def on_list(query: CallbackQuery, callback_data: LeadCb, actor: User,
                  msg: Message | None, leads: LeadService) -> None:
    page = await leads.list_leads(actor, callback_data.arg or None, callback_data.offset,
                                  PAGE)
    await query.answer()
    if msg:
        await msg.edit_text(list_text(page), reply_markup=list_keyboard(page))


async def on_convert(query: CallbackQuery, callback_data: LeadCb, actor: User,
                     msg: Message | None, leads: LeadService) -> None:
    action = callback_data.action
    conv = await leads.convert(actor, callback_data.id, CHOICES[action],
                               callback_data.arg or None)
    await query.answer()
    if msg is None:
        return
    if conv.duplicates:
        await msg.answer(
            duplicates_text(conv.duplicates),
            reply_markup=duplicates_keyboard(conv.lead, conv.duplicates),
        )
        return
    if action != LeadAction.CONVERT:
        await msg.edit_reply_markup(reply_markup=None)
    await msg.answer(conversion_text(conv), reply_markup=conversion_keyboard(conv))


async def on_status(query: CallbackQuery, callback_data: LeadCb, actor: User,
                    msg: Message | None, leads: LeadService) -> None:
    lead = await leads.set_status(actor, callback_data.id, callback_data.arg)
    await query.answer()
    if msg:
        await redraw(msg, lead, leads)


async def on_source(query: CallbackQuery, callback_data: LeadCb, actor: User,
                    msg: Message | None, leads: LeadService) -> None:
    lead = await leads.update_field(actor, callback_data.id, "source", callback_data.arg)
    await query.answer()
    if msg:
        await redraw(msg, lead, leads)


async def on_open(query: CallbackQuery, callback_data: LeadCb, actor: User,
                  msg: Message | None, leads: LeadService) -> None:
    lead = await leads.get(actor, callback_data.id)
    await query.answer()
    if msg is None:
        return
    if callback_data.arg == "back":  # the edit keyboard's Back: the same card again
        await redraw(msg, lead, leads)
    else:
        await msg.answer(lead_card(lead),
                         reply_markup=lead_keyboard(lead, leads.allowed_statuses(lead)))


async def on_edit(query: CallbackQuery, callback_data: LeadCb, actor: User,
                  msg: Message | None, leads: LeadService) -> None:
    lead = await leads.get(actor, callback_data.id)
    if lead.status == LeadStatus.CONVERTED:  # a card drawn before the conversion
        raise Conflict("lead_converted")
    await query.answer()
    if msg:
        await msg.edit_reply_markup(reply_markup=edit_keyboard(lead))


async def on_field(query: CallbackQuery, callback_data: LeadCb, actor: User,
                   msg: Message | None, leads: LeadService, state: FSMContext) -> None:
    lead = await leads.get(actor, callback_data.id)
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict("lead_converted")
    await query.answer()
    field = callback_data.arg
    if msg is None:
        return
    if field == "source":
        await msg.edit_reply_markup(reply_markup=sources_keyboard(lead, leads.sources))
    elif field in EDIT_FIELDS:
        await state.set_state(LeadInput.field)
        await state.set_data({"lead_id": lead.id, "field": field})
        await msg.answer(QUESTIONS[field]() + " " + _("(or /cancel)"))


async def on_junk(query: CallbackQuery, callback_data: LeadCb, actor: User,
                  msg: Message | None, leads: LeadService, state: FSMContext) -> None:
    """Junk: first the reasons as buttons; a reason marks the lead junk, Other asks it."""
    reason = callback_data.arg
    if reason in JUNK_REASONS:
        lead = await leads.set_status(actor, callback_data.id, LeadStatus.JUNK.value, reason)
        await query.answer()
        if msg:
            await redraw(msg, lead, leads)
        return
    lead = await leads.get(actor, callback_data.id)
    if LeadStatus.JUNK not in leads.allowed_statuses(lead):
        raise Conflict("lead_converted" if lead.status == LeadStatus.CONVERTED
                       else "lead_status")
    await query.answer()
    if msg is None:
        return
    if reason == OTHER_JUNK:
        await state.set_state(LeadInput.junk_reason)
        await state.set_data({"lead_id": lead.id})
        await msg.edit_text(
            _("Why is this lead junk? Send the reason in one message (or /cancel)."))
        return
    await msg.answer(_("Why is this lead junk? Choose the reason."),
                     reply_markup=junk_keyboard(lead))


async def got_junk_reason(message: Message, state: FSMContext, actor: User,
                          leads: LeadService) -> None:
    lead_id = int((await state.get_data()).get("lead_id", 0))
    await finish_input(
        message, state, leads,
        lambda: leads.set_status(actor, lead_id, LeadStatus.JUNK.value, message.text),
    )


async def got_lead_field(message: Message, state: FSMContext, actor: User,
                         leads: LeadService) -> None:
    data = await state.get_data()
    await finish_input(
        message, state, leads,
        lambda: leads.update_field(
            actor, int(data.get("lead_id", 0)), str(data.get("field")), message.text or ""
        ),
    )


def create_router() -> Router:
    router = Router(name="lead_card")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())

    router.message.register(cmd_leads, Command("leads"))
    router.callback_query.register(on_list, LeadCb.filter(F.action == LeadAction.LIST))
    router.callback_query.register(on_convert, LeadCb.filter(F.action.in_(CHOICES)))
    router.callback_query.register(on_status, LeadCb.filter(F.action == LeadAction.STATUS))
    router.callback_query.register(on_source, LeadCb.filter(F.action == LeadAction.SOURCE))
    router.callback_query.register(on_open, LeadCb.filter(F.action == LeadAction.OPEN))
    router.callback_query.register(on_edit, LeadCb.filter(F.action == LeadAction.EDIT))
    router.callback_query.register(on_field, LeadCb.filter(F.action == LeadAction.FIELD))
    router.callback_query.register(on_junk, LeadCb.filter(F.action == LeadAction.JUNK))
    router.message.register(got_junk_reason, StateFilter(LeadInput.junk_reason), HasText())
    router.message.register(got_lead_field, StateFilter(LeadInput.field), HasText())

    return router
