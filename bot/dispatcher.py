"""create_dispatcher: the routers and middlewares around ready-made services."""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher, Router
from aiogram.filters import Command
from aiogram.fsm.storage.base import BaseStorage
from aiogram.utils.i18n import I18n

from bot.charts import funnel_chart
from bot.i18n import ActorI18nMiddleware
from bot.origin import AnsweringMiddleware
from bot.report_render import ReportRenderer
from bot.update_context import UpdateContextMiddleware
from handlers import admin, clients, common, fallback
from handlers import business as business_handlers
from handlers import card_payments as card_payment_handlers
from handlers import catalog as catalog_handlers
from handlers import companies as company_handlers
from handlers import contracts as contract_handlers
from handlers import customer as customer_handlers
from handlers import deals as deal_handlers
from handlers import delivery as delivery_handlers
from handlers import exports as export_handlers
from handlers import files as file_handlers
from handlers import funnel as funnel_handlers
from handlers import invoices as invoice_handlers
from handlers import leads as lead_handlers
from handlers import mail as mail_handlers
from handlers import manual_payments as manual_payment_handlers
from handlers import organizations as organization_handlers
from handlers import payments as payment_handlers
from handlers import printing as printing_handlers
from handlers import quotes as quote_handlers
from handlers import receivables as receivable_handlers
from handlers import reminders as reminder_handlers
from handlers import reports as report_handlers
from handlers import reports_push as report_push_handlers
from handlers import search as search_handlers
from handlers import shipments as shipment_handlers
from handlers import tasks as task_handlers
from handlers.filters import is_command_text
from services.access import AccessService


def create_dispatcher(*, access: AccessService, storage: BaseStorage, i18n: I18n,
                      report_renderer: ReportRenderer | None = None,
                      **services: Any) -> Dispatcher:
    """`services` become handler arguments by name (clients=ClientService, ...).
    `report_renderer` draws the reports' charts and XLSX: the bot passes one on its CPU pool."""
    # aiogram's FSM middleware (which reads the state) is not registered by the Dispatcher
    # ahead of ours: UpdateContextMiddleware reads the state under the user's lock (two quick
    # updates of one user: the second sees the state the first left), inside the storage's
    # batch, then who is acting and their language: one layer on every update's path.
    dp = Dispatcher(storage=storage, disable_fsm=True, access=access,
                    funnel_chart=funnel_chart,
                    report_renderer=report_renderer or ReportRenderer(), **services)
    language = ActorI18nMiddleware(i18n)
    dp.update.outer_middleware(UpdateContextMiddleware(access, dp.fsm, language))
    # The error answer: same chat, the reader's language (the update's context is gone).
    dp.errors.outer_middleware(AnsweringMiddleware())
    dp.errors.outer_middleware(language)
    dp.include_routers(
        # /start inv_<token> lets a stranger in as a customer: before the common /start.
        customer_handlers.create_start_router(),
        common.create_router(),
        admin.create_router(),
        clients.create_router(),
        lead_handlers.create_router(),
        # Telegram Business: the manager's own chats (its updates, /business, its buttons).
        business_handlers.create_router(),
        mail_handlers.create_router(),
        deal_handlers.create_router(),
        task_handlers.create_router(),
        funnel_handlers.create_router(),
        invoice_handlers.create_router(),
        quote_handlers.create_router(),
        catalog_handlers.create_router(),
        organization_handlers.create_router(),
        search_handlers.create_router(),
        company_handlers.create_router(),
        delivery_handlers.create_router(),
        reminder_handlers.create_router(),
        report_push_handlers.create_router(),
        contract_handlers.create_router(),
        shipment_handlers.create_router(),
        receivable_handlers.create_router(),
        export_handlers.create_router(),
        report_handlers.create_router(),
        manual_payment_handlers.create_router(),
        printing_handlers.create_router(),
        # Files sent to a card (its attach step, or a reply to it): before the statement
        # import below takes a document outside any flow.
        file_handlers.create_router(),
        # Documents and photos outside any flow: a bank statement (after the flows above). It
        # owns the payment push's buttons (PayCb), its Ship and Issue act too.
        payment_handlers.create_router(),
        # Card payments in Telegram: the pre-checkout answer and the successful payment (the
        # customer router owns the Pay button and starts the payment).
        card_payment_handlers.create_router(),
        # The customer's buttons and texts, and their refusal of the team's commands.
        customer_handlers.create_router(),
        fallback.create_router(),
    )
    for router in dp.chain_tail:
        _commands_only(router)
    return dp


def _commands_only(router: Router) -> None:
    """A router whose message handlers all need a "/" command gets one cheap root check of
    the text first: a message that is no command skips the router without each `Command`
    splitting the text (what matches, and in which order, is unchanged)."""
    handlers = router.message.handlers
    if router.sub_routers or not handlers:
        return
    if all(any(isinstance(f.callback, Command) and f.callback.prefix == "/"
               for f in h.filters or ()) for h in handlers):
        router.message.filter(is_command_text)
