"""What people type as names (clients, contacts, leads, products, organizations, deals, tasks,
document lines), as we store it: one spelling for what looks the same.

Pasted names bring invisible characters: zero-width spaces and joiners from web pages and
messengers, bidirectional controls from right-to-left text or from someone hiding the real
spelling ("\u202e" shows the rest reversed), soft hyphens from word processors, no-break and
other Unicode spaces. They make two equal-looking names differ (search and duplicate checks
miss), and a name made only of them looks blank. So every typed name goes through
`normalize_typed`, and a name that is empty after it is refused like a blank one
(`clean_name`).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from services.errors import InvalidInput

# Invisible characters that carry no letter: zero-width space / non-joiner / joiner, word
# joiner, the invisible math operators, the byte-order mark (zero-width no-break space), soft
# hyphen, Mongolian vowel separator, and the Hangul fillers that render as blanks.
ZERO_WIDTH: Final = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
    "\u115f\u1160\u3164\uffa0"
)
# Bidirectional controls: marks (LRM, RLM, ALM), embeddings and overrides (LRE, RLE, PDF,
# LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
BIDI_CONTROLS: Final = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_DROPPED: Final = ZERO_WIDTH | BIDI_CONTROLS


def _kept(char: str) -> bool:
    if char in _DROPPED:
        return False
    # Other control characters (NUL, ESC, C1 controls) are never part of a name; the
    # whitespace ones (tab, new line) become spaces below.
    return char.isspace() or unicodedata.category(char) != "Cc"


def normalize_typed(text: str) -> str:
    """`text` in NFC without zero-width and bidirectional control characters, with every run
    of whitespace (no-break, thin, ideographic spaces, tabs, new lines) made one space, and
    no space at either end. May return "" (the caller decides whether that is allowed).

    The invisible characters go first so that a letter and its combining accent split by
    one still compose ("e\u200d\u0301" → "é")."""
    visible = "".join(char for char in text if _kept(char))
    return " ".join(unicodedata.normalize("NFC", visible).split())


def clean_name(text: str, limit: int, field: str = "name") -> str:
    """A required name: normalized (`normalize_typed`); InvalidInput("empty") when nothing
    visible is left, InvalidInput("too_long", limit=...) past `limit` characters."""
    name = normalize_typed(text)
    if not name:
        raise InvalidInput("empty", field=field)
    if len(name) > limit:
        raise InvalidInput("too_long", field=field, limit=limit)
    return name


def clean_message(text: str, limit: int, field: str = "text") -> str:
    """A message a person typed (a question, a wish), kept as typed but trimmed;
    InvalidInput("empty") when blank, InvalidInput("too_long", limit=...) past `limit`."""
    body = text.strip()
    if not body:
        raise InvalidInput("empty", field=field)
    if len(body) > limit:
        raise InvalidInput("too_long", field=field, limit=limit)
    return body
