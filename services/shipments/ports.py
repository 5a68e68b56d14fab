"""The Protocols shipments needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from services.deals import DealRepository
from services.invoices.model import InvoiceMoney
from services.kernel import AuditedUnitOfWork, UowFactory
from services.shipments.model import InstallmentRow


class ShipmentRepository(Protocol):
    async def shipped(self, invoice_id: int) -> bool: ...
    async def shipped_at(self, invoice_id: int) -> datetime | None: ...
    async def shipped_among(self, invoice_ids: Sequence[int]) -> set[int]: ...
    async def add(self, invoice_id: int, kind: str, on_credit: bool,
                  guarantee_until: date | None, actor_id: int | None, now: datetime) -> int: ...
    async def add_installments(self, invoice_id: int,
                               parts: Sequence[tuple[date, int]]) -> None: ...
    async def installments(self, invoice_ids: Sequence[int]) -> list[InstallmentRow]: ...
    async def set_installment_paid(self, installment_id: int, paid_minor: int,
                                   status: str) -> None: ...


class InvoiceMoneyRepository(Protocol):
    """What shipping (and settling) needs of the money side; `storage/payments.py` implements
    it together with the rest of `services.payments.ports.PaymentRepository`."""

    async def invoice_money(self, invoice_id: int, owner_id: int | None,
                            lock: bool = False) -> InvoiceMoney | None: ...
    async def deal_fully_paid(self, deal_id: int) -> bool: ...


class ShipmentUow(AuditedUnitOfWork, Protocol):
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def payments(self) -> InvoiceMoneyRepository: ...
    @property
    def deals(self) -> DealRepository: ...


ShipmentUowFactory = UowFactory[ShipmentUow]
