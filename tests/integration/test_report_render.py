"""The report renderer on the CPU worker processes: a chart comes back as a PNG, the XLSX
parses back to the same numbers (money with two decimals, numbers numeric, dates as dates, the
header bold, titles cut to 31 characters), and a view without a chart gives no PNG."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from bot.cpu_pool import pool_runner
from bot.pdf import PdfRenderer
from bot.report_render import ReportRenderer
from services.reports.model import ChartSpec, ReportView, Series, Sheet

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def pool() -> AsyncIterator[PdfRenderer]:
    renderer = PdfRenderer(1)
    try:
        yield renderer
    finally:
        renderer.close()


def a_view(kind: str = "bar", chart: bool = True) -> ReportView:
    spec = ChartSpec(kind, "Выручка, RUB", ("26.10", "02.11"),
                     (Series("Выставлено", (Decimal("150000.00"), Decimal("70000.50"))),
                      Series("Поступило", (Decimal("0.00"), Decimal("100000.00")))), "RUB")
    sheets = (
        Sheet("По менеджерам и клиентам за длинный период", ("Менеджер", "Счетов", "Сумма"),
              (("Иван", 2, Decimal("150000.00")), ("Петр", 1, Decimal("70000.50")),
               ("Итого", 3, Decimal("220000.50"))), (2,)),
        Sheet("Revenue", ("From", "Invoiced"), ((date(2026, 10, 26), Decimal("0.10")),), (1,)),
    )
    return ReportView("text", spec if chart else None, sheets, "sales.xlsx")


@pytest.mark.parametrize("kind", ["bar", "hbar", "line"])
async def test_chart_and_workbook_in_the_pool(pool: PdfRenderer, kind: str) -> None:
    rendered = await ReportRenderer(pool_runner(pool)).render(a_view(kind))
    assert rendered.png is not None and rendered.png.startswith(PNG)
    book = load_workbook(BytesIO(rendered.xlsx))
    assert book.sheetnames == ["По менеджерам и клиентам за дли", "Revenue"]
    ws = book.worksheets[0]
    assert [c.value for c in ws[1]] == ["Менеджер", "Счетов", "Сумма"]
    assert all(c.font.bold for c in ws[1])
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["Иван", "Петр", "Итого"]
    assert [r[1] for r in rows] == [2, 1, 3]
    amounts = [Decimal(str(r[2])) for r in rows]
    assert amounts == [Decimal("150000.00"), Decimal("70000.50"), Decimal("220000.50")]
    assert sum(amounts[:-1]) == amounts[-1]
    assert ws["C2"].number_format == "#,##0.00" and ws["B2"].number_format == "General"
    revenue = book["Revenue"]
    assert revenue["A2"].value == datetime(2026, 10, 26)
    assert revenue["A2"].number_format == "DD.MM.YYYY"
    assert Decimal(str(revenue["B2"].value)) == Decimal("0.10")


async def test_no_chart_no_png(pool: PdfRenderer) -> None:
    rendered = await ReportRenderer(pool_runner(pool)).render(a_view(chart=False))
    assert rendered.png is None
    assert load_workbook(BytesIO(rendered.xlsx)).sheetnames[1] == "Revenue"


async def test_without_the_pool_a_thread_draws_the_same() -> None:
    rendered = await ReportRenderer().render(a_view())
    assert rendered.png is not None and rendered.png.startswith(PNG)
