"""The catalog: products and services with prices per currency and price list.

Invariants:
- a product has a name, a unit and a VAT rate code known to `services.pricing` ("22", "10",
  "0", "none" ...); prices are exact amounts at the currency's minor unit, one per
  (price list, currency);
- a SKU is unique; the CSV import updates the product with that SKU (else the one with the
  same name) and creates the others;
- import is all-or-nothing per row: a row with any bad value is rejected whole and reported
  with its line number and reason; the valid rows are written in one transaction;
- every staff member may search the catalog; only admins and heads add and edit products
  (price, VAT rate, unit, name, archive), only admins import;
- an archived product (is_active false) leaves the catalog list and the draft's product
  picker (a filter shows it); documents that have it keep their lines;
- a price list is a code of `product_prices.price_list` ("base" and the others); a product
  without a price in a list is priced from "base" (`Product.price`)."""

from services.catalog.model import (
    BASE_LIST,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    KNOWN_RATES,
    NAME_MAX,
    NO_VAT_WORDS,
    PRICE_LIST_MAX,
    PRICE_LIST_NAME_MAX,
    PRODUCT_EDIT_FIELDS,
    PRODUCT_KINDS,
    SKU_MAX,
    UNIT_MAX,
    ImportReport,
    Price,
    Product,
    ProductDraft,
    ProductPage,
    RejectedRow,
    clean_currency,
    clean_name,
    clean_price,
    clean_price_list,
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
    "PRICE_LIST_NAME_MAX",
    "PRODUCT_EDIT_FIELDS",
    "PRODUCT_KINDS",
    "SKU_MAX",
    "UNIT_MAX",
    "CatalogService",
    "CatalogUnitOfWork",
    "ImportReport",
    "Price",
    "Product",
    "ProductDraft",
    "ProductPage",
    "ProductRepository",
    "RejectedRow",
    "clean_currency",
    "clean_name",
    "clean_price",
    "clean_price_list",
    "clean_sku",
    "clean_unit",
    "parse_csv",
    "parse_vat_code",
    "price_from_minor",
    "price_minor",
    "vat_code",
    "vat_from_code",
]
