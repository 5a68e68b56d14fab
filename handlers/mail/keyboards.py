"""Keyboards of the mail pushes and the reply step: pure functions of their data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.companies import CompanyAction, CompanyCb
from handlers.mail.callbacks import DOC_CODES, MailAction, MailCb
from handlers.mail.texts import document_name
from services.mail import STATUS_CLIENT, STATUS_UNVERIFIED, ReplyDocument


def push_keyboard(p: Mapping[str, Any]) -> InlineKeyboardMarkup:
    mail_id = int(p["mail_id"])
    status = p.get("status")
    kb = InlineKeyboardBuilder()
    if status == STATUS_UNVERIFIED:
        kb.button(text=_("It is theirs: add to the timeline"),
                  callback_data=MailCb(action=MailAction.CONFIRM, id=mail_id))
    if status != STATUS_CLIENT:
        kb.button(text=_("Make a lead"), callback_data=MailCb(action=MailAction.LEAD, id=mail_id))
    if p.get("from_addr"):
        kb.button(text=_("Reply"), callback_data=MailCb(action=MailAction.REPLY, id=mail_id))
    if status == STATUS_CLIENT and p.get("company_id"):
        kb.button(text=_("Open client"), callback_data=CompanyCb(
            action=CompanyAction.OPEN, id=int(p["company_id"])))
    kb.button(text=_("Make a task"), callback_data=MailCb(action=MailAction.TASK, id=mail_id))
    kb.adjust(1)
    return kb.as_markup()


def cancel_keyboard(mail_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Cancel"), callback_data=MailCb(action=MailAction.CANCEL, id=mail_id))
    return kb.as_markup()


def reply_keyboard(mail_id: int, documents: Sequence[ReplyDocument],
                   chosen: ReplyDocument | None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for doc in documents:
        mark = "✅ " if doc == chosen else "📎 "
        kb.button(text=mark + document_name(doc), callback_data=MailCb(
            action=MailAction.ATTACH, id=mail_id, doc=DOC_CODES[doc.kind], of=doc.id))
    kb.button(text=_("Send"), callback_data=MailCb(action=MailAction.SEND, id=mail_id))
    kb.button(text=_("Cancel"), callback_data=MailCb(action=MailAction.CANCEL, id=mail_id))
    kb.adjust(1)
    return kb.as_markup()
