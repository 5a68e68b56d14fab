"""Outbox enqueue benchmark: 10,000 messages queued in one transaction (a statement import's
receipts when every customer has a bound chat), then the same 10,000 again (all already
there: nothing new).

    .venv/bin/python -m bench.outbox_enqueue [--messages 10000] [--pg URL]

SQLite by default (a fresh file in /tmp); --pg also runs on that PostgreSQL database (its
outbox table is emptied first). Ends with figure: outbox_enqueue_10k_s (and
outbox_enqueue_10k_pg_s with --pg).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import text

from services.outbox import NewOutboxMessage
from storage.db import create_engine
from storage.migrate import upgrade
from storage.uow import Database

DUE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def messages(count: int) -> list[NewOutboxMessage]:
    return [NewOutboxMessage(key=f"bench:{i}", channel="telegram", kind="payment.receipt",
                             due_at=DUE, chat_id=1_000_000 + i,
                             payload={"amount": "1234.56", "currency": "RUB", "n": i})
            for i in range(count)]


async def run(url: str, count: int) -> tuple[float, float, int, int]:
    """Seconds for the first enqueue and for the same messages again, and the rows each
    inserted."""
    await upgrade(url)
    db = Database(create_engine(url))
    try:
        if url.startswith("postgresql"):
            async with db.uow() as uow:
                await uow.session.execute(text("TRUNCATE outbox"))
                await uow.commit()
        batch = messages(count)
        timings: list[float] = []
        inserted: list[int] = []
        for _ in range(2):
            t = time.perf_counter()
            async with db.uow() as uow:
                inserted.append(await uow.outbox.enqueue(batch))
                await uow.commit()
            timings.append(time.perf_counter() - t)
    finally:
        await db.dispose()
    return timings[0], timings[1], inserted[0], inserted[1]


def show(name: str, result: tuple[float, float, int, int]) -> None:
    first, again, new, new_again = result
    print(f"{name}: {first:.2f} s for {new} new rows; again {again:.2f} s, {new_again} new")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--pg", help="also run on this PostgreSQL database (outbox emptied)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lite = asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/bench.db", args.messages))
    show("SQLite", lite)
    if args.pg:
        pg = asyncio.run(run(args.pg, args.messages))
        show("PostgreSQL", pg)
        print(f"\nfigure: outbox_enqueue_10k_pg_s={pg[0]:.2f} s")
    print(f"figure: outbox_enqueue_10k_s={lite[0]:.2f} s")


if __name__ == "__main__":
    main()
