"""`dealchat` command line: run, migrate, demo, admin add, import-statement, einvoice,
backup."""

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

    # A long-lived process: freeze what start-up built out of the garbage collector's way.
    if args.webhook:
        asyncio.run(run_webhook(settings, freeze_gc=True))
    else:
        asyncio.run(run_polling(settings, freeze_gc=True))
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
            access = AccessService(db.uow, SystemClock(), settings.default_timezone)
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


def cmd_import_statement(args: argparse.Namespace) -> int:
    """Imports a bank statement file the way a document sent to the bot does and prints the
    summary (plain English, like the other commands; aiogram is imported only to send the
    pushes, when BOT_TOKEN is set: it alone takes seconds to import)."""
    settings = _settings(args)
    path = Path(args.file)
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2

    async def main() -> int:
        from services.access import AccessService
        from services.alerts import AlertConfig
        from services.clock import SystemClock
        from services.deals import DealService
        from services.errors import DomainError
        from services.payments import PaymentService
        from services.pipelines import PipelineConfigError, load_pipelines
        from services.settlement import Settlement
        from services.statements import StatementError
        from storage.db import create_engine
        from storage.deals import sync_pipelines
        from storage.migrate import upgrade
        from storage.uow import Database

        try:  # not bot.app's helper: importing bot.app pulls in aiogram and WeasyPrint
            pipelines = load_pipelines(Path(settings.pipelines_file))
        except PipelineConfigError as exc:
            raise ConfigError(f"PIPELINES_FILE: {exc}") from None
        await upgrade(settings.database_url)
        db = Database(create_engine(settings.database_url))
        try:
            async with db.uow() as uow:
                await sync_pipelines(uow.session, pipelines)
                await uow.commit()
            clock = SystemClock()
            actor = None
            if args.as_id is not None:
                access = AccessService(db.uow, clock, settings.default_timezone)
                actor = await access.identify(args.as_id)
                if actor is None or not actor.is_staff:
                    print(f"--as {args.as_id}: not an active staff member", file=sys.stderr)
                    return 2
            deals = DealService(db.uow, clock, pipelines, settings.default_currency)
            service = PaymentService(
                db.uow, clock, deals, settings.default_timezone,
                settlement=Settlement(deals, AlertConfig(
                    default_timezone=settings.default_timezone)),
                team_chat_id=settings.team_chat_id)
            try:
                report = await service.import_statement(actor, path.read_bytes(), path.name)
            except StatementError as err:
                where = f"line {err.line}: " if err.line is not None else ""
                print(f"not imported: {where}{err.code} ({err.detail}); nothing was saved",
                      file=sys.stderr)
                return 1
            except DomainError as err:
                print(f"not imported: {err}; nothing was saved", file=sys.stderr)
                return 1
            balances = "; ".join(
                f"account {b.account}: balances in {b.balance_currency}, payments in "
                f"{b.currency}, not checked" if b.kind == "currency" else
                f"balance mismatch: account {b.account}: {b.kind} stated {b.expected}, "
                f"computed {b.actual}"
                for b in report.balances) or "balances OK"
            print(f"Statement: {report.incoming} incoming, {report.new} new ({report.already} "
                  f"already imported), {report.auto} matched automatically, {report.review} "
                  f"need a decision, {report.unmatched} unmatched; {balances}")
            if report.events:
                # In the outbox, committed with the payments: the running bot sends them.
                print(f"notifications queued: {len(report.events)}")
            return 0
        finally:
            await db.dispose()

    return asyncio.run(main())


def cmd_einvoice(args: argparse.Namespace) -> int:
    """`einvoice --validate FILE`: the XSD and, for UBL, the CIUS-RO schematron (e-Factura);
    for CII the CII D16B and Factur-X EN16931 schemas. Exit 0 valid, 1 invalid, 2 unreadable
    file or missing rules folder.

    `einvoice NUMBER --out FILE`: the e-Factura (UBL Invoice, or CreditNote) of the issued
    invoice or credit note numbered NUMBER, stored like the one the bot sends, written to
    FILE. A refusal prints why (the missing field, a buyer outside Romania) and exits 1; no
    such number exits 2."""
    if args.validate:
        if args.number or args.out:
            print("--validate takes a FILE alone", file=sys.stderr)
            return 2
        return _einvoice_validate(Path(args.validate))
    if not args.number or not args.out:
        print("give an invoice or credit note NUMBER and --out FILE (or --validate FILE)",
              file=sys.stderr)
        return 2
    return _einvoice_write(_settings(args), args.number, Path(args.out))


def _einvoice_write(settings: Settings, number: str, out: Path) -> int:
    from bot.i18n import create_i18n
    from bot.images import PoolImageTools
    from bot.pdf import PdfRenderer
    from handlers.texts import error_text
    from services.clock import SystemClock
    from services.delivery import DeliveryService
    from services.errors import DomainError, NotFound
    from services.invoices import InvoiceService
    from services.quotes import QuoteService
    from storage.db import create_engine
    from storage.migrate import upgrade
    from storage.uow import Database

    async def main() -> int:
        await upgrade(settings.database_url)  # as the other commands: a fresh file works
        db = Database(create_engine(settings.database_url))
        clock = SystemClock()
        invoices = InvoiceService(db.uow, clock, settings.default_timezone,
                                  settings.payment_terms_days)
        renderer = PdfRenderer(1)  # never started: an e-Factura renders nothing
        delivery = DeliveryService(db.uow, clock, invoices,
                                   QuoteService(db.uow, clock, invoices,
                                                settings.default_timezone),
                                   renderer, PoolImageTools(renderer))
        try:
            xml = await delivery.efactura_by_number(number)
        except NotFound:
            print(f"{number}: no issued invoice or credit note has this number",
                  file=sys.stderr)
            return 2
        except DomainError as err:
            i18n = create_i18n("en")  # the refusal as the bot words it, in English
            with i18n.context(), i18n.use_locale("en"):
                print(f"{number}: no e-Factura. {error_text(err)}", file=sys.stderr)
            return 1
        finally:
            await db.dispose()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(xml.content)
        kind = "CreditNote" if xml.header.kind == "credit_note" else "Invoice"
        print(f"{out}: e-Factura ({kind}) of {xml.header.number_text}, {len(xml.content)} "
              f"bytes, sha256 {xml.sha256}")
        return 0

    return asyncio.run(main())


def _einvoice_validate(path: Path) -> int:
    from bot.einvoice.check import EInvoiceValidator, RulesMissing, rules_dir

    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    validator = EInvoiceValidator(rules_dir())
    try:
        report = validator.validate(path.read_bytes())
    except RulesMissing as exc:
        print(f"cannot validate: {exc}", file=sys.stderr)
        return 2
    for finding in report.errors:
        print(f"{finding.rule_id} [{finding.flag}] {finding.text}"
              + (f" (at {finding.location})" if finding.location else ""))
    for finding in report.warnings:
        print(f"warning {finding.rule_id}: {finding.text}")
    if report.errors:
        print(f"{path}: invalid ({report.kind}): {len(report.errors)} error(s), "
              f"{len(report.warnings)} warning(s)")
        return 1
    print(f"{path}: valid ({report.kind}), {len(report.warnings)} warning(s)")
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

    imp = sub.add_parser("import-statement",
                         help="import a bank statement file (1C, camt.053, MT940)")
    imp.add_argument("file")
    imp.add_argument("--as", dest="as_id", type=int, metavar="TELEGRAM_ID",
                     help="import as this staff member (default: the system)")
    imp.add_argument("--database-url", help="override DATABASE_URL")
    imp.set_defaults(func=cmd_import_statement)

    einv = sub.add_parser("einvoice", help="e-invoices: write the e-Factura of an issued "
                          "invoice or credit note (NUMBER --out FILE), or check an e-Factura "
                          "(UBL) or Factur-X (CII) XML against the official rules "
                          "(--validate FILE, EFACTURA_RULES_DIR)")
    # One action per call: NUMBER --out FILE, or --validate FILE (cmd_einvoice checks).
    einv.add_argument("number", nargs="?", metavar="NUMBER",
                      help="the invoice's or credit note's number, e.g. DMO-2026-00001")
    einv.add_argument("--out", metavar="FILE", help="where to write the e-Factura XML")
    einv.add_argument("--validate", metavar="FILE",
                      help="validate FILE: print each failed rule's id and text; exit 1 "
                           "when invalid")
    einv.add_argument("--database-url", help="override DATABASE_URL")
    einv.set_defaults(func=cmd_einvoice)

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
    if level != "DEBUG":
        # Chatty libraries: WeasyPrint logs every rendering step, Alembic every plugin.
        for name in ("weasyprint", "fontTools", "alembic"):
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
