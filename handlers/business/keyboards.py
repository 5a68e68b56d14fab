"""Telegram Business buttons: pure functions of the service's values."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.business.callbacks import BusinessCb, Bz
from services.business import BusinessScreen


def new_chat_keyboard(chat_ref: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Make a lead"), callback_data=BusinessCb(action=Bz.LEAD, id=chat_ref))
    kb.button(text=_("Exclude this chat"),
              callback_data=BusinessCb(action=Bz.EXCLUDE, id=chat_ref))
    kb.adjust(2)
    return kb.as_markup()


def screen_keyboard(screen: BusinessScreen) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    for chat in screen.excluded:
        kb.button(text=_("Include {name}").format(name=chat.name)[:60],
                  callback_data=BusinessCb(action=Bz.INCLUDE, id=chat.id))
    for chat in screen.recent:
        kb.button(text=_("Exclude {name}").format(name=chat.name)[:60],
                  callback_data=BusinessCb(action=Bz.EXCLUDE, id=chat.id))
    if not (screen.excluded or screen.recent):
        return None
    kb.adjust(1)
    return kb.as_markup()
