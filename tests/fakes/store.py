"""The in-memory database and its unit of work.

A `FakeDatabase` holds the committed state. Each unit of work copies it on entry and works on
its copy; `commit()` publishes the copy, leaving without it throws the copy away. So nothing a
unit of work writes is seen by the next one unless it committed, exactly the invariant of
`storage.uow.SqlUnitOfWork`. Writers take one lock, as SQLite's (BEGIN IMMEDIATE plus the
in-process writer lock): two writing units of work never interleave.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from services.clients import CompanyDraft
from services.organizations import Organization
from services.pipelines import PipelineConfig
from services.users import Invite, Role, User
from tests.fakes.crm import (
    FakeAuditRepository,
    FakeCompanyRepository,
    FakeDealRepository,
    FakeInviteRepository,
    FakeLeadRepository,
    FakeTaskCommentRepository,
    FakeTaskRepository,
    FakeUserRepository,
    new_contact_row,
)
from tests.fakes.documents import (
    FakeInvoiceRepository,
    FakeNumberSeriesRepository,
    FakeOrganizationRepository,
    FakeProductRepository,
    FakeQuoteRepository,
)
from tests.fakes.money import FakeAlertRepository, FakePaymentRepository, FakeShipmentRepository
from tests.fakes.outbox import FakeOutbox

Row = dict[str, Any]


@dataclass(frozen=True)
class OutboxRow:
    """A committed outbox row as a test reads the table: what is sent, to whom, its state."""

    key: str
    kind: str
    chat_id: int | None
    email: str | None
    payload: dict[str, Any]
    invoice_id: int | None
    due_at: datetime
    status: str


class FakeIntegrityError(Exception):
    """A constraint the database would enforce (unique, not null, foreign key)."""


@dataclass
class State:
    """Every table the fakes have; rows are plain dicts of column values (users, invites and
    organizations: their frozen dataclasses)."""

    pipelines: dict[str, PipelineConfig] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    invites: dict[str, Invite] = field(default_factory=dict)
    audit: list[Row] = field(default_factory=list)
    companies: dict[int, Row] = field(default_factory=dict)
    contacts: dict[int, Row] = field(default_factory=dict)
    deals: dict[int, Row] = field(default_factory=dict)
    stage_changes: list[Row] = field(default_factory=list)
    tasks: dict[int, Row] = field(default_factory=dict)
    task_comments: list[Row] = field(default_factory=list)
    meeting_slots: dict[int, Row] = field(default_factory=dict)
    interactions: dict[int, Row] = field(default_factory=dict)
    leads: dict[int, Row] = field(default_factory=dict)
    organizations: dict[int, Organization] = field(default_factory=dict)
    products: dict[int, Row] = field(default_factory=dict)
    product_prices: dict[int, Row] = field(default_factory=dict)
    number_series: dict[tuple[int, str, int], Row] = field(default_factory=dict)
    invoices: dict[int, Row] = field(default_factory=dict)
    quotes: dict[int, Row] = field(default_factory=dict)
    document_lines: dict[tuple[str, int], list[Row]] = field(default_factory=dict)
    payments: dict[int, Row] = field(default_factory=dict)
    allocations: list[Row] = field(default_factory=list)
    shipments: dict[int, Row] = field(default_factory=dict)
    installments: dict[int, Row] = field(default_factory=dict)
    dead_chats: set[int] = field(default_factory=set)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)

    def next_id(self, table: str) -> int:
        self.sequences[table] = self.sequences.get(table, 0) + 1
        return self.sequences[table]

    def integrity(self, what: str) -> FakeIntegrityError:
        return FakeIntegrityError(what)

    @staticmethod
    def clock_now() -> datetime:
        """Server-side defaults (`created_at` the caller did not give) use the wall clock."""
        return datetime.now(UTC)

    def copy(self) -> State:
        # The pipelines are configuration, never written: shared, not copied.
        return copy.deepcopy(self, memo={id(self.pipelines): self.pipelines})


class FakeUnitOfWork:
    """`async with db.uow() as uow:` the repositories of one transaction. A repository the
    fakes lack is an AttributeError naming it."""

    def __init__(self, db: FakeDatabase, readonly: bool) -> None:
        self._db = db
        self._readonly = readonly
        self._locked = False
        self._state: State | None = None

    def _bind(self, state: State) -> None:
        self._state = state
        self.users = FakeUserRepository(state)
        self.invites = FakeInviteRepository(state)
        self.companies = FakeCompanyRepository(state)
        self.audit = FakeAuditRepository(state)
        self.deals = FakeDealRepository(state)
        self.tasks = FakeTaskRepository(state)
        self.task_comments = FakeTaskCommentRepository(state)
        self.leads = FakeLeadRepository(state)
        self.organizations = FakeOrganizationRepository(state)
        self.products = FakeProductRepository(state)
        self.numbering = FakeNumberSeriesRepository(state)
        self.invoices = FakeInvoiceRepository(state)
        self.quotes = FakeQuoteRepository(state)
        self.payments = FakePaymentRepository(state)
        self.shipments = FakeShipmentRepository(state)
        self.alerts = FakeAlertRepository(state, state.outbox)
        self.outbox = state.outbox

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self.__dict__.get("_state") is None:
            raise RuntimeError("a unit of work is used inside `async with` only")
        raise AttributeError(f"tests/fakes has no {name!r} repository yet")

    async def __aenter__(self) -> Self:
        if not self._readonly:
            await self._db.writer.acquire()
            self._locked = True
        # A real database is a round trip away: other tasks run meanwhile, so a writer that
        # forgot to serialise would interleave here as it would in production.
        await asyncio.sleep(0)
        self._bind(self._db.state.copy())
        self._outbox_before = len(self.outbox.rows)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        # Whatever was not committed is dropped with the copy.
        for name in list(self.__dict__):
            if not name.startswith("_"):
                del self.__dict__[name]
        self._state = None
        if self._locked:
            self._locked = False
            self._db.writer.release()

    async def commit(self) -> None:
        if self._state is None:
            raise RuntimeError("commit outside `async with`")
        error, self._db.commit_error = self._db.commit_error, None
        if error is not None:
            raise error
        await asyncio.sleep(0)
        self._db.state = self._state.copy()
        self._db.commits += 1
        if len(self.outbox.rows) > self._outbox_before and self._db.on_outbox is not None:
            self._db.on_outbox()
        self._outbox_before = len(self.outbox.rows)


class FakeDatabase:
    """The committed state and the factory of units of work (`db.uow` is what services
    take as `uow`). The helpers below seed what a test needs, each in its own committed unit
    of work, through the same repositories the services use."""

    def __init__(self, pipelines: Sequence[PipelineConfig] = ()) -> None:
        self.state = State(pipelines={p.code: p for p in pipelines})
        self.writer = asyncio.Lock()
        self.commits = 0
        self.on_outbox: Callable[[], None] | None = None
        # Raised by the next commit, which then publishes nothing (a lost connection, a
        # serialization failure): what a use case leaves behind when its commit fails.
        self.commit_error: BaseException | None = None

    def uow(self, readonly: bool = False, *, single_read: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, readonly or single_read)

    @property
    def factory(self) -> Callable[..., FakeUnitOfWork]:
        return self.uow

    @property
    def outbox(self) -> FakeOutbox:
        """The committed outbox: what the sender would find."""
        return self.state.outbox

    def outbox_rows(self) -> list[OutboxRow]:
        """The committed outbox rows in the order they were stored."""
        return [OutboxRow(r.message.key, r.message.kind, r.message.chat_id, r.message.email,
                          dict(r.message.payload), r.message.invoice_id, r.due_at, r.status)
                for _, r in sorted(self.state.outbox.rows.items())]

    # --- seeding ------------------------------------------------------------------------

    async def add_user(self, telegram_id: int, role: Role = Role.MANAGER, name: str = "",
                       language: str | None = "en", timezone: str | None = "UTC") -> User:
        async with self.uow() as uow:
            user = await uow.users.add(telegram_id, role, name, None, language, timezone)
            await uow.commit()
        return user

    async def add_company(self, owner_id: int, name: str, **values: Any) -> int:
        """A client of `owner_id`; `values` sets other columns (tax_id, email,
        payment_terms_days, timezone ...)."""
        async with self.uow() as uow:
            company = await uow.companies.add(owner_id, CompanyDraft(name=name),
                                              datetime.now(UTC))
            assert uow._state is not None
            uow._state.companies[company.id].update(values)
            await uow.commit()
        return company.id

    async def add_contact(self, owner_id: int, name: str, **values: Any) -> int:
        """A contact (company_id, telegram_user_id, language, email ... in `values`)."""
        async with self.uow() as uow:
            assert uow._state is not None
            row = new_contact_row(uow._state, owner_id, name, datetime.now(UTC), **values)
            await uow.commit()
        return int(row["id"])
