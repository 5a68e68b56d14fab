"""Pictures for documents: uploaded logos, stamps and signatures checked and re-encoded, and
the payment QR as a photo (``services.delivery.ImageTools``).

Decoding untrusted images and drawing QR codes is CPU work: it runs in the PDF renderer's
worker processes (``PdfRenderer.submit``), never on the event loop or its default executor.
"""

from __future__ import annotations

import asyncio
import io
import warnings

from PIL import Image

from bot.pdf import PdfRenderer
from bot.qr import qr_png
from services.delivery import IMAGE_MAX_SIDE

QR_BOX = 10  # pixels per module: a QR of ~60 modules becomes a ~700 px photo
# Pillow's own decompression-bomb guard, tightened: a 5 MB file may still claim 1e9 pixels.
MAX_PIXELS = 50_000_000


def normalize_image(data: bytes) -> bytes | None:
    """PNG of ``data`` (transparency kept) scaled to at most ``IMAGE_MAX_SIDE`` px on its long
    side; None when Pillow cannot decode it as a picture."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.load()
                picture = image.convert("RGBA" if "A" in image.getbands() or
                                        image.mode == "P" else "RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        return None
    picture.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_photo_png(payload: str) -> bytes:
    """The payment QR big enough for Telegram's photo viewer (error correction M)."""
    return qr_png(payload, scale=QR_BOX)


class PoolImageTools:
    """``ImageTools`` on the renderer's process pool."""

    def __init__(self, renderer: PdfRenderer) -> None:
        self._renderer = renderer

    async def normalize(self, data: bytes) -> bytes | None:
        result: bytes | None = await asyncio.wrap_future(
            self._renderer.submit(normalize_image, data))
        return result

    async def qr_photo(self, payload: str) -> bytes:
        result: bytes = await asyncio.wrap_future(self._renderer.submit(qr_photo_png, payload))
        return result
