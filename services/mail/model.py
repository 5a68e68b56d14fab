"""Mail values: a parsed incoming message (a safe summary: text only, never rendered HTML),
what was read from it for a lead, the mailbox's state, a reply on its way, and the limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

# A message larger than this is not downloaded: its headers are read, the push says so.
MAX_MESSAGE_BYTES: Final = 25 * 1024 * 1024
# What the timeline keeps of a message's text (services.interactions.TEXT_MAX).
TEXT_KEPT: Final = 4000
# What a push shows of it.
EXCERPT: Final = 600
# Attachments larger than this are not kept (Telegram's upload limit for a bot is 50 MB; a
# push with many large files helps nobody): their names are listed in the push.
ATTACHMENT_MAX: Final = 20 * 1024 * 1024
MAX_ATTACHMENTS: Final = 10
# Admins are told once a failure streak reaches this many attempts in a row.
FAILURES_BEFORE_ALERT: Final = 3
RETRY_BASE: Final = timedelta(seconds=5)
RETRY_CAP: Final = timedelta(minutes=10)

STATUS_CLIENT: Final = "client"  # a known contact: on the timeline, the manager pushed
STATUS_UNVERIFIED: Final = "unverified"  # From a known contact, but the envelope says else
STATUS_UNKNOWN: Final = "unknown"  # a stranger: the manager whose turn it is may make a lead
MAIL_SOURCE: Final = "email"  # the lead source and the interaction kind


@dataclass(frozen=True, slots=True)
class MailAttachment:
    filename: str
    mime_type: str
    content: bytes

    def __repr__(self) -> str:  # the bytes would flood a log line
        return f"MailAttachment({self.filename!r}, {len(self.content)} bytes)"


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """A message as the CRM keeps it. `text` is the new part of the message (quoted history
    stripped), plain text; `verified` is False when the envelope (Return-Path, Sender) or the
    receiving server's checks (SPF, DMARC) disagree with `From`."""

    message_id: str
    from_addr: str
    from_name: str
    subject: str
    text: str
    date: datetime | None = None
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    verified: bool = True
    unverified_by: str = ""  # the envelope address that disagreed
    attachments: tuple[MailAttachment, ...] = ()
    skipped_attachments: tuple[str, ...] = ()  # names of those not kept (too large, too many)
    too_large: bool = False  # only the headers were read
    no_text: bool = False  # neither a text nor an HTML part


@dataclass(frozen=True, slots=True)
class SenderFacts:
    """What a stranger's message tells about them, for a lead: only what checks out (a phone
    phonenumbers parses as valid, a tax id whose checksum holds)."""

    name: str = ""
    email: str = ""
    phone: str | None = None
    company: str | None = None
    country: str | None = None
    tax_id: str | None = None
    vat_payer: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "phone": self.phone,
                "company": self.company, "country": self.country, "tax_id": self.tax_id,
                "vat_payer": self.vat_payer}


@dataclass(frozen=True, slots=True)
class MailboxState:
    id: int
    name: str
    uidvalidity: int | None
    last_uid: int
    since: datetime
    failures: int = 0
    failing_since: datetime | None = None

    @property
    def starts(self) -> datetime:
        """The first moment processed: IMAP's INTERNALDATE has whole seconds, so a message
        received in the second the mailbox was set up counts."""
        return self.since.replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class StoredMail:
    """A processed message as the buttons of its push need it."""

    id: int
    message_id: str
    references: str
    from_addr: str
    from_name: str
    subject: str
    status: str
    verified: bool
    owner_id: int | None
    company_id: int | None
    contact_id: int | None
    lead_id: int | None
    interaction_id: int | None
    received_at: datetime
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ingested:
    """What happened to one message: `new` False when it had been processed before."""

    new: bool
    status: str | None = None  # None: older than the mailbox's start, not processed
    mail_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReplyDocument:
    """A document offered with one tap beside a reply: the client's latest invoice, quote,
    or the act of its latest shipped invoice."""

    kind: str  # invoice | quote | act
    id: int  # the invoice's or the quote's id
    number: str


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    """What the Reply button needs: the message answered and the documents on offer."""

    mail: StoredMail
    to: str
    subject: str
    documents: tuple[ReplyDocument, ...] = ()


@dataclass(frozen=True, slots=True)
class OutgoingReply:
    """A queued reply as the SMTP sender writes it."""

    id: int
    to: str
    subject: str
    text: str
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    attachment: MailAttachment | None = None


@dataclass(frozen=True, slots=True)
class MailSettings:
    since: datetime | None = None  # IMAP_SINCE: else the day the mailbox is first watched
    max_bytes: int = MAX_MESSAGE_BYTES
    sender: str = "dealchat@localhost"  # SMTP_FROM: the From of replies
    region: str = "RU"  # phones without a country code
    failures_before_alert: int = FAILURES_BEFORE_ALERT


def retry_delay(failures: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at 10 minutes, after the `failures`-th failure in a row."""
    exponent = min(max(failures - 1, 0), 20)
    return min(RETRY_BASE * (2 ** exponent), RETRY_CAP)
