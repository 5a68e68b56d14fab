"""Credit note values: the note and its lines, what is left to credit on an invoice's lines,
and the arithmetic of a credited part of a line. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from services.money import from_minor, round_money, to_minor

REASON_MAX: Final = 300
#: Statuses of invoices a credit note may be issued against: issued and not cancelled.
CREDITABLE: Final = frozenset({"issued", "sent", "viewed", "overdue", "partially_paid",
                               "paid"})


class CreditNoteStatus(StrEnum):
    ISSUED = "issued"
    REFUNDED = "refunded"  # all of it paid back to the client


@dataclass(frozen=True, slots=True)
class InvoiceLineLeft:
    """An invoice line (minor units) with what earlier credit notes already took of it."""

    id: int
    position: int
    kind: str
    product_id: int | None
    name: str
    unit: str
    quantity: Decimal
    unit_price_minor: int
    discount_percent: Decimal | None
    vat_rate: str
    net_minor: int
    vat_minor: int
    total_minor: int
    credited_quantity: Decimal = Decimal(0)
    credited_net_minor: int = 0
    credited_vat_minor: int = 0

    @property
    def quantity_left(self) -> Decimal:
        return self.quantity - self.credited_quantity

    @property
    def total_left_minor(self) -> int:
        return self.total_minor - self.credited_net_minor - self.credited_vat_minor


@dataclass(frozen=True, slots=True)
class CreditLine:
    source_line_id: int
    position: int
    kind: str
    product_id: int | None
    name: str
    unit: str
    quantity: Decimal
    unit_price_minor: int
    discount_percent: Decimal | None
    vat_rate: str
    net_minor: int
    vat_minor: int

    @property
    def total_minor(self) -> int:
        return self.net_minor + self.vat_minor

    def row(self) -> dict[str, object]:
        """document_lines values (the caller adds credit_note_id)."""
        return {"source_line_id": self.source_line_id, "position": self.position,
                "kind": self.kind, "product_id": self.product_id, "name": self.name,
                "unit": self.unit, "quantity": self.quantity,
                "unit_price_minor": self.unit_price_minor,
                "discount_percent": self.discount_percent, "discount_minor": None,
                "vat_rate": self.vat_rate, "net_minor": self.net_minor,
                "vat_minor": self.vat_minor, "total_minor": self.total_minor}


def _part(amount_minor: int, quantity: Decimal, of: Decimal, currency: str) -> int:
    """`amount × quantity / of`, rounded to the minor unit HALF_UP (the pricing rule)."""
    exact = from_minor(amount_minor, currency) * quantity / of
    return to_minor(round_money(exact, currency), currency)


def credit_line(line: InvoiceLineLeft, quantity: Decimal, position: int,
                currency: str) -> CreditLine:
    """The credited part of `line`: `quantity` of it at the invoice's prices, its net and VAT
    the line's (document discount share included) in proportion, rounded per line like the
    invoice; the last of a line takes exactly what is left, so credit notes never add up to
    more than the line."""
    if quantity == line.quantity_left:
        net = line.net_minor - line.credited_net_minor
        vat = line.vat_minor - line.credited_vat_minor
    else:
        net = _part(line.net_minor, quantity, line.quantity, currency)
        vat = _part(line.vat_minor, quantity, line.quantity, currency)
        net = min(net, line.net_minor - line.credited_net_minor)
        vat = min(vat, line.vat_minor - line.credited_vat_minor)
    return CreditLine(line.id, position, line.kind, line.product_id, line.name, line.unit,
                      quantity, line.unit_price_minor, line.discount_percent, line.vat_rate,
                      net, vat)


@dataclass(frozen=True, slots=True)
class CreditState:
    """An invoice as the credit note flow shows it: what may still be credited."""

    invoice_id: int
    number_text: str
    currency: str
    status: str
    total_minor: int
    paid_minor: int
    credited_minor: int
    lines: tuple[InvoiceLineLeft, ...]

    @property
    def creditable_minor(self) -> int:
        """A credit note may not exceed the invoice total less the earlier credit notes."""
        return max(self.total_minor - self.credited_minor, 0)

    @property
    def creditable(self) -> Decimal:
        return from_minor(self.creditable_minor, self.currency)

    def line(self, line_id: int) -> InvoiceLineLeft | None:
        return next((x for x in self.lines if x.id == line_id), None)


@dataclass(frozen=True, slots=True)
class CreditNote:
    id: int
    invoice_id: int
    invoice_number: str
    organization_id: int
    owner_id: int
    company_id: int | None
    deal_id: int | None
    number_text: str
    issue_date: date
    reason: str
    currency: str
    net_minor: int
    vat_minor: int
    total_minor: int
    refunded_minor: int
    status: str
    created_at: datetime
    lines: tuple[CreditLine, ...] = ()

    @property
    def total(self) -> Decimal:
        return from_minor(self.total_minor, self.currency)

    @property
    def refunded(self) -> Decimal:
        return from_minor(self.refunded_minor, self.currency)

    @property
    def refundable_minor(self) -> int:
        return max(self.total_minor - self.refunded_minor, 0)


def whole(state: CreditState) -> dict[int, Decimal]:
    """Every line's remaining quantity: the credit note for the whole invoice."""
    return {x.id: x.quantity_left for x in state.lines if x.quantity_left > 0}


def total_of(lines: Sequence[CreditLine]) -> int:
    return sum(x.total_minor for x in lines)
