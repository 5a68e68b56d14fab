"""Gettext catalogs (Babel .po in bot/locales) and the middleware that picks the language.

Catalogs are compiled to .mo when missing or older than their .po, at start-up and in tests,
so there is no manual build step.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.middleware import I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from services.access import pick_language

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
        tmp = mo.with_suffix(".mo.tmp")
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
