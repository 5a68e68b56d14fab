from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import Harness, running_bot


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    """The real bot polling the sandbox over HTTP, on SQLite and (when set) PostgreSQL."""
    async with running_bot(database_url) as harness:
        yield harness
