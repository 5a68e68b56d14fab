"""The command menu per role (setMyCommands with a chat scope) and the /help text."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __

from services.users import Role

logger = logging.getLogger(__name__)

COMMON = [
    ("start", __("Start")),
    ("help", __("What I can do")),
    ("cancel", __("Leave the current step")),
    ("language", __("Change language")),
]
STAFF = [
    ("clients", __("My clients")),
    ("newclient", __("Add a client")),
    ("lead", __("Add a lead")),
    ("leads", __("My leads")),
    ("find", __("Find clients, contacts, leads, deals")),
    ("deals", __("My deals")),
    ("newdeal", __("Add a deal")),
    ("task", __("Add a task or an event")),
    ("today", __("My tasks and events today")),
    ("week", __("My tasks and events for seven days")),
    ("funnel", __("Sales funnel")),
    ("invoice", __("New invoice")),
    ("invoices", __("My invoices")),
    ("quote", __("New quote")),
    ("quotes", __("My quotes")),
    ("products", __("Find a product")),
    ("payments", __("Payments waiting for a decision")),
    ("reminders", __("Next reminders to my clients")),
    ("alerts", __("My alerts: the digest's hour, on and off")),
    ("clienttz", __("A client's time zone")),
    ("contract", __("Add a contract")),
    ("contracts", __("My contracts")),
    ("debts", __("Who owes us, aged")),
    ("export", __("Export invoices and payments")),
    ("reports", __("Reports: sales, funnel, ABC, payment calendar, plans")),
    ("business", __("My Telegram Business: connection, excluded chats")),
]
PLANS = [
    ("plan", __("Set a manager's monthly plan")),
]
ADMIN = [
    ("invite", __("Invite a manager")),
    ("team", __("Team: deactivate, reassign")),
    ("newproduct", __("Add a product")),
    ("import_products", __("Import products from CSV")),
    ("org", __("Our organizations")),
    ("outbox", __("Message queue health")),
]
CUSTOMER = [
    ("documents", __("My quotes and invoices")),
]
ADMIN_DOCUMENTS = [
    ("template", __("Upload a document template")),
    ("logo", __("Upload the logo for documents")),
    ("stamp", __("Upload the stamp image")),
    ("signature", __("Upload the signature image")),
]
ROLE_COMMANDS = {
    Role.ADMIN: STAFF + PLANS + ADMIN + ADMIN_DOCUMENTS + COMMON,
    Role.HEAD: STAFF + PLANS + COMMON,
    Role.MANAGER: STAFF + COMMON,
    Role.CUSTOMER: CUSTOMER + COMMON,
}


def commands_for(role: Role | None) -> list[tuple[str, str]]:
    items = ROLE_COMMANDS.get(role, []) if role else [COMMON[0], COMMON[3]]
    return [(name, str(text)) for name, text in items]


def help_text(role: Role | None) -> str:
    return "\n".join(f"/{name} — {text}" for name, text in commands_for(role))


async def set_chat_commands(bot: Bot, chat_id: int, role: Role | None) -> None:
    """Telegram shows each chat the menu of its user's role, in their language (the current
    i18n locale)."""
    try:
        await bot.set_my_commands(
            [BotCommand(command=n, description=d) for n, d in commands_for(role)],
            scope=BotCommandScopeChat(chat_id=chat_id),
        )
    except TelegramAPIError:
        logger.warning("could not set the command menu for chat %s", chat_id, exc_info=True)


async def set_default_commands(bot: Bot, i18n: I18n) -> None:
    """The menu strangers see, in each language we have, plus a default one."""
    with i18n.context():
        for locale in [*i18n.available_locales, None]:
            with i18n.use_locale(locale or i18n.default_locale):
                commands = [BotCommand(command=n, description=d)
                            for n, d in commands_for(None)]
            await bot.set_my_commands(commands, scope=BotCommandScopeDefault(),
                                      language_code=locale)
