"""The accountant's export on a real database: CSV (UTF-8 BOM, ";") and XLSX (two sheets)
parse back to the same totals as the database; money as decimal strings; a manager exports
only their own invoices."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.exports import FileExportWriter
from services.errors import InvalidInput
from services.exports import ExportService, period_bounds
from storage import models as m
from storage.uow import Database
from tests.integration.test_payments import World, issue, make_world


@pytest.fixture
async def w(db: Database) -> World:
    return await make_world(db)


def exporter(w: World) -> ExportService:
    return ExportService(w.db.uow, w.clock, FileExportWriter(),
                         "UTC")


def test_periods() -> None:
    today = date(2026, 3, 10)
    assert period_bounds("this_month", today) == (date(2026, 3, 1), date(2026, 3, 31))
    assert period_bounds("last_month", today) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds("this_quarter", today) == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_bounds("last_month", date(2026, 1, 5)) == (date(2025, 12, 1),
                                                             date(2025, 12, 31))


async def test_export_files_parse_back_to_the_database_totals(w: World) -> None:
    a, _ = await issue(w, w.m1, w.c1, "1200.50")
    await issue(w, w.m1, w.c1, "0.10")
    await issue(w, w.m2, w.c2, "77.70")
    await w.payments.record_manual(w.m1, a, "cash", "1 000,25")
    await w.payments.record_manual(w.m1, a, "bank", "300", "п/п 7")  # 99.75 of it is credit
    _, files = await exporter(w).export(w.admin, "this_month")
    by_name = {f.filename.split("_")[0]: f.content for f in files}
    assert set(by_name) == {"invoices", "payments", "export"}
    assert by_name["invoices"].startswith(b"\xef\xbb\xbf")
    inv_rows = list(csv.DictReader(io.StringIO(by_name["invoices"].decode("utf-8-sig")),
                                   delimiter=";"))
    pay_rows = list(csv.DictReader(io.StringIO(by_name["payments"].decode("utf-8-sig")),
                                   delimiter=";"))
    async with w.db.uow(readonly=True) as uow:
        inv_total = await uow.session.scalar(select(func.sum(m.Invoice.total_minor)))
        pay_total = await uow.session.scalar(select(func.sum(m.Payment.amount_minor)))
    assert sum(Decimal(r["total"]) for r in inv_rows) == Decimal(inv_total) / 100
    assert sum(Decimal(r["amount"]) for r in pay_rows) == Decimal(pay_total) / 100
    assert sorted(r["total"] for r in inv_rows) == ["0.10", "1200.50", "77.70"]
    book = openpyxl.load_workbook(io.BytesIO(by_name["export"]))
    assert book.sheetnames == ["Invoices", "Payments"]
    sheet_rows = list(book["Payments"].iter_rows(min_row=2, values_only=True))
    assert sum(Decimal(str(r[8])) for r in sheet_rows) == Decimal(pay_total) / 100
    assert all(isinstance(r[8], str) for r in sheet_rows)  # text, never a float
    invoices_sheet = list(book["Invoices"].iter_rows(min_row=2, values_only=True))
    assert len(invoices_sheet) == 3

    # A manager exports only their own.
    data, _ = await exporter(w).export(w.m2, "this_month")
    assert [i.total_minor for i in data.invoices] == [7770]
    assert data.payments == ()
    with pytest.raises(InvalidInput):
        await exporter(w).export(w.m1, "31.03.2026 01.03.2026")
