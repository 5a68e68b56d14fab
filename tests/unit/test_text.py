"""services.text: one normalisation for every typed name."""

from __future__ import annotations

import unicodedata

import pytest

from services.contacts_norm import normalize_name
from services.errors import InvalidInput
from services.text import BIDI_CONTROLS, ZERO_WIDTH, clean_name, normalize_typed


@pytest.mark.parametrize(("typed", "stored"), [
    ("  ООО  «Ромашка»  ", "ООО «Ромашка»"),
    ("Ро\u200dга и копыта", "Рога и копыта"),  # zero-width joiner inside a word
    ("Acme\u200b Ltd", "Acme Ltd"),  # zero-width space
    ("\ufeffAcme", "Acme"),  # a byte-order mark pasted from a file
    ("Bau\u00adhaus", "Bauhaus"),  # soft hyphen
    ("Word\u2060Joiner", "WordJoiner"),
    ("\u202eAcme\u202c", "Acme"),  # right-to-left override ... pop
    ("\u2067Иванов\u2069 И.\u200f", "Иванов И."),  # isolates and a right-to-left mark
    ("Acme\u00a0\u00a0Ltd", "Acme Ltd"),  # no-break spaces
    ("Acme\u202fLtd\u2009Group\u3000SA", "Acme Ltd Group SA"),  # narrow, thin, ideographic
    ("Acme\tLtd\nGroup\r\n", "Acme Ltd Group"),
    ("Acme\x00\x1b Ltd\x85", "Acme Ltd"),  # control characters
    ("Ştefan", "Ştefan"),  # letters with diacritics stay
    ("e\u0301", "é"),  # NFC
    ("Cafe\u200d\u0301", "Café"),  # an accent split from its letter by a joiner composes
    ("Ёлка  й", "Ёлка й"),
    ("", ""),
    (" \u200b\u200e\u202e ", ""),
])
def test_normalize_typed(typed: str, stored: str) -> None:
    assert normalize_typed(typed) == stored


def test_every_listed_character_is_removed_and_the_result_is_nfc() -> None:
    hidden = "".join(sorted(ZERO_WIDTH | BIDI_CONTROLS))
    assert normalize_typed(hidden) == ""
    mixed = "".join(f"{c}a\u0308" for c in hidden)  # "a" + combining diaeresis after each
    assert normalize_typed(mixed) == "ä" * len(hidden)
    assert unicodedata.is_normalized("NFC", normalize_typed(mixed))
    for char in "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c":
        assert char in ZERO_WIDTH | BIDI_CONTROLS
    for char in map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]):
        assert char in BIDI_CONTROLS


@pytest.mark.parametrize("typed", ["", "   ", "\u00a0\u2009", "\u200b\u200e\u202e",
                                   "\ufeff\u2066\u2069\u00ad", "\t\n"])
def test_a_name_that_is_empty_after_normalisation_is_refused_like_a_blank_one(
    typed: str,
) -> None:
    with pytest.raises(InvalidInput) as err:
        clean_name(typed, 200)
    assert (err.value.code, err.value.params) == ("empty", {"field": "name"})
    with pytest.raises(InvalidInput) as err:
        clean_name(typed, 300, field="title")
    assert (err.value.code, err.value.params) == ("empty", {"field": "title"})


def test_the_limit_counts_what_is_stored() -> None:
    # Invisible characters and extra spaces do not count towards the limit...
    assert clean_name("\u200b" * 50 + "a  b" + "\u202e" * 50, 3) == "a b"
    # ...visible ones do.
    with pytest.raises(InvalidInput) as err:
        clean_name("abcd", 3)
    assert (err.value.code, err.value.params) == ("too_long", {"field": "name", "limit": 3})


def test_search_form_ignores_invisible_characters_too() -> None:
    assert normalize_name("Ро\u200dмаш\u200bка\u202e") == normalize_name("ромашка") == "ромашка"
