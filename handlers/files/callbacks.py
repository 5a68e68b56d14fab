"""The files buttons' callback data (prefix "fl") and the attach step's state."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class FileAction(StrEnum):
    LIST = "l"  # a card's files
    ATTACH = "a"  # the next files sent go to the card
    DONE = "d"  # end of the attach step
    SEND = "s"  # one file back into the chat
    NOTE = "n"  # a timeline note's voice or photo


class FileCb(CallbackData, prefix="fl"):
    """`deal` or `co` (client) names the card; `id` a file or an interaction."""

    action: FileAction
    deal: int = 0
    co: int = 0
    id: int = 0


class FileInput(StatesGroup):
    attach = State()
