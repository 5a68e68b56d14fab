"""Document arithmetic for quotes and invoices: lines, discounts, VAT, totals.

THE ROUNDING RULE (one rule, everywhere):

    Every monetary amount is rounded to the currency's minor unit, ROUND_HALF_UP, at the LINE
    level: the line amount (quantity x unit price), the line discount, the line's share of a
    document discount, the line net and the line VAT. Document totals (subtotal, discount,
    net, VAT, grand total and the per-rate VAT breakdown) are plain sums of those rounded line
    amounts, so a printed document always adds up to the cent.

Two places where an amount is computed for a group and then split over lines; the split is
exact (the parts sum to the group amount) and keeps the rule above true:

* a document-level discount (``total_discount_percent`` / ``total_discount_amount``) is
  computed once on the sum of the nets of the ``"item"`` lines (shipping and charges are not
  discounted by a document discount), rounded, and distributed over the item lines in
  proportion to their net, each share rounded HALF_UP, the remainder cent(s) going to the
  largest line (ties: the first one; never more than a line's own net);
* in ``"on_total"`` tax mode the VAT of each rate is computed once on the sum of the nets of
  that rate, rounded, and allocated to the lines of that rate the same way.

Tax modes:

* ``"per_line"``: prices exclude VAT; line VAT = round(line net x rate / 100).
* ``"on_total"``: prices exclude VAT; VAT per rate = round(sum of nets of the rate x rate / 100).
* ``"included"``: prices include VAT; discounts are VAT-inclusive too; line VAT is extracted
  from the line gross: round(gross x rate / (100 + rate)); net = gross - VAT.
  Here ``subtotal - discount_total == grand_total``; in the other modes it equals ``net_total``.

VAT rates: a ``Decimal`` percent (``Decimal("22")``, ``Decimal("0")``) or ``"none"`` ("without
VAT", «Без НДС»): zero VAT that must print as "without VAT", not "VAT 0%".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from services.money import check_currency, round_money, to_minor

VatRate = Decimal | Literal["none"]
NO_VAT: Final = "none"
TaxMode = Literal["per_line", "on_total", "included"]
LineKind = Literal["item", "shipping", "charge"]

MAX_LINES: Final = 500
MAX_LINE_AMOUNT: Final = Decimal("999999999999.99")

TAX_MODES: Final = ("per_line", "on_total", "included")
LINE_KINDS: Final = ("item", "shipping", "charge")

PricingErrorCode = Literal[
    "quantity_not_positive",
    "price_negative",
    "discount_over_100",
    "discount_negative",
    "discount_both",
    "discount_over_line",
    "total_discount_over_total",
    "mixed_currency",
    "no_lines",
    "too_many_lines",
    "vat_rate_invalid",
    "amount_too_large",
    "bad_tax_mode",
    "bad_line_kind",
    "unknown_country",
]


class PricingError(ValueError):
    """A document that cannot be priced. ``line_index`` is 0-based, None for the document."""

    def __init__(self, code: PricingErrorCode, line_index: int | None = None) -> None:
        where = "document" if line_index is None else f"line {line_index}"
        super().__init__(f"{code} ({where})")
        self.code: PricingErrorCode = code
        self.line_index = line_index


# --- VAT rates by country -------------------------------------------------------------------

_RU_22_FROM: Final = date(2026, 1, 1)
_RO_21_FROM: Final = date(2025, 8, 1)


def _d(*values: int) -> list[VatRate]:
    return [Decimal(v) for v in values]


def vat_rates_for(country: str, on: date | None = None) -> list[VatRate]:
    """The VAT rates a seller in ``country`` (ISO 3166 alpha-2) may put on a line, standard
    rate first, on the date ``on`` (default: today).

    RU: 22, 10, 0, none (20 instead of 22 before 2026-01-01); RO: 21, 11, 0 (19, 9, 5, 0
    before 2025-08-01); BY: 20, 10, 0, none; MD: 20, 8, 0, none.
    """
    day = on or date.today()
    match country.strip().upper():
        case "RU":
            return [*_d(22 if day >= _RU_22_FROM else 20, 10, 0), NO_VAT]
        case "RO":
            return _d(21, 11, 0) if day >= _RO_21_FROM else _d(19, 9, 5, 0)
        case "BY":
            return [*_d(20, 10, 0), NO_VAT]
        case "MD":
            return [*_d(20, 8, 0), NO_VAT]
    raise PricingError("unknown_country")


def default_vat(country: str, on: date | None = None) -> VatRate:
    """The standard rate of ``country`` on ``on`` (default: today): RU 22 (20 before 2026),
    RO 21 (19 before 2025-08-01), BY 20, MD 20."""
    return vat_rates_for(country, on)[0]


def _check_rate(rate: object, index: int) -> VatRate:
    if rate == NO_VAT:
        return NO_VAT
    if isinstance(rate, bool) or not isinstance(rate, Decimal | int):
        raise PricingError("vat_rate_invalid", index)
    value = Decimal(rate)
    if not value.is_finite() or not Decimal(0) <= value < Decimal(100):
        raise PricingError("vat_rate_invalid", index)
    return value


# --- inputs and outputs ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineInput:
    """One document line as entered. ``currency``, when set (e.g. from the catalog), must equal
    the document currency. At most one of ``discount_percent`` / ``discount_amount``."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: VatRate
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    kind: LineKind = "item"
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class LineResult:
    """A priced line; every amount at 2 places.

    ``amount`` = round(quantity x unit_price); ``discount`` = ``line_discount`` +
    ``document_discount``; ``net`` + ``vat`` = ``gross``. In "included" mode ``amount`` and
    the discounts are VAT-inclusive, so ``amount - discount == gross``; otherwise
    ``amount - discount == net``.
    """

    index: int
    name: str
    kind: LineKind
    quantity: Decimal
    unit_price: Decimal
    vat_rate: VatRate
    amount: Decimal
    line_discount: Decimal
    document_discount: Decimal
    discount: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal

    def to_minor(self, currency: str) -> dict[str, int]:
        return {
            "amount": to_minor(self.amount, currency),
            "discount": to_minor(self.discount, currency),
            "net": to_minor(self.net, currency),
            "vat": to_minor(self.vat, currency),
            "gross": to_minor(self.gross, currency),
        }


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """Sums over the lines of one rate (for "on_total": the rate-level VAT)."""

    rate: VatRate
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    """The priced document. Every total is the sum of the corresponding line amounts.

    ``vat_breakdown``: one entry per rate present, numeric rates descending, "none" last.
    """

    currency: str
    tax_mode: TaxMode
    lines: tuple[LineResult, ...]
    vat_breakdown: tuple[VatBreakdown, ...]
    subtotal: Decimal
    discount_total: Decimal
    net_total: Decimal
    vat_total: Decimal
    grand_total: Decimal

    @property
    def prices_include_vat(self) -> bool:
        return self.tax_mode == "included"

    def to_minor(self) -> dict[str, int]:
        """Totals as integer minor units, for the database."""
        return {
            "subtotal": to_minor(self.subtotal, self.currency),
            "discount_total": to_minor(self.discount_total, self.currency),
            "net_total": to_minor(self.net_total, self.currency),
            "vat_total": to_minor(self.vat_total, self.currency),
            "grand_total": to_minor(self.grand_total, self.currency),
        }

    def lines_to_minor(self) -> list[dict[str, int]]:
        return [line.to_minor(self.currency) for line in self.lines]


# --- computation ----------------------------------------------------------------------------

_HUNDRED: Final = Decimal(100)
_ZERO: Final = Decimal("0.00")


def _as_decimal(value: object, code: PricingErrorCode, index: int | None) -> Decimal:
    # Floats are refused outright (TypeError: a programming error, not user input).
    if isinstance(value, float):
        raise TypeError("money arithmetic never takes float")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise PricingError(code, index)
    result = Decimal(value)
    if not result.is_finite():
        raise PricingError(code, index)
    return result


def _check_discount(
    percent: Decimal | None, amount: Decimal | None, index: int | None
) -> tuple[Decimal | None, Decimal | None]:
    if percent is not None and amount is not None:
        raise PricingError("discount_both", index)
    if percent is not None:
        percent = _as_decimal(percent, "discount_negative", index)
        if percent < 0:
            raise PricingError("discount_negative", index)
        if percent > _HUNDRED:
            raise PricingError("discount_over_100", index)
    if amount is not None:
        amount = _as_decimal(amount, "discount_negative", index)
        if amount < 0:
            raise PricingError("discount_negative", index)
    return percent, amount


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` (0 <= total <= sum(weights), all at minor-unit precision) over
    ``weights`` so the parts sum exactly to ``total``.

    Each part is round(total x weight / sum of weights) HALF_UP; the remainder (a cent or a few,
    either sign) goes to the largest weight (ties: the first). A part never exceeds its weight
    nor goes below zero: if the largest line cannot absorb the whole remainder (tiny lines,
    a discount close to 100 %), the next largest takes the rest.
    """
    weight_sum = sum(weights, Decimal(0))
    if total == 0 or weight_sum == 0:
        return [_ZERO for _ in weights]
    parts = [round_money(total * w / weight_sum, currency) for w in weights]
    remainder = total - sum(parts, Decimal(0))
    order = sorted(range(len(weights)), key=lambda i: (-weights[i], i))
    for i in order:
        if remainder == 0:
            break
        if remainder > 0:
            step = min(remainder, weights[i] - parts[i])
        else:
            step = max(remainder, -parts[i])
        parts[i] += step
        remainder -= step
    return parts


def compute_totals(
    lines: Sequence[LineInput],
    currency: str,
    tax_mode: TaxMode = "per_line",
    total_discount_percent: Decimal | None = None,
    total_discount_amount: Decimal | None = None,
) -> Totals:
    """Price a document under THE ROUNDING RULE (module docstring).

    Raises ``PricingError(code, line_index)`` on invalid input; the checks run in line order
    so the first offending line is reported.
    """
    currency = check_currency(currency)
    if tax_mode not in TAX_MODES:
        raise PricingError("bad_tax_mode")
    if not lines:
        raise PricingError("no_lines")
    if len(lines) > MAX_LINES:
        raise PricingError("too_many_lines")

    rates: list[VatRate] = []
    amounts: list[Decimal] = []
    line_discounts: list[Decimal] = []
    for i, line in enumerate(lines):
        if line.currency is not None and check_currency(line.currency) != currency:
            raise PricingError("mixed_currency", i)
        if line.kind not in LINE_KINDS:
            raise PricingError("bad_line_kind", i)
        quantity = _as_decimal(line.quantity, "quantity_not_positive", i)
        if quantity <= 0:
            raise PricingError("quantity_not_positive", i)
        price = _as_decimal(line.unit_price, "price_negative", i)
        if price < 0:
            raise PricingError("price_negative", i)
        rates.append(_check_rate(line.vat_rate, i))
        amount = round_money(quantity * price, currency)
        if amount > MAX_LINE_AMOUNT:
            raise PricingError("amount_too_large", i)
        percent, fixed = _check_discount(line.discount_percent, line.discount_amount, i)
        if percent is not None:
            discount = round_money(amount * percent / _HUNDRED, currency)
        elif fixed is not None:
            discount = round_money(fixed, currency)
        else:
            discount = _ZERO
        if discount > amount:
            raise PricingError("discount_over_line", i)
        amounts.append(amount)
        line_discounts.append(discount)

    # Base of every later step: the line after its own discount (VAT-inclusive in "included").
    after_line = [a - d for a, d in zip(amounts, line_discounts, strict=True)]
    doc_discounts = _document_discounts(
        lines, after_line, total_discount_percent, total_discount_amount, currency
    )
    bases = [b - s for b, s in zip(after_line, doc_discounts, strict=True)]

    nets: list[Decimal]
    vats: list[Decimal]
    if tax_mode == "per_line":
        nets = bases
        vats = [_vat_on(net, rate, currency) for net, rate in zip(nets, rates, strict=True)]
    elif tax_mode == "on_total":
        nets = bases
        vats = [_ZERO] * len(nets)
        for rate in dict.fromkeys(rates):
            members = [i for i, r in enumerate(rates) if r == rate]
            rate_vat = _vat_on(sum((nets[i] for i in members), _ZERO), rate, currency)
            # Allocation weights are the nets; VAT < net whenever rate < 100, so no part caps.
            shares = allocate(rate_vat, [nets[i] for i in members], currency)
            for i, share in zip(members, shares, strict=True):
                vats[i] = share
    else:
        vats = [_vat_in(gross, rate, currency) for gross, rate in zip(bases, rates, strict=True)]
        nets = [gross - vat for gross, vat in zip(bases, vats, strict=True)]

    results = tuple(
        LineResult(
            index=i,
            name=line.name,
            kind=line.kind,
            quantity=Decimal(line.quantity),
            unit_price=Decimal(line.unit_price),
            vat_rate=rates[i],
            amount=amounts[i],
            line_discount=line_discounts[i],
            document_discount=doc_discounts[i],
            discount=line_discounts[i] + doc_discounts[i],
            net=nets[i],
            vat=vats[i],
            gross=nets[i] + vats[i],
        )
        for i, line in enumerate(lines)
    )
    return Totals(
        currency=currency,
        tax_mode=tax_mode,
        lines=results,
        vat_breakdown=_breakdown(results),
        subtotal=_sum(r.amount for r in results),
        discount_total=_sum(r.discount for r in results),
        net_total=_sum(r.net for r in results),
        vat_total=_sum(r.vat for r in results),
        grand_total=_sum(r.gross for r in results),
    )


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, _ZERO)


def _vat_on(net: Decimal, rate: VatRate, currency: str) -> Decimal:
    if isinstance(rate, str):
        return _ZERO
    return round_money(net * rate / _HUNDRED, currency)


def _vat_in(gross: Decimal, rate: VatRate, currency: str) -> Decimal:
    if isinstance(rate, str):
        return _ZERO
    return round_money(gross * rate / (_HUNDRED + rate), currency)


def _document_discounts(
    lines: Sequence[LineInput],
    after_line: list[Decimal],
    percent: Decimal | None,
    amount: Decimal | None,
    currency: str,
) -> list[Decimal]:
    percent, amount = _check_discount(percent, amount, None)
    if percent is None and amount is None:
        return [_ZERO] * len(lines)
    items = [i for i, line in enumerate(lines) if line.kind == "item"]
    base = sum((after_line[i] for i in items), _ZERO)
    if percent is not None:
        total = round_money(base * percent / _HUNDRED, currency)
    else:
        assert amount is not None
        total = round_money(amount, currency)
    if total > base:
        raise PricingError("total_discount_over_total")
    shares = allocate(total, [after_line[i] for i in items], currency)
    result = [_ZERO] * len(lines)
    for i, share in zip(items, shares, strict=True):
        result[i] = share
    return result


def _rate_key(rate: VatRate) -> tuple[int, Decimal]:
    return (1, Decimal(0)) if isinstance(rate, str) else (0, -rate)


def _breakdown(results: Sequence[LineResult]) -> tuple[VatBreakdown, ...]:
    by_rate: dict[VatRate, list[LineResult]] = {}
    for r in results:
        by_rate.setdefault(r.vat_rate, []).append(r)
    return tuple(
        VatBreakdown(
            rate=rate,
            net=_sum(r.net for r in group),
            vat=_sum(r.vat for r in group),
            gross=_sum(r.gross for r in group),
        )
        for rate, group in sorted(by_rate.items(), key=lambda item: _rate_key(item[0]))
    )
