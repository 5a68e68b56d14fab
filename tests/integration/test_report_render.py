"""The report renderer on the CPU worker processes: a chart comes back as a PNG, the XLSX
parses back to the same numbers (money with two decimals, numbers numeric, dates as dates, the
header bold, titles cut to 31 characters), and a view without a chart gives no PNG."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zipfile import ZipFile

import pytest
from openpyxl import load_workbook

from bot.cpu_pool import pool_runner
from bot.pdf import PdfRenderer
from bot.report_render import ReportRenderer, packed, render_packed, workbook_xlsx
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


@pytest.mark.parametrize("by_columns", [False, True])
def test_a_30k_row_sheet_parses_back_to_the_same_cells(by_columns: bool) -> None:
    """The streamed writer on a report's size, from the rows and from the columns the worker
    gets: every row back with its text, number, money and date; the odd rows (a total with
    empty cells, a short row) in place."""
    rows: list[tuple[str | int | Decimal | date | None, ...]] = [
        (f"Клиент № {i}" + (" & <Co>" if i % 997 == 0 else ""), i % 7,
         Decimal(i * 137).scaleb(-2), Decimal(i % 3).scaleb(-2), date(2026, 11, 1 + i % 30))
        for i in range(30_000)]
    rows.insert(5, ("short",))
    total = sum((r[2] for r in rows if len(r) > 2 and isinstance(r[2], Decimal)), Decimal(0))
    rows.append(("Итого", None, total, None, None))
    sheet = Sheet("Клиенты", ("Клиент", "Счетов", "Сумма", "Доля", "Дата"), tuple(rows), (2,))
    view = ReportView("text", None, (sheet,))
    xlsx = render_packed(*packed(view)).xlsx if by_columns else workbook_xlsx((sheet,))
    ws = load_workbook(BytesIO(xlsx)).worksheets[0]
    back = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=2)]
    assert len(back) == len(rows) == 30_002
    assert back[5] == ("short", None, None, None, None)
    for got, want in zip(back[:5] + back[6:-1], rows[:5] + rows[6:-1], strict=True):
        assert got[0] == want[0] and got[1] == want[1]
        assert Decimal(str(got[2])) == want[2] and Decimal(str(got[3])) == want[3]
        assert got[4] == datetime.combine(want[4], datetime.min.time())  # type: ignore[arg-type]
    assert back[-1][0] == "Итого" and back[-1][1] is None and back[-1][3:] == (None, None)
    assert Decimal(str(back[-1][2])) == total
    assert ws["C2"].number_format == "#,##0.00" and ws["E2"].number_format == "DD.MM.YYYY"
    assert ws["D2"].number_format == "General" and ws.freeze_panes == "A2"


def test_the_package_is_valid_ooxml_and_odd_text_survives() -> None:
    """The parts and content types ECMA-376 names; markup, control characters and spaces at
    the ends of a text; sheet names cut, cleaned and made unique; an empty report still has
    a sheet."""
    odd = ("  spaced ", "a\x01b\x0bc", "<b>&amp;</b>", "line\nbreak")
    sheets = (Sheet("A/B:C", ("Текст",), tuple((t,) for t in odd)),
              Sheet("a/b:c", ("x",), ((1,),)), Sheet("", (), ()), Sheet("'Итоги'", (), ()))
    xlsx = workbook_xlsx(sheets)
    with ZipFile(BytesIO(xlsx)) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        types = z.read("[Content_Types].xml").decode()
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet3.xml"} <= names
    assert "spreadsheetml.sheet.main+xml" in types and "spreadsheetml.worksheet+xml" in types
    book = load_workbook(BytesIO(xlsx))
    assert book.sheetnames == ["A B C", "a b c 2", "Sheet", "Итоги"]
    assert [r[0].value for r in book["A B C"].iter_rows(min_row=2)] == [
        "  spaced ", "abc", "<b>&amp;</b>", "line\nbreak"]
    assert load_workbook(BytesIO(workbook_xlsx(()))).sheetnames == ["Report"]
