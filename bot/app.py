"""The composition root: settings in, a running bot out. The only place that builds concrete
objects; tests build the same graph against a test database and the sandbox."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from aiogram.fsm.storage.base import BaseStorage

from bot.container import App, Services
from bot.cpu_pool import pool_runner
from bot.dispatcher import create_dispatcher
from bot.exports import FileExportWriter
from bot.i18n import create_i18n
from bot.images import PoolImageTools
from bot.mailer import SmtpMailer
from bot.origin import OriginGuard
from bot.pdf import PdfRenderer
from bot.report_render import ReportRenderer
from bot.scheduler import create_scheduler, start_outbox_sender
from bot.settings import ConfigError, Settings
from bot.telegram import RateLimiter, create_bot
from handlers.menu import set_default_commands
from services.access import AccessService
from services.alert_actions import AlertActionService
from services.alerts import AlertConfig, AlertService
from services.business import BusinessService
from services.card_payments import CardPaymentService
from services.catalog import CatalogService
from services.clients import ClientService
from services.clock import Clock, SystemClock
from services.companies import CompanyService
from services.contracts import ContractService
from services.credit_notes import CreditNoteService
from services.customers import CustomerService
from services.deals import DealService
from services.delivery import DeliveryService, DeliverySettings
from services.exports import ExportService
from services.files import FileService
from services.funnel import FunnelService
from services.interactions import InteractionService
from services.invoices import InvoiceService
from services.leads import LeadService, LeadSettings
from services.mail import MailService, MailSettings
from services.organizations import OrganizationService
from services.payments import PaymentService
from services.payments.digest import ReviewsForDigest
from services.pipelines import (
    PipelineConfig,
    PipelineConfigError,
    load_lost_reasons,
    load_pipelines,
)
from services.quotes import QuoteService
from services.receivables import ReceivableService
from services.reports.pushes import ReportPushFigures
from services.reports.service import ReportService
from services.search import SearchService
from services.settlement import Settlement
from services.shipments import ShipmentService
from services.tasks import TaskService
from storage.db import create_engine
from storage.deals import sync_pipelines
from storage.fsm import RedisFsmStorage, SqlFsmStorage
from storage.migrate import one_at_a_time, upgrade
from storage.uow import Database

if TYPE_CHECKING:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

logger = logging.getLogger(__name__)

__all__ = ["App", "Services", "build_services", "open_app", "run_polling", "run_webhook"]


def load_pipeline_config(settings: Settings) -> tuple[PipelineConfig, ...]:
    try:
        return load_pipelines(Path(settings.pipelines_file))
    except PipelineConfigError as exc:
        raise ConfigError(f"PIPELINES_FILE: {exc}") from None


def identity_ttl(settings: Settings) -> float:
    if settings.identity_cache_seconds is not None:
        return settings.identity_cache_seconds
    return 300.0 if settings.database_url.startswith("sqlite") else 0.0


def build_services(db: Database, settings: Settings, clock: Clock,
                   pipelines: tuple[PipelineConfig, ...],
                   renderer: PdfRenderer | None = None) -> Services:
    lost_reasons = load_lost_reasons(Path(settings.pipelines_file))
    deals = DealService(db.uow, clock, pipelines, settings.default_currency, lost_reasons,
                        settings.default_timezone)
    # An issued invoice moves its deal (pipelines.toml: on_invoice_issued).
    invoices = InvoiceService(db.uow, clock, settings.default_timezone,
                              settings.payment_terms_days, deals=deals)
    services = Services(
        access=AccessService(db.uow, clock, settings.default_timezone,
                             identity_ttl=identity_ttl(settings)),
        clients=ClientService(db.uow, clock, settings.default_region),
        search=SearchService(db.uow, settings.default_region),
        companies=CompanyService(db.uow, clock, settings.default_region),
        deals=deals,
        tasks=TaskService(db.uow, clock, settings.default_timezone),
        interactions=InteractionService(db.uow, clock),
        funnel=FunnelService(db.uow, clock, pipelines, settings.default_timezone),
        organizations=OrganizationService(db.uow, clock, settings.payment_terms_days),
        catalog=CatalogService(db.uow, clock),
        invoices=invoices,
        quotes=QuoteService(db.uow, clock, invoices, settings.default_timezone),
        leads=LeadService(
            db.uow, clock,
            deals,
            LeadSettings(sources=tuple(settings.lead_sources),
                         required=frozenset(settings.lead_required_fields),
                         default_region=settings.default_region,
                         assignment=settings.lead_assignment)),
    )
    renderer = renderer or PdfRenderer(settings.pdf_workers)
    services.delivery = DeliveryService(
        db.uow, clock, services.invoices, services.quotes, renderer,
        PoolImageTools(renderer), create_mailer(settings),
        DeliverySettings(settings.link_days, settings.public_base_url))
    services.customers = CustomerService(db.uow, clock, services.delivery,
                                         services.quotes, services.access)
    alert_config = AlertConfig(default_timezone=settings.default_timezone)
    settlement = Settlement(services.deals, alert_config)
    services.payments = PaymentService(db.uow, clock, services.deals,
                                       settings.default_timezone,
                                       run_cpu=pool_runner(renderer), settlement=settlement,
                                       team_chat_id=settings.team_chat_id)
    services.alerts = AlertService(db.uow, clock, alert_config)
    services.tasks.meetings = services.alerts  # a meeting's client reminders, planned at once
    services.contracts = ContractService(db.uow, clock, services.deals)
    services.alert_actions = AlertActionService(services.alerts, services.tasks,
                                                services.contracts, clock)
    services.card_payments = CardPaymentService(
        db.uow, clock, services.customers, services.deals, card_secret(settings),
        settlement, team_chat_id=settings.team_chat_id)
    services.shipments = ShipmentService(db.uow, clock,
                                         services.deals, settings.default_timezone)
    services.receivables = ReceivableService(db.uow, clock,
                                             settings.default_timezone)
    services.exports = ExportService(db.uow, clock,
                                     FileExportWriter(), settings.default_timezone)
    services.files = FileService(db.uow, clock)
    services.credit_notes = CreditNoteService(db.uow, clock, settings.default_timezone)
    services.reports = ReportService(
        db.uow, clock, timezone=settings.default_timezone,
        pipeline=next((p.code for p in pipelines if p.default), pipelines[0].code),
        stuck_days=settings.report_stuck_days, plan_basis=settings.report_plan_basis,
        lost_codes=[r.code for r in lost_reasons])
    services.alerts.reports = ReportPushFigures(services.reports)  # the report pushes
    services.alerts.payments = ReviewsForDigest(services.payments)  # the digest's reviews
    services.business = BusinessService(db.uow, clock, services.leads)
    services.mail = MailService(
        db.uow, clock, services.leads, services.tasks, services.delivery,
        MailSettings(since=settings.imap_since, max_bytes=int(settings.imap_max_mb * 2**20),
                     sender=settings.smtp_from, region=settings.default_region,
                     failures_before_alert=settings.imap_alert_after))
    return services


def card_secret(settings: Settings) -> bytes:
    """The key that signs Telegram invoice payloads (derived: nothing new to configure)."""
    seed = settings.bot_token.get_secret_value() if settings.bot_token else "dealchat"
    return hashlib.sha256(b"dealchat-card-payload:" + seed.encode()).digest()


def create_mailer(settings: Settings) -> SmtpMailer | None:
    """None (e-mail refused with a clear answer) until SMTP_HOST is set."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(settings.smtp_host, settings.smtp_port, sender=settings.smtp_from,
                      user=settings.smtp_user,
                      password=(settings.smtp_password.get_secret_value()
                                if settings.smtp_password else None),
                      starttls=settings.smtp_starttls)


def start_mailbox_watcher(app: App) -> None:
    """The company mailbox watched in the background when IMAP_HOST is set (by the process
    that sends the outbox: each message is processed once whichever process reads it)."""
    settings = app.settings
    if not settings.imap_host:
        return
    from bot.imap import ImapConfig, MailboxWatcher

    config = ImapConfig(
        host=settings.imap_host, port=settings.imap_port, user=settings.imap_user or "",
        password=(settings.imap_password.get_secret_value() if settings.imap_password
                  else ""),
        folder=settings.imap_folder, verify=settings.imap_tls_verify,
        ca_file=settings.imap_ca_file, poll_seconds=settings.imap_poll_seconds,
        batch=settings.imap_batch, max_bytes=int(settings.imap_max_mb * 2**20))
    app.background.append(asyncio.create_task(MailboxWatcher(config, app.services.mail).run()))


def create_fsm_storage(settings: Settings, db: Database) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder

        return RedisFsmStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(prefix=settings.redis_prefix))
    return SqlFsmStorage(db)


@asynccontextmanager
async def open_app(settings: Settings, *, clock: Clock | None = None,
                   migrate: bool = True, limiter: RateLimiter | None = None,
                   freeze_gc: bool = False, outbox: bool = True) -> AsyncIterator[App]:
    """Builds everything, migrates the database, bootstraps admins, starts the outbox sender
    (`outbox`); closes it all after."""
    token = settings.require_token()
    pipelines = load_pipeline_config(settings)
    if migrate:
        await upgrade(settings.database_url)
    db = Database(create_engine(settings.database_url))
    # Two processes starting together on a new database would both insert the pipelines.
    async with one_at_a_time(db.engine), db.uow() as uow:
        await sync_pipelines(uow.session, pipelines)
        await uow.commit()
    clock = clock or SystemClock()
    # PDFs render in a pool of spawned worker processes, warmed in the background so the
    # bot answers at once and the first invoice is not the slow one.
    renderer = PdfRenderer(settings.pdf_workers)
    services = build_services(db, settings, clock, pipelines, renderer)
    i18n = create_i18n(settings.default_language)
    storage = create_fsm_storage(settings, db)
    limiter = limiter or RateLimiter(settings.telegram_rate, settings.telegram_chat_rate,
                                     settings.telegram_chat_burst)
    bot = create_bot(token, settings.telegram_api_url, limiter=limiter)
    # What the bot sends on its own must leave through the outbox (bot/origin.py).
    bot.session.middleware(OriginGuard(strict=settings.strict_outbox))
    dp = create_dispatcher(access=services.access, storage=storage, i18n=i18n,
                           settings=settings,
                           report_renderer=ReportRenderer(pool_runner(renderer)),
                           **services.as_kwargs())
    app = App(settings, db, services, i18n, storage, bot, dp, clock)
    if settings.pdf_warmup:
        app.background.append(asyncio.create_task(renderer.start()))
    if outbox:
        start_outbox_sender(app)
        start_mailbox_watcher(app)
    try:
        if settings.admin_ids:
            # Two processes starting together would both insert a new admin's row.
            async with one_at_a_time(db.engine):
                await services.access.ensure_admins(settings.admin_ids)
        # Everything built so far lives as long as the process: moving it out of the
        # collector's generations shortens full collections (seen as 170-240 ms loop stalls
        # during a 10k-line statement import).
        if freeze_gc:
            gc.collect()
            gc.freeze()
        yield app
    finally:
        for task in app.background:
            task.cancel()
        if app.background:  # let them unwind before the session and the database close
            await asyncio.wait(app.background, timeout=5)
        await storage.close()
        await bot.session.close()
        await db.dispose()
        # Joining the workers blocks: off the loop (they may still be warming up).
        await asyncio.to_thread(renderer.close)


async def run_polling(settings: Settings, *, stop: asyncio.Event | None = None,
                      clock: Clock | None = None,
                      ready: asyncio.Future[App] | None = None,
                      freeze_gc: bool = False) -> None:
    """Long polling until `stop` is set (or forever), the way `dealchat run` works.
    `ready` (the demo) receives the running App once polling has begun."""
    from aiohttp import web

    from bot.web import create_web_app

    async with open_app(settings, clock=clock, freeze_gc=freeze_gc) as app:
        await app.bot.delete_webhook(drop_pending_updates=False)
        await set_default_commands(app.bot, app.i18n)
        # The web server (public document links, the website lead API) runs in polling mode
        # too; WEB_PORT=0 picks a free port, WEB_ENABLED=false turns it off.
        runner: web.AppRunner | None = None
        if settings.web_enabled:
            runner = web.AppRunner(create_web_app(app))
            await runner.setup()
            await web.TCPSite(runner, settings.web_host, settings.web_port).start()
        scheduler = create_scheduler(app)
        scheduler.start()
        app.scheduler = scheduler
        polling = asyncio.create_task(app.dp.start_polling(
            app.bot, handle_signals=stop is None, close_bot_session=False,
            polling_timeout=10))
        if ready is not None and not ready.done():
            ready.set_result(app)
        try:
            if stop is None:
                await polling
            else:
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if not polling.done():
                    await app.dp.stop_polling()
                await polling
        finally:
            await scheduler.stop()
            if runner is not None:
                await runner.cleanup()
            await finish_updates(app)


async def finish_updates(app: App, timeout: float = 10.0,
                         webhook: SimpleRequestHandler | None = None) -> None:
    """Lets updates already being handled finish before the bot's session and the database
    close: aiogram handles each update as a task that stopping the polling (or the webhook's
    server: it answered Telegram 200 at once) does not wait for, and an update cut off there
    is lost."""
    pending = {t for t in getattr(app.dp, "_handle_update_tasks", ()) if not t.done()}
    if webhook is not None:
        pending |= {t for t in getattr(webhook, "_background_feed_update_tasks", ())
                    if not t.done()}
    if pending:
        await asyncio.wait(pending, timeout=timeout)


async def run_webhook(settings: Settings, *, stop: asyncio.Event | None = None,
                      clock: Clock | None = None, port: int | None = None,
                      freeze_gc: bool = False) -> None:
    """`dealchat run --webhook`: aiogram's aiohttp webhook handler (the secret token header is
    checked) on the bot's web server, which also serves the other web routes."""
    from aiohttp import web

    from bot.web import create_web_app, mount_webhook, start_site

    if not settings.webhook_url:
        raise ConfigError("WEBHOOK_URL: required with --webhook (the public https URL)")
    if not settings.webhook_secret:
        raise ConfigError("WEBHOOK_SECRET: required with --webhook")
    async with open_app(settings, clock=clock, freeze_gc=freeze_gc) as app:
        web_app = create_web_app(app)
        webhook = mount_webhook(web_app, app)
        runner = web.AppRunner(web_app)
        await runner.setup()
        bound = await start_site(runner, settings.web_host,
                                 settings.web_port if port is None else port,
                                 reuse_port=settings.webhook_reuse_port)
        await set_default_commands(app.bot, app.i18n)
        # The update kinds the routers handle, Telegram Business's among them: named, since
        # Telegram otherwise keeps whatever list the webhook was last set with.
        await app.bot.set_webhook(settings.webhook_url.rstrip("/") + settings.webhook_path,
                                  secret_token=settings.webhook_secret.get_secret_value(),
                                  allowed_updates=app.dp.resolve_used_update_types())
        scheduler = create_scheduler(app)
        scheduler.start()
        logger.info("webhook server on %s:%s%s", settings.web_host, bound,
                    " (SO_REUSEPORT: shared with other bot processes)"
                    if settings.webhook_reuse_port else "")
        try:
            await (stop or asyncio.Event()).wait()
        finally:
            await scheduler.stop()
            await runner.cleanup()  # no new update comes in
            await finish_updates(app, webhook=webhook)
