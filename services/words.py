"""Amounts in words for documents ("Сумма прописью", "Suma în litere", "Amount in words").

Output conventions (tested exactly in tests/unit/test_words.py):

* ru: the Russian accounting way (as 1C prints it): whole units in words, minor units as two
  digits, no comma: «Одна тысяча двести тридцать четыре рубля 56 копеек», «Пять рублей 00
  копеек». BYN is «белорусский рубль»; MDL is «лей» (1 лей, 2 лея, 5 леев; 56 бань) as Moldovan
  documents write it, while RON is «румынский лей» so the two never read alike.
* en: units in words, cents as two digits after "and": "One thousand, two hundred and
  thirty-four dollars and 56 cents".
* ro: units and bani in words, as Romanian invoices write them, with Romanian agreement
  ("un leu", "doi lei", "douăzeci și unu de lei", "o rublă", "două ruble"); MDL and RON are
  both "lei"/"bani", as Moldovan and Romanian documents write them; zero minor units
  are left out ("Cinci lei"); "una mie" is num2words' financial form of 1000.

The first letter is capitalized. Amounts must be non-negative with at most 2 decimals.

num2words is called with a ``Decimal`` (an ``int`` would be read as minor units). It lacks
MDL, RON in Russian, and correct Romanian forms for foreign currencies (its Romanian converter
crashes on "21 EUR" and prints "unu dollar"). We add them in *private subclasses* of
num2words' converters, with their own copies of ``CURRENCY_FORMS``; num2words' shared
converter instances and class dictionaries are never modified, so other callers of
``num2words()`` in the process see the library unchanged. Our Romanian converter instance is
guarded by a lock because num2words' ``Num2Word_RO.to_currency`` temporarily mutates the
instance (it swaps "o" for "una") while it works.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Final, Literal

from num2words.lang_EN import Num2Word_EN
from num2words.lang_RO import Num2Word_RO
from num2words.lang_RU import Num2Word_RU

from services.money import check_currency

Lang = Literal["ru", "en", "ro"]

Forms = tuple[str, ...]


class _Ru(Num2Word_RU):
    CURRENCY_FORMS: Final[dict[str, tuple[Forms, Forms]]] = {
        **Num2Word_RU.CURRENCY_FORMS,
        "MDL": (
            ("лей", "лея", "леев"),
            ("бан", "бана", "бань"),
        ),
        "RON": (
            ("румынский лей", "румынских лея", "румынских леев"),
            ("бан", "бана", "бань"),
        ),
    }


class _En(Num2Word_EN):
    CURRENCY_FORMS: Final[dict[str, tuple[Forms, Forms]]] = {
        **Num2Word_EN.CURRENCY_FORMS,
        # num2words says plain "roubles" for BYN, which reads as Russian roubles.
        "BYN": (("Belarusian rouble", "Belarusian roubles"), ("kopek", "kopeks")),
        "MDL": (("leu", "lei"), ("ban", "bani")),
    }


# Romanian: (singular, plural for 0 and 2..19, plural with "de" from 20), and the gender of
# the noun, which changes "un/o", "doi/două", "unu/una", "doisprezece/douăsprezece".
_RO_FORMS: Final[dict[str, tuple[Forms, Forms]]] = {
    "RON": (("leu", "lei", "de lei"), ("ban", "bani", "de bani")),
    "MDL": (("leu", "lei", "de lei"), ("ban", "bani", "de bani")),
    "EUR": (("euro", "euro", "de euro"), ("cent", "cenți", "de cenți")),
    "USD": (("dolar", "dolari", "de dolari"), ("cent", "cenți", "de cenți")),
    "RUB": (("rublă", "ruble", "de ruble"), ("copeică", "copeici", "de copeici")),
    "BYN": (("rublă belarusă", "ruble belaruse", "de ruble belaruse"),
            ("copeică", "copeici", "de copeici")),
}  # fmt: skip
_RO_FEMININE: Final[dict[str, tuple[bool, bool]]] = {
    "RUB": (True, True),
    "BYN": (True, True),
}


class _Ro(Num2Word_RO):
    CURRENCY_FORMS: Final = _RO_FORMS

    def _agree(self, number: int, currency: str, minor: bool) -> str:
        feminine = _RO_FEMININE.get(currency, (False, False))[1 if minor else 0]
        if number == 1:
            return "o" if feminine else "un"
        words: str = self.to_cardinal(number)
        if feminine:
            for masculine, female in (("doisprezece", "douăsprezece"), ("doi", "două")):
                if words == masculine or words.endswith(" " + masculine):
                    return words[: len(words) - len(masculine)] + female
            if words.endswith(" unu"):
                return words[: -len("unu")] + "una"
        return words

    def _money_verbose(self, number: int, currency: str) -> str:
        return self._agree(number, currency, minor=False)

    def _cents_verbose(self, number: int, currency: str) -> str:
        return self._agree(number, currency, minor=True)


_RU: Final = _Ru()
_EN: Final = _En()
_RO: Final = _Ro()
_RO_LOCK: Final = threading.Lock()


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def amount_in_words(amount: Decimal, currency: str, lang: Lang) -> str:
    """The amount in words, first letter capitalized (see the module docstring for the style).

    Raises ``TypeError`` for a non-Decimal amount, ``ValueError`` for a negative amount or one
    with more than 2 decimals, ``UnknownCurrencyError`` for an unknown currency.
    """
    if not isinstance(amount, Decimal):
        raise TypeError("amount must be a Decimal (an int would be read as minor units)")
    currency = check_currency(currency)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"amount must be a non-negative number: {amount}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"amount has more than 2 decimals: {amount}")
    if lang == "ru":
        text = _RU.to_currency(amount, currency=currency, cents=False, separator="")
    elif lang == "en":
        text = _EN.to_currency(amount, currency=currency, cents=False, separator=" and")
    elif lang == "ro":
        text = _ro(amount, currency)
    else:
        raise ValueError(f"unsupported language: {lang!r}")
    return _capitalize(" ".join(str(text).split()))


def _ro(amount: Decimal, currency: str) -> str:
    with _RO_LOCK:
        text = str(_RO.to_currency(amount, currency=currency))
    if amount == amount.to_integral_value():
        # num2words drops " și zero bani" only for RON; do it for every currency.
        zero_minor = _RO.pluralize(0, _RO_FORMS[currency][1])
        text = text.removesuffix(f" și zero {zero_minor}")
    return text
