"""The catalog: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from collections.abc import Sequence

from services.catalog.model import (
    ImportReport,
    Price,
    Product,
    ProductDraft,
    clean_currency,
    clean_name,
    clean_price,
    clean_sku,
    clean_unit,
    parse_csv,
    parse_vat_code,
)
from services.catalog.ports import CatalogUnitOfWork
from services.clock import Clock
from services.errors import Forbidden, InvalidInput, NotFound
from services.kernel import UowFactory
from services.money import (
    to_minor,
)
from services.text import normalize_typed
from services.users import Actor, Role


class CatalogService:
    """Search is open to all staff; adding needs admin or head; import needs admin."""

    def __init__(self, uow: UowFactory[CatalogUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    @staticmethod
    def clean_field(field: str, text: str, currency: str | None = None) -> str:
        """One typed value of the add-product flow, normalised (price as plain decimal)."""
        if field == "name":
            return clean_name(text)
        if field == "sku":
            return clean_sku(text) or ""
        if field == "unit":
            return clean_unit(text)
        if field == "vat":
            return parse_vat_code(text)
        if field == "currency":
            return clean_currency(text)
        if field == "price":
            return str(clean_price(text, currency))
        raise InvalidInput("unknown_field", field=field)

    async def search(self, actor: Actor, query: str, limit: int = 8) -> Sequence[Product]:
        """Active products whose SKU equals the query or whose name starts with it."""
        if not actor.is_staff:
            raise Forbidden()
        query = normalize_typed(query)
        if not query:
            return []
        async with self._uow(readonly=True) as uow:
            return await uow.products.search(query, limit)

    async def get(self, actor: Actor, product_id: int) -> Product:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            product = await uow.products.get(product_id)
        if product is None or not product.is_active:
            raise NotFound(entity="product", id=product_id)
        return product

    async def create(self, actor: Actor, draft: ProductDraft) -> Product:
        if actor.role not in (Role.ADMIN, Role.HEAD):
            raise Forbidden()
        clean = ProductDraft(
            name=clean_name(draft.name), vat_code=parse_vat_code(draft.vat_code),
            sku=clean_sku(draft.sku or ""), unit=clean_unit(draft.unit), kind=draft.kind,
            prices=tuple(Price(p.price_list, clean_currency(p.currency), p.amount)
                         for p in draft.prices))
        for p in clean.prices:
            to_minor(p.amount, p.currency)  # more decimals than the currency has: a bug
        async with self._uow() as uow:
            if clean.sku and await uow.products.by_sku(clean.sku) is not None:
                raise InvalidInput("sku_taken", field="sku")
            product = await uow.products.add(clean)
            await uow.audit.add(actor.id, "product.create", "product", product.id)
            await uow.commit()
        return product

    async def import_csv(self, actor: Actor, data: bytes) -> ImportReport:
        if actor.role != Role.ADMIN:
            raise Forbidden()
        good, bad = parse_csv(data)
        created = updated = 0
        async with self._uow() as uow:
            touched: dict[str, int] = {}  # products created or updated by this file
            for _line, draft in good:
                key = draft.sku or f"name:{draft.name.casefold()}"
                if key in touched:
                    await uow.products.set_prices(touched[key], draft.prices)
                    continue
                existing = (await uow.products.by_sku(draft.sku) if draft.sku
                            else await uow.products.by_name(draft.name))
                if existing is None:
                    product = await uow.products.add(draft)
                    created += 1
                else:
                    product = await uow.products.update(existing.id, draft)
                    updated += 1
                touched[key] = product.id
            await uow.audit.add(actor.id, "product.import", "product", None,
                                {"created": created, "updated": updated,
                                 "rejected": len(bad)})
            await uow.commit()
        return ImportReport(created, updated, tuple(bad))
