"""A business message as the service takes it: who wrote, the text (or caption) whole, and
what it carried: a file we keep (by file_id), or a kind we only name."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import Message

from handlers.files import incoming_of
from services.business import NAMED_KINDS, IncomingMessage, Sender


def _named_kind(message: Message) -> str:
    return next((kind for kind in NAMED_KINDS
                 if kind != "other" and getattr(message, kind, None) is not None), "other")


def incoming_message(message: Message, edited: bool = False) -> IncomingMessage:
    """What a business_message (or edited_business_message) update carries."""
    user = message.from_user
    sender = None if user is None else Sender(
        telegram_user_id=user.id, name=user.full_name, username=user.username,
        language=user.language_code)
    sent = (message.edit_date if edited and message.edit_date else message.date)
    at = sent if isinstance(sent, datetime) else datetime.fromtimestamp(int(sent), UTC)
    text = message.text or message.caption or ""
    file = incoming_of(message)
    if message.text is not None:
        kind = "text"
    elif file is not None:
        kind = file.kind
    else:
        kind = _named_kind(message)
    card = message.contact
    if card is not None:  # a contact card: its name and phone are what it says
        text = " ".join(p for p in (card.first_name, card.last_name, card.phone_number) if p)
    return IncomingMessage(
        connection_id=message.business_connection_id or "", chat_id=message.chat.id,
        message_id=message.message_id, sent_at=at.astimezone(UTC), kind=kind, text=text,
        sender=sender, file=file, card_phone=card.phone_number if card else None)
