"""Uploaded pictures on documents: the shipped templates print them scaled to the box the
stylesheet gives them (300 dpi), served to WeasyPrint by URL rather than inlined; uploaded
templates get them as uploaded; a document cannot fetch another document's pictures."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image, ImageDraw
from pypdf import PdfReader

from bot.pdf import render_sync
from tests.fixtures.documents import invoice_view


def _png(size: tuple[int, int], mode: str = "RGBA") -> bytes:
    image = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255))
    ImageDraw.Draw(image).ellipse((10, 10, size[0] - 10, size[1] - 10), outline="blue", width=25)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _embedded_sizes(pdf: bytes) -> list[tuple[int, int]]:
    return sorted(image.image.size for image in PdfReader(io.BytesIO(pdf)).pages[0].images)


def test_big_uploads_are_printed_at_300_dpi_of_their_box() -> None:
    view = replace(
        invoice_view(3),
        stamp=_png((2000, 2000)),
        signature=_png((1800, 600)),
        logo=_png((2000, 500), "RGB"),
    )
    sizes = _embedded_sizes(render_sync(view))
    qr_side = 65 + 2 * 4  # version 12 and its quiet zone, one pixel per module
    # stamp 38 mm -> 449 px; signature 13 mm high -> 154 px (3:1 kept: 462 x 154, within
    # 120 mm); logo in the 60 x 18 mm box -> 709 x 177 (4:1 kept)
    assert sizes == sorted([(qr_side, qr_side), (449, 449), (462, 154), (709, 177)])


def test_small_uploads_are_printed_as_they_are() -> None:
    view = replace(invoice_view(3), stamp=_png((300, 300)))
    assert (300, 300) in _embedded_sizes(render_sync(view))


def test_an_uploaded_template_gets_the_pictures_as_uploaded() -> None:
    view = replace(invoice_view(3), stamp=_png((2000, 2000)))
    source = '<html><body><img src="{{ images.stamp }}" style="width: 150mm"></body></html>'
    assert _embedded_sizes(render_sync(view, source)) == [(2000, 2000)]


def test_a_document_cannot_fetch_another_documents_picture() -> None:
    with_stamp = replace(invoice_view(3), stamp=_png((600, 600)))
    render_sync(with_stamp)  # its stamp is now in this process's picture cache
    from bot.pdf import _pictures

    url, _ = _pictures.url(with_stamp.stamp or b"", "stamp")
    source = f'<html><body><p>x</p><img src="{url}"></body></html>'
    assert _embedded_sizes(render_sync(invoice_view(3), source)) == []
