"""Shipment: goods or services handed over for an invoice, after payment or on credit.

Invariants:
- an invoice is shipped at most once (a second Ship → Conflict "already_shipped");
- an invoice not paid in full ships only on credit terms: a guarantee letter (a promised
  date, today or later) or an installment schedule whose shares add up to 100 % of what is
  still due; each installment is a receivable with its own due date, sums exact to the minor
  unit (the last share takes the rounding);
- payments on an invoice with installments are applied to its installments oldest first
  (`spread_paid`: the invoice's paid amount beyond what the schedule started from);
- paid in full and shipped → the deal is won (moved to its pipeline's "won" stage, logged
  with the actor) when every invoice of the deal is paid;
- every read and write is scoped by the actor: another manager's invoice is NotFound."""

from services.shipments.model import (
    KINDS,
    MAX_PARTS,
    PRESETS,
    InstallmentRow,
    Schedule,
    ScheduleLine,
    Share,
    ShipInfo,
    Shipped,
    add_months,
    check_schedule,
    installment_updates,
    parse_schedule,
    preset_schedule,
    split_minor,
    spread_paid,
)
from services.shipments.ports import (
    InvoiceMoneyRepository,
    ShipmentRepository,
    ShipmentUow,
    ShipmentUowFactory,
)
from services.shipments.service import (
    ShipmentService,
)

__all__ = [
    "KINDS",
    "MAX_PARTS",
    "PRESETS",
    "InstallmentRow",
    "InvoiceMoneyRepository",
    "Schedule",
    "ScheduleLine",
    "Share",
    "ShipInfo",
    "ShipmentRepository",
    "ShipmentService",
    "ShipmentUow",
    "ShipmentUowFactory",
    "Shipped",
    "add_months",
    "check_schedule",
    "installment_updates",
    "parse_schedule",
    "preset_schedule",
    "split_minor",
    "spread_paid",
]
