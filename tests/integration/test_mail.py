"""The mailbox watcher against a real IMAP server (dovecot, TLS, loopback) and the real
database: a mailbox with 10,000 old messages at first start processes none of them; a 30 MB
message is read as its headers; a forged From of a known client is kept off the timeline;
a mailbox that keeps failing tells the admins once; a watermark lost or a folder recreated
processes nothing twice."""

from __future__ import annotations

import asyncio
import email.utils
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.app import build_services, load_pipeline_config
from bot.imap import ImapConfig, MailboxError, MailboxWatcher
from bot.settings import Settings
from sandbox.client import eventually
from services.access import AccessService
from services.clients import CompanyDraft
from services.clock import FrozenClock
from services.mail import MailService
from services.users import Role
from storage import models as m
from storage.uow import Database
from tests.fixtures.dovecot import (  # noqa: F401
    PASSWORD,
    USER,
    Dovecot,
    dovecot,
    dovecot_without_idle,
)

ADMIN, MANAGER = 1001, 2001


def raw(sender: str, subject: str, body: str = "Hello", **headers: str) -> bytes:
    head = [f"From: {sender}", "To: office@crm.example", f"Subject: {subject}",
            f"Date: {email.utils.formatdate()}",
            *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n" + body + "\r\n").encode()


async def world(db: Database, database_url: str, clock: FrozenClock, **extra: Any
                ) -> tuple[MailService, Any]:
    settings = Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                        pdf_warmup=False, lead_assignment=str(MANAGER), **extra)
    services = build_services(db, settings, clock, load_pipeline_config(settings))
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([ADMIN])
    manager = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                .token, "Ivan", None, "en")
    await services.clients.create_company(manager, CompanyDraft(
        name="Alfa Construct", email="ion@alfa-construct.ro"))
    return services.mail, manager


def watcher(server: Dovecot, mail: MailService, **extra: Any) -> MailboxWatcher:
    values: dict[str, Any] = {"host": "localhost", "port": server.port, "user": USER,
                              "password": PASSWORD, "ca_file": server.ca_file}
    values.update(extra)
    return MailboxWatcher(ImapConfig(**values), mail)


async def scalar(db: Database, stmt: Any) -> Any:
    async with db.uow(readonly=True) as uow:
        return (await uow.session.execute(stmt)).scalar()


async def test_ten_thousand_old_messages_at_first_start_are_never_processed(
        db: Database, database_url: str, dovecot: Dovecot) -> None:  # noqa: F811
    clock = FrozenClock(datetime.now(UTC))
    mail, _ = await world(db, database_url, clock)
    dovecot.write_old([raw(f"c{i}@old{i}.ro", f"Old {i}", Message_ID=f"<old{i}@x>")
                       for i in range(10_000)], datetime.now(UTC) - timedelta(days=400))
    await dovecot.append(raw("new@beta.ro", "New one", Message_ID="<new@beta.ro>"))
    handled = await watcher(dovecot, mail, batch=500).poll_once()
    assert handled == 1
    assert await scalar(db, select(func.count()).select_from(m.MailMessage)) == 1
    assert await scalar(db, select(m.MailMessage.message_id)) == "<new@beta.ro>"
    assert await scalar(db, select(m.Mailbox.last_uid)) == 10_001
    # The next pass reads nothing again.
    assert await watcher(dovecot, mail).poll_once() == 0


async def test_a_30_mb_message_is_read_as_its_headers_and_pushed(
        db: Database, database_url: str, dovecot: Dovecot) -> None:  # noqa: F811
    clock = FrozenClock(datetime.now(UTC))
    mail, _ = await world(db, database_url, clock)
    big = raw("ion@alfa-construct.ro", "Scans", "x" * (30 * 1024 * 1024),
              Message_ID="<big@alfa>")
    await dovecot.append(big)
    assert await watcher(dovecot, mail).poll_once() == 1
    facts = await scalar(db, select(m.MailMessage.facts))
    assert facts["too_large"] is True and facts["text"] == ""
    push = await scalar(db, select(m.OutboxMessage.payload).where(
        m.OutboxMessage.kind == "mail_push"))
    assert push["too_large"] is True and push["subject"] == "Scans"


async def test_a_forged_from_of_a_client_stays_off_the_timeline_until_confirmed(
        db: Database, database_url: str, dovecot: Dovecot) -> None:  # noqa: F811
    clock = FrozenClock(datetime.now(UTC))
    mail, manager = await world(db, database_url, clock)
    await dovecot.append(raw("Ion <ion@alfa-construct.ro>", "New bank details",
                             Return_Path="<x@phish.example>", Message_ID="<f@phish>"))
    await watcher(dovecot, mail).poll_once()
    status, interaction = (await _row(db, select(m.MailMessage.status,
                                                 m.MailMessage.interaction_id)))
    assert (status, interaction) == ("unverified", None)
    assert await scalar(db, select(func.count()).select_from(m.Interaction)) == 0
    mail_id = await scalar(db, select(m.MailMessage.id))
    await mail.confirm_sender(manager, mail_id)
    await mail.confirm_sender(manager, mail_id)  # twice: once on the timeline
    assert await scalar(db, select(func.count()).select_from(m.Interaction).where(
        m.Interaction.kind == "email")) == 1


async def _row(db: Database, stmt: Any) -> Any:
    async with db.uow(readonly=True) as uow:
        return (await uow.session.execute(stmt)).one()


async def test_a_lost_watermark_or_a_new_uidvalidity_processes_nothing_twice(
        db: Database, database_url: str, dovecot: Dovecot) -> None:  # noqa: F811
    clock = FrozenClock(datetime.now(UTC))
    mail, _ = await world(db, database_url, clock)
    await dovecot.append(*(raw(f"c{i}@gamma.md", f"Order {i}", Message_ID=f"<o{i}@gamma>")
                           for i in range(3)))
    assert await watcher(dovecot, mail).poll_once() == 3
    async with db.uow() as uow:  # as if the folder had been recreated
        await uow.session.execute(update(m.Mailbox).values(last_uid=0, uidvalidity=1))
        await uow.commit()
    assert await watcher(dovecot, mail).poll_once() == 3  # read again ...
    assert await scalar(db, select(func.count()).select_from(m.MailMessage)) == 3
    assert await scalar(db, select(func.count()).select_from(m.OutboxMessage)) == 3


async def test_a_mailbox_that_keeps_failing_tells_the_admins_once_per_streak(
        db: Database, database_url: str, dovecot: Dovecot) -> None:  # noqa: F811
    clock = FrozenClock(datetime.now(UTC))
    mail, _ = await world(db, database_url, clock, imap_alert_after=3)
    bad = watcher(dovecot, mail, password="wrong")
    delays = []
    for _ in range(5):
        try:
            await bad.poll_once()
        except MailboxError as exc:
            assert "LOGIN" in str(exc)
            delays.append(await mail.failed(bad.config.name, str(exc)))
    assert [d.total_seconds() for d in delays] == [5, 10, 20, 40, 80]
    down = select(m.OutboxMessage.chat_id).where(m.OutboxMessage.kind == "mailbox_down")
    assert await scalar(db, select(func.count()).select_from(down.subquery())) == 1
    assert await scalar(db, down) == ADMIN
    # Back to work: the streak ends; a new streak tells them again.
    await watcher(dovecot, mail).poll_once()
    assert await scalar(db, select(m.Mailbox.failures)) == 0
    clock.advance(timedelta(hours=1))
    for _ in range(3):
        await mail.failed(bad.config.name, "LOGIN: NO")
    assert await scalar(db, select(func.count()).select_from(down.subquery())) == 2


async def _watched(db: Database, server: Dovecot, mail: MailService, poll_seconds: float
                   ) -> None:
    """Runs the watcher as `dealchat run` does and appends a message once its first pass is
    done; returns when that message has been read."""
    task = asyncio.create_task(watcher(server, mail, poll_seconds=poll_seconds).run())
    try:
        async def first_pass() -> bool | None:
            return await scalar(db, select(func.count()).select_from(m.Mailbox)) or None

        await eventually(first_pass, "the watcher's first pass")
        await server.append(raw("new@delta.ro", "Price list", Message_ID="<pl@delta>"))

        async def read() -> str | None:
            return await scalar(db, select(m.MailMessage.message_id))

        assert await eventually(read, "the new message") == "<pl@delta>"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_running_watcher_is_woken_by_idle(
        db: Database, database_url: str, dovecot: Dovecot) -> None:  # noqa: F811
    """Polling every ten minutes, the message still comes within the wait's ceiling: the
    server's IDLE push woke the watcher."""
    mail, _ = await world(db, database_url, FrozenClock(datetime.now(UTC)))
    await _watched(db, dovecot, mail, poll_seconds=600)


async def test_a_server_without_idle_is_polled(
        db: Database, database_url: str, dovecot_without_idle: Dovecot) -> None:  # noqa: F811
    client = await dovecot_without_idle.client()
    try:
        assert not client.has_capability("IDLE")
    finally:
        await client.logout()
    mail, _ = await world(db, database_url, FrozenClock(datetime.now(UTC)))
    await _watched(db, dovecot_without_idle, mail, poll_seconds=0.3)
