"""Telegram Business texts: the connection told to the manager, the /business screen, the
push about someone new, and the answers to its buttons."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel import Locale, UnknownLocaleError

from handlers.leads import lead_card
from handlers.timeline_texts import chat_kind
from services.business import (
    BusinessScreen,
    Chat,
    ChatLead,
    Connection,
    ConnectionOutcome,
    Purged,
)

#: The rights Telegram grants a business bot (BusinessBotRights), as the manager reads them.
RIGHT_NAMES = {
    "can_reply": __("reply to messages"),
    "can_read_messages": __("mark messages as read"),
    "can_delete_sent_messages": __("delete messages it sent"),
    "can_delete_all_messages": __("delete any message"),
    "can_edit_name": __("edit your name"),
    "can_edit_bio": __("edit your bio"),
    "can_edit_profile_photo": __("edit your profile photo"),
    "can_edit_username": __("edit your username"),
    "can_change_gift_settings": __("change gift settings"),
    "can_view_gifts_and_stars": __("view gifts and Stars"),
    "can_convert_gifts_to_stars": __("convert gifts to Stars"),
    "can_transfer_and_upgrade_gifts": __("transfer and upgrade gifts"),
    "can_transfer_stars": __("transfer Stars"),
    "can_manage_stories": __("manage stories"),
}


def _language_name(code: str) -> str:
    """A language Telegram gave ("ro", "pt-br") by its name in the reader's language."""
    try:
        return str(Locale.parse(code.replace("-", "_")).get_display_name(
            get_i18n().current_locale) or code)
    except (ValueError, TypeError, UnknownLocaleError):
        return code


def how_to_connect(bot_username: str | None) -> str:
    who = f"@{bot_username}" if bot_username else _("this bot")
    return _("To connect: Telegram Settings → Telegram Business → Chatbots → {bot}.").format(
        bot=html.escape(who))


def reply_line(connection: Connection) -> str:
    if connection.can_reply:
        return _("I may send invoices and quotes into your chats on your behalf.")
    return _("I may not reply in your chats: to send invoices and quotes from your account, "
             "allow «Reply to messages» in Telegram Business → Chatbots.")


def connection_text(outcome: ConnectionOutcome, connection: Connection) -> str:
    """What the manager is told in the bot's chat when their connection changed."""
    if outcome == ConnectionOutcome.DISCONNECTED:
        return _("The bot is disconnected from your Telegram Business account: nothing from "
                 "your chats is logged any more, and documents are not sent from your "
                 "account.")
    if outcome == ConnectionOutcome.RIGHTS:
        return _("Telegram changed what the bot may do in your account.") + "\n" + \
            reply_line(connection)
    return "\n\n".join((
        _("The bot is connected to your Telegram Business account."),
        _("From now on your chats with customers are logged: messages both ways go onto "
          "the client's timeline (text; photos, files and voice messages kept as files; "
          "edits and deletions marked). When someone new writes, I offer to make them a "
          "lead."),
        _("To keep a chat out (personal contacts), tap «Exclude this chat» when I tell you "
          "about it, or use /business: nothing from an excluded chat is stored."),
        reply_line(connection)))


def chat_name(chat: Chat) -> str:
    name = html.escape(chat.name or str(chat.chat_id))
    return f"{name} (@{html.escape(chat.username)})" if chat.username else name


def screen_text(screen: BusinessScreen, bot_username: str | None) -> str:
    c = screen.connection
    lines = ["<b>" + _("Telegram Business") + "</b>"]
    if c is None or not c.is_enabled:
        lines.append(_("Not connected: your Telegram chats are not logged."))
        lines.append(how_to_connect(bot_username))
    else:
        lines.append(_("Connected: your chats with customers are logged on their "
                       "timelines."))
        granted = [str(RIGHT_NAMES.get(r, r)) for r in c.granted]
        lines.append(_("Rights: {rights}").format(rights=", ".join(granted) or "—"))
        lines.append(reply_line(c))
    if screen.excluded:
        lines.append("")
        lines.append(_("Excluded chats (nothing stored):"))
        lines.extend(f"• {chat_name(ch)}" for ch in screen.excluded)
    if screen.recent:
        lines.append("")
        lines.append(_("Latest chats:"))
        lines.extend(f"• {chat_name(ch)}" for ch in screen.recent)
    return "\n".join(lines)


def new_chat_text(p: Mapping[str, Any]) -> str:
    """The push: someone new wrote in the manager's business account."""
    name = html.escape(str(p.get("name") or ""))
    if p.get("username"):
        name += f" (@{html.escape(str(p['username']))})"
    lines = [_("New chat in your Telegram: {name}").format(name=name)]
    if p.get("language"):
        lines.append(_("Language: {code}").format(
            code=html.escape(_language_name(str(p["language"])))))
    text = str(p.get("text") or "")
    if p.get("kind") not in (None, "text"):
        text = f"[{chat_kind(str(p['kind']))}] {text}".strip()
    if text:
        lines.append(f"«{html.escape(text)}»")
    return "\n".join(lines)


def lead_made_text(made: ChatLead) -> str:
    head = _("Lead made from the chat:") if made.created else \
        _("This chat already has a lead:")
    lines = [head, lead_card(made.lead)]
    if made.lead.language:
        lines.append(_("Language: {code}").format(
            code=html.escape(_language_name(made.lead.language))))
    if made.first_message:
        first = made.first_message
        first = first if len(first) <= 300 else first[:300] + "…"
        lines.append(_("First message: {text}").format(text=html.escape(first)))
    lines.append(_("Later messages of this chat join the lead, and its client once it is "
                   "converted."))
    return "\n".join(lines)


def excluded_text(purged: Purged) -> str:
    return _("Chat with {name} excluded: {count} stored messages deleted, and nothing more "
             "from it is stored. /business includes it again.").format(
        name=chat_name(purged.chat), count=purged.messages)


def included_text(chat: Chat) -> str:
    return _("Chat with {name} is logged again from its next message.").format(
        name=chat_name(chat))
