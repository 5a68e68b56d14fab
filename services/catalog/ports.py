"""The Protocols catalog needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from services.catalog.model import Price, Product, ProductDraft
from services.kernel import AuditedUnitOfWork


class ProductRepository(Protocol):
    async def get(self, product_id: int) -> Product | None: ...
    async def by_sku(self, sku: str) -> Product | None: ...
    async def by_name(self, name: str) -> Product | None: ...
    async def search(self, query: str, limit: int, archived: bool = False
                     ) -> Sequence[Product]:
        """Active (or, with `archived`, archived) products whose SKU equals `query` or whose
        name starts with it."""
        ...

    async def page(self, archived: bool, offset: int, limit: int
                   ) -> tuple[Sequence[Product], int]:
        """Active (or archived) products by name, and how many there are."""
        ...

    async def add(self, draft: ProductDraft) -> Product: ...
    async def update(self, product_id: int, draft: ProductDraft) -> Product: ...
    async def set_prices(self, product_id: int, prices: Sequence[Price]) -> None: ...
    async def set_fields(self, product_id: int, values: Mapping[str, Any]) -> None:
        """Sets columns of the product row: name, unit, vat_rate, is_active."""
        ...

    async def price_lists(self) -> Sequence[str]:
        """Every price list code any product has a price in, "base" first."""
        ...

    async def company_price_list(self, company_id: int) -> str | None:
        """The client's price list (companies.price_list), if set."""
        ...


class CatalogUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def products(self) -> ProductRepository: ...
