"""The Protocols credit notes need, nothing more."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from services.alerts import AlertRepos
from services.credit_notes.model import CreditLine, CreditNote, InvoiceLineLeft
from services.invoices.model import InvoiceMoney
from services.kernel import AuditedUnitOfWork
from services.numbering import NumberingUow
from services.organizations import OrganizationRepository


class CreditNoteRepository(Protocol):
    async def invoice_money(self, invoice_id: int, owner_id: int | None,
                            lock: bool = False) -> InvoiceMoney | None:
        """The invoice's money (`lock`: its row locked to the end of the transaction)."""
        ...

    async def invoice_lines(self, invoice_id: int,
                            before_note: int | None = None) -> list[InvoiceLineLeft]:
        """The invoice's lines with what earlier credit notes took of each (`before_note`:
        only the credit notes issued before that one, ids being issued in order)."""
        ...

    async def add(self, fields: Mapping[str, Any], lines: Sequence[CreditLine]) -> int: ...
    async def get(self, credit_note_id: int, owner_id: int | None,
                  lock: bool = False) -> CreditNote | None: ...
    async def for_invoice(self, invoice_id: int) -> list[CreditNote]: ...
    async def set_credited(self, invoice_id: int, credited_minor: int, status: str,
                           expected_status: str, paid_at: datetime | None) -> bool:
        """False (nothing changed) when the invoice's status is no longer `expected_status`."""
        ...

    async def set_refunded(self, credit_note_id: int, refunded_minor: int,
                           status: str) -> None: ...
    async def refunded_on_invoice(self, invoice_id: int) -> int:
        """The money paid back on the invoice's credit notes, minor units."""
        ...


class CreditNoteUow(AuditedUnitOfWork, NumberingUow, AlertRepos, Protocol):
    @property
    def credit_notes(self) -> CreditNoteRepository: ...
    @property
    def organizations(self) -> OrganizationRepository: ...

