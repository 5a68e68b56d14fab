"""PDF rendering: Jinja2 templates + WeasyPrint in a warmed process pool (``DocumentRenderer``).

Why a process pool: WeasyPrint is pure CPU (~0.1 s for a one-page invoice, seconds for long
ones) and holds the GIL, so a thread would still stall the event loop. Never asyncio's default
executor either: renders queued there delay every other ``to_thread`` user (aiogram runs sync
filters through it).

Why "spawn": forking a process that runs an asyncio loop and threads (aiohttp's resolver,
the default executor, logging handlers) copies locks that another thread may hold at that
instant, and the loop's selector and self-pipe file descriptors, into the child; the child can
deadlock on the first ``logging`` call or corrupt the parent's loop wake-ups. "spawn" starts a
clean interpreter that imports only this module. Its cost (~1 s per worker) is paid once, in
``start()``, which also warms each worker (fonts loaded, templates compiled, the documents'
catalogs read, one document rendered) so the first real invoice is not the slow one.
(``forkserver`` would be safe too; spawn is chosen because it behaves the same on every
platform and needs no preload list.)

Per worker process: ONE ``FontConfiguration`` (a new one per render leaks ~0.25 MB each time),
the stylesheet parsed once with it (so the @font-face files are registered once), and one
cached sandboxed Jinja2 environment.

Uploaded templates are untrusted: they run in Jinja2's ``SandboxedEnvironment`` (no
``__class__``/``__globals__`` walks) and WeasyPrint may only fetch ``data:`` URIs and files
under ``templates/`` (no ``file:///etc/passwd`` images, no requests to internal hosts).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import multiprocessing
import os
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from bot.qr import qr_png
from bot.specimen import specimen_view
from services.documents import (
    DOCUMENT_KINDS,
    LANGUAGES,
    CreditNoteView,
    DocumentView,
    Lang,
    StatementView,
    county_name,
    format_amount,
    format_date,
    format_quantity,
    labels_for,
)
from services.money import format_money

logger = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
DEFAULT_WORKERS = 2
DEFAULT_NICENESS = 5  # workers yield the CPU to the event loop's process


# --- templates -----------------------------------------------------------------------------


Printable = DocumentView | StatementView | CreditNoteView


def template_name(view: Printable) -> str:
    """The shipped template of a view: invoices by layout, contracts by language, the other
    kinds by kind."""
    if isinstance(view, StatementView):
        return "client_statement.html.j2"
    if view.kind in ("invoice", "credit_note"):
        return f"{view.kind}_{view.layout}.html.j2"
    if view.kind == "contract":
        return f"contract_{view.language}.html.j2"
    return f"{view.kind}.html.j2"


@jinja2.pass_context
def _money_filter(ctx: jinja2.runtime.Context, value: Decimal, currency: str | None = None) -> str:
    doc: DocumentView = ctx["doc"]
    return format_money(value, currency or doc.currency, doc.language)


@jinja2.pass_context
def _amount_filter(ctx: jinja2.runtime.Context, value: Decimal) -> str:
    return format_amount(value, ctx["doc"].language)


@jinja2.pass_context
def _qty_filter(ctx: jinja2.runtime.Context, value: Decimal) -> str:
    return format_quantity(value, ctx["doc"].language)


@jinja2.pass_context
def _date_filter(ctx: jinja2.runtime.Context, value: date, long: bool = False) -> str:
    language: Lang = ctx["doc"].language
    return format_date(value, language, long=long)


def create_environment(templates_dir: Path = TEMPLATES_DIR) -> SandboxedEnvironment:
    """Sandboxed, autoescaping, StrictUndefined (a typo in a template is an error, not an
    empty string on a legal document), with the ``money``, ``amount`` (no currency sign),
    ``qty`` and ``ldate`` filters."""
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["money"] = _money_filter
    env.filters["qty"] = _qty_filter
    env.filters["amount"] = _amount_filter
    env.filters["ldate"] = _date_filter
    env.filters["county"] = county_name
    return env


def _mime(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.lstrip()[:5] in (b"<?xml", b"<svg ") or b"<svg" in data[:256]:
        return "image/svg+xml"
    return "application/octet-stream"


def _data_uri(data: bytes) -> str:
    return f"data:{_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"


# The largest box (width, height in mm) base.css prints each picture in: ``.logo`` at most
# 60 x 18, ``img.stamp`` 38 x 38, ``img.signature`` 13 high (and never 120 wide).
PRINT_BOXES_MM: dict[str, tuple[int, int]] = {
    "logo": (60, 18),
    "stamp": (38, 38),
    "signature": (120, 13),
}
PRINT_DPI = 300


def _fit(data: bytes, box_mm: tuple[int, int]) -> bytes:
    """``data`` as a PNG no larger than ``box_mm`` at ``PRINT_DPI`` (aspect kept), or
    ``data`` itself when it is smaller already or not a picture Pillow reads."""
    box = (round(box_mm[0] / 25.4 * PRINT_DPI), round(box_mm[1] / 25.4 * PRINT_DPI))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width <= box[0] and image.height <= box[1]:
                return data
            picture = image.convert("RGBA" if image.mode not in ("RGB", "L") else image.mode)
    except (OSError, ValueError, Image.DecompressionBombError):
        return data
    picture.thumbnail(box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


PICTURE_SCHEME = "picture"


class _Pictures:
    """Uploaded pictures scaled down to their print box, kept by content digest, each
    with a short ``picture:`` URL that the renderer's fetcher serves.

    Why: WeasyPrint decodes every picture and re-encodes it (PNG, alpha split out) on every
    render, and its HTML parser scans every character of a ``data:`` URI; a 2000 px stamp, as
    uploads may be (``IMAGE_MAX_SIDE``), cost tens of ms each time, where 449 px print the
    38 mm stamp at 300 dpi. Scaling happens once per worker and picture.
    """

    def __init__(self, size: int = 24) -> None:
        self._size = size
        self._fitted: OrderedDict[str, bytes] = OrderedDict()

    def url(self, data: bytes, kind: str) -> tuple[str, bytes]:
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        url = f"{PICTURE_SCHEME}:{kind}-{digest}"
        fitted = self._fitted.get(url)
        if fitted is None:
            fitted = self._fitted[url] = _fit(data, PRINT_BOXES_MM[kind])
            if len(self._fitted) > self._size:
                self._fitted.popitem(last=False)
        else:
            self._fitted.move_to_end(url)
        return url, fitted


_pictures = _Pictures()


def template_context(view: Printable, pictures: dict[str, bytes] | None = None) -> dict[str, Any]:
    """What every template sees: ``doc`` (the view), ``labels`` (its language's words) and
    ``images`` (URLs, or None, for logo, stamp, signature, qr).

    With ``pictures`` (the shipped templates), logo, stamp and signature are scaled to the
    boxes base.css prints them in, put in ``pictures`` and referred to by ``picture:`` URLs;
    without (an uploaded template may print them larger), they are ``data:`` URIs of the
    pictures as uploaded. The QR is always a ``data:`` URI (1 kB)."""

    def picture(data: bytes | None, kind: str) -> str | None:
        if not data:
            return None
        if pictures is None:
            return _data_uri(data)
        url, fitted = _pictures.url(data, kind)
        pictures[url] = fitted
        return url

    return {
        "doc": view,
        "labels": view.labels,
        "images": {
            "logo": picture(view.logo, "logo"),
            "stamp": picture(view.stamp, "stamp"),
            "signature": picture(view.signature, "signature"),
            "qr": _data_uri(qr_png(view.qr_payload)) if view.qr_payload else None,
        },
    }


class _LocalFetcher(URLFetcher):
    """Lets WeasyPrint read ``data:`` URIs, files under the templates folder and the
    ``picture:`` URLs of the document being rendered (``pictures``), nothing else."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("data", "file"))
        self._root = root.resolve()
        self.pictures: dict[str, bytes] = {}

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith(f"{PICTURE_SCHEME}:"):
            if url not in self.pictures:
                raise ValueError(f"not a picture of this document: {url}")
            data = self.pictures[url]
            return URLFetcherResponse(url, data, {"Content-Type": _mime(data)})
        if url.startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self._root):
                raise ValueError(f"access outside the templates folder refused: {url}")
        return super().fetch(url, headers)


# --- the per-process renderer --------------------------------------------------------------


@dataclass
class _Engine:
    """What one process keeps between renders."""

    env: SandboxedEnvironment
    font_config: FontConfiguration
    stylesheet: CSS
    fetcher: _LocalFetcher
    base_url: str

    @classmethod
    def create(cls, templates_dir: Path = TEMPLATES_DIR) -> _Engine:
        font_config = FontConfiguration()
        fetcher = _LocalFetcher(templates_dir)
        base_url = templates_dir.as_uri() + "/"
        stylesheet = CSS(
            filename=str(templates_dir / "base.css"),
            base_url=base_url,
            font_config=font_config,
            url_fetcher=fetcher,
        )
        return cls(create_environment(templates_dir), font_config, stylesheet, fetcher, base_url)

    def html(self, view: Printable, template_source: str | None) -> str:
        if template_source is None:
            template = self.env.get_template(template_name(view))
        else:
            template = self.env.from_string(template_source)
        pictures: dict[str, bytes] = {}  # served to WeasyPrint by the fetcher in pdf()
        self.fetcher.pictures = pictures
        shipped = template_source is None
        return template.render(template_context(view, pictures if shipped else None))

    def pdf(self, html: str, variant: str | None = None) -> bytes:
        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        result = document.write_pdf(stylesheets=[self.stylesheet], font_config=self.font_config,
                                    pdf_variant=variant)
        assert isinstance(result, bytes)
        return result

    def render(self, view: Printable, template_source: str | None = None) -> bytes:
        cii = getattr(view, "facturx", None)
        if not cii:  # the warm path of every ordinary document: nothing more
            return self.pdf(self.html(view, template_source))
        # Factur-X: a PDF/A-3b with the CII attached as factur-x.xml (EN 16931 profile).
        pdf = self.pdf(self.html(view, template_source), variant="pdf/a-3b")
        return facturx_pdf(pdf, cii, view.language)

    def check(self, kind: str, source: str) -> str | None:
        if kind not in DOCUMENT_KINDS:
            return f"unknown document kind: {kind}"
        view = specimen_view(kind)  # type: ignore[arg-type]
        try:
            html = self.html(view, source)
        except jinja2.TemplateSyntaxError as error:
            return f"line {error.lineno}: {error.message}"
        except jinja2.TemplateError as error:  # UndefinedError, SecurityError ...
            return f"{type(error).__name__}: {error.message or error}"
        except Exception as error:  # a filter fed the wrong type, a bad attribute call ...
            return f"{type(error).__name__}: {error}"
        try:
            self.pdf(html)
        except Exception as error:
            return f"PDF: {type(error).__name__}: {error}"
        return None


def facturx_pdf(pdf: bytes, cii: bytes, language: str) -> bytes:
    """``pdf`` (a PDF/A-3b) with ``cii`` embedded as a Factur-X EN 16931 invoice: the
    factur-x library attaches it (AFRelationship "Data") and writes the Factur-X XMP
    metadata. Our CII is checked against the schemas in tests, not on every render.
    Imported here: only Factur-X invoices pay for the library."""
    import facturx

    result = facturx.generate_from_binary(
        pdf, cii, flavor="factur-x", level="en16931", check_xsd=False, lang=language)
    assert isinstance(result, bytes)
    return result


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    # One per process: in a pool worker, created by the initializer; in the main process, on
    # the first render_sync().
    return _Engine.create()


def render_sync(view: Printable, template_source: str | None = None) -> bytes:
    """Render in this process, synchronously (tests, benchmarks, CLI). Blocks ~0.1 s+."""
    return _engine().render(view, template_source)


def check_template_sync(kind: str, source: str) -> str | None:
    return _engine().check(kind, source)


def _worker_init(niceness: int = 0) -> None:
    # A lower CPU priority: when renders keep every core busy, the scheduler still runs the
    # bot's event loop first (on 2 cores with 2 workers this is what keeps loop lag low).
    if niceness:
        os.nice(niceness)
    # Warm-up in the worker: fonts registered, templates compiled, one document rendered
    # (the first WeasyPrint render of a process costs ~2x a warm one).
    engine = _engine()
    for name in ("invoice_ru.html.j2", "invoice_intl.html.j2", "quote.html.j2",
                 "receipt.html.j2", "act.html.j2", "delivery_note.html.j2",
                 "upd.html.j2", "client_statement.html.j2", "credit_note_intl.html.j2",
                 "credit_note_ru.html.j2", "contract_ru.html.j2", "contract_ro.html.j2",
                 "contract_en.html.j2"):  # fmt: skip
        engine.env.get_template(name)
    for language in LANGUAGES:  # each reads its catalog once: not on a customer's document
        labels_for(language)
    engine.render(specimen_view())


def _render_job(view: Printable, template_source: str | None) -> tuple[bytes, float]:
    started = time.perf_counter()
    pdf = render_sync(view, template_source)
    return pdf, (time.perf_counter() - started) * 1000


def _warm_charts() -> int:
    """The same pool draws the reports' charts (bot/report_render.py): `start` has each
    worker draw one, so a head's first report is not matplotlib's cold first figure."""
    from bot.report_render import warm_up

    warm_up()
    return os.getpid()


def _worker_rss_kb() -> int:
    """VmRSS of the calling process, from /proc (Linux), in kB."""
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


# --- the async adapter ---------------------------------------------------------------------


class PdfRenderer:
    """``DocumentRenderer`` on a dedicated, warmed pool of ``workers`` spawned processes.

    Usage: ``renderer = PdfRenderer(); await renderer.start(); ...; renderer.close()`` (or
    ``async with PdfRenderer() as renderer``). Renders queue in the pool, never on the loop.
    """

    def __init__(
        self,
        workers: int = DEFAULT_WORKERS,
        *,
        niceness: int = DEFAULT_NICENESS,
        max_tasks_per_child: int | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self._niceness = niceness
        self._max_tasks_per_child = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(self._niceness,),
                max_tasks_per_child=self._max_tasks_per_child,
            )
        return self._pool

    async def start(self) -> None:
        """Start every worker and wait until each is warm (its initializer rendered the
        specimen document, ``bot.specimen``; then it draws one chart). Submitting ``workers``
        jobs at once makes the pool spawn all of them."""
        pool = self._ensure_pool()
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        await asyncio.gather(
            *(loop.run_in_executor(pool, _warm_charts) for _ in range(self.workers))
        )
        logger.info(
            "PDF pool: %d workers warm in %.0f ms",
            self.workers,
            (time.perf_counter() - started) * 1000,
        )

    async def render(self, view: Printable, template_source: str | None = None) -> bytes:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        pdf, render_ms = await loop.run_in_executor(
            self._ensure_pool(), _render_job, view, template_source
        )
        logger.debug(
            "PDF %s %s: %d bytes, render %.1f ms, with queueing %.1f ms",
            view.kind,
            view.number,
            len(pdf),
            render_ms,
            (time.perf_counter() - started) * 1000,
        )
        return pdf

    async def check_template(self, kind: str, source: str) -> str | None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ensure_pool(), check_template_sync, kind, source)

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        """Run a picklable function in a worker (benchmarks read a worker's RSS with it)."""
        return self._ensure_pool().submit(fn, *args)

    def close(self) -> None:
        """Stop the workers (waits for the renders already running; drops queued ones)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def __aenter__(self) -> PdfRenderer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
