"""The SQLAlchemy unit of work: one session, one transaction, rollback unless committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self, cast

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.alerts import SqlAlertRepository
from storage.audit import SqlAuditRepository
from storage.catalog import SqlProductRepository
from storage.companies import SqlCompanyRepository
from storage.contracts import SqlContractRepository
from storage.db import is_sqlite
from storage.deals import SqlDealRepository
from storage.delivery import SqlDeliveryRepository
from storage.documents import SqlStoredDocumentRepository
from storage.funnel import SqlFunnelRepository
from storage.interactions import SqlInteractionFileRepository, SqlInteractionRepository
from storage.invoices import SqlInvoiceRepository, SqlQuoteRepository
from storage.leads import SqlLeadRepository
from storage.numbering import SqlNumberSeriesRepository
from storage.organizations import SqlOrganizationRepository
from storage.outbox import SqlOutboxQueries
from storage.payments import SqlPaymentRepository
from storage.receivables import SqlReceivableRepository
from storage.requisites import SqlCompanyTransferRepository, SqlRequisitesRepository
from storage.search import SqlSearchRepository
from storage.shipments import SqlShipmentRepository
from storage.tasks import SqlTaskRepository
from storage.users import SqlInviteRepository, SqlUserRepository

if TYPE_CHECKING:
    from services.ports import UowFactory


class SqlUnitOfWork:
    def __init__(self, session: AsyncSession, dialect: str,
                 write_lock: asyncio.Lock | None = None,
                 on_outbox: Callable[[], None] | None = None) -> None:
        self.session = session
        self.dialect = dialect
        self._write_lock = write_lock
        self._on_outbox = on_outbox
        self.users = SqlUserRepository(session)
        self.invites = SqlInviteRepository(session, dialect)
        self.companies = SqlCompanyRepository(session)
        self.audit = SqlAuditRepository(session)
        self.deals = SqlDealRepository(session)
        self.search = SqlSearchRepository(session, dialect)
        self.requisites = SqlRequisitesRepository(session)
        self.transfers = SqlCompanyTransferRepository(session)
        self.tasks = SqlTaskRepository(session)
        self.interactions = SqlInteractionRepository(session)
        self.interaction_files = SqlInteractionFileRepository(session)
        self.funnel = SqlFunnelRepository(session)
        self.leads = SqlLeadRepository(session, dialect)
        self.organizations = SqlOrganizationRepository(session)
        self.products = SqlProductRepository(session)
        self.numbering = SqlNumberSeriesRepository(session, dialect)
        self.invoices = SqlInvoiceRepository(session)
        self.quotes = SqlQuoteRepository(session)
        self.delivery = SqlDeliveryRepository(session)
        self.stored_documents = SqlStoredDocumentRepository(session)
        self.payments = SqlPaymentRepository(session, dialect)
        self.outbox = SqlOutboxQueries(session, dialect)
        self.alerts = SqlAlertRepository(session, dialect)
        self.contracts = SqlContractRepository(session)
        self.shipments = SqlShipmentRepository(session)
        self.receivables = SqlReceivableRepository(session)
        self._committed = False

    async def __aenter__(self) -> Self:
        if self._write_lock is not None:
            await self._write_lock.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            await self.session.close()
            if self._write_lock is not None:
                self._write_lock.release()

    async def commit(self) -> None:
        await self.session.commit()
        self._committed = True
        if self.outbox.enqueued and self._on_outbox is not None:
            # Messages were committed with the change that caused them: wake the sender now
            # rather than at its next tick, so a push arrives in well under a second.
            self._on_outbox()


class Database:
    """Owns the engine and hands out units of work; `bot/` builds one per process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._write = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        read_bind = engine.execution_options(sqlite_begin="NONE") if is_sqlite(
            str(engine.url)) else engine
        self._read = async_sessionmaker(read_bind, expire_on_commit=False, autoflush=False)
        # SQLite has one writer at a time. Queuing our own writers here is far cheaper than
        # letting them collide on BEGIN IMMEDIATE, where SQLite's busy handler sleeps in
        # steps of up to 100 ms; the busy timeout is left for other processes.
        self._sqlite_writer = asyncio.Lock() if self.dialect == "sqlite" else None
        # Called after a commit that stored outbox rows (bot/ wakes the outbox sender).
        self.on_outbox: Callable[[], None] | None = None

    def uow(self, readonly: bool = False) -> SqlUnitOfWork:
        if readonly:
            return SqlUnitOfWork(self._read(), self.dialect)
        return SqlUnitOfWork(self._write(), self.dialect, self._sqlite_writer,
                             self._outbox_committed)

    def _outbox_committed(self) -> None:
        if self.on_outbox is not None:
            self.on_outbox()

    @property
    def factory(self) -> UowFactory:
        """`uow` typed as the services' port (the repositories satisfy it structurally)."""
        return cast("UowFactory", self.uow)

    async def dispose(self) -> None:
        await self.engine.dispose()


if TYPE_CHECKING:  # mypy checks the unit of work satisfies the services' narrow ports
    from services.alerts import AlertUnitOfWork
    from storage.outbox import OutboxUnitOfWork

    def _alerts(uow: SqlUnitOfWork) -> AlertUnitOfWork:
        return uow

    def _outbox(uow: SqlUnitOfWork) -> OutboxUnitOfWork:
        return uow
