"""The catalog: products and services with prices per currency and price list.

Invariants:
- a product has a name, a unit and a VAT rate code known to `services.pricing` ("22", "10",
  "0", "none" ...); prices are exact amounts at the currency's minor unit, one per
  (price list, currency);
- a SKU is unique; the CSV import updates the product with that SKU (else the one with the
  same name) and creates the others;
- import is all-or-nothing per row: a row with any bad value is rejected whole and reported
  with its line number and reason; the valid rows are written in one transaction;
- every staff member may search the catalog; only admins and heads add products, only admins
  import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Protocol

from services.clock import Clock
from services.errors import Forbidden, InvalidInput, NotFound
from services.kernel import AuditedUnitOfWork, UowFactory
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
from services.users import Actor, Role

NAME_MAX: Final = 300
SKU_MAX: Final = 64
UNIT_MAX: Final = 16
PRICE_LIST_MAX: Final = 32
BASE_LIST: Final = "base"
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


@dataclass(frozen=True, slots=True)
class ProductDraft:
    name: str
    vat_code: str
    prices: tuple[Price, ...]
    sku: str | None = None
    unit: str = "pcs"
    kind: str = "good"


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


# --- ports ----------------------------------------------------------------------------------


class ProductRepository(Protocol):
    async def get(self, product_id: int) -> Product | None: ...
    async def by_sku(self, sku: str) -> Product | None: ...
    async def by_name(self, name: str) -> Product | None: ...
    async def search(self, query: str, limit: int) -> Sequence[Product]:
        """Active products whose SKU equals `query` or whose name starts with it."""
        ...

    async def add(self, draft: ProductDraft) -> Product: ...
    async def update(self, product_id: int, draft: ProductDraft) -> Product: ...
    async def set_prices(self, product_id: int, prices: Sequence[Price]) -> None: ...


class CatalogUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def products(self) -> ProductRepository: ...


class CatalogService:
    """Search is open to all staff; adding needs admin or head; import needs admin."""

    def __init__(self, uow: UowFactory[CatalogUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    @staticmethod
    def clean_field(field: str, text: str, currency: str | None = None) -> str:
        """One typed value of the add-product flow, normalised (price as plain decimal)."""
        if field == "name":
            return clean_name(text)
        if field == "sku":
            return clean_sku(text) or ""
        if field == "unit":
            return clean_unit(text)
        if field == "vat":
            return parse_vat_code(text)
        if field == "currency":
            return clean_currency(text)
        if field == "price":
            return str(clean_price(text, currency))
        raise InvalidInput("unknown_field", field=field)

    async def search(self, actor: Actor, query: str, limit: int = 8) -> Sequence[Product]:
        """Active products whose SKU equals the query or whose name starts with it."""
        if not actor.is_staff:
            raise Forbidden()
        query = normalize_typed(query)
        if not query:
            return []
        async with self._uow(readonly=True) as uow:
            return await uow.products.search(query, limit)

    async def get(self, actor: Actor, product_id: int) -> Product:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            product = await uow.products.get(product_id)
        if product is None or not product.is_active:
            raise NotFound(entity="product", id=product_id)
        return product

    async def create(self, actor: Actor, draft: ProductDraft) -> Product:
        if actor.role not in (Role.ADMIN, Role.HEAD):
            raise Forbidden()
        clean = ProductDraft(
            name=clean_name(draft.name), vat_code=parse_vat_code(draft.vat_code),
            sku=clean_sku(draft.sku or ""), unit=clean_unit(draft.unit), kind=draft.kind,
            prices=tuple(Price(p.price_list, clean_currency(p.currency), p.amount)
                         for p in draft.prices))
        for p in clean.prices:
            to_minor(p.amount, p.currency)  # more decimals than the currency has: a bug
        async with self._uow() as uow:
            if clean.sku and await uow.products.by_sku(clean.sku) is not None:
                raise InvalidInput("sku_taken", field="sku")
            product = await uow.products.add(clean)
            await uow.audit.add(actor.id, "product.create", "product", product.id)
            await uow.commit()
        return product

    async def import_csv(self, actor: Actor, data: bytes) -> ImportReport:
        if actor.role != Role.ADMIN:
            raise Forbidden()
        good, bad = parse_csv(data)
        created = updated = 0
        async with self._uow() as uow:
            touched: dict[str, int] = {}  # products created or updated by this file
            for _line, draft in good:
                key = draft.sku or f"name:{draft.name.casefold()}"
                if key in touched:
                    await uow.products.set_prices(touched[key], draft.prices)
                    continue
                existing = (await uow.products.by_sku(draft.sku) if draft.sku
                            else await uow.products.by_name(draft.name))
                if existing is None:
                    product = await uow.products.add(draft)
                    created += 1
                else:
                    product = await uow.products.update(existing.id, draft)
                    updated += 1
                touched[key] = product.id
            await uow.audit.add(actor.id, "product.import", "product", None,
                                {"created": created, "updated": updated,
                                 "rejected": len(bad)})
            await uow.commit()
        return ImportReport(created, updated, tuple(bad))


def price_minor(price: Price) -> int:
    return to_minor(price.amount, price.currency)


def price_from_minor(price_list: str, currency: str, minor: int) -> Price:
    return Price(price_list, currency, from_minor(minor, currency))
