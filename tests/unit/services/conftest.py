"""A small world on the in-memory fakes (tests/fakes): an admin, two managers with a client
each, our organization and every service wired as bot/ wires them, without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.access import AccessService
from services.catalog import CatalogService
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.deals import DealService
from services.invoices import InvoiceService
from services.leads import LeadService
from services.organizations import Organization, OrganizationService, seed_demo_organization
from services.payments import PaymentService
from services.pipelines import load_pipelines
from services.tasks import TaskService
from services.users import Role, User
from tests.fakes import FakeDatabase

ROOT = Path(__file__).resolve().parents[3]
PIPELINES = load_pipelines(ROOT / "config" / "pipelines.toml")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TEAM_CHAT = 900


@dataclass
class World:
    db: FakeDatabase
    clock: FrozenClock
    access: AccessService
    clients: ClientService
    deals: DealService
    tasks: TaskService
    leads: LeadService
    catalog: CatalogService
    invoices: InvoiceService
    payments: PaymentService
    org: Organization
    admin: User
    m1: User
    m2: User
    c1: int  # m1's client
    c2: int  # m2's client


async def make_world() -> World:
    db = FakeDatabase(PIPELINES)
    clock = FrozenClock(T0)
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M1", None, "en")
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "M2", None, "ru")
    org = await seed_demo_organization(OrganizationService(db.uow, clock, 5))
    clients = ClientService(db.uow, clock, "RU")
    c1 = await clients.create_company(m1, CompanyDraft(name="Ромашка", country="RU"))
    c2 = await clients.create_company(m2, CompanyDraft(name="Василёк", country="RU"))
    deals = DealService(db.uow, clock, PIPELINES)
    return World(
        db=db, clock=clock, access=access, clients=clients, deals=deals,
        tasks=TaskService(db.uow, clock, "Europe/Moscow"),
        leads=LeadService(db.uow, clock, deals),
        catalog=CatalogService(db.uow, clock),
        invoices=InvoiceService(db.uow, clock, "UTC", 5),
        payments=PaymentService(db.uow, clock, deals, "UTC", team_chat_id=TEAM_CHAT),
        org=org, admin=admin, m1=m1, m2=m2, c1=c1.id, c2=c2.id)


@pytest.fixture
async def w() -> World:
    return await make_world()
