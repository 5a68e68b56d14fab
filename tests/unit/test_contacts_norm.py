"""Phone, e-mail and name normalization."""

from __future__ import annotations

import pytest

from services.contacts_norm import (
    EmailError,
    PhoneError,
    normalize_email,
    normalize_name,
    normalize_phone,
    phone_search_key,
)


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+7 (912) 345-67-89", "RU", "+79123456789"),
        ("8 912 345 67 89", "RU", "+79123456789"),
        ("8(912)345-67-89", "RU", "+79123456789"),
        ("79123456789", "RU", "+79123456789"),
        ("+7 912 345 67 89", "RO", "+79123456789"),  # "+" wins over the region
        ("8 10 373 69 123 456", "RU", "+37369123456"),  # Russian international prefix
        ("+40 721 234 567", "RU", "+40721234567"),
        ("0721234567", "RO", "+40721234567"),
        ("0721 234 567", "ro", "+40721234567"),
        ("0040 721 234 567", "RO", "+40721234567"),
        ("+373 69 123 456", "RU", "+37369123456"),
        ("069 123 456", "MD", "+37369123456"),
        ("+375 29 123-45-67", "MD", "+375291234567"),
        ("8 029 123 45 67", "BY", "+375291234567"),
        (" +7\u00a0912\u00a0345\u201267\u201289 ", "RU", "+79123456789"),  # NBSP, dash
    ],
)
def test_normalize_phone(text: str, region: str, expected: str) -> None:
    assert normalize_phone(text, region) == expected
    assert phone_search_key(text, region) == expected


@pytest.mark.parametrize(
    ("text", "region", "code"),
    [
        ("069 123 456", "RU", "invalid"),  # Moldovan mobile typed without +373
        ("37369123456", "RU", "invalid"),  # ...or with 373 but no "+"
        ("0721234567", "RU", "invalid"),  # Romanian mobile without +40
        ("8 912 345 67 89", "RO", "invalid"),  # Russian trunk 8 means nothing in Romania
        ("+7 912 345", "RU", "invalid"),  # too short
        ("+7 912 345 67 89 00", "RU", "invalid"),  # too long
        ("+999 123 456", "RU", "invalid"),  # no such country code
        ("12", "RU", "invalid"),
        ("Иван Петров", "RU", "not_a_number"),
        ("call me", "RU", "not_a_number"),
        ("8-800-FLOWERS", "RU", "not_a_number"),  # no vanity letters
        ("+7 912 345-67-89 доб. 12", "RU", "not_a_number"),  # E.164 has no extension
        ("+", "RU", "not_a_number"),
        ("", "RU", "not_a_number"),
        ("ivan@example.com", "RU", "not_a_number"),
    ],
)
def test_normalize_phone_invalid(text: str, region: str, code: str) -> None:
    with pytest.raises(PhoneError) as info:
        normalize_phone(text, region)
    assert info.value.code == code
    assert code in str(info.value)
    assert phone_search_key(text, region) is None


def test_unknown_region_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown phone region"):
        normalize_phone("+79123456789", "XX")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ivan.Petrov@Example.COM", "ivan.petrov@example.com"),
        ("  sales@dealchat.ro  ", "sales@dealchat.ro"),
        ("mailto:office@firma.md", "office@firma.md"),
        ("<office@firma.md>", "office@firma.md"),
        ("a.b+crm@mail.ru", "a.b+crm@mail.ru"),
        ("o'brien@example.co.uk", "o'brien@example.co.uk"),
        ("info@пример.рф", "info@пример.рф"),
        ("INFO@ПРИМЕР.РФ", "info@пример.рф"),
        ("info@xn--e1afmkfd.xn--p1ai", "info@пример.рф"),  # punycode: same mailbox
        ("contact@firmă.ro", "contact@firmă.ro"),
        ("user@example.com.", "user@example.com"),
    ],
)
def test_normalize_email(text: str, expected: str) -> None:
    assert normalize_email(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ivan.example.com", "format"),
        ("a@@example.com", "format"),
        ("a@b@example.com", "format"),
        ("ivan petrov@example.com", "format"),
        ("@example.com", "format"),
        ("ivan@", "format"),
        ("", "format"),
        ("иван@mail.ru", "local_part"),  # non-ASCII local parts need SMTPUTF8
        (".ivan@mail.ru", "local_part"),
        ("ivan..petrov@mail.ru", "local_part"),
        ("ivan(work)@mail.ru", "local_part"),
        ("ivan@localhost", "domain"),
        ("ivan@-mail.ru", "domain"),
        ("ivan@mail-.ru", "domain"),
        ("ivan@mail..ru", "domain"),
        ("ivan@mail_box.ru", "domain"),
        ("ivan@1.2.3.4", "domain"),
        ("ivan@[1.2.3.4]", "domain"),
        ("ivan@xn--zz.ru", "domain"),  # broken punycode
        ("ivan@" + "a" * 64 + ".ru", "domain"),  # label over 63 characters
        ("a" * 65 + "@mail.ru", "length"),
        ("ivan@" + ".".join(["a" * 60] * 5) + ".ru", "length"),
    ],
)
def test_normalize_email_invalid(text: str, code: str) -> None:
    with pytest.raises(EmailError) as info:
        normalize_email(text)
    assert info.value.code == code
    assert f"[{code}]" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Ёлкин   Пётр  ", "елкин петр"),
        ("ЕЛКИН", "елкин"),
        ("Йошкар-Ола", "йошкар-ола"),  # й is a letter of its own, not и with a mark
        ("ООО «Ромашка»", "ооо «ромашка»"),
        ("Ștefan Ţăranu", "stefan taranu"),
        ("Ştefan", "stefan"),  # cedilla, as old keyboards type it
        ("STRASSE Straße", "strasse strasse"),
        ("Ivan\tPetrov\nJr.", "ivan petrov jr."),
        ("Ｉｖａｎ", "ivan"),  # fullwidth
        ("Е\u0308лкин", "елкин"),  # decomposed ё
        ("", ""),
    ],
)
def test_normalize_name(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Пётр Ёлкин", "петр ел"),
        ("Ștefănescu Impex SRL", "STEFANESCU"),
        ("ООО  Ромашка", "ооо ром"),
    ],
)
def test_normalize_name_prefix_search(stored: str, typed: str) -> None:
    assert normalize_name(stored).startswith(normalize_name(typed))
