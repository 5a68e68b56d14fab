"""Texts of the mail pushes and of the reply step; the user's data HTML-escaped."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from aiogram.utils.i18n import gettext as _

from services.mail import STATUS_CLIENT, STATUS_UNVERIFIED, ReplyDocument, ReplyDraft


def _esc(value: Any) -> str:
    return html.escape(str(value or ""))


def sender_line(name: Any, addr: Any) -> str:
    return f"{_esc(name)} ({_esc(addr)})" if name else _esc(addr)


def document_name(doc: ReplyDocument) -> str:
    number = _esc(doc.number)
    if doc.kind == "quote":
        return _("Quote {number}").format(number=number)
    if doc.kind == "act":
        return _("Act for invoice {number}").format(number=number)
    return _("Invoice {number}").format(number=number)


def push_text(p: Mapping[str, Any]) -> str:
    """The manager's push of one e-mail: who, about what, the start of the new text, what
    came with it and what could not be read."""
    who = sender_line(p.get("from_name"), p.get("from_addr"))
    status = p.get("status")
    if status == STATUS_CLIENT:
        head = _("✉️ E-mail from {who} ({client}). It is on the client's timeline.").format(
            who=who, client=_esc(p.get("company")))
    elif status == STATUS_UNVERIFIED:
        head = _("⚠️ E-mail signed as {who} ({client}), but the sender is not verified: "
                 "the envelope says {other}. It was not put on the client's timeline; "
                 "add it only if you are sure it is theirs.").format(
            who=who, client=_esc(p.get("company")), other=_esc(p.get("unverified_by")))
    else:
        head = _("✉️ New e-mail from {who}, who is not in the CRM yet.").format(who=who)
    lines = [head, ""]
    subject = p.get("subject")
    lines.append(f"<b>{_esc(subject)}</b>" if subject else _("(no subject)"))
    excerpt = str(p.get("excerpt") or "")
    if excerpt:
        lines += ["", _esc(excerpt)]
    if p.get("too_large"):
        lines += ["", _("The message is larger than the limit: only its headers were read. "
                        "Open it in the mailbox.")]
    elif p.get("no_text"):
        lines += ["", _("The message has no text.")]
    files = p.get("files") or []
    if files:
        lines += ["", _("📎 Attached: {names}").format(names=_esc(", ".join(files)))]
    skipped = p.get("skipped") or []
    if skipped:
        lines.append(_("Not kept (too large or too many): {names}").format(
            names=_esc(", ".join(skipped))))
    if status != STATUS_CLIENT:
        found = [_esc(v) for v in (p.get("phone"), p.get("lead_company"), p.get("tax_id")) if v]
        if found:
            lines += ["", _("For a lead: {found}").format(found=", ".join(found))]
    return "\n".join(lines)


def mailbox_down_text(p: Mapping[str, Any]) -> str:
    return _("📭 The mailbox {mailbox} cannot be read: {error}. Tried {n} times in a row; I "
             "keep trying and no message will be lost. Check the IMAP settings and the "
             "server.").format(mailbox=_esc(p.get("mailbox")), error=_esc(p.get("error")),
                              n=int(p.get("failures") or 0))


def reply_failed_text(p: Mapping[str, Any]) -> str:
    return _("Your reply to {to} was not sent: the mail server refused it ({error}).").format(
        to=_esc(p.get("to")), error=_esc(p.get("error")))


def reply_prompt(draft: ReplyDraft) -> str:
    return _("Type your answer to {to}, «{subject}». It leaves by e-mail from the company "
             "address and keeps the thread.").format(to=_esc(draft.to),
                                                     subject=_esc(draft.subject))


def reply_preview(draft: ReplyDraft, text: str, chosen: ReplyDocument | None,
                  documents: Sequence[ReplyDocument]) -> str:
    lines = [_("Reply to {to}, «{subject}»:").format(to=_esc(draft.to),
                                                     subject=_esc(draft.subject)),
             "", _esc(text), ""]
    if chosen is not None:
        lines.append(_("📎 With {document} (PDF).").format(document=document_name(chosen)))
    elif documents:
        lines.append(_("Attach a document with one tap, or send as it is."))
    return "\n".join(lines)


def reply_queued_text(draft: ReplyDraft) -> str:
    return _("The reply to {to} is on its way. It will be on the timeline once the mail "
             "server takes it.").format(to=_esc(draft.to))
