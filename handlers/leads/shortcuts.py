"""The shortcuts to a new lead: a contact card, a forwarded message, a bare tax id. Only
outside any flow, so a contact or a number typed as an answer to a question of another flow is
that flow's business."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)
from aiogram.utils.i18n import gettext as _

from handlers.filters import IsStaff
from handlers.leads.filters import HasContact, IsForwarded, LooksLikeTaxId
from handlers.leads.new_lead import start_shortcut
from handlers.texts import error_text
from services.errors import DomainError
from services.leads import LeadService


def create_router() -> Router:
    router = Router(name="lead_shortcuts")
    router.message.filter(IsStaff())

    @router.message(StateFilter(None), HasContact())
    async def on_contact(message: Message, state: FSMContext, leads: LeadService) -> None:
        contact = message.contact
        assert contact is not None
        draft = leads.draft_from_contact(
            contact.first_name, contact.last_name, contact.phone_number, contact.user_id
        )
        header = _("New lead from a contact card:")
        if draft.phone is None:
            header += "\n" + _(
                "The card has no valid phone number: add it with «Edit phone», "
                "or save the lead without it."
            )
        await start_shortcut(message, state, leads, draft, header)

    @router.message(StateFilter(None), IsForwarded())
    async def on_forward(message: Message, state: FSMContext, leads: LeadService) -> None:
        origin = message.forward_origin
        name, username, user_id, hidden = "", None, None, False
        if isinstance(origin, MessageOriginUser):
            user = origin.sender_user
            name, username, user_id = user.full_name, user.username, user.id
        elif isinstance(origin, MessageOriginHiddenUser):
            name, hidden = origin.sender_user_name, True
        elif isinstance(origin, MessageOriginChat):
            name = origin.sender_chat.title or ""
            username = origin.sender_chat.username
        elif isinstance(origin, MessageOriginChannel):
            name, username = origin.chat.title or "", origin.chat.username
        draft = leads.draft_from_forward(
            name, username, user_id, hidden, message.text or message.caption
        )
        header = _("New lead from a forwarded message:")
        await start_shortcut(message, state, leads, draft, header)

    @router.message(StateFilter(None), LooksLikeTaxId())
    async def on_tax_id(message: Message, state: FSMContext, leads: LeadService) -> None:
        try:
            draft = leads.draft_from_tax_id(message.text or "")
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await start_shortcut(message, state, leads, draft, _("New company lead from a tax id:"))

    return router
