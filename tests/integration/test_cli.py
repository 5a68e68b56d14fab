"""The `dealchat` command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def dealchat(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None
             ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("BOT_", "DATABASE_", "ADMIN_", "TELEGRAM_", "REDIS_"))}
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=base, cwd=cwd or ROOT, timeout=120)


@pytest.mark.parametrize(("env", "needle"), [
    ({}, "BOT_TOKEN is not set"),
    ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN: must look like"),
    ({"BOT_TOKEN": "123456:" + "a" * 35, "DATABASE_URL": "mysql://x"}, "DATABASE_URL:"),
    ({"BOT_TOKEN": "123456:" + "a" * 35, "DEFAULT_TIMEZONE": "Mars/Olympus"},
     "DEFAULT_TIMEZONE: unknown time zone"),
    ({"BOT_TOKEN": "123456:" + "a" * 35, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS:"),
])
def test_bad_configuration_is_one_clear_line(tmp_path: Path, env: dict[str, str],
                                             needle: str) -> None:
    result = dealchat("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_bad_pipeline_configuration_stops_start_up(tmp_path: Path) -> None:
    bad = tmp_path / "pipelines.toml"
    bad.write_text('[pipelines.sales]\nkind = "strict"\n[[pipelines.sales.stages]]\n'
                   'code = "new"\nrequired = ["colour"]\n', encoding="utf-8")
    result = dealchat("run", env={"BOT_TOKEN": "123456:" + "a" * 35,
                                  "PIPELINES_FILE": str(bad),
                                  "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"},
                      cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "PIPELINES_FILE" in lines[0] and "unknown field 'colour'" in lines[0]


@pytest.mark.parametrize("command", [[], ["run"], ["migrate"], ["demo"], ["admin", "add"],
                                     ["backup"]])
def test_help(command: list[str]) -> None:
    result = dealchat(*command, "--help")
    assert result.returncode == 0 and "usage: dealchat" in result.stdout


def test_migrate_admin_add_and_backup(tmp_path: Path) -> None:
    db = tmp_path / "data" / "crm.db"
    url = f"sqlite+aiosqlite:///{db}"
    assert dealchat("migrate", "--database-url", url).returncode == 0
    added = dealchat("admin", "add", "424242", "--database-url", url)
    assert added.returncode == 0 and "424242 is an admin" in added.stdout
    backup = tmp_path / "copy" / "backup.db"
    done = dealchat("backup", str(backup), "--database-url", url)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT role FROM users WHERE telegram_id = 424242").fetchone() == (
            "admin",)
    hint = dealchat("backup", "x.dump", "--database-url",
                    "postgresql+asyncpg://crm@db.local:5432/sales")
    assert "pg_dump" in hint.stdout and "sales" in hint.stdout
