"""The SQLAlchemy unit of work: one session, one transaction, rollback unless committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.alerts import SqlAlertRepository
from storage.audit import SqlAuditLogRepository, SqlAuditRepository
from storage.business import SqlBusinessRepository
from storage.catalog import SqlProductRepository
from storage.companies import SqlClientProfileRepository, SqlCompanyRepository
from storage.contracts import SqlContractRepository
from storage.credit_notes import SqlCreditNoteRepository
from storage.db import is_sqlite
from storage.deals import SqlDealRepository
from storage.delivery import SqlDeliveryRepository
from storage.documents import SqlStoredDocumentRepository
from storage.files import SqlFileRepository
from storage.funnel import SqlFunnelRepository
from storage.interactions import SqlInteractionFileRepository, SqlInteractionRepository
from storage.invoices import SqlInvoiceRepository, SqlQuoteRepository
from storage.issued_documents import SqlIssuedDocumentRepository
from storage.leads import SqlLeadRepository
from storage.mail import SqlMailRepository
from storage.numbering import SqlNumberSeriesRepository
from storage.organizations import SqlOrganizationRepository
from storage.outbox import SqlOutboxQueries
from storage.payments import SqlPaymentRepository
from storage.receivables import SqlReceivableRepository
from storage.reports import SqlReportRepository
from storage.requisites import SqlCompanyTransferRepository, SqlRequisitesRepository
from storage.search import SqlSearchRepository
from storage.shipments import SqlShipmentRepository
from storage.tasks import SqlTaskCommentRepository, SqlTaskRepository
from storage.users import IdentityReader, SqlInviteRepository, SqlUserRepository


class SqlUnitOfWork:
    """The one unit of work behind every feature's narrow port (`services/*/ports.py`): it
    satisfies them structurally, so `Database.uow` is passed as each service's factory.
    A repository is built on first use: a use case pays only for what it touches."""

    def __init__(self, make_session: Callable[[], AsyncSession], dialect: str,
                 write_lock: asyncio.Lock | None = None,
                 on_outbox: Callable[[], None] | None = None,
                 autocommit: bool = False, identities: IdentityReader | None = None) -> None:
        self._make_session = make_session
        self.dialect = dialect
        self._identities = identities
        self._write_lock = write_lock
        self._on_outbox = on_outbox
        # Nothing to roll back outside a transaction: closing the session is enough.
        self._committed = autocommit

    @cached_property
    def session(self) -> AsyncSession:
        """Made on first use: the identity read on PostgreSQL needs none (`identities`)."""
        return self._make_session()

    @cached_property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(lambda: self.session, identities=self._identities)

    @cached_property
    def invites(self) -> SqlInviteRepository:
        return SqlInviteRepository(self.session, self.dialect)

    @cached_property
    def companies(self) -> SqlCompanyRepository:
        return SqlCompanyRepository(self.session)

    @cached_property
    def audit(self) -> SqlAuditRepository:
        return SqlAuditRepository(self.session)

    @cached_property
    def audit_log(self) -> SqlAuditLogRepository:
        return SqlAuditLogRepository(self.session)

    @cached_property
    def profiles(self) -> SqlClientProfileRepository:
        return SqlClientProfileRepository(self.session)

    @cached_property
    def deals(self) -> SqlDealRepository:
        return SqlDealRepository(self.session)

    @cached_property
    def search(self) -> SqlSearchRepository:
        return SqlSearchRepository(self.session, self.dialect)

    @cached_property
    def requisites(self) -> SqlRequisitesRepository:
        return SqlRequisitesRepository(self.session)

    @cached_property
    def transfers(self) -> SqlCompanyTransferRepository:
        return SqlCompanyTransferRepository(self.session)

    @cached_property
    def tasks(self) -> SqlTaskRepository:
        return SqlTaskRepository(self.session)

    @cached_property
    def task_comments(self) -> SqlTaskCommentRepository:
        return SqlTaskCommentRepository(self.session)

    @cached_property
    def interactions(self) -> SqlInteractionRepository:
        return SqlInteractionRepository(self.session)

    @cached_property
    def interaction_files(self) -> SqlInteractionFileRepository:
        return SqlInteractionFileRepository(self.session)

    @cached_property
    def files(self) -> SqlFileRepository:
        return SqlFileRepository(self.session)

    @cached_property
    def business(self) -> SqlBusinessRepository:
        return SqlBusinessRepository(self.session, self.dialect)

    @cached_property
    def funnel(self) -> SqlFunnelRepository:
        return SqlFunnelRepository(self.session)

    @cached_property
    def reports(self) -> SqlReportRepository:
        return SqlReportRepository(self.session)

    @cached_property
    def leads(self) -> SqlLeadRepository:
        return SqlLeadRepository(self.session, self.dialect)

    @cached_property
    def mail(self) -> SqlMailRepository:
        return SqlMailRepository(self.session, self.dialect)

    @cached_property
    def organizations(self) -> SqlOrganizationRepository:
        return SqlOrganizationRepository(self.session)

    @cached_property
    def products(self) -> SqlProductRepository:
        return SqlProductRepository(self.session)

    @cached_property
    def numbering(self) -> SqlNumberSeriesRepository:
        return SqlNumberSeriesRepository(self.session, self.dialect)

    @cached_property
    def invoices(self) -> SqlInvoiceRepository:
        return SqlInvoiceRepository(self.session)

    @cached_property
    def quotes(self) -> SqlQuoteRepository:
        return SqlQuoteRepository(self.session)

    @cached_property
    def delivery(self) -> SqlDeliveryRepository:
        return SqlDeliveryRepository(self.session)

    @cached_property
    def stored_documents(self) -> SqlStoredDocumentRepository:
        return SqlStoredDocumentRepository(self.session)

    @cached_property
    def payments(self) -> SqlPaymentRepository:
        return SqlPaymentRepository(self.session, self.dialect)

    @cached_property
    def outbox(self) -> SqlOutboxQueries:
        return SqlOutboxQueries(self.session, self.dialect)

    @cached_property
    def alerts(self) -> SqlAlertRepository:
        return SqlAlertRepository(self.session, self.dialect)

    @cached_property
    def contracts(self) -> SqlContractRepository:
        return SqlContractRepository(self.session)

    @cached_property
    def shipments(self) -> SqlShipmentRepository:
        return SqlShipmentRepository(self.session)

    @cached_property
    def receivables(self) -> SqlReceivableRepository:
        return SqlReceivableRepository(self.session)

    @cached_property
    def credit_notes(self) -> SqlCreditNoteRepository:
        return SqlCreditNoteRepository(self.session, self.dialect)

    @cached_property
    def issued_documents(self) -> SqlIssuedDocumentRepository:
        return SqlIssuedDocumentRepository(self.session)

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
            if not self._committed and "session" in self.__dict__:
                await self.session.rollback()
        finally:
            if "session" in self.__dict__:
                await self.session.close()
            if self._write_lock is not None:
                self._write_lock.release()

    async def commit(self) -> None:
        await self.session.commit()
        self._committed = True
        # Only a transaction that touched the outbox can have enqueued (a repository is built
        # on first use: looking at `self.outbox` here would build one for nothing).
        if "outbox" in self.__dict__ and self.outbox.enqueued and self._on_outbox is not None:
            # Messages were committed with the change that caused them: wake the sender now
            # rather than at its next tick, so a push arrives in well under a second.
            self._on_outbox()


class Database:
    """Owns the engine and hands out units of work; `bot/` builds one per process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._write = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        sqlite = is_sqlite(str(engine.url))
        read_bind = engine.execution_options(sqlite_begin="NONE") if sqlite else engine
        self._read = async_sessionmaker(read_bind, expire_on_commit=False, autoflush=False)
        # One read statement in autocommit: on PostgreSQL a read-only transaction around it
        # costs a BEGIN and a ROLLBACK, two round trips beside the read's one. (Not every
        # read-only unit of work: a server-side cursor and SET LOCAL need a transaction.)
        single_bind = read_bind if sqlite else engine.execution_options(
            isolation_level="AUTOCOMMIT")
        self._single = async_sessionmaker(single_bind, expire_on_commit=False, autoflush=False)
        # SQLite has one writer at a time. Queuing our own writers here is far cheaper than
        # letting them collide on BEGIN IMMEDIATE, where SQLite's busy handler sleeps in
        # steps of up to 100 ms; the busy timeout is left for other processes.
        self._sqlite_writer = asyncio.Lock() if self.dialect == "sqlite" else None
        # The identity read of every update, on PostgreSQL straight on the driver, shared by
        # the updates that arrive together (storage.users.IdentityReader).
        self._identities = IdentityReader(engine) if self.dialect == "postgresql" else None
        # Called after a commit that stored outbox rows (bot/ wakes the outbox sender).
        self.on_outbox: Callable[[], None] | None = None

    def uow(self, readonly: bool = False, *, single_read: bool = False) -> SqlUnitOfWork:
        """`single_read`: one read statement, outside any transaction (see UowFactory)."""
        if single_read:
            return SqlUnitOfWork(self._single, self.dialect, autocommit=True,
                                 identities=self._identities)
        if readonly:
            return SqlUnitOfWork(self._read, self.dialect)
        return SqlUnitOfWork(self._write, self.dialect, self._sqlite_writer,
                             self._outbox_committed)

    def _outbox_committed(self) -> None:
        if self.on_outbox is not None:
            self.on_outbox()

    async def dispose(self) -> None:
        if self._identities is not None:  # reads in flight return their connections first
            await self._identities.wait_idle()
        await self.engine.dispose()


if TYPE_CHECKING:  # mypy checks the unit of work satisfies the outbox repository's port
    from storage.outbox import OutboxUnitOfWork

    def _outbox(uow: SqlUnitOfWork) -> OutboxUnitOfWork:
        return uow
