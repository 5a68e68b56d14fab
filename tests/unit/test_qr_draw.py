"""The payment QR as the bot draws it (bot/qr.py): segno's encoder with the data mask chosen by
our numpy evaluation of ISO/IEC 18004's penalty rules. The chosen mask and the symbol must be
exactly the ones segno's own (pure Python) evaluation gives, and the PNG must scan."""

import io
import random

import numpy as np
import pytest
import segno
from PIL import Image
from pyzbar import pyzbar

from bot import qr

ALPHABET = "abcXYZ019 |=«»ăîșțĂÎȘȚЖжщ\n%.-"


def _segno_own(data: bytes) -> segno.QRCode:
    """The symbol with segno's own mask evaluation (ours swapped out for the call)."""
    ours = segno.encoder.find_and_apply_best_mask
    segno.encoder.find_and_apply_best_mask = qr._segno_best_mask
    try:
        return segno.make_qr(data, error=qr.ERROR, boost_error=False)
    finally:
        segno.encoder.find_and_apply_best_mask = ours


def _payloads() -> list[str]:
    rnd = random.Random(15)
    sizes = [1, 7, 17, 32, 60, 120, 200, 331, 500, 900]  # versions 1 .. 23
    return ["".join(rnd.choice(ALPHABET) for _ in range(n)) for n in sizes for _ in range(12)]


def test_our_mask_choice_is_segnos_over_120_payloads() -> None:
    versions, masks = set(), set()
    for payload in _payloads():
        ours = qr.qr_code(payload)
        theirs = _segno_own(payload.encode("utf-8"))
        assert (ours.version, ours.mask) == (theirs.version, theirs.mask), payload
        assert ours.matrix == theirs.matrix, payload
        versions.add(ours.version)
        masks.add(ours.mask)
    assert len(versions) >= 8 and len(masks) >= 6  # the comparison covered varied symbols


def test_penalties_of_hand_made_matrices() -> None:
    light = np.zeros((1, 21, 21), dtype=np.uint8)
    # every row and column one light run of 21: 42 x (21 - 2); 20 x 20 blocks x 3; no
    # finder-like pattern; 0 % dark is 50 % away from half: 10 x 10
    assert qr.penalties(light) == [42 * 19 + 400 * 3 + 100]
    checker = (np.indices((21, 21)).sum(axis=0) % 2).astype(np.uint8)[None]
    # no run, no block, no 1:1:3:1:1; 220 of 441 dark is 49.9 %: 0
    assert qr.penalties(checker) == [0]
    finder_row = np.zeros((1, 21, 21), dtype=np.uint8)
    finder_row[0, 10, 7:14] = (1, 0, 1, 1, 1, 0, 1)
    base = qr.penalties(np.zeros((1, 21, 21), dtype=np.uint8))[0]
    # the row's light runs: 21 → 7 + 7 (-19 + 5 + 5); the three-dark run is short; columns
    # 7, 9, 10, 11, 13 split 21 → 10 + 10 (5 x (-19 + 8 + 8)); 2x2 blocks lost: the two
    # block rows over row 10 lose the 8 blocks touching columns 7..13, 16 x 3; 40 for the
    # pattern; 5 dark modules of 441 is 48.9 % from half: 10 x 9 = 90 instead of 100
    expected = base + (-19 + 10) + 5 * (-19 + 16) - 16 * 3 + 40 - 100 + 90
    assert qr.penalties(finder_row) == [expected]


@pytest.mark.parametrize("scale", [1, 10])
def test_png_scans_back_to_the_payload(scale: int) -> None:
    payload = "ST00012|Name=ООО «Ромашка»|PersonalAcc=40702810938000000001|Sum=100"
    png = qr.qr_png(payload, scale=scale)
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "L"
        side = image.width
        if scale == 1:  # zbar wants a few pixels per module
            image = image.resize((side * 4, side * 4), Image.Resampling.NEAREST)
        symbols = pyzbar.decode(image)
    symbol = qr.qr_code(payload)
    assert side == (symbol.symbol_size(scale=1, border=qr.BORDER)[0]) * scale
    assert [s.data.decode("utf-8") for s in symbols] == [payload]
