"""`pgettext` for the chat's words: aiogram's i18n has only gettext and ngettext.

One English word can need several Russian or Romanian forms: an invoice (счёт, masculine) is
«выставлен», a credit note (кредит-нота, feminine) «выставлена», a quote (КП, neuter)
«выставлено». The msgctxt names the thing the word describes, so each catalog can agree in
gender, number and case. `python -m bot.i18n` extracts both functions with their context.
"""

from __future__ import annotations

from aiogram.utils.i18n import get_i18n
from babel.support import LazyProxy


def pgettext(context: str, message: str) -> str:
    i18n = get_i18n()
    translator = i18n.locales.get(i18n.current_locale)
    if translator is None:
        return message
    return translator.pgettext(context, message)


def lazy_pgettext(context: str, message: str) -> LazyProxy:
    return LazyProxy(pgettext, context, message, enable_cache=False)
