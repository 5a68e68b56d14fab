"""Texts and buttons of the messages the bot sends on its own (`services.notices`), rendered
by the outbox sender from the row's payload, in the recipient's language (set by the caller).

Each renderer takes the payload the service stored and returns (text, keyboard or None);
an unknown kind raises KeyError (a bug: the sender retries and logs it)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.business import new_chat_keyboard, new_chat_text
from handlers.companies import CompanyAction, CompanyCb
from handlers.customer import named_in_sentence
from handlers.deals.callbacks import DealAction, DealCb
from handlers.delivery import KIND_CODES, DeliveryCb, Dv
from handlers.leads import open_lead_keyboard, web_push_text
from handlers.mail import mailbox_down_text, push_keyboard, push_text, reply_failed_text
from handlers.payments import (
    applied_keyboard,
    applied_text,
    digest_text,
    receipt_text,
    review_event_text,
    review_keyboard,
    thanks_text,
)
from handlers.tasks.notices import meeting_answer, task_assigned, task_comment
from services import notices as n

Rendered = tuple[str, InlineKeyboardMarkup | None]


def _payment_applied(p: Mapping[str, Any]) -> Rendered:
    event = n.applied_from(p)
    return applied_text(event), applied_keyboard(event)


def _payment_team(p: Mapping[str, Any]) -> Rendered:
    return applied_text(n.applied_from(p)), None


def _payment_receipt(p: Mapping[str, Any]) -> Rendered:
    return receipt_text(n.applied_from(p)), None


def _payment_digest(p: Mapping[str, Any]) -> Rendered:
    return digest_text(n.digest_from(p)), None


def _payment_review(p: Mapping[str, Any]) -> Rendered:
    event = n.review_from(p)
    return review_event_text(event), review_keyboard(event.payment_id, event.candidates)


def _thanks(p: Mapping[str, Any]) -> Rendered:
    return thanks_text(str(p.get("number") or "")), None


def _customer_action(p: Mapping[str, Any]) -> Rendered:
    who = html.escape(str(p.get("customer") or ""))
    doc = named_in_sentence(p.get("doc_kind"), p.get("doc_number"), p.get("doc_id"))
    what = p.get("what")
    if what == "opened":
        return _("{name} opened {document} in Telegram.").format(name=who, document=doc), None
    if what == "paid":
        return _("{name} says {document} is paid. Reminders are paused until the payment "
                 "is matched.").format(name=who, document=doc), None
    if what == "accepted":
        return _("{name} accepted {document}.").format(name=who, document=doc), None
    if what != "changes":
        doc = named_in_sentence(p.get("doc_kind"), p.get("doc_number"), p.get("doc_id"),
                                "about")
    heading = (_("{name} asks for changes to {document}:") if what == "changes"
               else _("Question from {name} about {document}:"))
    body = html.escape(str(p.get("text") or ""))
    return heading.format(name=who, document=doc) + "\n\n" + body, None


def _lead_push(p: Mapping[str, Any]) -> Rendered:
    return web_push_text(
        name=str(p.get("name") or ""), company=p.get("company"), phone=p.get("phone"),
        email=p.get("email"), topic=p.get("topic")), open_lead_keyboard(int(p["lead_id"]))


def _reassigned(p: Mapping[str, Any]) -> Rendered:
    who = html.escape(str(p.get("who") or ""))
    name = html.escape(str(p.get("company") or ""))
    if p.get("to_you"):
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Open card"), callback_data=CompanyCb(action=CompanyAction.OPEN,
                                                               id=int(p["company_id"])))
        return (_("{who} gave you a client:").format(who=who) + f"\n<b>{name}</b>",
                kb.as_markup())
    return _("{who} reassigned your client «{name}» to {owner}.").format(
        who=who, name=name, owner=html.escape(str(p.get("owner") or ""))), None


def _deal_reassigned(p: Mapping[str, Any]) -> Rendered:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open deal"), callback_data=DealCb(action=DealAction.OPEN,
                                                        id=int(p["deal_id"])))
    return (_("{who} gave you a deal:").format(who=html.escape(str(p.get("who") or "")))
            + f"\n<b>{html.escape(str(p.get('deal') or ''))}</b>", kb.as_markup())


def _reminder_answer(p: Mapping[str, Any]) -> Rendered:
    who = html.escape(str(p.get("customer") or ""))
    what, heading = p.get("answer"), html.escape(str(p.get("title") or ""))
    if what == "paid":
        return _("{who} says invoice {number} is paid. Reminders are paused until the "
                 "payment arrives (or resume them in /reminders).").format(
            who=who, number=heading), None
    if what == "confirm":
        return _("{who} confirmed the meeting «{title}».").format(who=who, title=heading), None
    return _("{who} asks to reschedule the meeting «{title}».").format(
        who=who, title=heading), None


def _document_delivered(p: Mapping[str, Any]) -> Rendered:
    return _("Sent to {name}'s chat.").format(
        name=html.escape(str(p.get("contact_name") or ""))), None


def _document_failed(p: Mapping[str, Any]) -> Rendered:
    doc = named_in_sentence(p.get("subject_kind"), p.get("number"), p.get("subject_id"))
    name = html.escape(str(p.get("contact_name") or ""))
    reason = p.get("reason")
    if reason == "blocked":
        text = _("Telegram did not deliver {document} to {name}: the customer has blocked the "
                 "bot. Send it by e-mail or as a link.").format(document=doc, name=name)
    elif reason == "business":
        text = _("Telegram did not send {document} to {name} from your account: the bot may "
                 "not write in that chat now (the reply right was withdrawn, or the chat had "
                 "no message from the customer lately). Nothing is recorded as sent.").format(
            document=doc, name=name)
    elif reason == "no_chat":
        text = _("Telegram did not deliver {document} to {name}: their chat no longer "
                 "exists. Send it by e-mail or as a link.").format(document=doc, name=name)
    else:
        text = _("Telegram did not deliver {document} to {name}. Try again, or send it by "
                 "e-mail or as a link.").format(document=doc, name=name)
    kind = str(p.get("subject_kind") or "invoice")
    kb = InlineKeyboardBuilder()
    kb.button(text=_("By e-mail"), callback_data=DeliveryCb(
        action=Dv.MAIL, k=KIND_CODES.get(kind, "i"), id=int(p.get("subject_id") or 0)))
    return text, kb.as_markup()


def _invoice_cancelled(p: Mapping[str, Any]) -> Rendered:
    return _("Invoice {number} has been cancelled: there is nothing to pay on it. Reminders "
             "about it will not come any more.").format(
        number=html.escape(str(p.get("number") or ""))), None


def _business_chat(p: Mapping[str, Any]) -> Rendered:
    return new_chat_text(p), new_chat_keyboard(int(p["chat"]))
def _mail_push(p: Mapping[str, Any]) -> Rendered:
    return push_text(p), push_keyboard(p)


RENDERERS: dict[str, Callable[[Mapping[str, Any]], Rendered]] = {
    n.PAYMENT_APPLIED: _payment_applied,
    n.PAYMENT_TEAM: _payment_team,
    n.PAYMENT_RECEIPT: _payment_receipt,
    n.PAYMENT_REVIEW: _payment_review,
    n.PAYMENT_DIGEST: _payment_digest,
    n.THANKS: _thanks,
    n.CUSTOMER_ACTION: _customer_action,
    n.LEAD_PUSH: _lead_push,
    n.REASSIGNED: _reassigned,
    n.DEAL_REASSIGNED: _deal_reassigned,
    n.REMINDER_ANSWER: _reminder_answer,
    n.MEETING_ANSWER: meeting_answer,
    n.DOCUMENT_DELIVERED: _document_delivered,
    n.DOCUMENT_FAILED: _document_failed,
    n.TASK_ASSIGNED: task_assigned,
    n.TASK_COMMENT: task_comment,
    n.INVOICE_CANCELLED: _invoice_cancelled,
    n.BUSINESS_CHAT: _business_chat,
    n.MAIL_PUSH: _mail_push,
    n.MAILBOX_DOWN: lambda p: (mailbox_down_text(p), None),
    n.MAIL_FAILED: lambda p: (reply_failed_text(p), None),
}


def render_notice(kind: str, payload: Mapping[str, Any]) -> Rendered:
    return RENDERERS[kind](payload)
