"""Audit entries in a timeline: ONE dict of action labels and ONE dict of field labels for
every stream's entries (`<entity>.<action>` codes, an edit's `{"changes": [{"field", "old",
"new"}]}`). An unknown action or field gets a generic label, never its raw code.

A line: "<when> · <who> · <action>: <field> <old> → <new>; ..."."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from handlers.tasks.texts import STATUS_NAMES
from services.interactions import AuditRecord, ChatMark

ACTION_LABELS: dict[str, Any] = {
    # clients and contacts
    "company.create": __("Client created"),
    "company.edit": __("Client edited"),
    "company.requisites": __("Requisites saved"),
    "company.reassign": __("Client reassigned"),
    "company.timezone": __("Time zone set"),
    "company.archive": __("Client archived"),
    "company.restore": __("Client restored"),
    "company.merge": __("Clients merged"),
    "contact.add": __("Contact added"),
    "contact.edit": __("Contact edited"),
    "contact.detach": __("Contact detached"),
    "contact.primary": __("Primary contact changed"),
    "contact.archive": __("Contact archived"),
    "contact.restore": __("Contact restored"),
    # leads and deals
    "lead.edit": __("Lead edited"),
    "lead.archive": __("Lead archived as junk"),
    "lead.restore": __("Lead restored"),
    "deal.edit": __("Deal edited"),
    "deal.archive": __("Deal archived"),
    "deal.restore": __("Deal restored"),
    "deal.lost": __("Deal lost"),
    "deal.won": __("Deal won"),
    "deal.create": __("Deal created"),
    "deal.move": __("Deal moved to another stage"),
    "deal.set_field": __("Deal field filled"),
    "lead.junk": __("Lead marked as junk"),
    # products and organizations
    "product.edit": __("Product edited"),
    "product.archive": __("Product archived"),
    "product.restore": __("Product restored"),
    "organization.edit": __("Organization edited"),
    # money documents
    "invoice.create": __("Invoice draft created"),
    "invoice.issue": __("Invoice issued"),
    "invoice.reissue": __("Invoice reissued"),
    "invoice.ship": __("Goods shipped"),
    "invoice.act": __("Act issued"),
    "invoice.upd": __("UPD issued"),
    "invoice.edit": __("Invoice edited"),
    "invoice.cancel": __("Invoice cancelled"),
    "invoice.repeat": __("Invoice repeated"),
    "quote.edit": __("Quote edited"),
    "quote.repeat": __("Quote repeated"),
    "credit_note.issue": __("Credit note issued"),
    "payment.refund": __("Refund recorded"),
    # files
    "file.add": __("File added"),
    # tasks
    "task.create": __("Task created"),
    "task.restore": __("Task restored"),
    "task.held": __("Event held"),
    "task.not_held": __("Event did not take place"),
    "task.planned": __("Task planned again"),
    "task.edit": __("Task edited"),
    "task.in_progress": __("Task in progress"),
    "task.waiting": __("Task waiting"),
    "task.deferred": __("Task deferred"),
    "task.done": __("Task done"),
    "task.cancelled": __("Task cancelled"),
    "task.archive": __("Task cancelled"),
    "task.assign": __("Task assigned"),
    "task.comment": __("Task comment"),
    "task.slot_offered": __("Time offered to the client"),
    "task.slot_withdrawn": __("Time no longer offered to the client"),
    "meeting.confirm": __("The client confirmed the meeting"),
    "meeting.cancel": __("The client cancelled the meeting"),
    "meeting.moved": __("The client moved the meeting to a time offered"),
    "meeting.wish": __("The client asked for another meeting time"),
}

FIELD_LABELS: dict[str, Any] = {
    "name": __("name"),
    "tax_id": __("tax id"),
    "kpp": __("KPP"),
    "ogrn": __("OGRN"),
    "legal_address": __("legal address"),
    "phone": __("phone"),
    "email": __("e-mail"),
    "timezone": __("time zone"),
    "language": __("language"),
    "price_list": __("price list"),
    "payment_terms_days": __("payment terms, days"),
    "position": __("position"),
    "primary": __("primary contact"),
    "title": __("title"),
    "amount": __("amount"),
    "currency": __("currency"),
    "expected_close": __("expected close date"),
    "pipeline": __("pipeline"),
    "stage": __("stage"),
    "owner": __("owner"),
    "price": __("price"),
    "vat_rate": __("VAT rate"),
    "unit": __("unit"),
    "status": __("status"),
    "due": __("due"),
    "starts": __("starts"),
    "slot": __("time offered"),
    "assignee": __("assignee"),
    "reason": __("reason"),
    "city": __("city"),
    "source": __("source"),
    "topic": __("topic"),
    "address": __("address"),
    "bank_name": __("bank name"),
    "account": __("account"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else _("Change")


def field_label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return str(label) if label is not None else _("field")


LINE_MAX = 300  # characters of one entry before escaping: a timeline stays one message


# Values stored as codes, shown in words (a task's status).
VALUE_NAMES: dict[str, Mapping[str, Any]] = {"status": STATUS_NAMES}


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    name = VALUE_NAMES.get(field, {}).get(str(value))
    return str(name) if name is not None else str(value)[:100]


def _details(data: Mapping[str, Any]) -> list[str]:
    parts = []
    for item in data.get("changes") or ():
        if not isinstance(item, Mapping):
            continue
        field = str(item.get("field"))
        parts.append(f"{field_label(field)} {_value(field, item.get('old'))} → "
                     f"{_value(field, item.get('new'))}")
    return parts


def audit_line(record: AuditRecord, when: str) -> str:
    """One audit entry of a timeline, escaped and at most LINE_MAX characters of text;
    `when` is the local date and time."""
    who = record.actor_name or _("the bot")
    text = action_label(record.action)
    name = record.data.get("name")
    if name and record.action == "company.merge":
        text += " " + _("with «{name}»").format(name=str(name)[:100])
    elif name and record.entity == "contact":
        text += f" «{str(name)[:100]}»"
    details = _details(record.data)
    reason = record.data.get("reason")
    if reason:
        details.append(_("reason: {reason}").format(reason=str(reason)[:200]))
    if details:
        text += ": " + "; ".join(details)
    if len(text) > LINE_MAX:
        text = text[:LINE_MAX - 1] + "…"
    return f"📝 {when} · {html.escape(who)} · {html.escape(text)}"


# --- a message of the manager's Telegram Business chat (issue 20) -------------------------

#: What a business message carried: a kept file's kind, or a kind named and not kept.
CHAT_KINDS = {
    "photo": __("photo"),
    "document": __("file"),
    "voice": __("voice message"),
    "video": __("video"),
    "video_note": __("video message"),
    "audio": __("audio"),
    "sticker": __("sticker"),
    "animation": __("animation"),
    "poll": __("poll"),
    "location": __("location"),
    "venue": __("place"),
    "contact": __("contact card"),
    "dice": __("dice"),
    "game": __("game"),
    "story": __("story"),
    "checklist": __("checklist"),
    "other": __("a message of another kind"),
}


def chat_kind(kind: str) -> str:
    return str(CHAT_KINDS.get(kind, CHAT_KINDS["other"]))


def chat_line(mark: ChatMark, text: str, kept: bool) -> str:
    """A business chat's message on the timeline: its direction, its text (escaped here),
    what it carried ("[photo]"; a kind we do not keep says so) and whether it was edited
    or deleted."""
    head = _("Telegram, to the customer") if mark.outgoing else \
        _("Telegram, from the customer")
    parts = [html.escape(text[:200])] if text else []
    if mark.kind != "text":
        what = chat_kind(mark.kind)
        parts.append(f"[{what}]" if kept else "[" + _("{what}, not kept").format(what=what)
                     + "]")
    if mark.edited:
        parts.append(_("(edited)"))
    if mark.deleted:
        parts.append(_("(deleted)"))
    return f"{head}: " + " ".join(parts)
