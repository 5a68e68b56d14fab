"""An incoming message read with the standard `email` package into a safe summary.

Nothing is rendered: an HTML part becomes text by collecting its text nodes (scripts, styles
and the head dropped), so no script, image or link in it is ever fetched or run. A part in
an unknown or wrong charset falls back to UTF-8, then Windows-1251 (Russian mail clients),
then Latin-1, which decodes anything. Broken MIME is read as far as the parser gets (the
`email` package records defects instead of raising); a message past the size cap is read
from its headers alone. The quoted history of a reply is cut off (mail-parser-reply for the
English forms, our own markers for the Russian and Romanian ones)."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

from services.mail.model import (
    ATTACHMENT_MAX,
    MAX_ATTACHMENTS,
    MailAttachment,
    ParsedMail,
)
from services.text import normalize_typed

_FALLBACK_CHARSETS = ("utf-8", "cp1251", "latin-1")
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript",
                           "iframe", "object", "svg"})
_BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                         "table", "blockquote", "section", "article", "hr"})
# Where the quoted message begins in Russian and Romanian clients (and Outlook's forms),
# beyond the English "On … wrote:" that mail-parser-reply knows.
_QUOTE_HEADERS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:Original Message|Исходное сообщение|Пересылаемое сообщение|Mesaj original|"
    r"Mesajul original|Forwarded message)\s*-{2,}"
    r"|.{0,120}\b(?:написал|написала|пишет)\s*(?:\(а\))?\s*:\s*$"
    r"|(?:În|In)\s.{0,160}\ba scris\s*:\s*$"
    r"|(?:From|От|De la|Expeditor)\s*:\s.+$(?=\s*^\s*(?:Sent|Отправлено|Trimis|Date|Дата)\s*:)"
    r")",
    re.IGNORECASE | re.MULTILINE)
_ADDRESS_DOMAIN = re.compile(r"@([^@>\s]+)")
_AUTH_FAIL = re.compile(r"\b(?:spf|dmarc|dkim)=(?:fail|softfail)\b", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]+>")


class _TextOfHtml(HTMLParser):
    """The text nodes of an HTML document, blocks on their own lines; nothing is loaded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self._out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(self._skipping - 1, 0)
        elif tag in _BLOCK_TAGS:
            self._out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._out.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self._out).splitlines())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # a parser error on hostile markup: what was read so far
        pass
    return parser.text()


def decode_bytes(data: bytes, charset: str | None) -> str:
    """`data` in its declared charset when Python knows it and it fits, else the fallbacks."""
    names = list(_FALLBACK_CHARSETS)
    if charset:
        try:
            names.insert(0, codecs.lookup(charset.strip().strip('"')).name)
        except (LookupError, ValueError):
            pass
    for name in names:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1", "replace")  # unreachable: latin-1 decodes every byte


def _payload_text(part: Message) -> str:
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        return decode_bytes(raw, part.get_param("charset"))  # type: ignore[arg-type]
    payload = part.get_payload()
    return payload if isinstance(payload, str) else ""


def _header(message: Message, name: str) -> str:
    """A header as text, whatever the policy made of it (a broken one stays its raw form)."""
    try:
        value = message.get(name)
    except Exception:  # the default policy may fail on a malformed header
        values = [v for k, v in message.raw_items() if k.lower() == name.lower()] \
            if hasattr(message, "raw_items") else []
        value = values[0] if values else None
    if value is None:
        return ""
    return normalize_typed(str(value)) if str(value).strip() else ""


def _address(value: str) -> tuple[str, str]:
    try:
        pairs = getaddresses([value])
    except Exception:
        return "", ""
    for name, addr in pairs:
        if "@" in addr:
            return normalize_typed(name)[:200], addr.strip().lower()[:254]
    return "", ""


def _domain(addr: str) -> str:
    match = _ADDRESS_DOMAIN.search(addr)
    return match.group(1).lower().rstrip(".") if match else ""


def _same_domain(a: str, b: str) -> bool:
    """Same organisation: equal, or one a subdomain of the other (bounces.example.com)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def sender_check(message: Message, from_addr: str) -> tuple[bool, str]:
    """(verified, the envelope address that disagrees): the Return-Path and the Sender must
    be of the From's domain, and the receiving server's SPF/DKIM/DMARC must not have failed.
    Without an envelope header there is nothing to disagree with."""
    domain = _domain(from_addr)
    for name in ("Return-Path", "Sender"):
        _, other = _address(_header(message, name))
        if other and domain and not _same_domain(_domain(other), domain):
            return False, other
    if _AUTH_FAIL.search(_header(message, "Authentication-Results")):
        return False, _header(message, "Authentication-Results")[:120]
    return True, ""


def strip_quoted(text: str) -> str:
    """The new part of a reply: the quoted history and the lines quoted with ">" cut off."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    match = _QUOTE_HEADERS.search(text)
    if match:
        text = text[:match.start()]
    try:
        latest = EmailReplyParser(languages=["en"]).read(text).latest_reply
    except Exception:  # the library's regexes on hostile input: keep ours
        latest = None
    if latest is not None and latest.strip():
        text = latest
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or (
        bool(part.get_filename()) and part.get_content_maintype() != "multipart")


def _walk_parts(message: Message) -> tuple[str, str, list[Message]]:
    """(first text/plain, first text/html, attachments)."""
    plain = html = ""
    files: list[Message] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        if _is_attachment(part):
            files.append(part)
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and not plain:
            plain = _payload_text(part)
        elif ctype == "text/html" and not html:
            html = _payload_text(part)
    return plain, html, files


def _attachments(parts: list[Message]) -> tuple[tuple[MailAttachment, ...], tuple[str, ...]]:
    kept: list[MailAttachment] = []
    skipped: list[str] = []
    for i, part in enumerate(parts, 1):
        try:
            name = normalize_typed(part.get_filename() or "") or f"attachment-{i}"
        except Exception:
            name = f"attachment-{i}"
        name = name.replace("/", "_").replace("\\", "_")[:255]
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        if len(data) > ATTACHMENT_MAX or len(kept) >= MAX_ATTACHMENTS:
            skipped.append(name)
            continue
        kept.append(MailAttachment(name, part.get_content_type()[:100], data))
    return tuple(kept), tuple(skipped)


def _date(message: Message) -> datetime | None:
    value = _header(message, "Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value))


def parse_message(raw: bytes, *, fallback_id: str, headers_only: bool = False) -> ParsedMail:
    """The summary of one message. `fallback_id` names a message without a Message-ID (its
    place in the mailbox), so it is still processed once. `headers_only`: the message was too
    large to download and `raw` holds its headers."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    from_name, from_addr = _address(_header(message, "From"))
    ids = message_ids(_header(message, "Message-ID"))
    message_id = ids[0] if ids else fallback_id
    verified, unverified_by = sender_check(message, from_addr)
    subject = _header(message, "Subject")[:500]
    references = message_ids(_header(message, "References"))
    in_reply = message_ids(_header(message, "In-Reply-To"))
    common = dict(message_id=message_id[:255], from_addr=from_addr, from_name=from_name,
                  subject=subject, date=_date(message),
                  in_reply_to=in_reply[0] if in_reply else "", references=references,
                  verified=verified, unverified_by=unverified_by)
    if headers_only:
        return ParsedMail(text="", too_large=True, **common)  # type: ignore[arg-type]
    plain, html, files = _walk_parts(message)
    body = plain if plain.strip() else html_to_text(html) if html else ""
    attachments, skipped = _attachments(files)
    return ParsedMail(text=strip_quoted(body), no_text=not (plain.strip() or html.strip()),
                      attachments=attachments, skipped_attachments=skipped,
                      **common)  # type: ignore[arg-type]
