"""The Protocols invoices (and the quotes built on their editor) need, nothing more."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from services.alerts import AlertRepos
from services.catalog import ProductRepository
from services.clients import CompanyRepository
from services.deals import DealRepository
from services.invoices.model import BuyerRequisites, CommercialDoc, Invoice
from services.invoices.query import InvoiceQuery
from services.kernel import AuditedUnitOfWork
from services.numbering import NumberingUow
from services.organizations import OrganizationRepository

DocT = TypeVar("DocT", bound=CommercialDoc, covariant=True)


class DocumentRepository(Protocol[DocT]):
    """Quotes or invoices with their lines. Values are column names of the table."""

    async def add(self, fields: Mapping[str, Any]) -> int: ...
    async def get(self, doc_id: int, owner_id: int | None) -> DocT | None: ...
    async def save_draft(self, doc_id: int, lines: Sequence[Mapping[str, Any]],
                         totals: Mapping[str, int], header: Mapping[str, Any]) -> None:
        """Replaces lines and totals (minor units) and sets header fields, together."""
        ...

    async def update(self, doc_id: int, values: Mapping[str, Any],
                     expected: Sequence[str] | None = None) -> bool:
        """False (and nothing changed) when the status is not one of `expected`."""
        ...

    async def list(self, owner_id: int | None, statuses: Sequence[str] | None, offset: int,
                   limit: int) -> tuple[Sequence[DocT], int]:
        """Newest first, without lines."""
        ...

    async def sums_by_currency(self, owner_id: int | None,
                               statuses: Sequence[str]) -> dict[str, int]: ...
    async def company_requisites(self, company_id: int) -> BuyerRequisites | None: ...


class InvoiceRepository(DocumentRepository[Invoice], Protocol):
    async def id_from_quote(self, quote_id: int) -> int | None:
        """The live (not cancelled) invoice made from this quote, if any."""
        ...

    async def last_issued(self, company_id: int, owner_id: int | None) -> int | None:
        """The client's latest issued (not draft, not cancelled) invoice of `owner_id` (None:
        anyone's), if any."""
        ...

    async def list_filtered(self, owner_id: int | None, query: InvoiceQuery, offset: int,
                            limit: int) -> tuple[Sequence[Invoice], int]:
        """The invoices `query` matches, newest first, without lines; and how many."""
        ...

    async def sums_filtered(self, owner_id: int | None, query: InvoiceQuery
                            ) -> dict[str, int]:
        """Total minor units per currency of what `query` matches."""
        ...


class EditorUnitOfWork(AuditedUnitOfWork, Protocol):
    """What editing a draft of either kind needs besides the kind's own repository."""

    @property
    def organizations(self) -> OrganizationRepository: ...
    @property
    def products(self) -> ProductRepository: ...


class InvoiceUnitOfWork(EditorUnitOfWork, NumberingUow, AlertRepos, Protocol):
    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def companies(self) -> CompanyRepository: ...
    @property
    def deals(self) -> DealRepository: ...
