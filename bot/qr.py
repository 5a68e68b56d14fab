"""Payment QR codes drawn with segno (the payload text comes from ``services.payment_qr``).

segno encodes a symbol in ~4 ms, but choosing its data mask (ISO/IEC 18004:2015 7.8.3: apply
all eight masks, keep the one with the lowest penalty) costs another ~18 ms of pure Python per
symbol, a fifth of a one-page invoice's render. ``_best_mask`` does the same evaluation over
the eight candidates at once with numpy (~1 ms) and is installed in place of segno's own step
for QR Code symbols when segno chooses the mask (Micro QR and a given mask stay segno's).
Its choice and matrix equal segno's own (tests/unit/test_qr_draw.py compares them over many
payloads); the penalty rules are ISO's:

* N1: a run of 5 + i modules of one colour in a row or column scores 3 + i;
* N2: each 2x2 block of one colour scores 3;
* N3: 1:1:3:1:1 (dark-light-dark-dark-dark-light-dark) with 4 light modules before or
  after it (outside the symbol counts as light) scores 40; after a counted pattern the search
  goes on past it, after an uncounted one from its fifth module;
* N4: 10 per full 5 % the dark share is away from 50 %.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import segno
from PIL import Image
from segno import encoder as _encoder

ERROR = "m"  # error correction M: 15 % of the symbol may be damaged
BORDER = 4  # the quiet zone, in modules (ISO minimum)
_FINDER_LIKE = bytes((1, 0, 1, 1, 1, 0, 1))
_LIGHT4 = bytes(4)

_segno_best_mask: Callable[..., Any] = _encoder.find_and_apply_best_mask


@lru_cache(maxsize=16)
def _masks(width: int) -> np.ndarray:
    """(8, width, width) uint8: mask pattern k applied to the encoding region (1 = flip)."""
    function = _encoder.make_matrix(width, width)  # 0x2 = not a function module
    _encoder.add_finder_patterns(function, width, width)
    _encoder.add_alignment_patterns(function, width, width)
    function[-8][8] = 0x1  # the dark module
    region = np.frombuffer(b"".join(function), dtype=np.uint8).reshape(width, width) > 1
    i, j = np.indices((width, width))
    product = i * j
    patterns = (
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        product % 2 + product % 3 == 0,
        (product % 2 + product % 3) % 2 == 0,
        ((i + j) % 2 + product % 3) % 2 == 0,
    )
    return np.stack([pattern & region for pattern in patterns]).astype(np.uint8)


def _n1(candidates: np.ndarray) -> np.ndarray:
    """Runs of >= 5 same-coloured modules along the last axis, per candidate."""
    count, lines, width = candidates.shape
    padded = np.full((count, lines, width + 1), 2, dtype=np.uint8)  # 2 ends every line's run
    padded[:, :, :width] = candidates
    flat = padded.ravel()
    starts = np.flatnonzero(np.concatenate(([True], flat[1:] != flat[:-1])))
    lengths = np.diff(np.append(starts, flat.size))
    long = lengths >= 5
    per_candidate = lines * (width + 1)
    return np.bincount(
        starts[long] // per_candidate, weights=lengths[long] - 2, minlength=count
    ).astype(np.int64)


def _n2(candidates: np.ndarray) -> np.ndarray:
    corner = candidates[:, 1:, 1:]
    same = (
        (corner == candidates[:, 1:, :-1])
        & (corner == candidates[:, :-1, 1:])
        & (corner == candidates[:, :-1, :-1])
    )
    return 3 * same.sum(axis=(1, 2))


def _n3(matrix: np.ndarray) -> int:
    """Finder-like patterns in the rows of ``matrix``: every row is framed by 4 light
    modules, so "outside the symbol" is light and no pattern spans two rows."""
    size = matrix.shape[0]
    framed = np.zeros((size + 1, size + 4), dtype=np.uint8)
    framed[1:, 4:] = matrix
    line = framed.tobytes() + _LIGHT4
    score = 0
    index = line.find(_FINDER_LIKE)
    while index != -1:
        if line[index - 4 : index] == _LIGHT4 or line[index + 7 : index + 11] == _LIGHT4:
            score += 40
            index = line.find(_FINDER_LIKE, index + 7)
        else:
            index = line.find(_FINDER_LIKE, index + 4)
    return score


def _n4(dark: int, size: int) -> int:
    return 10 * int(abs(dark / (size * size) * 100 - 50) / 5)


def penalties(candidates: np.ndarray) -> list[int]:
    """ISO/IEC 18004 penalty score of each (size x size) 0/1 candidate matrix."""
    size = candidates.shape[1]
    columns = candidates.transpose(0, 2, 1)
    n12 = _n1(candidates) + _n1(columns) + _n2(candidates)
    dark = candidates.sum(axis=(1, 2))
    return [
        int(n12[k]) + _n3(candidates[k]) + _n3(columns[k]) + _n4(int(dark[k]), size)
        for k in range(len(candidates))
    ]


def _best_mask(
    matrix: tuple[bytearray, ...], width: int, height: int, proposed_mask: int | None = None
) -> tuple[int, tuple[bytearray, ...]]:
    """segno's ``find_and_apply_best_mask`` for QR Code symbols, evaluated with numpy."""
    if proposed_mask is not None or width != height or width < 21:
        return _segno_best_mask(matrix, width, height, proposed_mask)
    plain = np.frombuffer(b"".join(matrix), dtype=np.uint8).reshape(width, width)
    if plain.max() > 1:  # not the matrix this evaluation was written for: segno decides
        return _segno_best_mask(matrix, width, height, proposed_mask)
    candidates = plain ^ _masks(width)
    scores = penalties(candidates)
    best = scores.index(min(scores))  # the first of equal scores, as segno
    return best, tuple(bytearray(row.tobytes()) for row in candidates[best])


_encoder.find_and_apply_best_mask = _best_mask


def qr_code(payload: str) -> segno.QRCode:
    """The payload as a QR Code symbol, UTF-8, error correction M (never raised: a higher
    level would make the symbol denser for the same print size)."""
    return segno.make_qr(payload.encode("utf-8"), error=ERROR, boost_error=False)


@lru_cache(maxsize=256)  # a preview and then the sent copy of one invoice share a payload
def qr_png(payload: str, scale: int = 1) -> bytes:
    """Grey-scale PNG (8 bits: PDF takes its rows as they are, where a 1-bit PNG is
    converted first) of black and white modules, a 4-module quiet zone, ``scale`` pixels
    per module."""
    modules = np.frombuffer(b"".join(qr_code(payload).matrix), dtype=np.uint8)
    side = int(len(modules) ** 0.5)
    pixels = np.pad(modules.reshape(side, side), BORDER)
    pixels = np.where(pixels == 1, 0, 255).astype(np.uint8)
    if scale > 1:
        pixels = pixels.repeat(scale, axis=0).repeat(scale, axis=1)
    out = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(out, format="PNG")
    return out.getvalue()
