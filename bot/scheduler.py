"""APScheduler 3.11 as a clock only: in-memory jobs that look at our own tables.
What must be sent lives in the outbox table (its own transactions), never in a job store."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)


def create_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})

    async def heartbeat() -> None:
        logger.debug("scheduler alive at %s", app.clock.now().isoformat())

    scheduler.add_job(heartbeat, "interval", seconds=60, id="heartbeat")
    return scheduler
