"""The catalog: the values and pure rules (no I/O)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from services.errors import InvalidInput
from services.money import (
    AmountError,
    UnknownCurrencyError,
    check_currency,
    from_minor,
    parse_amount,
    to_minor,
)
from services.pricing import NO_VAT, VatRate
from services.text import clean_name as clean_typed_name
from services.text import normalize_typed

NAME_MAX: Final = 300
SKU_MAX: Final = 64
UNIT_MAX: Final = 16
PRICE_LIST_MAX: Final = 32
# A price list named in chat travels in callback data (64 bytes): a shorter name.
PRICE_LIST_NAME_MAX: Final = 20
BASE_LIST: Final = "base"
# What a product's card edits (a price is set per price list and currency instead).
PRODUCT_EDIT_FIELDS: Final = ("name", "vat", "unit")
# Every rate some supported country has, now or before its last change (services.pricing).
KNOWN_RATES: Final = frozenset({"22", "21", "20", "19", "11", "10", "9", "8", "5", "0"})
NO_VAT_WORDS: Final = frozenset({"none", "no", "без ндс", "без", "fără", "fara", "-", "—",
                                 "n/a", "without"})
IMPORT_MAX_ROWS: Final = 5000
IMPORT_MAX_BYTES: Final = 2_000_000
PRODUCT_KINDS: Final = ("good", "service")


@dataclass(frozen=True, slots=True)
class Price:
    price_list: str
    currency: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    sku: str | None
    name: str
    unit: str
    kind: str
    vat_code: str  # "22", "0", "none" ...
    is_active: bool
    prices: tuple[Price, ...] = ()

    @property
    def vat_rate(self) -> VatRate:
        return vat_from_code(self.vat_code)

    def price(self, currency: str, price_list: str = BASE_LIST) -> Decimal | None:
        for p in self.prices:
            if p.currency == currency and p.price_list == price_list:
                return p.amount
        if price_list != BASE_LIST:
            return self.price(currency)
        return None

    def exact_price(self, currency: str, price_list: str) -> Decimal | None:
        """The price in exactly this price list (no fall back to the base list)."""
        for p in self.prices:
            if p.currency == currency and p.price_list == price_list:
                return p.amount
        return None

    @property
    def price_lists(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.price_list for p in self.prices))


@dataclass(frozen=True, slots=True)
class ProductDraft:
    name: str
    vat_code: str
    prices: tuple[Price, ...]
    sku: str | None = None
    unit: str = "pcs"
    kind: str = "good"


@dataclass(frozen=True, slots=True)
class ProductPage:
    items: tuple[Product, ...]
    total: int
    offset: int
    limit: int
    archived: bool  # the archived products instead of the active ones


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int  # 1-based line of the file (the header is line 1)
    reason: str  # missing_name | bad_price | unknown_currency | unknown_vat | ...


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    rejected: tuple[RejectedRow, ...] = field(default_factory=tuple)


def vat_from_code(code: str) -> VatRate:
    return NO_VAT if code == NO_VAT else Decimal(code)


def vat_code(rate: VatRate) -> str:
    """"22" for Decimal("22") / Decimal("22.00"), "none" for no VAT."""
    if isinstance(rate, str):
        return NO_VAT
    return format(rate.normalize(), "f")


def parse_vat_code(text: str) -> str:
    """A typed VAT rate ("22", "22%", "0", "none", "без НДС") as a rate code; unknown rates
    raise InvalidInput("unknown_vat")."""
    body = " ".join(text.strip().casefold().split())
    if body in NO_VAT_WORDS:
        return NO_VAT
    body = body.removesuffix("%").strip().replace(",", ".")
    try:
        value = Decimal(body)
    except ArithmeticError:
        raise InvalidInput("unknown_vat", field="vat") from None
    if not value.is_finite():
        raise InvalidInput("unknown_vat", field="vat")
    code = format(value.normalize(), "f") if value else "0"
    if code not in KNOWN_RATES:
        raise InvalidInput("unknown_vat", field="vat")
    return code


def clean_name(text: str) -> str:
    """A product's name as typed, normalized (services.text); blank or invisible is "empty"."""
    return clean_typed_name(text, NAME_MAX)


def clean_sku(text: str) -> str | None:
    sku = text.strip()
    if not sku or sku == "-":
        return None
    if len(sku) > SKU_MAX or any(c.isspace() for c in sku):
        raise InvalidInput("bad_sku", field="sku", limit=SKU_MAX)
    return sku


def clean_unit(text: str) -> str:
    unit = normalize_typed(text) or "pcs"
    if len(unit) > UNIT_MAX:
        raise InvalidInput("too_long", field="unit", limit=UNIT_MAX)
    return unit


def clean_price_list(text: str) -> str:
    """A price list's name as typed in chat: letters, digits, spaces, "-" and "_", at most
    `PRICE_LIST_NAME_MAX` characters; "base" (any case) is the base list."""
    name = normalize_typed(text)
    if not name:
        raise InvalidInput("empty", field="price_list")
    if name.casefold() == BASE_LIST:
        return BASE_LIST
    if len(name) > PRICE_LIST_NAME_MAX:
        raise InvalidInput("too_long", field="price_list", limit=PRICE_LIST_NAME_MAX)
    if not all(c.isalnum() or c in " -_" for c in name):
        raise InvalidInput("bad_price_list", field="price_list")
    return name


def clean_currency(text: str) -> str:
    try:
        return check_currency(text)
    except UnknownCurrencyError:
        raise InvalidInput("unknown_currency", field="currency") from None


def clean_price(text: str, currency: str | None = None) -> Decimal:
    try:
        return parse_amount(text, currency)
    except AmountError as exc:
        raise InvalidInput(f"amount_{exc.code}", field="price") from None


def _draft_from_row(row: dict[str, str]) -> ProductDraft:
    """One CSV row as a draft, or InvalidInput naming the first bad value."""
    name = normalize_typed(row.get("name") or "")
    if not name:  # blank, or only invisible characters
        raise InvalidInput("missing_name", field="name")
    name = clean_name(name)
    currency = clean_currency(row.get("currency") or "")
    price_text = (row.get("price") or "").strip()
    try:
        price = parse_amount(price_text, currency)
    except AmountError:
        raise InvalidInput("bad_price", field="price") from None
    vat = parse_vat_code(row.get("vat") or row.get("vat_rate") or "")
    price_list = (row.get("price_list") or BASE_LIST).strip() or BASE_LIST
    if len(price_list) > PRICE_LIST_MAX:
        raise InvalidInput("too_long", field="price_list", limit=PRICE_LIST_MAX)
    kind = (row.get("kind") or "good").strip().casefold() or "good"
    if kind not in PRODUCT_KINDS:
        raise InvalidInput("bad_kind", field="kind")
    return ProductDraft(name=name, vat_code=vat, sku=clean_sku(row.get("sku") or ""),
                        unit=clean_unit(row.get("unit") or ""), kind=kind,
                        prices=(Price(price_list, currency, price),))


def parse_csv(data: bytes) -> tuple[list[tuple[int, ProductDraft]], list[RejectedRow]]:
    """Rows of a catalog CSV (UTF-8, with or without BOM, or Windows-1251; comma or
    semicolon separated; a header naming the columns sku, name, unit, kind, vat, price,
    currency, price_list — name, vat, price and currency are required).

    A product given on several rows (same SKU) gets each row's price; the same SKU, price
    list and currency twice is a duplicate and rejected."""
    if len(data) > IMPORT_MAX_BYTES:
        raise InvalidInput("file_too_large", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251", errors="replace")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InvalidInput("csv_no_header", field="file")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().casefold().replace(" ", "_") for h in next(reader)]
    except (StopIteration, csv.Error):
        raise InvalidInput("csv_no_header", field="file") from None
    missing = [c for c in ("name", "price", "currency") if c not in header]
    if missing or not ({"vat", "vat_rate"} & set(header)):
        raise InvalidInput("csv_no_header", field="file")
    good: list[tuple[int, ProductDraft]] = []
    bad: list[RejectedRow] = []
    seen: set[tuple[str, str, str]] = set()
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(good) + len(bad) >= IMPORT_MAX_ROWS:
                raise InvalidInput("csv_too_many_rows", field="file", limit=IMPORT_MAX_ROWS)
            values = dict(zip(header, (c.strip() for c in row), strict=False))
            try:
                draft = _draft_from_row(values)
            except InvalidInput as err:
                bad.append(RejectedRow(line, err.code))
                continue
            price = draft.prices[0]
            key = (draft.sku or draft.name.casefold(), price.price_list, price.currency)
            if key in seen:
                bad.append(RejectedRow(line, "duplicate"))
                continue
            seen.add(key)
            good.append((line, draft))
    except csv.Error:
        raise InvalidInput("csv_broken", field="file") from None
    return good, bad


def price_minor(price: Price) -> int:
    return to_minor(price.amount, price.currency)


def price_from_minor(price_list: str, currency: str, minor: int) -> Price:
    return Price(price_list, currency, from_minor(minor, currency))
