"""Every user-facing string is in the catalogs, complete (and not fuzzy) in Russian, English and
Romanian, each (msgctxt, msgid) on its own; the documents' words (their own domain) are
complete in all three languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOCUMENTS_DOMAIN, DOMAIN, LOCALES, extract_domain
from services.documents.catalog import LOCALES as DOCUMENTS_LOCALES
from services.documents.catalog import read_catalog

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def catalog(lang: str) -> dict[str, str]:
    return {msgid: msgstr for (_ctx, msgid), msgstr in catalog_by_context(lang).items()}


def catalog_by_context(lang: str) -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) -> msgstr: «выставлен» (an invoice) and «выставлена» (a credit note)
    are two entries, each must be translated. Fuzzy entries count as untranslated (they are
    not compiled)."""
    with (LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
        cat = read_po(f, locale=lang)
    return {(m.context, str(m.id)): "" if m.fuzzy else str(m.string) for m in cat if m.id}


@pytest.mark.parametrize("lang", ["ru", "en", "ro"])
def test_catalog_is_complete(lang: str) -> None:
    in_code = extract_domain(DOMAIN)
    translated = catalog_by_context(lang)
    missing = sorted(set(in_code) - set(translated), key=str)
    assert missing == [], f"run `python -m bot.i18n` and translate: {missing[:5]}"
    untranslated = sorted((k for k in in_code if not translated[k]), key=str)
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


# --- the documents' words (domain "documents", read by services.documents.catalog) ----------


def document_catalog(lang: str) -> dict[tuple[str | None, str], str]:
    with (LOCALES / lang / "LC_MESSAGES" / f"{DOCUMENTS_DOMAIN}.po").open("rb") as f:
        cat = read_po(f, locale=lang)
    return {(m.context, str(m.id)): str(m.string) for m in cat if m.id and not m.fuzzy}


@pytest.mark.parametrize("lang", ["ru", "en", "ro"])
def test_document_catalog_is_complete(lang: str) -> None:
    in_code = extract_domain(DOCUMENTS_DOMAIN)
    assert len(in_code) > 50  # the extraction really finds services/documents' words
    translated = document_catalog(lang)
    missing = sorted(str(k) for k in set(in_code) - set(translated))
    assert missing == [], f"run `python -m bot.i18n` and translate: {missing[:5]}"
    untranslated = sorted(str(k) for k in in_code if not translated[k])
    assert untranslated == [], f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"


@pytest.mark.parametrize("lang", ["ru", "en", "ro"])
def test_document_translations_keep_placeholders(lang: str) -> None:
    for (_ctx, msgid), msgstr in document_catalog(lang).items():
        if msgstr:
            assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), (
                msgid, msgstr)


def test_services_read_the_bots_locale_folder() -> None:
    assert DOCUMENTS_LOCALES == LOCALES


def test_document_words_are_looked_up_by_context(tmp_path: Path) -> None:
    cat = Catalog(locale="ro", domain=DOCUMENTS_DOMAIN)
    cat.add("No.", "nr.")
    cat.add("No.", "Nr. crt.", context="column")
    cat.add("Paid", "")  # untranslated: gettext falls back to the msgid
    po = tmp_path / "documents.po"
    with po.open("wb") as f:
        write_po(f, cat)
    words = read_catalog(po, "ro")
    assert (words.gettext("No."), words.pgettext("column", "No.")) == ("nr.", "Nr. crt.")
    assert (words.gettext("Paid"), words.pgettext("column", "Qty")) == ("Paid", "Qty")
