"""The Protocols catalog needs, nothing more: its repositories and the unit of work of its
use cases (`storage/uow.py` satisfies them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from services.catalog.model import Price, Product, ProductDraft
from services.kernel import AuditedUnitOfWork


class ProductRepository(Protocol):
    async def get(self, product_id: int) -> Product | None: ...
    async def by_sku(self, sku: str) -> Product | None: ...
    async def by_name(self, name: str) -> Product | None: ...
    async def search(self, query: str, limit: int) -> Sequence[Product]:
        """Active products whose SKU equals `query` or whose name starts with it."""
        ...

    async def add(self, draft: ProductDraft) -> Product: ...
    async def update(self, product_id: int, draft: ProductDraft) -> Product: ...
    async def set_prices(self, product_id: int, prices: Sequence[Price]) -> None: ...


class CatalogUnitOfWork(AuditedUnitOfWork, Protocol):
    @property
    def products(self) -> ProductRepository: ...
