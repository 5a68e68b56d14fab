"""Every user-facing string is in the catalogs, and Russian and English are complete."""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALES
from bot.i18n import extract_messages as _extract

extract_messages = cache(_extract)

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def catalog(lang: str) -> dict[str, str]:
    with (LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
        cat = read_po(f, locale=lang)
    return {str(m.id): str(m.string) for m in cat if m.id}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_catalog_is_complete(lang: str) -> None:
    in_code = extract_messages()
    translated = catalog(lang)
    missing = sorted(set(in_code) - set(translated))
    assert missing == [], f"run `python -m bot.i18n` and translate: {missing[:5]}"
    untranslated = sorted(k for k in in_code if not translated[k])
    assert untranslated == [], f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"


@pytest.mark.parametrize("lang", ["ru", "en", "ro"])
def test_translations_keep_placeholders(lang: str) -> None:
    for msgid, msgstr in catalog(lang).items():
        if msgstr:
            assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), (
                msgid, msgstr)


def test_russian_is_really_russian() -> None:
    ru = catalog("ru")
    cyrillic = [s for s in ru.values() if re.search("[а-яА-Я]", s)]
    assert len(cyrillic) >= 0.9 * len([s for s in ru.values() if re.search("[a-zA-Z]{3}", s)
                                       or re.search("[а-яА-Я]", s)])
