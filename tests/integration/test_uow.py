"""The one unit of work (storage/uow.py) on SQLite and PostgreSQL: repositories are built on
first use, nothing is written unless committed, and the outbox sender is woken only after a
commit that stored outbox rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.outbox import NewOutboxMessage
from services.users import Role
from storage.uow import Database

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def message(key: str) -> NewOutboxMessage:
    return NewOutboxMessage(key=key, channel="telegram", kind="payment_team", due_at=T0,
                            chat_id=1, payload={"n": key})


async def test_repositories_are_built_on_first_use_once(db: Database) -> None:
    async with db.uow(readonly=True) as uow:
        assert "users" not in vars(uow) and "outbox" not in vars(uow)
        users = uow.users
        assert uow.users is users  # one repository per unit of work
        assert await users.by_telegram_id(1) is None
        assert "users" in vars(uow) and "outbox" not in vars(uow)


async def test_nothing_is_written_unless_committed(db: Database) -> None:
    async with db.uow() as uow:
        await uow.users.add(501, Role.MANAGER, "Left", None, None, None)
    async with db.uow() as uow:
        await uow.users.add(502, Role.MANAGER, "Kept", None, None, None)
        await uow.commit()
    async with db.uow(readonly=True) as uow:
        assert await uow.users.by_telegram_id(501) is None
        kept = await uow.users.by_telegram_id(502)
    assert kept is not None and kept.full_name == "Kept"


async def test_the_sender_is_woken_only_after_a_commit_that_stored_outbox_rows(
        db: Database) -> None:
    woken: list[str] = []
    db.on_outbox = lambda: woken.append("wake")
    async with db.uow() as uow:  # a write that never touches the outbox
        await uow.users.add(601, Role.MANAGER, "No messages", None, None, None)
        await uow.commit()
        assert "outbox" not in vars(uow)  # not built just to look at it
    assert woken == []
    async with db.uow() as uow:  # rows enqueued, then rolled back: nothing to send
        await uow.outbox.enqueue([message("rolled-back")])
    assert woken == []
    async with db.uow() as uow:  # the outbox touched but nothing new stored
        assert await uow.outbox.enqueue([]) == 0
        await uow.commit()
    assert woken == []
    async with db.uow() as uow:
        assert await uow.outbox.enqueue([message("sent")]) == 1
        await uow.commit()
    assert woken == ["wake"]


async def test_readonly_units_do_not_queue_behind_a_writer(db: Database) -> None:
    """On SQLite our writers queue on one lock; a reader never takes it."""
    async with db.uow() as writer:
        await writer.users.add(701, Role.MANAGER, "Writer", None, None, None)
        async with asyncio.timeout(5):
            async with db.uow(readonly=True) as reader:
                assert await reader.users.by_telegram_id(702) is None
        await writer.commit()
