"""Draws a report (issue 14): the ChartSpec as a PNG with matplotlib (Agg) and the sheets as
an XLSX with our writer (bot/xlsx.py), both in the CPU worker pool (`bot.cpu_pool.pool_runner`),
never on the event loop.

Invariants: a Figure per call (no pyplot state), 800x500 px whatever the data (the view keeps
the bars few), no tight_layout; a drawn label is at most LABEL characters; numbers stay numeric
cells, money is written from Decimal with the "#,##0.00" format (never through float); dates
are date cells shown dd.mm.yyyy; sheet titles are at most 31 characters and unique; no chart
(None) gives no PNG.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from io import BytesIO
from typing import Any

from bot.xlsx import Table, column_major, workbook
from services.reports.model import ChartSpec, RenderedReport, ReportView, Sheet

RunCpu = Callable[..., Awaitable[Any]]
LABEL = 24  # characters of a label drawn
TICKS = 16  # labels along a vertical chart's axis at most
COLORS = ("#3b7dd8", "#59a14f", "#f28e2b", "#b07aa1", "#e15759", "#76b7b2")


def short(label: str, limit: int = LABEL) -> str:
    """A label as drawn: at most `limit` characters (the XLSX keeps it whole)."""
    return label if len(label) <= limit else label[:limit - 1] + "…"


def chart_png(spec: ChartSpec) -> bytes:
    """The chart: vertical bars side by side, horizontal bars (first label on top) or lines, on
    a figure of fixed size with fixed margins (no tight_layout: it lays the text out once more
    and cost a third of the drawing); a series' bars are one PolyCollection (a Rectangle
    artist per bar cost ~0.7 ms each); the view keeps the labels few (top N and "Others")."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n = max(1, len(spec.labels))
    labels = [short(label) for label in spec.labels]
    fig = Figure(figsize=(8.0, 5.0), dpi=100)
    FigureCanvasAgg(fig)
    rotate = spec.kind != "hbar" and n > 8
    longest = max(map(len, labels), default=0)  # ~7 px a character at 10 pt
    fig.subplots_adjust(left=0.07 + 0.009 * longest if spec.kind == "hbar" else 0.12,
                        right=0.97, top=0.88, bottom=0.08 + 0.011 * longest if rotate else 0.1)
    ax = fig.add_subplot()
    positions = list(range(len(spec.labels)))
    count = max(1, len(spec.series))
    width = 0.8 / count
    handles = []
    lowest = highest = 0.0
    for i, series in enumerate(spec.series):
        values = [float(v) for v in series.values]  # drawing only: the XLSX keeps Decimal
        color = COLORS[i % len(COLORS)]
        if spec.kind == "line":
            ax.plot(positions, values, marker="o", color=color, label=series.name)
            continue
        bars = []
        for p, v in zip(positions, values, strict=True):
            a, b = p - 0.4 + width * i, p - 0.4 + width * (i + 1)
            bars.append([(0.0, a), (v, a), (v, b), (0.0, b)] if spec.kind == "hbar"
                        else [(a, 0.0), (a, v), (b, v), (b, 0.0)])
        ax.add_collection(PolyCollection(bars, facecolors=color, edgecolors="none"))
        handles.append(Patch(facecolor=color, label=series.name))
        lowest, highest = min(lowest, *values), max(highest, *values)
    if spec.kind != "line":
        span = (highest - lowest) or 1.0
        limits = (lowest - 0.05 * span if lowest < 0 else 0.0,
                  highest + 0.05 * span if highest > 0 else 0.0)
        edge = (-0.6, len(positions) - 0.4)
        if spec.kind == "hbar":
            ax.set_xlim(*limits)
            ax.set_ylim(*edge)
        else:
            ax.set_xlim(*edge)
            ax.set_ylim(*limits)
    if spec.kind == "hbar":
        ax.set_yticks(positions, labels=labels)
        ax.invert_yaxis()
        if spec.value_label:
            ax.set_xlabel(spec.value_label)
    else:
        step = -(-n // TICKS)  # a long time series names every step-th bucket
        ax.set_xticks(positions[::step], labels=labels[::step],
                      rotation=45 if rotate else 0, ha="right" if rotate else "center")
        if spec.value_label:
            ax.set_ylabel(spec.value_label)
    ax.set_title(short(spec.title, 60), loc="left", pad=22)
    if len(spec.series) > 1:  # above the plot, never over a bar (and no "best" place search)
        ax.legend(handles=handles or None, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                  ncols=len(spec.series), frameon=False, fontsize="small")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    out = BytesIO()
    fig.savefig(out, format="png", pil_kwargs={"compress_level": 3})
    return out.getvalue()


def warm_up() -> None:
    """Draw one tiny chart: matplotlib's first figure in a process costs ~0.6 s (imports, font
    cache), so a pool worker does it at start, not on a head's first report."""
    from decimal import Decimal

    from services.reports.model import Series

    chart_png(ChartSpec("bar", "", ("-",), (Series("-", (Decimal(1),)),)))


def workbook_xlsx(sheets: tuple[Sheet, ...]) -> bytes:
    """The sheets as one workbook (bot/xlsx.py: tens of thousands of rows in tens of
    milliseconds, where openpyxl took seconds); numbers stay numeric cells."""
    return workbook([Table(s.title, s.header, s.rows, s.money_columns) for s in sheets]
                    or [Table("Report", (), ())])


def render_report(view: ReportView) -> RenderedReport:
    """Both files of a report (in a thread, or a worker process given the whole view)."""
    return render_packed(*packed(view))


def packed(view: ReportView) -> tuple[ChartSpec | None, list[Table]]:
    """What crosses to a worker: the chart and the sheets by columns, money written out
    (pickling a view of 26k rows of Decimals cost ~120 ms here and ~40 ms in the worker)."""
    return view.chart, [column_major(Table(s.title, s.header, s.rows, s.money_columns))
                        for s in view.sheets]


def render_packed(chart: ChartSpec | None, tables: list[Table]) -> RenderedReport:
    """Both files of a report (runs in a worker process). The cyclic collector waits until
    both are done: the tables just unpickled hold tens of thousands of cells, and every full
    collection walked them all (the sales report's view, chart and XLSX in one process:
    0.30-0.54 s CPU over three runs with the collector, 0.30-0.31 s without)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        png = chart_png(chart) if chart is not None and chart.labels else None
        return RenderedReport(png, workbook(tables or [Table("Report", (), ())]))
    finally:
        if collecting:
            gc.enable()


class ReportRenderer:
    """`report_renderer` of the handlers: the pool's runner when there is one (the bot always
    has it), else a thread (a one-off tool without the pool)."""

    def __init__(self, run_cpu: RunCpu | None = None) -> None:
        self._run = run_cpu

    async def render(self, view: ReportView) -> RenderedReport:
        if self._run is not None:
            chart, tables = await asyncio.to_thread(packed, view)
            result: RenderedReport = await self._run(render_packed, chart, tables)
            return result
        return await asyncio.to_thread(render_report, view)
