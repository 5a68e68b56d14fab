"""The catalog: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from collections.abc import Sequence

from services.catalog.model import (
    BASE_LIST,
    PRODUCT_EDIT_FIELDS,
    ImportReport,
    Price,
    Product,
    ProductDraft,
    ProductPage,
    clean_currency,
    clean_name,
    clean_price,
    clean_price_list,
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

EDITORS = (Role.ADMIN, Role.HEAD)
# The product card's fields and their columns.
COLUMNS = {"name": "name", "vat": "vat_rate", "unit": "unit"}


class CatalogService:
    """Search is open to all staff; adding and editing need admin or head; import needs
    admin."""

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

    @staticmethod
    def clean_price_list(text: str) -> str:
        """A price list's name as typed (services.catalog.clean_price_list)."""
        return clean_price_list(text)

    async def search(self, actor: Actor, query: str, limit: int = 8,
                     archived: bool = False) -> Sequence[Product]:
        """Active (with `archived`: archived) products whose SKU equals the query or whose
        name starts with it."""
        if not actor.is_staff:
            raise Forbidden()
        query = normalize_typed(query)
        if not query:
            return []
        async with self._uow(readonly=True) as uow:
            return await uow.products.search(query, limit, archived)

    async def page(self, actor: Actor, archived: bool = False, offset: int = 0,
                   limit: int = 10) -> ProductPage:
        """The catalog list: active products (or the archived ones) by name."""
        if not actor.is_staff:
            raise Forbidden()
        offset = max(0, offset)
        async with self._uow(readonly=True) as uow:
            items, total = await uow.products.page(archived, offset, limit)
        return ProductPage(tuple(items), total, offset, limit, archived)

    async def price_lists(self, actor: Actor) -> Sequence[str]:
        """The price lists products have prices in, the base list first."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            found = list(await uow.products.price_lists())
        return [BASE_LIST, *(x for x in found if x != BASE_LIST)]

    async def card(self, actor: Actor, product_id: int) -> Product:
        """A product as its card shows it, archived or not."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            product = await uow.products.get(product_id)
        if product is None:
            raise NotFound(entity="product", id=product_id)
        return product

    @staticmethod
    def may_edit(actor: Actor) -> bool:
        return actor.role in EDITORS

    async def edit(self, actor: Actor, product_id: int, field: str, text: str) -> Product:
        """Changes the product's name, VAT rate ("vat") or unit, validated as at creation;
        audited with the old and the new value. Documents keep their lines."""
        if actor.role not in EDITORS:
            raise Forbidden()
        if field not in PRODUCT_EDIT_FIELDS:
            raise InvalidInput("unknown_field", field=field)
        value = self.clean_field(field, text)
        async with self._uow() as uow:
            product = await uow.products.get(product_id)
            if product is None:
                raise NotFound(entity="product", id=product_id)
            old = {"name": product.name, "vat": product.vat_code, "unit": product.unit}[field]
            if old != value:
                await uow.products.set_fields(product.id, {COLUMNS[field]: value})
                await uow.audit.add(actor.id, "product.edit", "product", product.id, {
                    "changes": [{"field": field, "old": old, "new": value}]})
            fresh = await uow.products.get(product.id)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def set_price(self, actor: Actor, product_id: int, price_list: str, currency: str,
                        text: str) -> Product:
        """The product's price in a price list and currency (a new list is made by giving a
        price in it), validated as at creation; audited with the old and the new price."""
        if actor.role not in EDITORS:
            raise Forbidden()
        code = clean_price_list(price_list)
        cur = clean_currency(currency)
        amount = clean_price(text, cur)
        to_minor(amount, cur)
        async with self._uow() as uow:
            product = await uow.products.get(product_id)
            if product is None:
                raise NotFound(entity="product", id=product_id)
            # The same list however it is typed ("опт" is the existing «Опт»).
            known = {x.casefold(): x for x in await uow.products.price_lists()}
            code = known.get(code.casefold(), code)
            old = product.exact_price(cur, code)
            if old != amount:
                await uow.products.set_prices(product.id, [Price(code, cur, amount)])
                await uow.audit.add(actor.id, "product.edit", "product", product.id, {
                    "changes": [{"field": "price", "price_list": code, "currency": cur,
                                 "old": None if old is None else str(old),
                                 "new": str(amount)}]})
            fresh = await uow.products.get(product.id)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def archive(self, actor: Actor, product_id: int) -> Product:
        return await self._set_active(actor, product_id, False)

    async def restore(self, actor: Actor, product_id: int) -> Product:
        return await self._set_active(actor, product_id, True)

    async def _set_active(self, actor: Actor, product_id: int, active: bool) -> Product:
        if actor.role not in EDITORS:
            raise Forbidden()
        async with self._uow() as uow:
            product = await uow.products.get(product_id)
            if product is None:
                raise NotFound(entity="product", id=product_id)
            if product.is_active != active:
                await uow.products.set_fields(product.id, {"is_active": active})
                states = ("archived", "active")
                await uow.audit.add(
                    actor.id, "product.restore" if active else "product.archive", "product",
                    product.id, {"changes": [{"field": "status",
                                              "old": states[product.is_active],
                                              "new": states[active]}]})
            fresh = await uow.products.get(product.id)
            await uow.commit()
        assert fresh is not None
        return fresh

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
