from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot import origin
from tests.e2e.harness import Harness, running_bot


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    """The real bot polling the sandbox over HTTP, on SQLite and (when set) PostgreSQL."""
    async with running_bot(database_url) as harness:
        yield harness


@pytest.fixture(autouse=True)
def nothing_outside_the_outbox() -> Iterator[None]:
    """Every e2e test fails when the bot sent a message on its own that did not go through
    the outbox (bot/origin.py records each one)."""
    origin.VIOLATIONS.clear()
    yield
    assert origin.VIOLATIONS == [], f"sent outside the outbox: {origin.VIOLATIONS}"
