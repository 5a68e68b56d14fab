"""The company mailbox watcher: aioimaplib over TLS, IDLE when the server offers it, else
polling. Each pass reads the messages after the last UID it processed (under the folder's
UIDVALIDITY) and received since the mailbox's start, in UID order, and hands each to
`MailService.ingest`, which processes it once (its row, its timeline entry and its pushes in
one transaction). A message past the size cap is fetched as its headers only.

A mailbox that cannot be reached, refuses the login or breaks off is tried again with
backoff (5 s doubling to 10 min); admins are told through the outbox once the failures in a
row reach IMAP_ALERT_AFTER. Nothing is lost: the UID watermark only moves past what was
processed (or is older than the start)."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aioimaplib

from services.kernel.uow import finished
from services.mail import MailboxState, MailService, parse_message

logger = logging.getLogger(__name__)

_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UIDNEXT = re.compile(rb"\[UIDNEXT (\d+)\]")
_META = re.compile(rb"UID (\d+)|RFC822\.SIZE (\d+)|INTERNALDATE \"([^\"]+)\"")
_FETCH_LINE = re.compile(rb"^\d+ FETCH ")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LOGOUT_SECONDS = 5.0


class MailboxError(Exception):
    """The server said no (login, select, fetch): the pass fails and is retried."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    verify: bool = True
    ca_file: str | None = None
    poll_seconds: float = 60.0
    batch: int = 50
    max_bytes: int = 25 * 1024 * 1024
    timeout: float = 60.0

    @property
    def name(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:300]


@dataclass(frozen=True)
class Meta:
    uid: int
    size: int
    received_at: datetime | None


def imap_date(day: datetime) -> str:
    """IMAP's date ("7-Dec-2026"): English month names whatever the locale."""
    return f"{day.day}-{MONTHS[day.month - 1]}-{day.year}"


def parse_internaldate(text: str) -> datetime | None:
    parts = text.strip().split()
    try:
        day, month, year = parts[0].split("-")
        return datetime.strptime(
            f"{int(day):02d}-{MONTHS.index(month) + 1:02d}-{year} {parts[1]} {parts[2]}",
            "%d-%m-%Y %H:%M:%S %z")
    except (ValueError, IndexError):
        return None


def parse_meta(lines: Sequence[bytes | bytearray]) -> list[Meta]:
    out: list[Meta] = []
    for line in lines:
        if not isinstance(line, (bytes, bytearray)) or not _FETCH_LINE.match(bytes(line)):
            continue
        uid = size = 0
        received = None
        for m in _META.finditer(bytes(line)):
            if m.group(1):
                uid = int(m.group(1))
            elif m.group(2):
                size = int(m.group(2))
            elif m.group(3):
                received = parse_internaldate(m.group(3).decode("ascii", "replace"))
        if uid:
            out.append(Meta(uid, size, received))
    return out


def _ok(response: aioimaplib.Response, what: str) -> aioimaplib.Response:
    if response.result != "OK":
        detail = b" ".join(bytes(x) for x in response.lines if isinstance(x, (bytes, bytearray)))
        raise MailboxError(f"{what}: {response.result} {detail.decode('utf-8', 'replace')}"
                           [:300])
    return response


def _literal(response: aioimaplib.Response) -> bytes:
    """The message bytes of a one-message FETCH response."""
    for line in response.lines:
        if isinstance(line, bytearray):
            return bytes(line)
    return b""


class MailboxWatcher:
    def __init__(self, config: ImapConfig, mail: MailService) -> None:
        self.config = config
        self._mail = mail

    def _ssl(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.config.ca_file)
        if not self.config.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    async def _connect(self) -> aioimaplib.IMAP4_SSL:
        client = aioimaplib.IMAP4_SSL(self.config.host, self.config.port,
                                      ssl_context=self._ssl(), timeout=self.config.timeout)
        try:
            await client.wait_hello_from_server()
            _ok(await client.login(self.config.user, self.config.password), "LOGIN")
        except BaseException:
            self._drop(client)
            raise
        return client

    @staticmethod
    def _drop(client: aioimaplib.IMAP4_SSL) -> None:
        """The connection closed at once (stopping, or after a failure): no goodbye."""
        transport = getattr(client.protocol, "transport", None) if client.protocol else None
        if transport is not None:
            transport.close()

    async def _close(self, client: aioimaplib.IMAP4_SSL) -> None:
        try:
            await asyncio.wait_for(client.logout(), LOGOUT_SECONDS)
        except Exception:  # closing a broken connection: nothing to tell
            pass
        self._drop(client)

    async def _open(self, client: aioimaplib.IMAP4_SSL) -> tuple[MailboxState, int]:
        """The folder opened; the mailbox's state under its UIDVALIDITY and the
        folder's UIDNEXT."""
        # SELECT, not EXAMINE: aioimaplib allows SEARCH only in its "selected" state, which
        # EXAMINE does not enter. Bodies are fetched with BODY.PEEK: nothing is marked seen.
        response = _ok(await client.select(self.config.folder), "SELECT")
        joined = b"\n".join(bytes(x) for x in response.lines if isinstance(x, (bytes, bytearray)))
        validity = _UIDVALIDITY.search(joined)
        if validity is None:
            raise MailboxError("SELECT: no UIDVALIDITY")
        uidnext = _UIDNEXT.search(joined)
        state = await finished(self._mail.open_mailbox(self.config.name, int(validity.group(1))))
        return state, int(uidnext.group(1)) if uidnext else 0

    async def one_pass(self, client: aioimaplib.IMAP4_SSL) -> int:
        """Processes up to one batch of new messages; returns how many it handed over, and
        keeps going while full batches come back."""
        handled = 0
        while True:
            state, uidnext = await self._open(client)
            since_day = state.since - timedelta(days=1)  # SEARCH SINCE is by day: be wide
            found = _ok(await client.uid_search(
                f"UID {state.last_uid + 1}:*", "SINCE", imap_date(since_day), charset=None),
                "SEARCH")
            uids = sorted({int(x) for line in found.lines[:-1]
                           if isinstance(line, (bytes, bytearray))
                           for x in bytes(line).split() if x.isdigit()})
            uids = [u for u in uids if u > state.last_uid]
            batch = uids[:self.config.batch]
            for meta in await self._meta(client, batch):
                await self._one(client, state, meta)
                handled += 1
            if len(uids) <= len(batch):
                # Messages between the watermark and UIDNEXT that SEARCH did not return
                # arrived before the start: never to be processed, read past them.
                if uidnext > state.last_uid + 1:
                    await finished(self._mail.skip(state, uidnext - 1))
                if state.failures:
                    await finished(self._mail.checked(state))
                return handled

    async def _meta(self, client: aioimaplib.IMAP4_SSL, uids: Sequence[int]) -> list[Meta]:
        if not uids:
            return []
        response = _ok(await client.uid("fetch", ",".join(map(str, uids)),
                                        "(UID RFC822.SIZE INTERNALDATE)"), "FETCH")
        wanted = set(uids)
        return sorted((m for m in parse_meta(response.lines) if m.uid in wanted),
                      key=lambda m: m.uid)

    async def _one(self, client: aioimaplib.IMAP4_SSL, state: MailboxState, meta: Meta) -> None:
        received = meta.received_at or self._now()
        if received < state.starts:
            await finished(self._mail.skip(state, meta.uid))
            return
        too_large = meta.size > self.config.max_bytes
        part = "BODY.PEEK[HEADER]" if too_large else "BODY.PEEK[]"
        response = _ok(await client.uid("fetch", str(meta.uid), f"(UID {part})"), "FETCH")
        raw = _literal(response)
        parsed = parse_message(raw, fallback_id=f"<uid{meta.uid}.{state.uidvalidity}@"
                                                f"{self.config.name}>", headers_only=too_large)
        result = await finished(self._mail.ingest(state, meta.uid, received, parsed))
        logger.info("mail uid %s: %s", meta.uid,
                    result.status if result.new else "processed before")

    def _now(self) -> datetime:
        return self._mail.now()

    async def _wait(self, client: aioimaplib.IMAP4_SSL) -> None:
        """Until the server says something changed (IDLE), or the poll interval passed."""
        if not client.has_capability("IDLE"):
            await asyncio.sleep(self.config.poll_seconds)
            return
        idle = await client.idle_start(timeout=self.config.poll_seconds)
        try:
            while client.has_pending_idle():
                push = await client.wait_server_push(timeout=self.config.poll_seconds + 30)
                if push == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break
                if any(b"EXISTS" in bytes(x) for x in push
                       if isinstance(x, (bytes, bytearray))):
                    break
        except asyncio.CancelledError:
            idle.cancel()  # stopping: the connection is dropped, no DONE awaited
            raise
        if client.has_pending_idle():
            client.idle_done()
        await asyncio.wait_for(idle, self.config.timeout)

    async def poll_once(self) -> int:
        """Connects, processes what is new, logs out (tests; `dealchat` runs `run`)."""
        client = await self._connect()
        try:
            return await self.one_pass(client)
        finally:
            await self._close(client)

    async def run(self) -> None:
        """Forever: a session that passes and waits, and after a failure a pause that grows
        with the failures in a row (admins told by `MailService.failed`)."""
        while True:
            try:
                client = await self._connect()
                try:
                    while True:
                        await self.one_pass(client)
                        await self._wait(client)
                finally:
                    self._drop(client)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}".strip()
                logger.warning("mailbox %s: %s", self.config.name, error)
                try:
                    delay = await finished(self._mail.failed(self.config.name, error))
                except Exception:  # the database is down too: try again later
                    logger.exception("mailbox %s: recording the failure failed",
                                     self.config.name)
                    delay = timedelta(minutes=1)
                await asyncio.sleep(delay.total_seconds())
