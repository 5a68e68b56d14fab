"""The CPU runner services get (`PaymentService(run_cpu=...)`): a picklable function run in a
worker process of the PDF pool, so parsing and matching a bank statement do not hold the
event loop's GIL.

Why the chunking: a process pool pickles the arguments in a feeder thread and unpickles the
result in its manager thread, each as ONE C call that holds the GIL. For a 10,000-line
statement that was 132 ms (the 20,000 objects sent to matching) and 511 ms (the 10,000 match
results coming back) with the event loop frozen. So large lists cross the process boundary as
pickled chunks of `CHUNK` items (a list of bytes pickles in microseconds), packed and unpacked
on the loop one chunk at a time with a yield in between (a few ms each).

Errors: an exception raised in a worker comes back as its class, args and attributes and is
raised again here (DomainError's keyword-only constructor does not survive plain pickling, and
an exception that cannot be unpickled breaks the whole pool, PDF rendering included).
"""

from __future__ import annotations

import asyncio
import pickle
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from bot.pdf import PdfRenderer

CHUNK: Final = 100


@dataclass(frozen=True, slots=True)
class Chunks:
    """A long list, pickled `CHUNK` items at a time."""

    parts: tuple[bytes, ...]


def _pack_now(obj: Any) -> Any:
    """Worker side: the same, without yielding (a worker has no loop to spare)."""
    if type(obj) is list and len(obj) > CHUNK:
        return Chunks(tuple(pickle.dumps(obj[i:i + CHUNK], pickle.HIGHEST_PROTOCOL)
                            for i in range(0, len(obj), CHUNK)))
    if type(obj) is tuple:
        return tuple(_pack_now(x) for x in obj)
    return obj


def _unpack_now(obj: Any) -> Any:
    if isinstance(obj, Chunks):
        return [item for part in obj.parts for item in pickle.loads(part)]
    if type(obj) is tuple:
        return tuple(_unpack_now(x) for x in obj)
    return obj


async def pack(obj: Any) -> Any:
    if type(obj) is list and len(obj) > CHUNK:
        parts = []
        for i in range(0, len(obj), CHUNK):
            parts.append(pickle.dumps(obj[i:i + CHUNK], pickle.HIGHEST_PROTOCOL))
            await asyncio.sleep(0)
        return Chunks(tuple(parts))
    if type(obj) is tuple:
        return tuple([await pack(x) for x in obj])
    return obj


async def unpack(obj: Any) -> Any:
    if isinstance(obj, Chunks):
        items: list[Any] = []
        for part in obj.parts:
            items.extend(pickle.loads(part))
            await asyncio.sleep(0)
        return items
    if type(obj) is tuple:
        return tuple([await unpack(x) for x in obj])
    return obj


@dataclass(frozen=True, slots=True)
class Raised:
    """An exception in a worker, as plain data."""

    kind: type[BaseException]
    args: tuple[Any, ...]
    state: dict[str, Any]
    remote: str  # the worker's traceback, for the log


class RemoteError(Exception):
    """The cause attached to a re-raised worker exception (its traceback text)."""


def call_packed(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Runs in the worker: unpack the arguments, call, pack the result or the exception."""
    try:
        return _pack_now(fn(*_unpack_now(args)))
    except Exception as exc:
        raised = Raised(type(exc), exc.args, dict(vars(exc)), traceback.format_exc())
        try:
            pickle.loads(pickle.dumps(raised, pickle.HIGHEST_PROTOCOL))
        except Exception:
            return Raised(RuntimeError, (f"{type(exc).__name__}: {exc}",), {}, raised.remote)
        return raised


def rebuild(raised: Raised) -> BaseException:
    exc = raised.kind.__new__(raised.kind)
    exc.args = raised.args
    exc.__dict__.update(raised.state)
    exc.__cause__ = RemoteError(raised.remote)
    return exc


def pool_runner(renderer: PdfRenderer) -> Callable[..., Any]:
    """`run_cpu` on the PDF worker processes (already spawned and warm at start)."""

    async def run(fn: Callable[..., Any], *args: Any) -> Any:
        packed = await pack(tuple(args))
        result = await asyncio.wrap_future(renderer.submit(call_packed, fn, packed))
        if isinstance(result, Raised):
            raise rebuild(result)
        return await unpack(result)

    return run
