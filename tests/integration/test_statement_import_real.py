"""A real bank's camt.053 through the whole import (SQLite and PostgreSQL): balances stated in
another currency than the payments reach the report as a "currency" note with both
currencies, and the payment is recorded once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from storage import models as m
from tests.integration.test_payments import World
from tests.integration.test_payments import w as w

OWN = "40702810938000000001"
REAL = Path(__file__).resolve().parents[1] / "data" / "statements" / "real" / "camt"


async def test_kbc_statement_with_balances_in_another_currency(w: World) -> None:
    # genkgo/camt's KBC sample (camt.053.001.03): 8.85 EUR credited, opening 18.15 EUR,
    # closing −27.00 SEK. Its account is replaced by ours so that the import accepts it.
    data = (REAL / "genkgo_camt053.v3.xml").read_bytes().replace(
        b"NL26VAYB8060476890", OWN.encode())
    report = await w.payments.import_statement(w.m1, data, "camt053.v3.xml")
    assert (report.format, report.incoming, report.new) == ("camt053", 1, 1)
    assert [(b.kind, b.expected, b.actual, b.balance_currency, b.currency)
            for b in report.balances] == [
        ("currency", Decimal("18.15"), Decimal("-27.00"), "SEK", "EUR")]
    async with w.db.uow(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(m.Payment)) == 1
