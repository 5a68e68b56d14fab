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
from io import BytesIO
from typing import Any

from bot.xlsx import Table, workbook
from services.reports.model import ChartSpec, RenderedReport, ReportView, Sheet

RunCpu = Callable[..., Awaitable[Any]]
COLORS = ("#3b7dd8", "#59a14f", "#f28e2b", "#b07aa1", "#e15759", "#76b7b2")


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


def workbook_xlsx(sheets: tuple[Sheet, ...]) -> bytes:
    """The sheets as one workbook (bot/xlsx.py: tens of thousands of rows in tens of
    milliseconds, where openpyxl took seconds); numbers stay numeric cells."""
    return workbook([Table(s.title, s.header, s.rows, s.money_columns) for s in sheets]
                    or [Table("Report", (), ())])


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
