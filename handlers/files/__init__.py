"""Files on client and deal cards: «📎 Files» lists them and sends one back on tap, «Attach a
file» (or a reply to the card with a file) keeps them; a timeline note's voice or photo opens
the same way (keyboards.timeline_file_buttons).

callbacks.py, texts.py, keyboards.py (pure), media.py (a message's file in, a kept file
out), router.py (create_router)."""

from handlers.files.keyboards import (
    deal_card_buttons,
    timeline_file_buttons,
    with_file_buttons,
)
from handlers.files.media import incoming_of, note_attachment
from handlers.files.router import create_router

__all__ = ["create_router", "deal_card_buttons", "incoming_of", "note_attachment",
           "timeline_file_buttons", "with_file_buttons"]
