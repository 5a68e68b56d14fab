"""A real aiogram Dispatcher polling the sandbox, driven by SandboxClient as a user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from sandbox import SandboxClient
from sandbox.client import eventually
from tests.sandbox.conftest import USER


def create_router() -> Router:
    router = Router()

    @router.message(Command("start"))
    async def cmd_start(message: Message, command: CommandObject) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Close deal", callback_data="deal:close")]]
        )
        await message.answer(f"Hi! ref={command.args}")
        await message.answer("Deal #1: open", reply_markup=markup)

    @router.callback_query(F.data == "deal:close")
    async def on_close(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("Deal #1: closed")
        await callback.answer("Closed")

    return router


@pytest.fixture
async def polling(bot: Bot) -> AsyncIterator[Dispatcher]:
    dp = Dispatcher()
    dp.include_router(create_router())
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    yield dp
    await dp.stop_polling()
    await task


async def test_command_reply_press_and_edit(polling: Dispatcher, client: SandboxClient) -> None:
    await client.user(USER, first_name="Ann")
    await client.send_text(USER, "/start lead_9")
    greeting = await client.wait_for_text(USER, "Hi!")
    assert greeting["text"] == "Hi! ref=lead_9"
    deal = await client.wait_for(USER)  # the next bot message after the greeting
    assert deal["buttons"] == [[{"text": "Close deal", "callback_data": "deal:close"}]]

    query_id = await client.press(USER, deal["message_id"], text="Close deal")
    edited = await client.wait_for_edit(USER, deal["message_id"])
    assert edited["text"] == "Deal #1: closed"
    assert edited["buttons"] == []  # editMessageText without reply_markup drops the keyboard

    async def answered() -> list[dict[str, Any]] | None:
        return await client.callback_answers(query_id) or None

    answers = await eventually(answered, "the callback was not answered")
    assert [a["text"] for a in answers] == ["Closed"]

    with pytest.raises(TimeoutError, match="no matching bot message"):
        await client.wait_for(USER, timeout=0.2)
