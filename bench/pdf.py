"""PDF rendering: in-process cold/warm times against bare WeasyPrint on the same HTML, a
100-line invoice, 20 invoices through the process pool while a 1 ms ticker measures event-loop
lag, the pool's round trip, and a pool worker's RSS over 1,000 renders.

Warm renders alternate with bare WeasyPrint runs in one loop, so both see the same machine
load: ours is ``render_sync(view)`` (template, QR, WeasyPrint); bare is WeasyPrint alone on the
HTML our template produced for that view, with the same fonts and images at hand, two ways:
``HTML(string=html, base_url=templates).write_pdf(stylesheets=[our parsed CSS],
font_config=our FontConfiguration)`` (WeasyPrint's layout and PDF only: the ratio figure) and
the plain ``HTML(string=html + <link> to base.css, base_url=templates).write_pdf()`` (WeasyPrint
also parses the stylesheet and loads the fonts every time).

Prints a table, then `figure:` lines (goals: warm ratio <= 1.1 x, warm median <= 100 ms, loop
lag p99 <= 10 ms, RSS growth <= 10 MB after warm-up). The ratio is taken in CPU time (see
``warm_phase``); wall-time ratios are in the table.

    .venv/bin/python bench/pdf.py [--rss-renders 1000] [--warm-renders 30] [--warm-only]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw
from pypdf import PdfReader
from weasyprint import HTML

from bot.pdf import (
    PdfRenderer,
    _data_uri,
    _engine,
    _render_job,
    _worker_rss_kb,
    render_sync,
)
from services.documents import DocumentView
from tests.fixtures.documents import invoice_view as invoice


def ms(seconds: float) -> float:
    return seconds * 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(view: DocumentView, cpu: list[float] | None = None) -> float:
    started, cpu_started = time.perf_counter(), time.process_time()
    render_sync(view)
    if cpu is not None:
        cpu.append(ms(time.process_time() - cpu_started))
    return ms(time.perf_counter() - started)


def warm_phase(rows: list[tuple[str, str]], renders: int) -> tuple[float, float]:
    """Median warm render of ours (wall), and its ratio to bare WeasyPrint with the same CSS
    object, in CPU time of this process: the work each does, which other processes on a
    loaded machine do not skew the way they skew wall time (on a quiet one the two agree)."""
    engine = _engine()
    ours: list[float] = []
    ours_cpu: list[float] = []
    bare: list[float] = []
    bare_cpu: list[float] = []
    plain: list[float] = []
    link = '<link rel="stylesheet" href="base.css">\n</head>'
    for i in range(renders):
        view = invoice(3, f"W-{i}")
        html = engine.html(view, None)  # the same text render_sync makes (not timed)
        linked = html.replace("</head>", link, 1)
        ours.append(timed(view, ours_cpu))
        started, cpu_started = time.perf_counter(), time.process_time()
        HTML(string=html, base_url=engine.base_url).write_pdf(
            stylesheets=[engine.stylesheet], font_config=engine.font_config
        )
        bare.append(ms(time.perf_counter() - started))
        bare_cpu.append(ms(time.process_time() - cpu_started))
        started = time.perf_counter()
        HTML(string=linked, base_url=engine.base_url).write_pdf()
        plain.append(ms(time.perf_counter() - started))
    median, bare_median = statistics.median(ours), statistics.median(bare)
    plain_median = statistics.median(plain)
    cpu_ratio = statistics.median(ours_cpu) / statistics.median(bare_cpu)
    rows.append((f"one-page invoice, warm: median / p95 (n={renders})",
                 f"{median:.1f} / {percentile(ours, 95):.1f} ms"))  # fmt: skip
    rows.append(("  bare WeasyPrint, same HTML, our parsed CSS + fonts: median",
                 f"{bare_median:.1f} ms (ours {median / bare_median:.3f} x)"))  # fmt: skip
    rows.append(("  CPU time per render, ours / that bare: medians",
                 f"{statistics.median(ours_cpu):.1f} / {statistics.median(bare_cpu):.1f} ms "
                 f"({cpu_ratio:.3f} x)"))  # fmt: skip
    rows.append(("  bare WeasyPrint, same HTML linking base.css: median",
                 f"{plain_median:.1f} ms (ours {median / plain_median:.3f} x)"))  # fmt: skip
    return median, cpu_ratio


def upload(size: tuple[int, int], mode: str) -> bytes:
    """A picture as big as uploads may be (``IMAGE_MAX_SIDE``): rings and strokes."""
    image = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for inset in range(20, min(size) // 2, 90):
        draw.ellipse((inset, inset, size[0] - inset, size[1] - inset), outline="navy", width=18)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def pictures_phase(rows: list[tuple[str, str]], renders: int = 8) -> None:
    """The invoice with a 2000 px stamp, a 1800 x 600 signature and a 2000 x 500 logo: ours
    against bare WeasyPrint given the same HTML with the uploads inlined as data: URIs."""
    engine = _engine()
    pictures = {
        "stamp": upload((2000, 2000), "RGBA"),
        "signature": upload((1800, 600), "RGBA"),
        "logo": upload((2000, 500), "RGB"),
    }
    timed(replace(invoice(3), **pictures))  # the worker's first sight of them: scaled once
    ours: list[float] = []
    bare: list[float] = []
    for i in range(renders):
        view = replace(invoice(3, f"P-{i}"), **pictures)
        html = engine.html(view, None)
        for kind, data in pictures.items():
            html = re.sub(rf'src="picture:{kind}-[0-9a-f]+"', f'src="{_data_uri(data)}"', html)
        ours.append(timed(view))
        started = time.perf_counter()
        HTML(string=html, base_url=engine.base_url).write_pdf(
            stylesheets=[engine.stylesheet], font_config=engine.font_config
        )
        bare.append(ms(time.perf_counter() - started))
    rows.append(("with 2000 px stamp, signature, logo: ours / bare (uploads inlined)",
                 f"{statistics.median(ours):.1f} / {statistics.median(bare):.1f} ms"))  # fmt: skip


def pool_round_trip(rows: list[tuple[str, str]], renders: int = 15) -> None:
    """One render at a time through a 1-worker pool: wall time minus the worker's own render
    time is what the pool adds (pickling the view, the PDF's bytes back, the wake-ups)."""
    renderer = PdfRenderer(workers=1)
    asyncio.run(renderer.start())
    extra: list[float] = []
    for i in range(renders):
        started = time.perf_counter()
        _, render_ms = renderer.submit(_render_job, invoice(3, f"R-{i}"), None).result()
        extra.append(ms(time.perf_counter() - started) - render_ms)
    renderer.close()
    rows.append((f"pool round trip beyond the render: median (n={renders})",
                 f"{statistics.median(extra):.2f} ms"))  # fmt: skip


async def pool_phase(rows: list[tuple[str, str]]) -> tuple[float, float]:
    renderer = PdfRenderer(workers=2)
    started = time.perf_counter()
    await renderer.start()
    rows.append(
        ("pool start (2 spawned workers, warmed)", f"{ms(time.perf_counter() - started):.0f} ms")
    )

    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(ms(time.perf_counter() - before - 0.001))

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    pdfs = await asyncio.gather(*(renderer.render(invoice(3, f"B-{i}")) for i in range(20)))
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.02)
    stop.set()
    await tick
    renderer.close()
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)
    p99, worst = percentile(lags, 99), max(lags)
    rows.append(("20 invoices via pool: wall time", f"{ms(elapsed):.0f} ms"))
    rows.append(("20 invoices via pool: throughput", f"{20 / elapsed:.1f} docs/s"))
    p50 = percentile(lags, 50)
    rows.append(
        (
            "  loop lag, 1 ms ticker: p50 / p99 / max",
            f"{p50:.2f} / {p99:.2f} / {worst:.2f} ms ({len(lags)} ticks)",
        )
    )
    return p99, worst


def rss_phase(rows: list[tuple[str, str]], renders: int) -> float:
    """One pool worker renders ``renders`` one-page invoices; its VmRSS is read from
    /proc/<pid>/status inside the worker between batches. Growth = end - after the first 10%
    (warm-up: caches, glyph tables, allocator arenas settle)."""
    renderer = PdfRenderer(workers=1)
    asyncio.run(renderer.start())
    view = invoice(3)
    warmup = max(1, renders // 10)
    samples: list[tuple[int, float]] = [(0, renderer.submit(_worker_rss_kb).result() / 1024)]
    done = 0
    started = time.perf_counter()
    step = max(1, renders // 10)
    while done < renders:
        batch = min(step, renders - done)
        futures = [renderer.submit(_render_job, view, None) for _ in range(batch)]
        for future in futures:
            future.result()
        done += batch
        samples.append((done, renderer.submit(_worker_rss_kb).result() / 1024))
    elapsed = time.perf_counter() - started
    renderer.close()
    base = next(rss for count, rss in samples if count >= warmup)
    growth = samples[-1][1] - base
    rows.append((f"worker RSS over {renders} renders ({elapsed:.0f} s)",
                 " → ".join(f"{rss:.0f}" for _, rss in samples) + " MB"))  # fmt: skip
    rows.append((f"  growth after warm-up ({warmup} renders)", f"{growth:+.1f} MB"))
    return growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rss-renders", type=int, default=1000)
    parser.add_argument("--warm-renders", type=int, default=30)
    parser.add_argument("--warm-only", action="store_true", help="skip the pool phases")
    args = parser.parse_args()

    rows: list[tuple[str, str]] = []
    one_page = invoice(3)
    cold = timed(one_page)
    rows.append(("one-page invoice, in-process, cold (first)", f"{cold:.0f} ms"))
    median, ratio = warm_phase(rows, args.warm_renders)
    pictures_phase(rows)

    lag_p99 = growth = float("nan")
    if not args.warm_only:
        long_view = invoice(100)
        long_times = [timed(long_view) for _ in range(3)]
        pages = len(PdfReader(io.BytesIO(render_sync(long_view))).pages)
        rows.append((f"100-line invoice ({pages} pages), median of 3",
                     f"{statistics.median(long_times):.0f} ms"))  # fmt: skip
        pool_round_trip(rows)
        lag_p99, _ = asyncio.run(pool_phase(rows))
        growth = rss_phase(rows, args.rss_renders)

    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print()
    if not args.warm_only:
        print(f"figure: pdf_loop_lag_p99_ms={lag_p99:.2f} ms")
        print(f"figure: pdf_rss_growth_mb={growth:.1f} MB")
    print(f"figure: pdf_warm_ratio={ratio:.3f} x")
    print(f"figure: pdf_warm_median_ms={median:.1f} ms")


if __name__ == "__main__":
    main()
