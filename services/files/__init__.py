"""Files on client and deal cards (documents, photos, voice, video, audio): kept by their
Telegram file_id, listed on the card, sent back on tap; a timeline note's voice or photo opens
the same way."""

from services.files.model import (
    DOWNLOAD_LIMIT,
    Attached,
    FileKind,
    FileListing,
    IncomingFile,
    InteractionRef,
    NoteMedia,
    StoredFile,
    clean_incoming,
)
from services.files.ports import FileRepository, FileUnitOfWork
from services.files.service import FileService

__all__ = ["DOWNLOAD_LIMIT", "Attached", "FileKind", "FileListing", "FileRepository",
           "FileService", "FileUnitOfWork", "IncomingFile", "InteractionRef", "NoteMedia",
           "StoredFile", "clean_incoming"]
