"""PNG charts with matplotlib (Agg, no pyplot: a Figure per call is safe in a worker thread).
Small charts take ~50 ms; callers run them through `asyncio.to_thread`, off the event loop."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO


def funnel_chart(labels: Sequence[str], counts: Sequence[int], title: str) -> bytes:
    """A horizontal bar chart, first stage on top, each bar labelled with its count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = 1.2 + 0.45 * max(1, len(labels))
    fig = Figure(figsize=(6.4, height), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    bars = ax.barh(positions, list(counts), color="#3b7dd8")
    ax.set_yticks(positions, labels=list(labels))
    ax.invert_yaxis()
    ax.set_title(title)
    ax.bar_label(bars, labels=[str(c) for c in counts], padding=3)
    ax.set_xlim(0, max([*counts, 1]) * 1.15)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
