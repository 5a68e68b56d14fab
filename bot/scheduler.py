"""APScheduler 3.11 as a clock only: in-memory jobs that look at our own tables.
What must be sent lives in the outbox table (its own transactions), never in a job store, so
a job missed during a restart loses nothing: the next run finds the same rows.

Jobs (each takes `now` from the app's Clock, so tests call them directly with a FrozenClock):
* drain (a task of its own, `drain_forever`): `OutboxDispatcher.run_once()` until a batch
  comes back short, woken at once when a transaction that queued messages commits, and
  every 2 s at the latest;
* replan (every 5 min): open invoices' ladders planned again (idempotent keys);
* alerts (every minute): morning digests, overdue invoices, installments, guarantee letters,
  contracts, tasks, meetings;
* quotes (every 5 min): sent quotes past their validity expire, manager and customer told;
* watchdog (every 15 s): admins are told directly (not through the stuck outbox) when the
  drain has not run for more than 60 s.

The alerts and quotes jobs keep a watermark in the database (`job_watermarks`): each handles
everything due since its last successful run, so a missed or failed run, or a bot that was
down for hours, costs lateness, never a message. A missed APScheduler run needs no catching up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.origin import exempt, mark_outbox_sender
from bot.outbox_sender import OutboxSender, smtp_mail
from handlers.reminders import stalled_text
from services.alerts import AlertService
from services.clock import Clock
from services.kernel.uow import finished
from services.outbox import OutboxDispatcher
from services.quotes import QuoteService
from storage.outbox import SqlOutboxRepository
from storage.uow import Database

if TYPE_CHECKING:
    from bot.container import App

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 2.0
BATCH = 50
STALL_AFTER = timedelta(seconds=60)


def _started(pid: int) -> str | None:
    """When the process started (clock ticks since boot, from /proc), or None when there is
    no such process; "" where /proc is not available."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    # The command name may hold spaces and parentheses: fields follow the last ")".
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else ""


def worker_id() -> str:
    """"<host>:<pid>.<start>:<random>": unique per running sender, and telling which
    process it is - a pid alone is reused (a container's bot is often pid 1 every time)."""
    pid = os.getpid()
    return f"{socket.gethostname()[:30]}:{pid}.{_started(pid) or 0}:{secrets.token_hex(3)}"


def dead_local_worker(worker: str) -> bool:
    """A sender of a process on this host that no longer runs (killed, crashed), even when
    its pid now belongs to another process (or to this one, after a restart)."""
    try:
        host, process, _token = worker.rsplit(":", 2)
        pid_text, _, start = process.partition(".")
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname()[:30]:
        return False
    now = _started(pid)
    if now is None:  # no such process
        return True
    if now == "" or not start or start == "0":  # cannot tell: only a missing pid is dead
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return now != start


async def drain_forever(jobs: SchedulerJobs, wake: asyncio.Event,
                        every: float = DRAIN_SECONDS) -> None:
    """The outbox sender: drains when a transaction that queued messages commits (`wake`),
    and at least every `every` seconds (other processes' messages, retries coming due).
    First, claims of this host's dead processes are released (a restart resumes at once)."""
    mark_outbox_sender()
    try:
        released = await jobs.dispatcher.release_dead(dead_local_worker)
        if released:
            logger.info("outbox: %d claim(s) of stopped processes released", released)
    except Exception:
        logger.exception("outbox: releasing stale claims failed")
    while True:
        wake.clear()
        try:
            await jobs.drain()
        except Exception:  # one failing pass must not stop the sender
            logger.exception("outbox drain failed")
        if wake.is_set():
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), every)


def build_dispatcher(
    db: Database,
    sender: OutboxSender,
    clock: Clock,
    batch: int = BATCH,
    lease: timedelta = timedelta(minutes=2),
) -> OutboxDispatcher:
    repo = SqlOutboxRepository(db)
    return OutboxDispatcher(
        lambda: repo, sender, clock, worker_id(), batch=batch, lease=lease, on_dead=sender.on_dead
    )


@dataclass
class SchedulerJobs:
    alerts: AlertService
    dispatcher: OutboxDispatcher
    clock: Clock
    bot: Bot
    i18n: I18n
    batch: int = BATCH
    quotes: QuoteService | None = None

    async def drain(self) -> int:
        """Sends everything due now; returns how many rows were handled."""
        handled = 0
        while True:
            n = await self.dispatcher.run_once()
            handled += n
            if n < self.batch:
                break
        self.alerts.last_drain_at = self.clock.now()
        return handled

    async def replan(self) -> int:
        return await self.alerts.replan_open_invoices()

    async def enqueue_alerts(self) -> int:
        return await self.alerts.enqueue_alerts()

    async def expire_quotes(self) -> int:
        return 0 if self.quotes is None else await self.quotes.expire_due()

    async def watchdog(self) -> int:
        now = self.clock.now()
        admins = await self.alerts.stalled(now, STALL_AFTER)
        since = self.alerts.last_drain_at
        told = 0
        for admin in admins:
            locale = (admin.language if admin.language in self.i18n.available_locales
                      else self.i18n.default_locale)
            with self.i18n.context(), self.i18n.use_locale(locale):
                text = stalled_text(since, self.alerts.reader_zone(admin.timezone))
            try:
                # Directly, not through the outbox: it is the outbox that is stuck.
                with exempt():
                    await self.bot.send_message(admin.telegram_id, text)
                told += 1
            except TelegramAPIError:
                logger.warning("could not alert admin %s", admin.id, exc_info=True)
        return told


def build_jobs(app: App) -> SchedulerJobs:
    settings = app.settings
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    sender = OutboxSender(
        app.bot,
        app.services.alerts,
        app.i18n,
        app.clock,
        mail=smtp_mail(settings, password),
        mail_from=settings.smtp_from,
        delivery=app.services.delivery,
        mail_service=app.services.mail,
    )
    dispatcher = build_dispatcher(app.db, sender, app.clock,
                                  lease=timedelta(seconds=settings.outbox_lease_seconds))
    return SchedulerJobs(
        app.services.alerts, dispatcher, app.clock, app.bot, app.i18n, quotes=app.services.quotes
    )


def start_outbox_sender(app: App, every: float = DRAIN_SECONDS) -> None:
    """The outbox sender as a task of the app (cancelled when the app closes), woken by every
    commit that queued messages: started whenever the app runs, scheduler or not."""
    wake = asyncio.Event()
    app.db.on_outbox = wake.set
    app.background.append(asyncio.create_task(drain_forever(build_jobs(app), wake, every)))


class Scheduler(AsyncIOScheduler):
    """APScheduler's, with jobs that a failure does not stop and a stop does not cut off: its
    shutdown cancels the jobs running, and one cut off inside a transaction leaves its
    connection to nobody (on SQLite with the write lock held, which the next process on the
    file then waits for in vain)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.running_jobs: set[asyncio.Task[Any]] = set()

    def every(self, name: str, work: Callable[[], Awaitable[object]], **interval: float
              ) -> None:
        """`work` every `interval` (seconds=, minutes=)."""
        self.add_job(self._guarded, "interval", id=name, args=(name, work), **interval)

    async def _guarded(self, name: str, work: Callable[[], Awaitable[object]]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.running_jobs.add(task)
        try:
            await finished(work())
        except Exception:  # one failing run must not stop the next
            logger.exception("scheduler job %s failed", name)
        finally:
            if task is not None:
                self.running_jobs.discard(task)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stops, letting each job running end its work (up to `timeout` in all)."""
        jobs = {t for t in self.running_jobs if not t.done()}
        self.shutdown(wait=False)  # cancels them; each lets its unit of work end (`finished`)
        if jobs:
            await asyncio.wait(jobs, timeout=timeout)


def create_scheduler(app: App) -> Scheduler:
    scheduler = Scheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    jobs = build_jobs(app)

    async def heartbeat() -> None:
        logger.debug("scheduler alive at %s", app.clock.now().isoformat())

    scheduler.every("heartbeat", heartbeat, seconds=60)
    scheduler.every("replan", jobs.replan, minutes=5)
    scheduler.every("alerts", jobs.enqueue_alerts, minutes=1)
    scheduler.every("quotes", jobs.expire_quotes, minutes=5)
    scheduler.every("watchdog", jobs.watchdog, seconds=15)
    return scheduler
