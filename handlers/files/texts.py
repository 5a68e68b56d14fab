"""Files: what the listing and the answers say."""

from __future__ import annotations

import html
from datetime import tzinfo

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from services.files import DOWNLOAD_LIMIT, FileListing, StoredFile

CARD_TIME = "%d.%m.%Y %H:%M"
MB = 1024 * 1024
KINDS = {
    "document": __("Document"),
    "photo": __("Photo"),
    "voice": __("Voice message"),
    "video": __("Video"),
    "video_note": __("Video message"),
    "audio": __("Audio"),
}
ICONS = {"document": "📄", "photo": "🖼", "voice": "🎤", "video": "🎬", "video_note": "📹",
         "audio": "🎵"}


def _tenths(value: int, unit: int) -> str:
    """value / unit with one decimal, rounded half up, in integers (no float), in the reader's
    decimal separator."""
    tenths = (value * 10 + unit // 2) // unit
    whole, frac = divmod(tenths, 10)
    if whole >= 100 or frac == 0:
        return str((value + unit // 2) // unit)
    sep = "." if get_i18n().current_locale == "en" else ","
    return f"{whole}{sep}{frac}"


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return _("{n} B").format(n=size)
    if size < MB:
        return _("{n} KB").format(n=_tenths(size, 1024))
    if size < 1024 * MB:
        return _("{n} MB").format(n=_tenths(size, MB))
    return _("{n} GB").format(n=_tenths(size, 1024 * MB))


def kind_name(kind: str) -> str:
    return str(KINDS.get(kind, KINDS["document"]))


def file_name(f: StoredFile) -> str:
    """The name a person knows the file by: its own, else its kind."""
    return f.filename or kind_name(f.kind)


def file_type(f: StoredFile) -> str:
    """PDF, DOCX, ... for a document with an extension, else the kind."""
    if f.kind == "document" and "." in f.filename:
        return f.filename.rsplit(".", 1)[1].upper()[:8]
    return kind_name(f.kind)


def too_big_note() -> str:
    return _("The file is larger than {limit} MB: it is kept on the card and opens from "
             "here, but Telegram does not let the bot download it, so the bot cannot read it "
             "or send it by e-mail.").format(limit=DOWNLOAD_LIMIT // MB)


def file_line(n: int, f: StoredFile, zone: tzinfo) -> str:
    when = f.created_at.astimezone(zone).strftime(CARD_TIME)
    parts = [f"{n}. {ICONS.get(f.kind, '📄')} {html.escape(file_name(f))}", file_type(f),
             human_size(f.size), when, html.escape(f.created_by_name or "—")]
    line = " · ".join(parts)
    if not f.downloadable:
        line += " · " + _("over {limit} MB").format(limit=DOWNLOAD_LIMIT // MB)
    if f.caption:
        line += "\n   " + html.escape(f.caption[:200])
    return line


def listing_text(listing: FileListing, zone: tzinfo) -> str:
    if listing.deal_id is not None:
        head = _("Files of the deal «{title}» ({n})")
    else:
        head = _("Files of the client «{title}» ({n})")
    lines = [head.format(title=html.escape(listing.title), n=listing.total)]
    if not listing.files:
        lines.append(_("No files yet. Tap «Attach a file» or reply to the card with a file."))
    for n, f in enumerate(listing.files, 1):
        lines.append(file_line(n, f, zone))
    if listing.total > len(listing.files):
        lines.append(_("Showing the newest {shown} of {total}.").format(
            shown=len(listing.files), total=listing.total))
    if listing.files:
        lines.append(_("Tap a file to get it here."))
    return "\n".join(lines)


def attach_prompt(listing: FileListing) -> str:
    if listing.deal_id is not None:
        head = _("Send files for the deal «{title}»")
    else:
        head = _("Send files for the client «{title}»")
    return (head.format(title=html.escape(listing.title)) + "\n"
            + _("A document, a photo, a voice message, a video or audio; several in a row "
                "is fine. Then tap «Done»."))


def attached_text(f: StoredFile, count: int) -> str:
    lines = [_("Attached: {name} ({type}, {size}). Files on the card: {n}.").format(
        name=html.escape(file_name(f)), type=file_type(f), size=human_size(f.size), n=count)]
    if not f.downloadable:
        lines.append(too_big_note())
    return "\n".join(lines)
