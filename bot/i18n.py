"""Gettext catalogs (Babel .po in bot/locales) and the middleware that picks the language.

Two domains: ``messages``, the chat's words in the reader's language (handlers/, bot/), and
``documents``, the words a PDF prints in the document's own language (services/documents,
which reads its .po files itself: ``services.documents.catalog``).

Catalogs are compiled to .mo when missing or older than their .po, at start-up and in tests,
so there is no manual build step.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.middleware import I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from services.access import pick_language
from services.documents.catalog import DOMAIN as DOCUMENTS_DOMAIN

logger = logging.getLogger(__name__)

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


def compile_catalogs(path: Path = LOCALES) -> list[Path]:
    compiled = []
    for po in sorted(path.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        tmp = mo.with_suffix(f".mo.{os.getpid()}.tmp")  # one per process: two may compile at once
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        tmp.replace(mo)
        compiled.append(mo)
    return compiled


def create_i18n(default_locale: str) -> I18n:
    compile_catalogs()
    return I18n(path=LOCALES, default_locale=default_locale, domain=DOMAIN)


class ActorI18nMiddleware(I18nMiddleware):
    """The user's saved choice (/language), else their Telegram app language, else the
    default. Runs after the auth middleware, which puts the known user in `data["actor"]`."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        actor = data.get("actor")
        tg_user: User | None = data.get("event_from_user")
        code = tg_user.language_code if tg_user else None
        return pick_language(actor.language if actor else None, code, self.i18n.default_locale)


SOURCES = ("handlers", "bot")
KEYWORDS = {"_": None, "__": None, "gettext": None, "lazy_gettext": None,
            "ngettext": (1, 2), "lazy_ngettext": (1, 2),
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
DOCUMENT_SOURCES = ("services/documents", "services/einvoice")
DOCUMENT_KEYWORDS = {"_": None, "gettext": None, "pgettext": ((1, "c"), 2)}
#: domain -> (folders extracted, keywords)
DOMAINS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    DOMAIN: (SOURCES, KEYWORDS), DOCUMENTS_DOMAIN: (DOCUMENT_SOURCES, DOCUMENT_KEYWORDS)}

MessageKey = tuple[str | None, str]  # (msgctxt, msgid)


def extract_domain(domain: str, root: Path | None = None) -> dict[MessageKey, tuple[str, int]]:
    """Every (context, msgid) of ``domain`` in the code, with one place it is used."""
    from babel.messages.extract import extract_from_dir

    root = root or Path(__file__).resolve().parent.parent
    sources, keywords = DOMAINS[domain]
    found: dict[MessageKey, tuple[str, int]] = {}
    for folder in sources:
        for filename, lineno, message, _comments, context in extract_from_dir(
            root / folder, method_map=[("**.py", "python")], keywords=keywords
        ):
            msgid = message if isinstance(message, str) else message[0]
            found.setdefault((context, msgid), (f"{folder}/{filename}", lineno))
    return found


def extract_messages(root: Path | None = None) -> dict[str, tuple[str, int]]:
    """Every msgid of the chat's ``messages`` domain in the code, with one place it is used."""
    return {msgid: where for (_ctx, msgid), where in extract_domain(DOMAIN, root).items()}


def update_catalogs(path: Path = LOCALES) -> None:
    """`python -m bot.i18n`: adds new msgids to every .po of both domains (English gets
    itself as the translation), drops vanished ones, then compiles."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    for domain in DOMAINS:
        messages = extract_domain(domain)
        for lang in ("en", "ru", "ro"):
            po = path / lang / "LC_MESSAGES" / f"{domain}.po"
            po.parent.mkdir(parents=True, exist_ok=True)
            if po.exists():
                with po.open("rb") as f:
                    old = read_po(f, locale=lang)
            else:
                old = Catalog(locale=lang, domain=domain)
            new = Catalog(locale=lang, domain=domain, project="Dealchat", charset="utf-8")
            for (ctx, msgid), (where, line) in sorted(messages.items(), key=lambda kv: kv[1]):
                prev = old.get(msgid, context=ctx)
                text = prev.string if prev is not None and prev.string else ""
                if lang == "en" and not text:
                    text = msgid
                new.add(msgid, text, locations=[(where, line)], context=ctx)
            with po.open("wb") as f:
                write_po(f, new, width=99, omit_header=False, sort_output=False)
    compile_catalogs(path)


if __name__ == "__main__":
    update_catalogs()
    print("catalogs updated")
