"""`dealchat` command line: run, migrate, demo, admin add, backup."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import ConfigError, Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return load_settings(**overrides)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    settings.require_token()
    from bot.app import run_polling, run_webhook

    asyncio.run(run_webhook(settings) if args.webhook else run_polling(settings))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from storage.migrate import downgrade, upgrade

    settings = _settings(args)
    if args.down:
        asyncio.run(downgrade(settings.database_url, args.down))
    else:
        asyncio.run(upgrade(settings.database_url, args.revision))
    print("database is at", args.down or args.revision)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    out = Path(args.out)
    transcript = asyncio.run(run_demo(out))
    print(f"demo transcript: {transcript}")
    return 0


def cmd_admin_add(args: argparse.Namespace) -> int:
    from services.clock import SystemClock
    from storage.db import create_engine
    from storage.migrate import upgrade
    from storage.uow import Database

    settings = _settings(args)

    async def main() -> None:
        from services.access import AccessService

        await upgrade(settings.database_url)
        db = Database(create_engine(settings.database_url))
        try:
            access = AccessService(db.factory, SystemClock(), settings.default_timezone)
            await access.ensure_admins([args.telegram_id])
        finally:
            await db.dispose()

    asyncio.run(main())
    print(f"{args.telegram_id} is an admin")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    settings = _settings(args)
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        print("PostgreSQL: use pg_dump, for example:\n"
              f"  pg_dump --format=custom --file={args.path} "
              f"'postgresql://{url.username or ''}@{url.host or 'localhost'}:{url.port or 5432}"
              f"/{url.database}'")
        return 0
    source = Path(url.database or "")
    if not source.exists():
        raise ConfigError(f"DATABASE_URL: {source} does not exist")
    target = Path(args.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # SQLite's online backup API copies a consistent snapshot while the bot keeps writing.
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    print(f"backup written to {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dealchat", description=(
        "Dealchat: a sales CRM that lives in Telegram. Settings come from the environment "
        "or .env (BOT_TOKEN, DATABASE_URL, TELEGRAM_API_URL, ADMIN_IDS, ...)."))
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true",
                     help="serve the webhook (WEBHOOK_URL, WEBHOOK_SECRET, WEB_HOST/PORT)")
    run.set_defaults(func=cmd_run)

    mig = sub.add_parser("migrate", help="upgrade the database schema (Alembic)")
    mig.add_argument("revision", nargs="?", default="head")
    mig.add_argument("--down", metavar="REV", help="downgrade to REV instead")
    mig.add_argument("--database-url", help="override DATABASE_URL")
    mig.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="offline demo against the local Bot API sandbox")
    demo.add_argument("--out", default="demo-out", help="where to write the transcript")
    demo.set_defaults(func=cmd_demo)

    admin = sub.add_parser("admin", help="manage admins")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    add = admin_sub.add_parser("add", help="make a Telegram user an admin")
    add.add_argument("telegram_id", type=int)
    add.add_argument("--database-url", help="override DATABASE_URL")
    add.set_defaults(func=cmd_admin_add)

    backup = sub.add_parser("backup", help="copy the SQLite database safely while it runs")
    backup.add_argument("path")
    backup.add_argument("--database-url", help="override DATABASE_URL")
    backup.set_defaults(func=cmd_backup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = args.log_level or "INFO"
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
