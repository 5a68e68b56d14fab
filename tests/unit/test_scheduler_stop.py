"""The scheduler's stop: APScheduler's shutdown cancels the jobs running; ours lets a job's
work end first (one cut off inside a transaction would leave its connection, and SQLite's
write lock, to nobody), and a failing run does not stop the next."""

from __future__ import annotations

import asyncio

from bot.scheduler import Scheduler


async def test_a_stop_lets_the_running_job_end_its_work() -> None:
    inside, go_on = asyncio.Event(), asyncio.Event()
    ended: list[str] = []

    async def work() -> None:
        inside.set()
        await go_on.wait()
        ended.append("work")

    scheduler = Scheduler(timezone="UTC")
    scheduler.every("slow", work, seconds=0.05)
    scheduler.start()
    await asyncio.wait_for(inside.wait(), 10)
    stopping = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done() and ended == []  # waiting for the job, which was not cut off
    go_on.set()
    await asyncio.wait_for(stopping, 10)
    assert ended == ["work"] and not scheduler.running


async def test_a_failing_run_is_logged_and_the_next_one_comes() -> None:
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("the database is down")

    scheduler = Scheduler(timezone="UTC")
    scheduler.every("flaky", flaky, seconds=0.05)
    scheduler.start()
    for _ in range(200):
        if len(runs) >= 2:
            break
        await asyncio.sleep(0.02)
    await scheduler.stop()
    assert len(runs) >= 2
