"""Pricing a document's lines (one `compute_totals` call for all of them) and their rows in
storage (minor units); a catalog product as a line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from services.catalog import Product, vat_code, vat_from_code
from services.errors import InvalidInput
from services.invoices.model import Line
from services.money import from_minor, to_minor
from services.pricing import PricingError, compute_totals

# --- pricing a document ---------------------------------------------------------------------


def price_document(lines: Sequence[Line], currency: str, tax_mode: str,
                   discount_percent: Decimal | None, discount_amount: Decimal | None
                   ) -> tuple[tuple[Line, ...], dict[str, int]]:
    """Lines with net/VAT/total from ONE `compute_totals` call, and the totals in minor units.
    An empty document prices to zero. PricingError → InvalidInput(code, line=1-based)."""
    numbered = [replace(line, position=i + 1) for i, line in enumerate(lines)]
    if not numbered:
        if discount_amount:
            raise InvalidInput("total_discount_over_total", field="discount")
        zero = {"subtotal": 0, "discount_total": 0, "net_total": 0, "vat_total": 0,
                "grand_total": 0}
        return (), zero
    mode: Any = tax_mode
    try:
        totals = compute_totals([line.as_input() for line in numbered], currency, mode,
                                total_discount_percent=discount_percent,
                                total_discount_amount=discount_amount)
    except PricingError as exc:
        params: dict[str, Any] = {"field": "line"}
        if exc.line_index is not None:
            params["line"] = exc.line_index + 1
        raise InvalidInput(exc.code, **params) from None
    priced = tuple(replace(line, net=r.net, vat=r.vat, total=r.gross)
                   for line, r in zip(numbered, totals.lines, strict=True))
    return priced, totals.to_minor()


def line_to_row(line: Line, currency: str) -> dict[str, Any]:
    """A priced line as document_lines values (minor units)."""
    return {
        "position": line.position, "kind": line.kind, "product_id": line.product_id,
        "name": line.name, "unit": line.unit, "quantity": line.quantity,
        "unit_price_minor": to_minor(line.unit_price, currency),
        "discount_percent": line.discount_percent,
        "discount_minor": (to_minor(line.discount_amount, currency)
                           if line.discount_amount is not None else None),
        "vat_rate": vat_code(line.vat_rate),
        "net_minor": to_minor(line.net, currency), "vat_minor": to_minor(line.vat, currency),
        "total_minor": to_minor(line.total, currency), "supply": line.supply,
    }


def line_from_row(row: Mapping[str, Any], currency: str) -> Line:
    dm = row.get("discount_minor")
    return Line(
        name=row["name"], quantity=Decimal(row["quantity"]),
        unit_price=from_minor(int(row["unit_price_minor"]), currency),
        vat_rate=vat_from_code(row["vat_rate"]), kind=row["kind"], unit=row["unit"],
        product_id=row.get("product_id"), discount_percent=row.get("discount_percent"),
        discount_amount=from_minor(int(dm), currency) if dm is not None else None,
        position=int(row["position"]), net=from_minor(int(row["net_minor"]), currency),
        vat=from_minor(int(row["vat_minor"]), currency),
        total=from_minor(int(row["total_minor"]), currency), supply=row.get("supply"))



def product_line(product: Product, quantity: Decimal, price: Decimal) -> Line:
    return Line(name=product.name, quantity=quantity, unit_price=price,
                vat_rate=product.vat_rate, kind="item", unit=product.unit,
                product_id=product.id, supply=product.kind)
