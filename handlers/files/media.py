"""What a Telegram message carries as a file, as the services take it; and sending a kept
file back with the method of its kind (by file_id: no download, no size limit)."""

from __future__ import annotations

from io import BytesIO

from aiogram import Bot
from aiogram.types import BufferedInputFile, Message

from services.files import FileKind, IncomingFile, NoteMedia, StoredFile
from services.interactions import Attachment


def incoming_of(message: Message) -> IncomingFile | None:
    """The file in a message (a document, photo, voice, video, video note or audio), or
    None (text, a sticker, a location ...). Nothing is downloaded."""
    caption = message.caption
    if (d := message.document) is not None:
        return IncomingFile(FileKind.DOCUMENT, d.file_id, d.file_unique_id, d.file_name,
                            d.mime_type, d.file_size, caption)
    if message.photo:
        p = message.photo[-1]  # the largest size
        return IncomingFile(FileKind.PHOTO, p.file_id, p.file_unique_id, None, "image/jpeg",
                            p.file_size, caption)
    if (v := message.voice) is not None:
        return IncomingFile(FileKind.VOICE, v.file_id, v.file_unique_id, None,
                            v.mime_type or "audio/ogg", v.file_size, caption)
    if (vid := message.video) is not None:
        return IncomingFile(FileKind.VIDEO, vid.file_id, vid.file_unique_id, vid.file_name,
                            vid.mime_type or "video/mp4", vid.file_size, caption)
    if (vn := message.video_note) is not None:
        return IncomingFile(FileKind.VIDEO_NOTE, vn.file_id, vn.file_unique_id, None,
                            "video/mp4", vn.file_size, None)
    if (a := message.audio) is not None:
        return IncomingFile(FileKind.AUDIO, a.file_id, a.file_unique_id,
                            a.file_name or a.title, a.mime_type, a.file_size, caption)
    return None


async def note_attachment(bot: Bot, message: Message) -> Attachment | None:
    """A timeline note's voice or photo: its bytes (for the documents table) and its file_id
    (kept in `files`). One over the Bot API's 20 MB download limit is kept by file_id only:
    Telegram would refuse the download."""
    incoming = incoming_of(message)
    if incoming is None or incoming.kind not in (FileKind.VOICE, FileKind.PHOTO):
        return None
    name = "voice.ogg" if incoming.kind == FileKind.VOICE else "photo.jpg"
    mime = incoming.mime_type or "application/octet-stream"
    if not incoming.downloadable:
        return Attachment(name, mime, b"", telegram=incoming)
    if message.voice is not None:
        buf = await bot.download(message.voice, destination=BytesIO())
    else:
        assert message.photo
        buf = await bot.download(message.photo[-1], destination=BytesIO())
    assert isinstance(buf, BytesIO)
    return Attachment(name, mime, buf.getvalue(), telegram=incoming)


def _caption(f: StoredFile) -> str | None:
    return f.caption[:1024] if f.caption else None


async def send_stored(message: Message, f: StoredFile) -> None:
    """Sends a kept file back into the chat by its Telegram file_id."""
    # Captions go as plain text: what the manager typed is shown as typed.
    fid, cap = f.telegram_file_id, _caption(f)
    if f.kind == FileKind.PHOTO:
        await message.answer_photo(fid, caption=cap, parse_mode=None)
    elif f.kind == FileKind.VOICE:
        await message.answer_voice(fid, caption=cap, parse_mode=None)
    elif f.kind == FileKind.VIDEO:
        await message.answer_video(fid, caption=cap, parse_mode=None)
    elif f.kind == FileKind.VIDEO_NOTE:
        await message.answer_video_note(fid)
    elif f.kind == FileKind.AUDIO:
        await message.answer_audio(fid, caption=cap, parse_mode=None)
    else:
        await message.answer_document(fid, caption=cap, parse_mode=None)


async def send_note_media(message: Message, media: NoteMedia) -> None:
    """A timeline note's voice or photo: by file_id when kept in `files`, else its bytes."""
    if media.file is not None:
        await send_stored(message, media.file)
        return
    assert media.content is not None
    upload = BufferedInputFile(media.content, filename=media.filename)
    if media.kind == FileKind.PHOTO:
        await message.answer_photo(upload)
    else:
        await message.answer_voice(upload)
