"""Async filters (aiogram runs sync filters in a thread: a hop per filter per update)."""

from __future__ import annotations

from typing import Any, Protocol, cast

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from handlers.callback import message_of
from services.users import Role, User


class IsStaff(Filter):
    async def __call__(self, event: TelegramObject, actor: User | None = None) -> bool:
        return actor is not None and actor.is_staff


class HasRole(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, actor: User | None = None) -> bool:
        return actor is not None and actor.role in self.roles


class HasText(Filter):
    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        return message.text is not None and not message.text.startswith("/")


class FlowButton(Protocol):
    flow: str


class SameFlow(Filter):
    """A flow's button (CallbackData with a `flow` token, see handlers/clients.py) that belongs
    to the run in progress: the FSM is in some state and holds the same token, and the button's
    message is still there. The run's data goes to the handler as `flow_data`, the message as
    `msg`; otherwise the feature's last handler says the step is finished."""

    def __init__(self, of: type[CallbackData]) -> None:
        self.of = of

    async def __call__(self, query: CallbackQuery, state: FSMContext,
                       raw_state: str | None = None,
                       callback_data: Any = None) -> bool | dict[str, Any]:
        if not isinstance(callback_data, self.of) or raw_state is None:
            return False
        data = await state.get_data()
        msg = message_of(query)
        if data.get("flow") != cast(FlowButton, callback_data).flow or msg is None:
            return False
        return {"flow_data": data, "msg": msg}


async def is_command_text(message: Message) -> bool:
    """What every aiogram `Command` (prefix "/") needs first: a text or caption whose first
    word starts with "/". Checked once for a router whose message handlers are all commands
    (bot.dispatcher), before the commands each split the text."""
    text = message.text or message.caption
    return text is not None and text.lstrip()[:1] == "/"
