"""Notes on a deal or a client (text, a voice message or a photo, of a kind), and the client
card's Timeline and Add note."""

from __future__ import annotations

import secrets

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callback import AlertOnDomainError
from handlers.deals.callbacks import ClientAction, ClientExtraCb, DealInput, FlowAction, FlowCb
from handlers.deals.keyboards import note_keyboard
from handlers.deals.texts import note_prompt, timeline_text
from handlers.files import note_attachment, timeline_file_buttons
from handlers.filters import IsStaff, SameFlow
from handlers.texts import error_text
from services.deals import DealService
from services.errors import DomainError
from services.interactions import InteractionService
from services.tasks import TaskService
from services.users import User


def create_router() -> Router:
    router = Router(name="deal_notes")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    # Not HasText: a voice message or a photo is a note too; a command is refused here.
    @router.message(StateFilter(DealInput.note))
    async def got_note(message: Message, state: FSMContext, actor: User, bot: Bot,
                       interactions: InteractionService) -> None:
        data = await state.get_data()
        attachment = None
        text = message.text or message.caption
        if message.text and message.text.startswith("/"):
            await message.answer(_("Unknown command. Finish this step or send /cancel."))
            return
        if message.voice is not None or message.photo:
            attachment = await note_attachment(bot, message)  # also kept by file_id
        elif message.text is None:
            await message.answer(_("Send text, a voice message or a photo, or /cancel."))
            return
        try:
            await interactions.add(actor, data.get("kind", "note"), text,
                                   deal_id=data.get("deal_id"),
                                   company_id=data.get("company_id"), attachment=attachment)
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(_("Saved to the timeline."))

    @router.callback_query(FlowCb.filter(F.action == FlowAction.KIND),
                           StateFilter(DealInput.note), SameFlow(FlowCb))
    async def on_kind(query: CallbackQuery, callback_data: FlowCb, state: FSMContext,
                      msg: Message) -> None:
        await state.update_data(kind=callback_data.code)
        await query.answer()
        await msg.edit_text(note_prompt(callback_data.code),
                            reply_markup=note_keyboard(callback_data.flow))

    return router


def create_client_router() -> Router:
    """The client card's buttons (handlers/clients.py draws the card, ClientExtraCb)."""
    router = Router(name="deal_client_extra")
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())

    @router.callback_query(ClientExtraCb.filter(F.action == ClientAction.TIMELINE))
    async def on_timeline(query: CallbackQuery, callback_data: ClientExtraCb, actor: User,
                          msg: Message | None, interactions: InteractionService,
                          deals: DealService, tasks: TaskService) -> None:
        timeline = await interactions.timeline(actor, callback_data.id)
        await query.answer()
        if msg:
            await msg.answer(timeline_text(timeline, deals, tasks.zone(actor)),
                             reply_markup=timeline_file_buttons(timeline, tasks.zone(actor)))

    @router.callback_query(ClientExtraCb.filter(F.action == ClientAction.NOTE))
    async def on_client_note(query: CallbackQuery, callback_data: ClientExtraCb, actor: User,
                             msg: Message | None, interactions: InteractionService,
                             state: FSMContext) -> None:
        timeline = await interactions.timeline(actor, callback_data.id)
        await query.answer()
        if msg is None:
            return
        flow = secrets.token_hex(4)
        await state.set_state(DealInput.note)
        await state.set_data({"flow": flow, "company_id": timeline.company.id, "kind": "note"})
        await msg.answer(note_prompt("note"), reply_markup=note_keyboard(flow))

    return router
