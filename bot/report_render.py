"""Draws a report (issue 14): the ChartSpec as a PNG with matplotlib and the sheets as an XLSX
with openpyxl, both in the CPU worker pool (`bot.cpu_pool.pool_runner`), never on the event
loop.

Invariants: a Figure per call (Agg, no pyplot state); numbers stay numeric cells, money is
written from Decimal with the "#,##0.00" format (never through float in our code); dates are
date cells shown dd.mm.yyyy; sheet titles are at most 31 characters and unique; no chart (None)
gives no PNG.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from services.reports.model import ChartSpec, RenderedReport, ReportView, Sheet

RunCpu = Callable[..., Awaitable[Any]]
COLORS = ("#3b7dd8", "#59a14f", "#f28e2b", "#b07aa1", "#e15759", "#76b7b2")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "DD.MM.YYYY"
BAD_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})


def chart_png(spec: ChartSpec) -> bytes:
    """The chart: vertical bars side by side, horizontal bars (first label on top) or lines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = max(1, len(spec.labels))
    if spec.kind == "hbar":
        fig = Figure(figsize=(7.2, 1.4 + 0.5 * n * max(1, len(spec.series)) ** 0.5), dpi=100)
    else:
        fig = Figure(figsize=(max(6.4, min(14.0, 0.45 * n * len(spec.series) + 2)), 4.2),
                     dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(spec.labels)))
    count = max(1, len(spec.series))
    width = 0.8 / count
    for i, series in enumerate(spec.series):
        values = [float(v) for v in series.values]  # drawing only: the XLSX keeps Decimal
        color = COLORS[i % len(COLORS)]
        shifted = [p - 0.4 + width * (i + 0.5) for p in positions]
        if spec.kind == "hbar":
            ax.barh(shifted, values, height=width, color=color, label=series.name)
        elif spec.kind == "line":
            ax.plot(positions, values, marker="o", color=color, label=series.name)
        else:
            ax.bar(shifted, values, width=width, color=color, label=series.name)
    if spec.kind == "hbar":
        ax.set_yticks(positions, labels=list(spec.labels))
        ax.invert_yaxis()
        if spec.value_label:
            ax.set_xlabel(spec.value_label)
    else:
        ax.set_xticks(positions, labels=list(spec.labels),
                      rotation=45 if n > 8 else 0, ha="right" if n > 8 else "center")
        if spec.value_label:
            ax.set_ylabel(spec.value_label)
    ax.set_title(spec.title)
    if len(spec.series) > 1:
        ax.legend()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _title(sheet: Sheet, taken: set[str]) -> str:
    base = (sheet.title.translate(BAD_TITLE).strip() or "Sheet")[:31]
    title, k = base, 2
    while title.lower() in taken:
        suffix = f" {k}"
        title, k = base[:31 - len(suffix)] + suffix, k + 1
    taken.add(title.lower())
    return title


def _shown(value: object, money: bool) -> int:
    if isinstance(value, date):
        return 10
    return (len(str(value)) if value is not None else 0) + (4 if money else 0)


def workbook_xlsx(sheets: tuple[Sheet, ...]) -> bytes:
    """The sheets as one workbook, streamed (openpyxl's write-only mode: a report of tens of
    thousands of rows is written in one pass, never re-read); numbers stay numeric cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets or (Sheet("Report", (), ()),):
        ws = book.create_sheet(_title(sheet, taken))
        money = set(sheet.money_columns)
        width = max([len(sheet.header), *(len(r) for r in sheet.rows)], default=0)
        widths = [len(h) for h in sheet.header] + [0] * (width - len(sheet.header))
        for row in sheet.rows:
            for col, value in enumerate(row):
                widths[col] = max(widths[col], _shown(value, col in money))
        for col, w in enumerate(widths, 1):  # before any row: write-only needs them first
            ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, w + 2))
        ws.freeze_panes = "A2"
        header = []
        for text in sheet.header:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            out: list[object] = []
            for col, value in enumerate(row):
                if isinstance(value, date):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = DATE_FORMAT
                    out.append(cell)
                elif col in money and isinstance(value, Decimal | int):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = MONEY_FORMAT
                    out.append(cell)
                else:
                    out.append(value)
            ws.append(out)
    stream = BytesIO()
    book.save(stream)
    return stream.getvalue()


def render_report(view: ReportView) -> RenderedReport:
    """Both files of a report (runs in a worker process)."""
    png = chart_png(view.chart) if view.chart is not None and view.chart.labels else None
    return RenderedReport(png, workbook_xlsx(view.sheets))


class ReportRenderer:
    """`report_renderer` of the handlers: the pool's runner when there is one (the bot always
    has it), else a thread (a one-off tool without the pool)."""

    def __init__(self, run_cpu: RunCpu | None = None) -> None:
        self._run = run_cpu

    async def render(self, view: ReportView) -> RenderedReport:
        if self._run is not None:
            result: RenderedReport = await self._run(render_report, view)
            return result
        return await asyncio.to_thread(render_report, view)
