"""The documents' gettext catalogs: the words a document prints, in the document's language.

A document has its own language (chosen per document, not the reader's UI language), so its
words are looked up here by that language rather than through the bot's per-update i18n
context. They are a gettext domain of their own, ``documents``, next to the bot's ``messages``
in ``bot/locales/<lang>/LC_MESSAGES/``: one English msgid can need different words on a
document and in the chat ("Invoice" is «Счёт на оплату» on the PDF, «Счёт» on a button).
``python -m bot.i18n`` extracts the msgids from this package (``_`` and ``pgettext``).

The ``.po`` files are read with Babel, not the compiled ``.mo``: the ``.mo`` files are build
artefacts the bot compiles at start-up, while unit tests, benchmarks and the renderer's spawned
workers build documents without starting the bot. Each language is read once per process.
A msgid missing from a catalog prints as its English msgid (gettext's rule); the i18n unit
test keeps every catalog complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Final

from babel.messages.pofile import read_po

from services.documents.model import LANGUAGES

DOMAIN: Final = "documents"
#: The bot's locale folder (``bot.i18n.LOCALES``): services read it, they import nothing of bot/.
LOCALES: Final = Path(__file__).resolve().parents[2] / "bot" / "locales"


class Translations:
    """``gettext`` / ``pgettext`` over one language's catalog of the ``documents`` domain."""

    def __init__(self, messages: Mapping[tuple[str | None, str], str]) -> None:
        self._messages = dict(messages)

    def gettext(self, message: str) -> str:
        return self._messages.get((None, message), message)

    def pgettext(self, context: str, message: str) -> str:
        return self._messages.get((context, message), message)


def read_catalog(path: Path, language: str) -> Translations:
    """The translated, non-fuzzy messages of the ``.po`` file at ``path``."""
    with path.open("rb") as f:
        catalog = read_po(f, locale=language, domain=DOMAIN)
    return Translations({(m.context, str(m.id)): str(m.string) for m in catalog
                         if m.id and m.string and not m.fuzzy})


@cache
def translations(language: str) -> Translations:
    """The ``documents`` catalog of ``language``; ValueError for a language we do not print."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported document language: {language!r}")
    return read_catalog(LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po", language)
