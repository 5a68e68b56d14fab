"""APScheduler 3.11 as a clock only: in-memory jobs that look at our own tables.
What must be sent lives in the outbox table (its own transactions), never in a job store, so
a job missed during a restart loses nothing: the next run finds the same rows.

Jobs (each takes `now` from the app's Clock, so tests call them directly with a FrozenClock):
* drain (every 2 s): `OutboxDispatcher.run_once()` until a batch comes back short;
* replan (every 5 min): open invoices' ladders planned again (idempotent keys);
* alerts (every minute): morning digests, overdue invoices, installments, contracts,
  tasks, meetings;
* watchdog (every 15 s): admins are told directly (not through the stuck outbox) when the
  drain has not run for more than 60 s.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.outbox_sender import OutboxSender, smtp_mail
from handlers.reminders import lang_of
from services.alerts import AlertService
from services.clock import Clock
from services.outbox import OutboxDispatcher
from storage.outbox import SqlOutboxRepository
from storage.uow import Database

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 2.0
BATCH = 50
STALL_AFTER = timedelta(seconds=60)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


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

    async def watchdog(self) -> int:
        now = self.clock.now()
        admins = await self.alerts.stalled(now, STALL_AFTER)
        since = self.alerts.last_drain_at
        told = 0
        for admin in admins:
            with self.i18n.context(), self.i18n.use_locale(lang_of(admin.language)):
                text = _(
                    "Alert: messages are not being sent: the sending job last ran {since}."
                ).format(since=since.strftime("%d.%m.%Y %H:%M:%S UTC") if since else _("never"))
            try:
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
    )
    dispatcher = build_dispatcher(app.db, sender, app.clock)
    return SchedulerJobs(app.services.alerts, dispatcher, app.clock, app.bot, app.i18n)


def create_scheduler(app: App, drain_seconds: float = DRAIN_SECONDS) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    jobs = build_jobs(app)

    async def heartbeat() -> None:
        logger.debug("scheduler alive at %s", app.clock.now().isoformat())

    async def guarded(name: str, job: SchedulerJobs) -> None:
        try:
            await getattr(job, name)()
        except Exception:  # one failing run must not stop the next
            logger.exception("scheduler job %s failed", name)

    scheduler.add_job(heartbeat, "interval", seconds=60, id="heartbeat")
    scheduler.add_job(guarded, "interval", seconds=drain_seconds, id="drain", args=("drain", jobs))
    scheduler.add_job(guarded, "interval", minutes=5, id="replan", args=("replan", jobs))
    scheduler.add_job(guarded, "interval", minutes=1, id="alerts", args=("enqueue_alerts", jobs))
    scheduler.add_job(guarded, "interval", seconds=15, id="watchdog", args=("watchdog", jobs))
    return scheduler
