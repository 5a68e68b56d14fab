"""/start (with deep-link payloads), /help, /cancel, /language; strangers are refused."""

from __future__ import annotations

import html
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.menu import help_text, set_chat_commands
from handlers.texts import error_text
from services.access import SUPPORTED_LANGUAGES, AccessService
from services.errors import DomainError
from services.users import User

LANGUAGE_NAMES = {"ru": "Русский", "en": "English", "ro": "Română"}


class LangAction(StrEnum):
    SET = "set"


class LanguageCb(CallbackData, prefix="lg"):
    action: LangAction
    code: str


def refusal_text() -> str:
    return _("Sorry, this is a private bot for our sales team and customers. "
             "If you work with us, ask your admin for an invitation link.")


def welcome_text(actor: User, name: str | None = None) -> str:
    name = html.escape(name or actor.full_name or _("colleague"))
    return _("Hello, {name}! You are signed in as {role}.\n\n{commands}").format(
        name=name, role=role_name(actor.role), commands=help_text(actor.role))


def role_name(role: str) -> str:
    names = {"admin": _("admin"), "head": _("head of sales"), "manager": _("manager"),
             "customer": _("customer")}
    return names.get(role, role)


def language_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code in SUPPORTED_LANGUAGES:
        kb.button(text=LANGUAGE_NAMES[code],
                  callback_data=LanguageCb(action=LangAction.SET, code=code))
    kb.adjust(3)
    return kb.as_markup()


def create_router() -> Router:
    router = Router(name="common")

    @router.message(CommandStart(deep_link=True, magic=F.args.startswith("join_")))
    async def cmd_start_join(message: Message, command: CommandObject, access: AccessService,
                             state: FSMContext, bot: Bot) -> None:
        assert message.from_user is not None and command.args is not None
        user = message.from_user
        try:
            actor = await access.join(user.id, command.args.removeprefix("join_"),
                                      user.full_name, user.username, user.language_code)
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.clear()
        await set_chat_commands(bot, message.chat.id, actor.role)
        await message.answer(_("Welcome to the team! You joined as {role}.").format(
            role=role_name(actor.role)) + "\n\n" + help_text(actor.role))

    @router.message(CommandStart())
    async def cmd_start(message: Message, actor: User | None, access: AccessService,
                        bot: Bot, state: FSMContext) -> None:
        if actor is None:
            await message.answer(refusal_text())
            return
        assert message.from_user is not None
        await access.touch_profile(actor, message.from_user.full_name, message.from_user.username)
        await state.clear()
        await set_chat_commands(bot, message.chat.id, actor.role)
        await message.answer(welcome_text(actor, message.from_user.full_name))

    @router.message(Command("help"))
    async def cmd_help(message: Message, actor: User | None) -> None:
        if actor is None:
            await message.answer(refusal_text())
            return
        await message.answer(_("Commands:") + "\n" + help_text(actor.role))

    @router.message(Command("cancel"))
    async def cmd_cancel(message: Message, actor: User | None, state: FSMContext) -> None:
        if actor is None:
            await message.answer(refusal_text())
            return
        if await state.get_state() is None:
            await message.answer(_("There is nothing to cancel."))
            return
        await state.clear()
        await message.answer(_("Cancelled. Nothing was saved."))

    @router.message(Command("language"))
    async def cmd_language(message: Message, actor: User | None) -> None:
        if actor is None:
            await message.answer(refusal_text())
            return
        await message.answer(_("Choose your language:"), reply_markup=language_keyboard())

    @router.callback_query(LanguageCb.filter())
    async def on_language(query: CallbackQuery, callback_data: LanguageCb, actor: User | None,
                          access: AccessService, i18n: I18n, bot: Bot) -> None:
        if actor is None:
            await query.answer(refusal_text(), show_alert=True)
            return
        try:
            await access.set_language(actor, callback_data.code)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        with i18n.use_locale(callback_data.code):
            await query.answer()
            if isinstance(query.message, Message):
                await query.message.edit_text(_("Language: {name}.").format(
                    name=LANGUAGE_NAMES[callback_data.code]))
            await set_chat_commands(bot, query.from_user.id, actor.role)

    return router
