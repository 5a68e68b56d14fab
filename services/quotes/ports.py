"""The Protocols quotes needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from typing import Protocol

from services.alerts.ports import AlertRepository
from services.invoices.ports import DocumentRepository, InvoiceUnitOfWork
from services.outbox import OutboxRepository
from services.quotes.model import Quote
from services.users import UserRepository


class QuoteUnitOfWork(InvoiceUnitOfWork, Protocol):
    """An accepted quote becomes an invoice in the same transaction: invoices' port and more."""

    @property
    def quotes(self) -> DocumentRepository[Quote]: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def alerts(self) -> AlertRepository: ...
