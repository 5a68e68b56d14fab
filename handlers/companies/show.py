"""The client card as one message: the profile and its buttons (used by /clients, the
company card's Open, and every edit that shows the card again)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, Message

from handlers.companies.keyboards import with_company_buttons
from handlers.companies.texts import profile_text
from handlers.deals.keyboards import client_card_keyboard
from handlers.files import with_file_buttons
from handlers.invoices.repeat_buttons import with_repeat
from services.companies import ClientProfile
from services.tasks import TaskService
from services.users import User


def card_of(p: ClientProfile, actor: User, tasks: TaskService
            ) -> tuple[str, InlineKeyboardMarkup]:
    markup = with_company_buttons(client_card_keyboard(p.id), p.id, actor, p.archived,
                                  p.merged_into_id is not None)
    if not p.archived:
        markup = with_repeat(markup, p.id)  # "Invoice like the last one"
    if p.merged_into_id is None:  # a merged client's files are the survivor's now
        markup = with_file_buttons(markup, p.id)
    return profile_text(p, tasks.zone(actor)), markup


async def send_card(msg: Message, p: ClientProfile, actor: User, tasks: TaskService,
                    prefix: str = "") -> None:
    text, markup = card_of(p, actor, tasks)
    await msg.answer((prefix + "\n" if prefix else "") + text, reply_markup=markup)
