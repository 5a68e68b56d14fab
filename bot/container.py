"""What the composition root builds, as plain containers: the services and the running app.
Kept apart from `bot.app` (which builds them) so the parts that receive them - the scheduler,
the web server, the lead API - import these, not the builder: no import cycle."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.utils.i18n import I18n

from bot.settings import Settings
from services.access import AccessService
from services.alert_actions import AlertActionService
from services.alerts import AlertService
from services.business import BusinessService
from services.card_payments import CardPaymentService
from services.catalog import CatalogService
from services.clients import ClientService
from services.clock import Clock
from services.companies import CompanyService
from services.contracts import ContractService
from services.credit_notes import CreditNoteService
from services.customers import CustomerService
from services.deals import DealService
from services.delivery import DeliveryService
from services.exports import ExportService
from services.files import FileService
from services.funnel import FunnelService
from services.interactions import InteractionService
from services.invoices import InvoiceService
from services.leads import LeadService
from services.mail import MailService
from services.organizations import OrganizationService
from services.payments import PaymentService
from services.quotes import QuoteService
from services.receivables import ReceivableService
from services.reports.service import ReportService
from services.search import SearchService
from services.shipments import ShipmentService
from services.tasks import TaskService
from storage.uow import Database


@dataclass
class Services:
    access: AccessService
    clients: ClientService
    deals: DealService
    tasks: TaskService
    interactions: InteractionService
    funnel: FunnelService
    organizations: OrganizationService
    catalog: CatalogService
    invoices: InvoiceService
    quotes: QuoteService
    leads: LeadService
    search: SearchService
    companies: CompanyService
    # Documents to customers (set by build_services after the services they build on).
    delivery: DeliveryService = field(init=False)
    customers: CustomerService = field(init=False)
    payments: PaymentService = field(init=False)
    alerts: AlertService = field(init=False)
    contracts: ContractService = field(init=False)
    alert_actions: AlertActionService = field(init=False)
    card_payments: CardPaymentService = field(init=False)
    shipments: ShipmentService = field(init=False)
    receivables: ReceivableService = field(init=False)
    exports: ExportService = field(init=False)
    files: FileService = field(init=False)
    credit_notes: CreditNoteService = field(init=False)
    reports: ReportService = field(init=False)
    business: BusinessService = field(init=False)
    mail: MailService = field(init=False)

    def as_kwargs(self) -> dict[str, Any]:
        """Handler arguments by name (the access service is passed on its own)."""
        return {"clients": self.clients, "deals": self.deals, "tasks": self.tasks,
                "interactions": self.interactions, "funnel": self.funnel,
                "organizations": self.organizations, "catalog": self.catalog,
                "leads": self.leads,
                "invoices": self.invoices, "quotes": self.quotes,
                "search": self.search, "companies": self.companies,
                "delivery": self.delivery, "customers": self.customers,
                "payments": self.payments,
                "alerts": self.alerts, "contracts": self.contracts,
                "alert_actions": self.alert_actions,
                "card_payments": self.card_payments, "shipments": self.shipments,
                "receivables": self.receivables, "exports": self.exports,
                "files": self.files, "credit_notes": self.credit_notes,
                "reports": self.reports, "business": self.business, "mail": self.mail}


@dataclass
class App:
    settings: Settings
    db: Database
    services: Services
    i18n: I18n
    storage: BaseStorage
    bot: Bot
    dp: Dispatcher
    clock: Clock
    background: list[asyncio.Task[Any]] = field(default_factory=list)
    scheduler: Any = None  # the running APScheduler, once run_polling started it
