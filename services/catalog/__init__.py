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
  import."""

from services.catalog.model import (
    BASE_LIST,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    KNOWN_RATES,
    NAME_MAX,
    NO_VAT_WORDS,
    PRICE_LIST_MAX,
    PRODUCT_KINDS,
    SKU_MAX,
    UNIT_MAX,
    ImportReport,
    Price,
    Product,
    ProductDraft,
    RejectedRow,
    clean_currency,
    clean_name,
    clean_price,
    clean_sku,
    clean_unit,
    parse_csv,
    parse_vat_code,
    price_from_minor,
    price_minor,
    vat_code,
    vat_from_code,
)
from services.catalog.ports import (
    CatalogUnitOfWork,
    ProductRepository,
)
from services.catalog.service import (
    CatalogService,
)

__all__ = [
    "BASE_LIST",
    "IMPORT_MAX_BYTES",
    "IMPORT_MAX_ROWS",
    "KNOWN_RATES",
    "NAME_MAX",
    "NO_VAT_WORDS",
    "PRICE_LIST_MAX",
    "PRODUCT_KINDS",
    "SKU_MAX",
    "UNIT_MAX",
    "CatalogService",
    "CatalogUnitOfWork",
    "ImportReport",
    "Price",
    "Product",
    "ProductDraft",
    "ProductRepository",
    "RejectedRow",
    "clean_currency",
    "clean_name",
    "clean_price",
    "clean_sku",
    "clean_unit",
    "parse_csv",
    "parse_vat_code",
    "price_from_minor",
    "price_minor",
    "vat_code",
    "vat_from_code",
]
