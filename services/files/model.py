"""Files on client and deal cards: what Telegram told us about a file a manager sent, and what
we keep of it. Telegram keeps the bytes; we keep its file_id, which sends the file back with
no download and no size limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.errors import InvalidInput

# The Bot API lets a bot download (getFile) files of at most 20 MB. Keeping a file on a card
# and sending it back by file_id need no download, so a larger file is still kept; only what
# needs the bytes (a voice or photo note's copy in the timeline, a bank statement, anything
# the bot would read, convert or e-mail) cannot have them.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
NAME_MAX = 255
CAPTION_MAX = 1024  # Telegram's caption limit
LIST_SHOWN = 20


class FileKind(StrEnum):
    DOCUMENT = "document"
    PHOTO = "photo"
    VOICE = "voice"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"
    AUDIO = "audio"


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """A file as Telegram described it in a message (nothing downloaded)."""

    kind: str
    file_id: str
    unique_id: str | None = None
    filename: str | None = None
    mime_type: str | None = None
    size: int | None = None
    caption: str | None = None

    @property
    def downloadable(self) -> bool:
        """Whether the bot may fetch the bytes (unknown size: Telegram will say)."""
        return self.size is None or self.size <= DOWNLOAD_LIMIT


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: int
    owner_id: int
    company_id: int | None
    deal_id: int | None
    kind: str
    telegram_file_id: str
    telegram_unique_id: str | None
    filename: str
    mime_type: str | None
    size: int | None
    caption: str | None
    created_by: int | None
    created_by_name: str | None
    created_at: datetime

    @property
    def downloadable(self) -> bool:
        """False for a file over the Bot API's 20 MB download limit: it is kept and sent back
        by file_id, but the bot can never have its bytes."""
        return self.size is None or self.size <= DOWNLOAD_LIMIT


@dataclass(frozen=True, slots=True)
class Attached:
    """The result of attaching: the file, and how many the card has now."""

    file: StoredFile
    count: int


@dataclass(frozen=True, slots=True)
class FileListing:
    """A card's files, newest first: `files` are the first LIST_SHOWN of `total`."""

    deal_id: int | None
    company_id: int | None
    title: str
    files: Sequence[StoredFile]
    total: int


@dataclass(frozen=True, slots=True)
class InteractionRef:
    """What opening a timeline note's voice or photo needs to know about the interaction."""

    id: int
    company_id: int | None
    deal_id: int | None
    document_id: int | None
    file_id: int | None
    mime_type: str | None
    filename: str | None


@dataclass(frozen=True, slots=True)
class NoteMedia:
    """A timeline note's voice or photo: sent back by Telegram file_id when we have one, else
    from the bytes kept in the documents table."""

    kind: str  # voice | photo
    file: StoredFile | None
    content: bytes | None
    filename: str
    mime_type: str


def clean_incoming(f: IncomingFile) -> IncomingFile:
    """Checks what a message carried before it is kept: a known kind and a file_id; the name
    and caption are cut to what the columns hold."""
    try:
        kind = FileKind(f.kind).value
    except ValueError:
        raise InvalidInput("file_kind", field="file") from None
    if not f.file_id or len(f.file_id) > 255:
        raise InvalidInput("file_kind", field="file")
    if f.size is not None and f.size < 0:
        raise InvalidInput("file_kind", field="file")
    caption = (f.caption or "").strip()[:CAPTION_MAX] or None
    return IncomingFile(kind=kind, file_id=f.file_id, unique_id=(f.unique_id or "")[:64] or None,
                        filename=(f.filename or "").strip()[:NAME_MAX] or None,
                        mime_type=(f.mime_type or None) and f.mime_type[:100],
                        size=f.size, caption=caption)
