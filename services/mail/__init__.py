"""Mail: the company mailbox read over IMAP (each message processed once, onto the client's
timeline or offered as a lead) and replies typed in the chat leaving by SMTP.

`model` (values and limits), `parse` (the `email` package into a safe summary), `extract`
(phone, company and tax id of a stranger), `ports`, `service` (the use cases)."""

from __future__ import annotations

from services.mail.model import (
    MAIL_SOURCE,
    STATUS_CLIENT,
    STATUS_UNKNOWN,
    STATUS_UNVERIFIED,
    Ingested,
    MailAttachment,
    MailboxState,
    MailSettings,
    OutgoingReply,
    ParsedMail,
    ReplyDocument,
    ReplyDraft,
    StoredMail,
)
from services.mail.parse import parse_message
from services.mail.service import MAIL_FILE, MAIL_REPLY, MailService

__all__ = [
    "MAIL_FILE",
    "MAIL_REPLY",
    "MAIL_SOURCE",
    "STATUS_CLIENT",
    "STATUS_UNKNOWN",
    "STATUS_UNVERIFIED",
    "Ingested",
    "MailAttachment",
    "MailService",
    "MailSettings",
    "MailboxState",
    "OutgoingReply",
    "ParsedMail",
    "ReplyDocument",
    "ReplyDraft",
    "StoredMail",
    "parse_message",
]
