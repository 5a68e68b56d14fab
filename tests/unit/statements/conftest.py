"""Fixtures of the statement parser tests."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import I18n

from bot.i18n import DOMAIN, LOCALES, compile_catalogs


@pytest.fixture(scope="module")
def i18n() -> I18n:
    """The chat's catalogs, as the bot reads them (a fresh checkout has only the .po files)."""
    compile_catalogs()
    return I18n(path=LOCALES, default_locale="en", domain=DOMAIN)
