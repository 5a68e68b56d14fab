"""ExportWriter: the accountant's files. CSV is UTF-8 with a BOM, ";"-separated (Excel in a
Russian locale opens it as columns); XLSX has two sheets. Money is written as decimal text
from minor units (never a float); built in a thread, off the event loop."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from services.exports import ExportData, ExportFile
from services.money import from_minor

INVOICE_HEADER = ("number", "issue_date", "due_date", "client", "tax_id", "manager", "status",
                  "currency", "total", "paid", "open")
PAYMENT_HEADER = ("id", "received_on", "source", "doc_number", "payer", "client", "status",
                  "currency", "amount", "invoices")


def _day(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def invoice_rows(data: ExportData) -> list[tuple[str, ...]]:
    return [(i.number_text, _day(i.issue_date), _day(i.due_date), i.company_name, i.tax_id,
             i.owner_name, i.status, i.currency, str(from_minor(i.total_minor, i.currency)),
             str(from_minor(i.paid_minor, i.currency)),
             str(from_minor(i.open_minor, i.currency)))
            for i in data.invoices]


def payment_rows(data: ExportData) -> list[tuple[str, ...]]:
    return [(str(p.id), _day(p.received_on), p.source, p.doc_number, p.payer_name,
             p.company_name, p.status, p.currency,
             str(from_minor(p.amount_minor, p.currency)), p.invoices) for p in data.payments]


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(data: ExportData) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Invoices"
    for title, header, rows in (("Invoices", INVOICE_HEADER, invoice_rows(data)),
                                ("Payments", PAYMENT_HEADER, payment_rows(data))):
        if title != "Invoices":
            sheet = book.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_files(data: ExportData) -> list[ExportFile]:
    stem = f"{data.start:%Y%m%d}-{data.end:%Y%m%d}"
    return [ExportFile(f"invoices_{stem}.csv", _csv(INVOICE_HEADER, invoice_rows(data))),
            ExportFile(f"payments_{stem}.csv", _csv(PAYMENT_HEADER, payment_rows(data))),
            ExportFile(f"export_{stem}.xlsx", _xlsx(data))]


class FileExportWriter:
    """Implements services.exports.ExportWriter."""

    async def files(self, data: ExportData) -> Sequence[ExportFile]:
        return await asyncio.to_thread(build_files, data)
