"""Comparable forms of a purpose's text, series prefixes, accounts and tax ids."""

from __future__ import annotations

import re
from typing import Final

# --- normalisation ---------------------------------------------------------------------------

_SPACES: Final = re.compile(r"[\s\u00a0\u202f\u2009\u2007\u200b]+")
# Cyrillic letters that look like Latin ones, for comparing series prefixes typed either way.
_LOOKALIKES: Final = str.maketrans("асеокрхуітвнм", "aceokpxyitbhm")


def _norm_text(text: str) -> str:
    return _SPACES.sub(" ", text.casefold().replace("ё", "е"))


def _fold_prefix(prefix: str) -> str:
    return prefix.casefold().replace("ё", "е").translate(_LOOKALIKES)


_SEPARATORS: Final = dict.fromkeys(map(ord, " \t\u00a0\u202f-."))


def _norm_account(account: str) -> str:
    return account.translate(_SEPARATORS).upper()


def _norm_tax_id(tax_id: str) -> str:
    """Comparable tax id: separators dropped, upper case, Romania's "RO" VAT prefix dropped
    ("RO 1234567" is CUI 1234567); all zeros (1C's "no INN" for individuals) becomes ""."""
    value = tax_id.translate(_SEPARATORS).upper()
    if value.startswith("RO") and value[2:].isdigit():
        value = value[2:]
    return "" if value.strip("0") == "" else value
