"""The CPU runner on the worker processes: long lists cross in chunks and come back whole,
and a domain error raised in a worker is raised again here with its code and params (plain
pickling of DomainError fails and would break the pool, PDF rendering included)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.cpu_pool import CHUNK, pool_runner
from bot.pdf import PdfRenderer
from services.errors import Conflict
from services.statements import StatementError, parse_statement


def squares_and_label(numbers: list[int], label: str) -> tuple[list[int], str]:
    return [n * n for n in numbers], label.upper()


def refuse(account: str) -> None:
    raise Conflict("statement_foreign_account", account=account)


@pytest.fixture
async def renderer() -> AsyncIterator[PdfRenderer]:
    renderer = PdfRenderer(1)
    try:
        yield renderer
    finally:
        renderer.close()


async def test_lists_round_trip_and_errors_come_back_whole(renderer: PdfRenderer) -> None:
    run = pool_runner(renderer)
    numbers = list(range(CHUNK * 3 + 7))
    squares, label = await run(squares_and_label, numbers, "ok")
    assert squares == [n * n for n in numbers] and label == "OK"
    with pytest.raises(Conflict) as caught:
        await run(refuse, "40702810500000000123")
    assert caught.value.code == "statement_foreign_account"
    assert caught.value.params == {"account": "40702810500000000123"}
    with pytest.raises(StatementError) as bad:
        await run(parse_statement, b"not a statement", "x.txt")
    assert bad.value.code and bad.value.code != "error"
    # The pool survived both errors.
    assert (await run(squares_and_label, [3], "x")) == ([9], "X")
