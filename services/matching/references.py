"""Invoice references read from a payment purpose (rule 1 of `services.matching`).

Reading numbers (rule 1). The purpose is case-folded, "ё" read as "е", every space kind as a space.

* A *full formatted number* - a known series prefix, the year and the number, separated by
  spaces, dashes, slashes or dots ("INV-2026-00042", "INV 2026 00042", "№INV-2026-42") - counts
  anywhere. Cyrillic letters that look Latin are folded for the prefix comparison.
* A *bare number* ("42", "00042") counts only right after an invoice word ("счет", "счёт",
  "счета", "сч", "invoice", "inv", "factura", "factură", "fact") or a number marker ("№", "#",
  "N", "No", "Nr", "номер", "număr"), and only if an invoice with that number exists. A marker
  right after another document's word ("договор", "п/п", "платежное поручение", "акт",
  "накладная", "с/ф", "счет-фактура", "заказ", "contract", ...) does not count, and "счёт" used
  for a bank account ("р/счет", "расчетный счет", "лицевой счет") is not an invoice word.
* Several invoices: "счета 41, 42", "сч. 41 и 42", "№41; №42", "INV-2026-41, 42" (the bare 42
  inherits the series and year) and "41,42" (only when every part is an invoice number; otherwise
  it is an amount like "1200,00").
* Never numbers: dates and decimals ("01.11.2026", "1200.50"), grouped amounts ("1 200,00"),
  percentages ("НДС 22%"), numbers followed by a currency ("500 руб"), numbers of more than
  nine digits (INNs, accounts), and numbers not preceded by a marker or an invoice word.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from typing import Final

from services.matching.normalize import _fold_prefix, _norm_text

# --- reading invoice numbers from a purpose --------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ref:
    """One invoice reference read from a purpose."""

    number: int
    prefix: str | None = None  # folded series prefix, for full formatted numbers
    year: int | None = None
    on: date | None = None  # "от 01.11.2026" written after it


_FULL: Final = re.compile(
    r"(?<![^\W_])([^\W\d_]{1,10})[\s\-_/.#№:]*(\d{4})[\s\-_/.]+(\d{1,9})(?![\d])"
)
_MARKER_WORDS: Final = r"n[oо]?|nr|nº|num|номер|numar|număr|numărul"
# A word (or a lone "№"/"#"), then only markers, spaces and ".:-°", then a digit.
_ANCHOR: Final = re.compile(
    r"(?<![^\W_])(?P<word>[^\W\d_]+|[№#])"
    rf"(?P<tail>(?:[\s.:°№#-]|(?<![^\W_])(?:{_MARKER_WORDS})(?![^\W_]))*)(?=\d)"
)
_MARKER_IN: Final = re.compile(rf"[№#]|(?<![^\W_])(?:{_MARKER_WORDS})(?![^\W_])")
_WORD_BEFORE: Final = re.compile(r"([^\W\d_]+)[\s.:°/№#-]*$")
# "р/счет", "расчетный счет", "лицевой счет": "счет" is a bank account there, not an invoice.
_ACCOUNT_BEFORE: Final = re.compile(
    r"(?:(?<![^\W_])[рлк]\s*/\s*|(?:расч|лицев|корр|банк|текущ|ссудн|валютн)[^\W\d_]*\s+)$"
)
_DIGITS: Final = re.compile(r"\d+")
_COMPOUND: Final = re.compile(r"(?:[.,/\-]\d+)+")
_YEAR_NUMBER: Final = re.compile(r"(\d{4})[-/](\d{1,9})")
_COMMA_LIST: Final = re.compile(r"\d+(?:,\d+)+")
# After a number: a thousands group, a percent or a currency make it an amount.
_AMOUNT_TAIL: Final = re.compile(
    r" \d{3}(?!\d)|\s*%|\s*(?:руб|р\.|rub|rur|lei|leu|mdl|eur|byn|usd|коп|bani|₽|\$|€)"
)
_LIST_SEP: Final = re.compile(
    r"\s*(?:[,;+&]|и|and|și|şi|si)\s*(?:(?:№|#|n[oо]?|nr)\s*\.?\s*)?(?=\d)"
)
_DATE_AFTER: Final = re.compile(
    r"\s*(?:от|din|from|dated|of)\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)"
)
_MARKERS: Final = frozenset(
    {"№", "#", "n", "no", "nо", "nº", "nr", "num", "номер", "numar", "număr", "numărul"}
)
_OTHER_DOCUMENTS: Final = (
    "договор",
    "дог",
    "контракт",
    "contract",
    "поручен",
    "платеж",
    "акт",
    "накладн",
    "заказ",
    "order",
    "comand",
    "ordin",
    "фактур",
    "доверен",
    "спецификац",
    "приложен",
)
_OTHER_DOCUMENT_WORDS: Final = frozenset({"п", "пп", "ф", "сф", "тн", "ттн", "упд", "op"})


def _is_invoice_word(word: str) -> bool:
    if word in ("сч", "inv", "invoice", "invoices", "fact", "factura", "factură", "инвойс"):
        return True
    return word.startswith(("счет", "factur", "инвойс")) and word != "счетчик"


def _is_other_document(word: str) -> bool:
    return word in _OTHER_DOCUMENT_WORDS or word.startswith(_OTHER_DOCUMENTS)


def _date_after(text: str, pos: int) -> date | None:
    match = _DATE_AFTER.match(text, pos)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None


def _read_item(text: str, pos: int, known: Container[int]) -> tuple[list[_Ref], int]:
    """Read the number starting at ``pos``: (references it makes, end position)."""
    match = _DIGITS.match(text, pos)
    assert match is not None
    end = match.end()
    compound = _COMPOUND.match(text, end)
    if compound is not None:
        whole = text[pos : compound.end()]
        year_number = _YEAR_NUMBER.fullmatch(whole)
        if year_number is not None:
            year, number = (int(part) for part in year_number.groups())
            return [_Ref(number, year=year)], compound.end()
        if _COMMA_LIST.fullmatch(whole):
            numbers = [int(part) for part in whole.split(",")]
            if all(len(part) <= 9 for part in whole.split(",")) and all(
                number in known for number in numbers
            ):
                return [_Ref(number) for number in numbers], compound.end()
        # A date, a decimal, an amount or some other code: not an invoice number.
        return [], compound.end()
    digits = match.group()
    if len(digits) > 9 or _AMOUNT_TAIL.match(text, end):
        return [], end
    return [_Ref(int(digits))], end


def _read_list(
    text: str, pos: int, known: Container[int], template: _Ref | None = None
) -> tuple[list[_Ref], int]:
    """Read "41, 42 и 43 от 01.11.2026" from ``pos``; bare items inherit ``template``'s series."""
    refs: list[_Ref] = []
    while True:
        items, pos = _read_item(text, pos, known)
        if template is not None:
            items = [_Ref(r.number, template.prefix, r.year or template.year) for r in items]
        refs += items
        if not items:
            break
        separator = _LIST_SEP.match(text, pos)
        if separator is None:
            break
        pos = separator.end()
    return refs, pos


def _dated(refs: list[_Ref], text: str, pos: int) -> list[_Ref]:
    """``refs`` with the date written right after them ("от 01.11.2026"), if any."""
    on = _date_after(text, pos)
    return refs if on is None else [_Ref(r.number, r.prefix, r.year, on) for r in refs]


def _extract_references(
    purpose: str, known_prefixes: Container[str], known_numbers: Container[int]
) -> list[_Ref]:
    """Invoice references in a payment purpose, in reading order (duplicates possible).

    ``known_prefixes`` are folded series prefixes (``_fold_prefix``); ``known_numbers`` the
    invoice numbers that exist (needed to tell "41,42" from an amount like "1200,00").
    """
    text = _norm_text(purpose)
    if _DIGITS.search(text) is None:
        return []
    refs: list[_Ref] = []
    masked = text
    for match in _FULL.finditer(text):
        prefix = _fold_prefix(match.group(1))
        if prefix not in known_prefixes:
            continue
        template = _Ref(int(match.group(3)), prefix, int(match.group(2)))
        group, end = [template], match.end()
        separator = _LIST_SEP.match(text, end)
        if separator is not None:
            more, end = _read_list(text, separator.end(), known_numbers, template)
            group += more
        refs += _dated(group, text, end)
        # Blank it out so its year and number are not read again as bare numbers.
        masked = masked[: match.start()] + " " * (end - match.start()) + masked[end:]
    return refs + _bare_references(masked, known_numbers)


def _bare_references(text: str, known: Container[int]) -> list[_Ref]:
    """Numbers right after an invoice word or a number marker (see the module docstring)."""
    refs: list[_Ref] = []
    pos = 0
    while (anchor := _ANCHOR.search(text, pos)) is not None:
        pos = anchor.end()
        word, tail = anchor.group("word", "tail")
        before = text[max(0, anchor.start() - 40) : anchor.start()]
        if _is_invoice_word(word):
            counts = _ACCOUNT_BEFORE.search(before) is None
        elif word in _MARKERS:
            previous = _WORD_BEFORE.search(before)
            counts = previous is None or not _is_other_document(previous.group(1))
        else:
            counts = _MARKER_IN.search(tail) is not None and not _is_other_document(word)
        if counts:
            found, pos = _read_list(text, anchor.end(), known)
            refs += _dated(found, text, pos)
    return refs
