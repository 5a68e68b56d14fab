"""The unit of work every feature's narrow port builds on.

Invariant of every unit of work: nothing is written unless `commit()` is called; leaving the
`async with` block without it rolls everything back. A feature lists the repositories its use
cases touch as read-only properties of its own Protocol (`services/<feature>/ports.py`), so
that one concrete unit of work (`storage/uow.py`) satisfies them all structurally: a read-only
member is covariant, a plain attribute would be invariant."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from types import TracebackType
from typing import Protocol, Self, TypeVar


class UnitOfWork(Protocol):
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


U_co = TypeVar("U_co", bound=UnitOfWork, covariant=True)


class UowFactory(Protocol[U_co]):
    """`async with uow_factory() as uow: ...`; `readonly=True` may use a cheaper transaction
    (SQLite: autocommit reads instead of BEGIN IMMEDIATE). `single_read=True`: the unit of
    work runs one read statement, which may run outside any transaction (PostgreSQL: no
    BEGIN and ROLLBACK round trips around it; the read that identifies every update)."""

    def __call__(self, readonly: bool = False, *, single_read: bool = False) -> U_co: ...


T = TypeVar("T")


async def finished(work: Awaitable[T]) -> T:
    """`work` (a unit of work, or an effect and its record) run to its end even when the task
    awaiting it is being stopped, then the stop goes on. A transaction cut off mid-way by
    cancellation leaves its connection to nobody (SQLite's write lock held; on PostgreSQL a
    connection never closed once the pool is disposed), and an effect that happened must be
    recorded. The stop waits the few milliseconds it takes."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
