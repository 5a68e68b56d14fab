"""The ports delivery needs besides the unit of work and the renderer: pictures and e-mail."""

from __future__ import annotations

from typing import Protocol

from services.delivery.model import OutgoingEmail

# --- ports ----------------------------------------------------------------------------------


class ImageTools(Protocol):
    """CPU work on pictures, off the event loop (``bot/images.py``)."""

    async def normalize(self, data: bytes) -> bytes | None:
        """PNG bytes of ``data`` scaled to at most ``IMAGE_MAX_SIDE`` px, or None when it
        does not decode as an image."""
        ...

    async def qr_photo(self, payload: str) -> bytes:
        """The payment QR as a PNG big enough to scan from a phone screen."""
        ...


class Mailer(Protocol):
    """Sends one document by e-mail (``bot/mailer.py``). Raises ``Conflict("email_failed")``
    when the server refuses it."""

    async def send_document(self, email: OutgoingEmail) -> None: ...
