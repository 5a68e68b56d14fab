"""Claims of a stopped process are taken back at start-up: a sender's id tells its host, pid
and the process's start time, so a reused pid (a container's bot is pid 1 every time) is
still seen as another, dead process."""

from __future__ import annotations

import subprocess
import sys

from bot.scheduler import _started, dead_local_worker, worker_id


def test_a_live_process_is_alive_a_killed_or_reused_pid_is_dead() -> None:
    mine = worker_id()
    host = mine.split(":")[0]
    assert not dead_local_worker(mine)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        start = _started(child.pid)
        assert start
        assert not dead_local_worker(f"{host}:{child.pid}.{start}:abc123")
        # The same pid with another start time is another process: the old one is gone.
        assert dead_local_worker(f"{host}:{child.pid}.{int(start) - 1}:abc123")
    finally:
        child.kill()
        child.wait()
    assert dead_local_worker(f"{host}:{child.pid}.{start}:abc123")


def test_other_hosts_and_unreadable_ids_are_left_alone() -> None:
    assert not dead_local_worker("another-host:1.1:abc123")
    assert not dead_local_worker("garbage")
    assert not dead_local_worker("vm:notapid.1:abc")
