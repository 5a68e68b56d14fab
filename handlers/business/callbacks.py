"""The Telegram Business buttons' callback data (ids only: the chat's row)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class Bz(StrEnum):
    LEAD = "l"  # Make a lead
    EXCLUDE = "x"
    INCLUDE = "i"


class BusinessCb(CallbackData, prefix="bz"):
    action: Bz
    id: int  # business_chats.id
