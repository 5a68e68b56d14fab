"""The SQL twin of `services.money.open_minor`: what a client still owes on an invoice (total
less paid less credited, never below zero), for queries that sum or filter on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case

from storage import models as m


def open_minor_sql(inv: Any = m.Invoice) -> Any:
    """`inv` is the Invoice model or an alias of it."""
    left = inv.total_minor - inv.paid_minor - inv.credited_minor
    return case((left > 0, left), else_=0)
